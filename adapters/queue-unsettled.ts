// A deadline for the handler thenables handBack gives back untouched (queue-result.ts): one whose `then` nothing calls
// (a nats.js consume({ callback }) drops it) would keep its span open forever, never exported nor counted. Each is
// watched from the moment it is handed back until its `then` is first called; past the deadline, `expire` runs (the
// span ended, marked unsettled, counted). One shared unref'd timer for all: a list in hand-back order (the deadline is
// the same for all, so the oldest is always the next due), O(1) to add and to remove once `then` is called.

/** A watched thenable; `expire` null once it left the list. */
export interface Watch { at: number; expire: (() => void) | null; prev: Watch | null; next: Watch | null }

/** nats.js JetStream's default AckWait: a message not acked by then is redelivered anyway. */
export const DEFAULT_DEADLINE_MS = 30_000;
/** setTimeout's largest delay (a larger one fires at once, with a warning). */
const MAX_DELAY = 2 ** 31 - 1;

let deadlineMs = DEFAULT_DEADLINE_MS;
let head: Watch | null = null;
let tail: Watch | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;

/**
 * How long a handler's custom thenable (a thenable that is no native Promise, handed back untouched) may go without its
 * `then` being called before its span is ended, marked `tracewire.queue.unsettled` and counted in
 * queueStats().thenablesUnsettled. In ms, 1 to 2^31-1, default 30000; `Infinity` turns the deadline off (such a span
 * then stays open until `then` is called). Applies to the thenables already waiting too.
 */
export function setThenableDeadline(ms: number): void {
  if (ms !== Infinity && !(Number.isInteger(ms) && ms >= 1 && ms <= MAX_DELAY)) {
    throw new TypeError(`tracewire/queue: setThenableDeadline takes whole ms from 1 to ${MAX_DELAY}, or Infinity (got ${String(ms)})`);
  }
  deadlineMs = ms;
  arm();
}

/** Watch a thenable just handed back; null when the deadline is off. `expire` runs once, past the deadline. */
export function watch(expire: () => void): Watch | null {
  if (deadlineMs === Infinity) return null;
  const w: Watch = { at: performance.now(), expire, prev: tail, next: null };
  if (tail === null) head = w;
  else tail.next = w;
  tail = w;
  if (timer === undefined) arm();
  return w;
}

/** Its `then` was called: out of the list (its closure, span and thenable no longer held). */
export function unwatch(w: Watch | null): void {
  if (w === null || w.expire === null) return;
  w.expire = null;
  if (w.prev === null) head = w.next;
  else w.prev.next = w.next;
  if (w.next === null) tail = w.prev;
  else w.next.prev = w.prev;
  w.prev = w.next = null;
}

/** The one timer, for the oldest watch; one already set is cleared (a watch added while sweep ran armed its own). */
function arm(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  if (head === null || deadlineMs === Infinity) return;
  const due = head.at + deadlineMs;
  timer = setTimeout(sweep, Math.min(MAX_DELAY, Math.max(1, Math.ceil(due - performance.now()))));
  timer.unref(); // never keeps the process alive
}

/** Expire every watch past the deadline, oldest first; then wait for the next one. */
function sweep(): void {
  timer = undefined; // fired; an expire that hands back another thenable (or sets the deadline) may arm one: arm() below clears it
  const now = performance.now();
  while (head !== null && head.at + deadlineMs <= now) {
    const expire = head.expire!;
    unwatch(head);
    try { expire(); } catch { /* never into the timer's caller: expire guards itself, this is the last line */ }
  }
  arm();
}

/** Internal (tests): how many thenables are waiting. */
export function watching(): number {
  let n = 0;
  for (let w = head; w !== null; w = w.next) n++;
  return n;
}
