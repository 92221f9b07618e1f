// W3C Trace Context extract/inject over header carriers; rejection reasons are counted only on the
// slow path, after a parse has already returned null.
import { parseTraceparent, traceparentRejection, formatTraceparent, type TraceparentRejection } from './traceparent.js';
import { parseTracestate, tracestateRejection, MAX_TRACESTATE_CHARS, type TraceState } from './tracestate.js';
import { truncateTracestate } from './tracestate-truncate.js';
import type { SpanContext, SpanContextLike } from './span-context.js';

export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

/** Plain numeric counters (every field set in the constructor, so `{ ...stats }` snapshots them). */
export class PropagationStats {
  /** requests without a traceparent (not a rejection: a new trace starts) */
  traceparentMissing: number;
  /** traceparent rejected, by reason (see TraceparentRejection); `length`: under 55 or over 512 chars. */
  traceparentDuplicate: number;
  traceparentLength: number;
  traceparentVersion: number;
  traceparentHex: number;
  traceparentZeroTraceId: number;
  traceparentZeroSpanId: number;
  traceparentFormat: number;
  traceparentTrailingData: number;
  /** tracestate discarded: an invalid member (§4.3), or more than 32 members (§3.3.1.2). */
  tracestateInvalid: number;
  tracestateTooManyMembers: number;
  /** tracestate discarded unscanned: longer than any valid list without OWS padding (MAX_TRACESTATE_INPUT, 16447 chars). */
  tracestateTooLong: number;
  /** tracestate longer than 512 chars, cut by whole entries (§3.3.1.5). */
  tracestateTruncated: number;
  /**
   * extractContext / extractFromGetter / tracer.extract given no carrier (a JavaScript caller's null) or one that threw
   * when read (a getter, a Proxy trap, a header getter): no context, a new trace.
   * tracewire/queue: message metadata that threw when read (a getter, a Proxy, a detached Buffer; nats.js headers
   * it cannot decode, JetStream info it cannot parse) or that is not a carrier (BullMQ metadata not a JSON object within 2 KiB): the message is
   * still handled, in a new trace (a NATS subject that threw: the span has no destination, its context still read).
   */
  carrierUnreadable: number;
  /**
   * tracewire/queue and tracer.inject: message metadata (or a carrier) the context could not be written into (a frozen
   * or read-only carrier, a setter, Proxy or NATS headers object that throws; a frozen NATS message whose respond cannot
   * be traced): the message is still sent, without the context.
   */
  carrierUnwritable: number;
  /**
   * injectContext / tracer.inject / injectMessageContext given no context (a JavaScript caller's null or undefined): the
   * carrier is left as it was. Not a refusal of the carrier (carrierUnwritable); no active span, the default, is not
   * counted: there is nothing to propagate.
   */
  contextMissing: number;

  constructor() {
    this.traceparentMissing = 0;
    this.traceparentDuplicate = 0;
    this.traceparentLength = 0;
    this.traceparentVersion = 0;
    this.traceparentHex = 0;
    this.traceparentZeroTraceId = 0;
    this.traceparentZeroSpanId = 0;
    this.traceparentFormat = 0;
    this.traceparentTrailingData = 0;
    this.tracestateInvalid = 0;
    this.tracestateTooManyMembers = 0;
    this.tracestateTooLong = 0;
    this.tracestateTruncated = 0;
    this.carrierUnreadable = 0;
    this.carrierUnwritable = 0;
    this.contextMissing = 0;
  }
}

export function createPropagationStats(): PropagationStats {
  return new PropagationStats();
}

/** Headers as Node gives them (IncomingHttpHeaders: lower-case names, repeated headers as arrays or joined). */
export type HeaderRecord = Record<string, string | string[] | undefined>;

/**
 * Extract the remote parent from lower-case request headers. Null when traceparent is missing or invalid
 * (then tracestate is ignored too, §3.3: "MUST NOT attempt to parse tracestate"). An invalid tracestate
 * is dropped without affecting traceparent (§3.3). Never throws: no carrier (a JavaScript caller's null or
 * undefined) or one that throws when read (a getter, a Proxy trap) gives null, counted in `stats.carrierUnreadable`.
 */
export function extractContext(headers: HeaderRecord, stats?: PropagationStats): SpanContext | null {
  try {
    return readContext(headers, stats);
  } catch {
    return unreadable(stats);
  }
}

/** The carrier could not be read: a new trace, counted (a half-read carrier gives no context either). */
function unreadable(stats: PropagationStats | undefined): null {
  if (stats !== undefined) stats.carrierUnreadable++;
  return null;
}

/** @internal extractContext without its catch: the OpenTelemetry bridge counts a carrier that throws in its own foreignErrors. */
export function readContext(headers: HeaderRecord, stats?: PropagationStats): SpanContext | null {
  const tp = headers[TRACEPARENT];
  if (tp === undefined) { // the common case at an ingress: a new trace, not a rejection
    if (stats !== undefined) stats.traceparentMissing++;
    return null;
  }
  const ctx = parseTraceparent(tp);
  if (ctx === null) {
    if (stats !== undefined) countTraceparent(stats, traceparentRejection(tp));
    return null;
  }
  const ts = headers[TRACESTATE];
  if (ts !== undefined) ctx.traceState = tracestateOf(ts, stats);
  return ctx;
}

