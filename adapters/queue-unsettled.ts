// A deadline for the handler thenables handBack gives back untouched (queue-result.ts): one whose `then` nothing calls
// (a nats.js consume({ callback }) drops it) would keep its span open forever, never exported nor counted. Each is
// watched from the moment it is handed back until its `then` is first called; past the deadline, `expire` runs (the
// span ended, marked unsettled, counted). One shared unref'd timer for all: a list in hand-back order (the deadline is
// the same for all, so the oldest is always the next due), O(1) to add and to remove once `then` is called. While the
// deadline is Infinity the thenables handed back are held weakly (one the application dropped is collected, its span
// with it), in hand-back order, and join the list's tail when a finite deadline is set: all in the list are older.

/** A watched thenable; `expire` null once it left the list; `ref` its entry in `asleep`, while it is there. */
export interface Watch { at: number; expire: (() => void) | null; prev: Watch | null; next: Watch | null; ref: WeakRef<Watch> | null }

/** nats.js JetStream's default AckWait: a message not acked by then is redelivered anyway. */
export const DEFAULT_DEADLINE_MS = 30_000;
/** setTimeout's largest delay (a larger one fires at once, with a warning). */
const MAX_DELAY = 2 ** 31 - 1;

let deadlineMs = DEFAULT_DEADLINE_MS;
let head: Watch | null = null;
let tail: Watch | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
/** The thenables handed back while the deadline is Infinity, oldest first; collected ones let go as it grows. */
const asleep = new Set<WeakRef<Watch>>();
const PRUNE_MIN = 1024;
let pruneAt = PRUNE_MIN;

/**
 * How long a handler's custom thenable (a thenable that is no native Promise, handed back untouched) may go without its
 * `then` being called before its span is ended, marked `tracewire.queue.unsettled` and counted in
 * queueStats().thenablesUnsettled. In ms, 1 to 2^31-1, default 30000; `Infinity` turns the deadline off (such a span
 * then stays open until `then` is called). Applies to the thenables already waiting too, those handed back while it was
 * `Infinity` included: each is due at its hand-back plus the deadline (one waiting longer already ends at once). While
 * it is `Infinity` those are held weakly: one the application dropped is collected with its span, never ended.
 */
export function setThenableDeadline(ms: number): void {
  if (ms !== Infinity && !(Number.isInteger(ms) && ms >= 1 && ms <= MAX_DELAY)) {
    throw new TypeError(`tracewire/queue: setThenableDeadline takes whole ms from 1 to ${MAX_DELAY}, or Infinity (got ${String(ms)})`);
  }
  const wasOff = deadlineMs === Infinity;
  deadlineMs = ms;
  if (wasOff && ms !== Infinity) wake();
  arm();
}

/** Watch a thenable just handed back (weakly while the deadline is off). `expire` runs once, past the deadline. */
export function watch(expire: () => void): Watch {
  const w: Watch = { at: performance.now(), expire, prev: null, next: null, ref: null };
  if (deadlineMs === Infinity) {
    if (asleep.size >= pruneAt) prune();
    w.ref = new WeakRef(w); // the Waiter holds w as long as its thenable's shadowed `then` is reachable
    asleep.add(w.ref);
    return w;
  }
  append(w);
  if (timer === undefined) arm();
  return w;
}

function append(w: Watch): void {
  w.prev = tail;
  if (tail === null) head = w;
  else tail.next = w;
  tail = w;
}

/** Let go of the collected; the next prune at twice what is left (amortized O(1) per hand-back, bounded memory). */
function prune(): void {
  for (const r of asleep) if (r.deref() === undefined) asleep.delete(r);
  pruneAt = Math.max(PRUNE_MIN, 2 * asleep.size);
}

/** A finite deadline again: the thenables still alive join the list, in hand-back order (all later than the list's). */
function wake(): void {
  for (const r of asleep) {
    const w = r.deref();
    if (w !== undefined) { w.ref = null; append(w); }
  }
  asleep.clear();
  pruneAt = PRUNE_MIN;
}

/** Its `then` was called: out of the list (its closure, span and thenable no longer held). */
export function unwatch(w: Watch | null): void {
  if (w === null || w.expire === null) return;
  w.expire = null;
  if (w.ref !== null) { asleep.delete(w.ref); w.ref = null; return; }
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

/** Internal (tests): how many thenables are waiting (asleep ones not yet collected included). */
export function watching(): number {
  let n = 0;
  for (let w = head; w !== null; w = w.next) n++;
  for (const r of asleep) if (r.deref() !== undefined) n++;
  return n;
}

/** Internal (tests): how many entries are held, collected ones not yet let go included. */
export function held(): number {
  let n = asleep.size;
  for (let w = head; w !== null; w = w.next) n++;
  return n;
}
