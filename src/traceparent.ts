// W3C `traceparent` (Trace Context Level 2 §3.2): fixed-offset charCode parsing, no regex/split/substring;
// on success the SpanContext is the only allocation.
import { HEX_VALUE, latin1, readHex2, readHex8, writeHex8 } from './hex.js';
import { KNOWN_FLAGS, SpanContext, type SpanContextLike } from './span-context.js';

/** version(2) "-" trace-id(32) "-" parent-id(16) "-" trace-flags(2) (§3.2.2). */
export const TRACEPARENT_LENGTH = 55;
/** Longer values are not parsed (`length`): version 00 is 55 chars and later ones only append fields (§3.2.4); a queue header can be megabytes. */
export const MAX_TRACEPARENT_CHARS = 512;

/** Stable reason codes for rejection counters; 'none' only if the value was in fact valid. */
export type TraceparentRejection =
  | 'missing' | 'duplicate' | 'length' | 'version' | 'hex' | 'zero-trace-id' | 'zero-span-id'
  | 'format' | 'trailing-data' | 'none';

const DASH = 45;
const SP = 32;
const HTAB = 9;
const VERSION_INVALID = 0xff; // §3.2.2.1: version ff is forbidden


/**
 * Parse a `traceparent` header value. Returns a remote SpanContext, or null for anything the spec says
 * to ignore (then start a new trace). An array is a repeated header: only a one-element array is used
 * (w3c test.py `test_traceparent_duplicated` expects two headers to restart the trace).
 */
export function parseTraceparent(value: string | string[] | undefined | null): SpanContext | null {
  if (typeof value === 'string') return parseString(value);
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return parseString(value[0]);
  return null;
}

function parseString(s: string): SpanContext | null {
  const len = s.length;
  if (len > MAX_TRACEPARENT_CHARS) return null; // before the OWS scans
  let start = 0;
  let end = len;
  let c = 0;
  // OWS = *(SP / HTAB) around the value (RFC 9110 §5.6.3; test.py `test_traceparent_ows_handling`).
  // Reads stay in bounds: one charCodeAt past the end deoptimises the function.
  while (start < len && ((c = s.charCodeAt(start)) === SP || c === HTAB)) start++;
  while (end > start && ((c = s.charCodeAt(end - 1)) === SP || c === HTAB)) end--;
  const n = end - start;
  if (n < TRACEPARENT_LENGTH) return null; // §3.2.4: shorter than 55 chars, even for higher versions
  const version = readHex2(s, start);
  if (version < 0 || version === VERSION_INVALID) return null;
  // §3.2.4: version 00 is exactly 55 chars; higher versions continue only after a dash.
  if (n !== TRACEPARENT_LENGTH && (version === 0 || s.charCodeAt(start + TRACEPARENT_LENGTH) !== DASH)) return null;
  if (s.charCodeAt(start + 2) !== DASH || s.charCodeAt(start + 35) !== DASH || s.charCodeAt(start + 52) !== DASH) return null;
  bad = 0;
  const t0 = word(s, start + 3);
  if (bad < 0) return null; // most bad IDs (uppercase, junk) fail in the first word: uppercase extract measured 52 -> 36 ns
  const t1 = word(s, start + 11);
  const t2 = word(s, start + 19);
  const t3 = word(s, start + 27);
  if (bad < 0 || (t0 | t1 | t2 | t3) === 0) return null; // §3.2.2.3: all-zero trace-id is invalid
  const s0 = word(s, start + 36);
  const s1 = word(s, start + 44);
  const flags = readHex2(s, start + 53);
  if (bad < 0 || flags < 0 || (s0 | s1) === 0) return null; // §3.2.2.4: all-zero parent-id is invalid
  // §4.3 (higher version): parse only the flags this version knows; version 00 keeps its byte as sent.
  const ctx = new SpanContext(t0, t1, t2, t3, s0, s1, version === 0 ? flags : flags & KNOWN_FLAGS, true, null);
  // the header as formatTraceparent would write it (version 00, known flags, no OWS): inject returns it as is
  if (version === 0 && flags <= KNOWN_FLAGS && n === len) ctx.tp = s;
  return ctx;
}

/** Sign bit set by word() when a char was not lowercase hex (parsing is synchronous, so one slot suffices). */
let bad = 0;

/**
 * 8 lowercase hex chars at `o` as an int32; unrolled with one error accumulator instead of readHex8's
 * per-char early return (measured ~10% faster on valid input). Callers guarantee o + 8 <= length.
 */
function word(s: string, o: number): number {
  let d = HEX_VALUE[s.charCodeAt(o)]!;
  let v = d;
  let e = d;
  d = HEX_VALUE[s.charCodeAt(o + 1)]!; v = (v << 4) | d; e |= d;
  d = HEX_VALUE[s.charCodeAt(o + 2)]!; v = (v << 4) | d; e |= d;
  d = HEX_VALUE[s.charCodeAt(o + 3)]!; v = (v << 4) | d; e |= d;
  d = HEX_VALUE[s.charCodeAt(o + 4)]!; v = (v << 4) | d; e |= d;
  d = HEX_VALUE[s.charCodeAt(o + 5)]!; v = (v << 4) | d; e |= d;
  d = HEX_VALUE[s.charCodeAt(o + 6)]!; v = (v << 4) | d; e |= d;
  d = HEX_VALUE[s.charCodeAt(o + 7)]!; v = (v << 4) | d; e |= d;
  bad |= e;
  return v;
}

