// What a traced message handler's caller gets back: what the untraced handler would have returned, the message's
// span ended when that outcome is known. Internal (queue.ts and the recipes).
import { Span, type AnySpan } from '../src/span.js';
import type { Tracer } from '../src/tracer.js';
import { queueCounters } from './queue-stats.js';
import { unwatch, watch, type Watch } from './queue-unsettled.js';

type Then = (this: unknown, onFulfilled?: unknown, onRejected?: unknown) => unknown;

/**
 * `r`'s `then` when `await r` would call it, else undefined. A `then` getter that throws makes it no thenable here:
 * it is handed back as a value, and the caller's own `await` meets the same throw it would untraced.
 */
function thenOf(r: unknown): Then | undefined {
  if (r === null || (typeof r !== 'object' && typeof r !== 'function')) return undefined;
  try {
    const then = (r as { then?: unknown }).then;
    return typeof then === 'function' ? (then as Then) : undefined;
  } catch {
    return undefined;
  }
}

/** A value `await` would wait for. */
export function isPromiseLike(r: unknown): r is PromiseLike<unknown> {
  return thenOf(r) !== undefined;
}

/**
 * A handler's result its broker library drops (nats.js's subscription callback), handed back by handBack: a custom
 * thenable's `then` is called once, so its span ends when it settles; `onError` gets a rejection (or a `then` that
 * throws), else a rejection stays as unhandled as untraced. A native promise (already subscribed by handBack) gets
 * `onError` only.
 */
export function dropped(r: unknown, onError: ((err: unknown) => void) | undefined): void {
  if (!isPromiseLike(r) || (onError === undefined && r instanceof Promise)) return;
  try {
    if (onError === undefined) r.then();
    else r.then(undefined, onError);
  } catch (err) { // a custom thenable's then threw (its span ended with it): never into the broker library
    if (onError !== undefined) onError(err);
  }
}

/** End `span` when `p` settles; a rejection is recorded and passed on. Calls `p.then` once. */
export async function settle<T>(span: AnySpan, p: PromiseLike<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    span.recordError(err);
    throw err;
  } finally {
    span.end();
  }
}

/**
 * The handler's result `r` handed back with `span` ended when it is known: a value at once, as is. A native promise:
 * a promise that settles as it does once the span ended (its rejection stays as unhandled as untraced when dropped).
 * Any other thenable (a Bluebird promise, a query builder that runs on `then`, a one-shot thenable): that very object,
 * its next `then` call (an `await`'s) observed, so `then` runs as often and as late as the application calls it and
 * the span ends before the callbacks passed to it; if nothing calls its `then` within the deadline (setThenableDeadline),
 * the span is ended unsettled (see expireUnsettled). A thenable nothing can be marked on (frozen, a Proxy): a promise
 * that settles as it does, `then` called once now.
 */
export function handBack<R>(span: AnySpan, r: R): R {
  const then = thenOf(r);
  if (then === undefined) { span.end(); return r; }
  if (r instanceof Promise || !observeNextThen(span, r as object, then)) return settle(span, r as PromiseLike<unknown>) as R;
  return r;
}

/** A span waiting for the next `then` call of a thenable handed back untouched (`returnedAt`: the handler's return). */
interface Waiter { readonly span: AnySpan; readonly returnedAt: number; watch: Watch | null }

/**
 * A thenable whose next `then` call is observed: `traced` shadows its `then` until that call. Handed back again
 * meanwhile (an application that keeps one thenable and returns it for every message), it is not shadowed twice
 * (each shadow over the last would hold every earlier span, and one `then` would recurse through them all): the new
 * span waits here too, one `then` call ends them all, and each span's deadline takes that span out.
 */
interface Observed { readonly traced: Then; readonly waiting: Set<Waiter>; called: boolean; readonly expire: (w: Waiter) => void }

/** The thenables being observed (an entry whose `traced` is no longer their `then` is stale: replaced on the next hand-back). */
const observed = new WeakMap<object, Observed>();

/** `w` waits on `o` until its `then` is called, or past the deadline. */
function wait(o: Observed, w: Waiter): void {
  o.waiting.add(w);
  w.watch = watch(() => o.expire(w));
}

