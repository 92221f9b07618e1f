// The trace headers' values for responses and outgoing requests: `trace;desc=<traceparent>` written flat.

// Header values built flat in one scratch buffer: `formatTraceparent` concatenates ~30 pieces into a rope
// that Node's header validation regex must flatten first; 558 vs 676 ns to set both response headers
// (bench/http/header-cost.ts). Layout: `trace;desc=00-<32 hex>-<16 hex>-<2 hex>`.
const TIMING_PREFIX = 'trace;desc=';
const TP_AT = TIMING_PREFIX.length; // 11: where the traceparent starts
const scratch = Buffer.alloc(TP_AT + 55);
scratch.write(TIMING_PREFIX + '00-', 0, 'latin1');
scratch[TP_AT + 35] = 45; // '-'
scratch[TP_AT + 52] = 45;
scratch[TP_AT + 53] = 48; // flags high digit: only sampled/random (0-3) are ever sent (W3C §3.2.2.5)
const HEX = '0123456789abcdef';
const HEX_BYTE = new Uint8Array(16);
for (let i = 0; i < 16; i++) HEX_BYTE[i] = HEX.charCodeAt(i);
const latin1 = (Buffer.prototype as unknown as { latin1Slice?: (s: number, e: number) => string }).latin1Slice;

function putWord(w: number, off: number): void {
  for (let i = 0; i < 8; i++) scratch[off + i] = HEX_BYTE[(w >>> (28 - 4 * i)) & 15]!;
}

interface Ids { t0: number; t1: number; t2: number; t3: number; s0: number; s1: number; traceFlags: number }

/** `trace;desc=00-<trace>-<span>-<flags>`, a flat string; the traceparent is `.slice(TRACEPARENT_AT)`. */
export function serverTimingValue(c: Ids): string {
  putWord(c.t0, TP_AT + 3); putWord(c.t1, TP_AT + 11); putWord(c.t2, TP_AT + 19); putWord(c.t3, TP_AT + 27);
  putWord(c.s0, TP_AT + 36); putWord(c.s1, TP_AT + 44);
  scratch[TP_AT + 54] = HEX_BYTE[c.traceFlags & 3]!;
  return latin1 !== undefined ? latin1.call(scratch, 0, scratch.length) : scratch.toString('latin1');
}
export const TRACEPARENT_AT = TP_AT;
/** Offsets of the trace ID inside serverTimingValue(). */
export const TRACE_ID_AT = TP_AT + 3;