/**
 * Why `parseTraceparent(value)` returned null (slow path, for counters). Checks run in a fixed order, so
 * a value with several faults always gets the same code.
 */
export function traceparentRejection(value: unknown): TraceparentRejection {
  if (Array.isArray(value)) {
    if (value.length > 1) return 'duplicate';
    value = value[0];
  }
  if (value === undefined || value === null || value === '') return 'missing';
  if (typeof value !== 'string') return 'format';
  if (value.length > MAX_TRACEPARENT_CHARS) return 'length'; // unscanned, as parseTraceparent
  // no traceparent contains ',': this is repeated headers folded into one (RFC 9110 §5.3), as node:http's
  // req.headers and fetch's Headers.get() give them ("a, b"); the same case as an array of two
  if (value.includes(',') && parseString(value) === null) return 'duplicate';
  const s = trimOws(value);
  if (s.length === 0) return 'missing';
  if (s.length < TRACEPARENT_LENGTH) return 'length';
  const version = readHex2(s, 0);
  if (version < 0 || version === VERSION_INVALID) return 'version';
  if (s.charCodeAt(2) !== DASH || s.charCodeAt(35) !== DASH || s.charCodeAt(52) !== DASH) return 'format';
  for (const off of [3, 11, 19, 27, 36, 44]) if (Number.isNaN(readHex8(s, off))) return 'hex';
  if (readHex2(s, 53) < 0) return 'hex';
  if (s.length > TRACEPARENT_LENGTH) {
    if (version === 0) return 'trailing-data'; // test.py `test_traceparent_version_0x00`
    if (s.charCodeAt(TRACEPARENT_LENGTH) !== DASH) return 'format';
  }
  if ((readHex8(s, 3) | readHex8(s, 11) | readHex8(s, 19) | readHex8(s, 27)) === 0) return 'zero-trace-id';
  if ((readHex8(s, 36) | readHex8(s, 44)) === 0) return 'zero-span-id';
  return 'none';
}

function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === SP || s.charCodeAt(a) === HTAB)) a++;
  while (b > a && (s.charCodeAt(b - 1) === SP || s.charCodeAt(b - 1) === HTAB)) b--;
  return s.slice(a, b);
}

/**
 * `00-<trace-id>-<parent-id>-<flags & KNOWN_FLAGS>`, always version 00 (§3.2.4: downgrade higher versions).
 * Trace-flags with unknown bits cleared (§3.2.2.5.3: other flags MUST be sent as 0). A SpanContext keeps the
 * string (the header it was parsed from, else written once); spans keep only words, so theirs is written into one
 * reusable buffer and sliced once (95 ns vs 214 ns concatenating 24 hex pieces, flattened).
 * Never throws: no context (a JavaScript caller's null, a primitive) or an invalid one (an all-zero trace or parent
 * ID, §3.2.2.3/§3.2.2.4) gives '', no header, as injectContext writes none for either.
 */
export function formatTraceparent(ctx: SpanContextLike): string {
  if (ctx instanceof SpanContext) {
    // made once per context (or the header it was parsed from), checked against flags set since
    const tp = ctx.tp;
    if (tp !== null && tp.charCodeAt(54) === 48 + (ctx.traceFlags & KNOWN_FLAGS)) return tp;
    return remembered(ctx);
  }
  return written(ctx);
}

/** A SpanContext keeps its header once written; '' is not kept (its traceId / spanId getters read a kept header). */
function remembered(ctx: SpanContext): string {
  const tp = written(ctx);
  if (tp.length !== 0) ctx.tp = tp;
  return tp;
}

function written(ctx: SpanContextLike): string {
  if (ctx === null || typeof ctx !== 'object') return ''; // typed out: a JavaScript caller's slip
  const t0 = ctx.t0, t1 = ctx.t1, t2 = ctx.t2, t3 = ctx.t3, s0 = ctx.s0, s1 = ctx.s1;
  if ((t0 | t1 | t2 | t3) === 0 || (s0 | s1) === 0) return ''; // a receiver would discard it (also an object without IDs)
  const b = SCRATCH;
  writeHex8(b, 3, t0); writeHex8(b, 11, t1); writeHex8(b, 19, t2); writeHex8(b, 27, t3);
  writeHex8(b, 36, s0); writeHex8(b, 44, s1);
  b[54] = 48 + (ctx.traceFlags & KNOWN_FLAGS); // '0'..'3'
  return latin1(b, 0, TRACEPARENT_LENGTH);
}

const SCRATCH = Buffer.from('00-00000000000000000000000000000000-0000000000000000-00', 'latin1');