/**
 * Same as extractContext for a `Headers`-like carrier: `extractFromGetter((n) => headers.get(n))`. Never throws: a `get`
 * that throws, or is not a function, gives null, counted in `stats.carrierUnreadable`.
 */
export function extractFromGetter(get: (name: string) => string | string[] | null | undefined, stats?: PropagationStats): SpanContext | null {
  try {
    const tp = get(TRACEPARENT);
    const ctx = parseTraceparent(tp);
    if (ctx === null) {
      if (stats !== undefined) countTraceparent(stats, traceparentRejection(tp));
      return null;
    }
    const ts = get(TRACESTATE);
    if (ts !== undefined && ts !== null) ctx.traceState = tracestateOf(ts, stats);
    return ctx;
  } catch {
    return unreadable(stats);
  }
}

function tracestateOf(value: string | string[], stats: PropagationStats | undefined): TraceState | null {
  const state = parseTracestate(value);
  if (state === null) {
    if (stats !== undefined) {
      const why = tracestateRejection(value);
      if (why === 'too-many-members') stats.tracestateTooManyMembers++;
      else if (why === 'too-long') stats.tracestateTooLong++;
      else if (why === 'invalid') stats.tracestateInvalid++;
    }
    return null;
  }
  if (state.size === 0) return null; // empty header: valid, nothing to keep (§3.3.1.2)
  if (state.toString().length <= MAX_TRACESTATE_CHARS) return state;
  if (stats !== undefined) stats.tracestateTruncated++;
  return truncateTracestate(state, MAX_TRACESTATE_CHARS);
}

function countTraceparent(stats: PropagationStats, why: TraceparentRejection): void {
  switch (why) {
    case 'missing': stats.traceparentMissing++; break;
    case 'duplicate': stats.traceparentDuplicate++; break;
    case 'length': stats.traceparentLength++; break;
    case 'version': stats.traceparentVersion++; break;
    case 'hex': stats.traceparentHex++; break;
    case 'zero-trace-id': stats.traceparentZeroTraceId++; break;
    case 'zero-span-id': stats.traceparentZeroSpanId++; break;
    case 'format': stats.traceparentFormat++; break;
    case 'trailing-data': stats.traceparentTrailingData++; break;
    default: break; // 'none': the value was valid after all
  }
}

/**
 * Write `traceparent` (always version 00) and, when non-empty, `tracestate` into `carrier`; a tracestate already
 * there is removed when the context has none. Never throws. Returns false when the carrier refused a write it
 * needed (frozen or not extensible, a setter or Proxy trap that throws, a read-only tracestate; also a `carrier`
 * that is not one, a JavaScript caller's null): the carrier is left without this context (a traceparent already
 * written is removed again, so it never travels with a tracestate not its own), counted in `stats.carrierUnwritable`
 * when `stats` is passed. Returns false too for no `ctx` (null or undefined), the carrier untouched, counted in
 * `stats.contextMissing` instead: the carrier refused nothing. Returns true otherwise: the context written, or, for a context
 * with an all-zero trace or span ID, nothing written on purpose (§3.2.2.3/§3.2.2.4: the receiver would discard
 * it): nothing to propagate is not a refusal, the carrier is untouched and nothing counted.
 */
export function injectContext(ctx: SpanContextLike, carrier: Record<string, unknown>, stats?: PropagationStats): boolean {
  if (ctx === null || ctx === undefined) { if (stats !== undefined) stats.contextMissing++; return false; } // typed out, a JavaScript caller's slip
  try {
    if ((ctx.t0 | ctx.t1 | ctx.t2 | ctx.t3) === 0 || (ctx.s0 | ctx.s1) === 0) return true;
    carrier[TRACEPARENT] = formatTraceparent(ctx);
  } catch {
    return refused(carrier, stats, false);
  }
  try {
    const ts = ctx.traceState;
    if (ts === null || ts === undefined || ts.size === 0) {
      // A carrier that already held a context (forwarded message headers): its tracestate belongs to its own
      // traceparent and must not ride along with ours (W3C §3.3).
      if (carrier[TRACESTATE] !== undefined) delete carrier[TRACESTATE];
    } else {
      const h = ts.toString();
      carrier[TRACESTATE] = h.length <= MAX_TRACESTATE_CHARS ? h : truncateTracestate(ts, MAX_TRACESTATE_CHARS).toString();
    }
  } catch {
    return refused(carrier, stats, true);
  }
  return true;
}

/** injectContext's cold path: count, and take back a traceparent that would travel with a tracestate not its own. */
function refused(carrier: Record<string, unknown>, stats: PropagationStats | undefined, wroteTraceparent: boolean): false {
  if (stats !== undefined) stats.carrierUnwritable++;
  if (wroteTraceparent) {
    try { delete carrier[TRACEPARENT]; } catch { /* non-configurable: nothing more the carrier lets us do */ }
  }
  return false;
}