/**
 * Shadow `r.then` with a non-enumerable own property that, on its first call, puts the thenable back as it was and
 * calls its own `then` once with callbacks that end the waiting spans first. False when `r` cannot take the property.
 * Until that first call each span is watched: past its deadline it is ended unsettled, and once none waits the
 * thenable is put back as it was.
 */
function observeNextThen(span: AnySpan, r: object, then: Then): boolean {
  const w: Waiter = { span, returnedAt: performance.now(), watch: null };
  const seen = observed.get(r);
  if (seen !== undefined && !seen.called && then === seen.traced) { wait(seen, w); return true; } // already shadowed: one more span waits
  let own: PropertyDescriptor | undefined;
  try { own = Object.getOwnPropertyDescriptor(r, 'then'); } catch { return false; }
  const restore = (): void => {
    try {
      if (own === undefined) delete (r as { then?: unknown }).then;
      else Object.defineProperty(r, 'then', own);
    } catch { /* a Proxy that refuses: its then stays ours, which calls the original */ }
  };
  function traced(this: unknown, onFulfilled?: unknown, onRejected?: unknown): unknown {
    if (o.called) return Reflect.apply(then, this, [onFulfilled, onRejected]); // later calls, if restoring failed
    o.called = true;
    if (observed.get(r) === o) observed.delete(r);
    const spans: AnySpan[] = [];
    for (const x of o.waiting) { unwatch(x.watch); spans.push(x.span); }
    o.waiting.clear();
    restore();
    let ended = false;
    const end = (err: unknown, failed: boolean): void => {
      if (ended) return; // a thenable that calls back twice
      ended = true;
      for (const s of spans) { if (failed) s.recordError(err); s.end(); }
    };
    try {
      return Reflect.apply(then, this, [
        (v: unknown) => { end(undefined, false); return typeof onFulfilled === 'function' ? onFulfilled(v) : v; },
        (e: unknown) => { end(e, true); if (typeof onRejected === 'function') return onRejected(e); throw e; },
      ]);
    } catch (err) { // its then threw: the caller's await rejects with that, as untraced
      end(err, true);
      throw err;
    }
  }
  const o: Observed = {
    traced,
    waiting: new Set(),
    called: false,
    // then not called within the deadline: it never will be, or too late for the span. A late then still runs the
    // thenable (put back, or through traced), without ending the span: it no longer waits
    expire: (x: Waiter): void => {
      if (o.called || !o.waiting.delete(x)) return;
      if (o.waiting.size === 0) {
        try { if (Object.getOwnPropertyDescriptor(r, 'then')?.value === traced) restore(); } catch { /* a Proxy: traced stays, calls the original */ }
      }
      expireUnsettled(x.span, x.returnedAt);
    },
  };
  try {
    Object.defineProperty(r, 'then', { value: traced, writable: true, configurable: true, enumerable: false });
    if ((r as { then?: unknown }).then === traced) {
      observed.set(r, o);
      wait(o, w);
      return true;
    }
  } catch { return false; }
  restore(); // a Proxy that accepted the property but does not show it
  return false;
}

/** Tracers already told about an unsettled thenable (reported once per tracer, counted always). */
const told = new WeakSet<Tracer>();

/**
 * A handler's thenable whose `then` nothing called within the deadline: its span ends, at the handler's return (the
 * only time known: the work may never have started, or ran unobserved), marked `tracewire.queue.unsettled` with no
 * error status (its outcome is unknown); counted in queueStats().thenablesUnsettled, reported once per tracer. A span
 * the handler ended itself is left as it is, counted in thenablesUnsettledSpanEnded only.
 */
function expireUnsettled(span: AnySpan, returnedAt: number): void {
  if (span.ended) { queueCounters.thenablesUnsettledSpanEnded++; return; } // nothing held open nor lost: the handler's end stands
  queueCounters.thenablesUnsettled++;
  span.setAttribute('tracewire.queue.unsettled', true);
  span.end(returnedAt);
  if (!(span instanceof Span) || told.has(span.tracer)) return;
  told.add(span.tracer);
  try {
    span.tracer.logger(`tracewire/queue: a message handler returned a thenable that is no native Promise and nothing called its then within the deadline; its span "${span.name}" was ended, marked tracewire.queue.unsettled (count in queueStats().thenablesUnsettled). Where the broker library drops the handler's result (nats.js consume({ callback })), return a native promise or await it yourself; setThenableDeadline(ms) changes the deadline`);
  } catch { /* never into the host */ }
}
