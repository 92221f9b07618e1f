// Which span a request's code runs in: the handler and its continuations (enterWith), and on Node >= 24
// the request's own events through a shared `emit` override; an untraced request drops a stale span.
import type { IncomingMessage } from 'node:http';
import { EventEmitter } from 'node:events';
import type { AnySpan } from '../src/span.js';
import { storage } from '../src/context.js';
import { kSpan, type Req } from './http-response.js';

/**
 * Node >= 24 keeps async context in AsyncContextFrame (its AsyncLocalStorage has no async_hooks `_propagate`):
 * `req` 'data'/'end' events are emitted from the socket's frame, which enterWith in the handler no longer
 * reaches (on Node 20 it set the store on the parser's resource). There, `req` gets an own `emit` (one
 * shared function, no closure per request) that emits its events inside the request's span.
 */
const FRAME_CONTEXT = typeof (storage as unknown as { _propagate?: unknown })._propagate !== 'function';
/**
 * The span is active for the rest of this request: the handler, its continuations and its `req` events.
 * Not run(): on Node 20 it would lose the span in req 'data'/'end' listeners (emitted from the connection's
 * parser resource), where enterWith sets it on that resource.
 */
export function enterRequest(req: Req, span: AnySpan): void {
  storage.enterWith(span);
  if (FRAME_CONTEXT) req.emit = emitInRequestSpan;
}

/**
 * An untraced request (ignored, or the adapter failed) must not run in the span that enterWith left on this
 * keep-alive connection for the request before it. A request already traced by an outer wrapper keeps its span.
 */
export function leaveStale(req: Req): void {
  if (req[kSpan] === undefined && storage.getStore() !== undefined) storage.enterWith(undefined as unknown as AnySpan);
}

const PLAIN_EMIT = EventEmitter.prototype.emit;
/** req's own emit (one shared function): its events with listeners run in the request's span. */
export function emitInRequestSpan(this: Req, event: string | symbol, ...args: unknown[]): boolean {
  const span = this[kSpan];
  // Every storage.run makes a new AsyncContextFrame (a Map copy): ~0.8 µs per request for a req's 'end', 'close'
  // and the rest (Node 24 CPU profile under load). An event nobody listens to, or one emitted inside the span
  // already, needs no frame; "nobody" only with the plain emit (a custom class's or a patch's emit is user code).
  const emit = (Object.getPrototypeOf(this) as IncomingMessage).emit;
  if (span === undefined || storage.getStore() === span || (emit === PLAIN_EMIT && this.listenerCount(event) === 0)) {
    return emit.call(this, event, ...args); // rest forwarded: no array (as emitOn's)
  }
  return storage.run(span, emitOn, this, event, args);
}
/** The inherited emit, looked up per call: a custom IncomingMessage class or a later patch of it is honoured. */
function emitOn(req: Req, event: string | symbol, args: unknown[]): boolean {
  return (Object.getPrototypeOf(req) as IncomingMessage).emit.call(req, event, ...args);
}
