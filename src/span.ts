// Span: one monomorphic class, every field assigned in the constructor; IDs as int32 words, times as
// (sec, ns) Smis, attributes in one flat [key, value, ...] array. Unsampled work gets NonRecordingSpan.
import { hex16, hex32 } from './hex.js';
import { SpanLink, SpanEvent, SpanRare, spanSetAttributes, spanRecordError, spanUpdateName, spanAddLink, spanAddEvent } from './span-rare.js';
import { sinceOrigin, secOf, nsOf, toEpochMs, unixNanoString, explicitTime, EXACT } from './clock.js';
import { FLAG_SAMPLED, type ParentIds, type SpanContextLike } from './span-context.js';
import type { TraceState } from './tracestate.js';
import { setOwn } from './own-keys.js';
import { sanitizeValue, boundName, type Attributes, type AttributeValue } from './attributes.js';
import type { NonRecordingSpan } from './non-recording-span.js';
import type { Tracer } from './tracer.js';

/** OTLP span kinds (trace.proto), used as-is in the encoder. */
export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
export type SpanKindValue = (typeof SpanKind)[keyof typeof SpanKind];
/** OTLP status codes. */
export const SpanStatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

/** Layout of Span.bits (the export thread's records copy bits & 0x7fff). */
export const KIND_SHIFT = 8;
export const STATUS_SHIFT = 11;
export const PARENT_REMOTE = 1 << 13;
export const HAS_PARENT = 1 << 14;
/**
 * Above the attribute count on purpose: `bits >>> NATTR_SHIFT` is the count on a live span and >= 16384 on
 * an ended one, so setAttribute's fast path tests "live and under the limit" with one compare.
 */
const ENDED = 1 << 30;
/** Attribute pair count lives in bits 16..29 (max 16383; AttributePolicy caps maxCount there). */
const NATTR_SHIFT = 16;
const NATTR_MASK = 0x3fff;
const COUNT_BITS = NATTR_MASK << NATTR_SHIFT;
/** Span.dur value meaning "2^31 - 1 ns (2.1 s) or longer: the end is in rare.endSec/endNs". */
const LONG = 0x7fffffff;

export { SpanLink, SpanEvent, SpanRare } from './span-rare.js';
export { NonRecordingSpan } from './non-recording-span.js';
export { errorType } from './error-attrs.js';
export type { SpanOptions } from './span-options.js';

/** The OTLP kind (1..5) in span bits; a `kind` option outside them (0, 6, 7, a string) reads as INTERNAL, the OTel API's default. */
export function kindOf(bits: number): number {
  const k = (bits >> KIND_SHIFT) & 7;
  return k >= 1 && k <= 5 ? k : 1;
}

/**
 * 15 fields, all Smis or pointers (144 B on x64): IDs as int32 words (the parent's read from its context), start as (sec, ns) since timeOrigin,
 * end as one int32 ns duration (spans over 2.1 s keep their end in `rare`), attribute count packed into
 * `bits`, rarely used data behind `rare`.
 */
export class Span implements SpanContextLike {
  tracer: Tracer;
  name: string;
  t0: number; t1: number; t2: number; t3: number;
  s0: number; s1: number;
  /** The parent's context (its s0/s1 are the parent span ID), null for a root: one field where two ID words were (-8 B per span). At end, less of some (tracer-rare.ts unpinParent). */
  parent: SpanContextLike | ParentIds | null;
  /** trace flags (bits 0-7) | kind | status | remote parent | has parent | ended | attribute count. */
  bits: number;
  startSec: number; startNs: number;
  /** ns from start to end (int32, so a Smi: one field, no boxed double); LONG = the end is in rare. 0 until ended. */
  dur: number;
  /** Flat [key, value, key, value, ...]; nAttr pairs are used. Recycled after export (see release()). */
  attrs: unknown[] | null;
  rare: SpanRare | null;

  /** `start` is ms since timeOrigin (clock.sinceOrigin()). */
  constructor(tracer: Tracer, name: string, kind: number, traceFlags: number, parent: SpanContextLike | null, traceState: TraceState | null, start: number) {
    this.tracer = tracer;
    this.name = name;
    this.t0 = 0; this.t1 = 0; this.t2 = 0; this.t3 = 0;
    this.s0 = 0; this.s1 = 0;
    this.parent = parent;
    let bits = (traceFlags & 0xff) | ((kind & 7) << KIND_SHIFT);
    if (parent !== null) {
      bits |= HAS_PARENT;
      if (parent.isRemote) bits |= PARENT_REMOTE;
    }
    this.bits = bits;
    // secOf/nsOf written out: nsOf (40 bytes of bytecode) was never inlined here, a call that took 4% of a span profile
    const sec = Math.floor(start / 1000) | 0;
    this.startSec = sec;
    this.startNs = Math.floor((start - sec * 1000) * 1e6) | 0;
    this.dur = 0;
    this.attrs = null;
    this.rare = null;
    if (traceState !== null) (this.rare = new SpanRare()).traceState = traceState;
  }

  // --- SpanContextLike ---
  get traceId(): string { return hex32(this.t0, this.t1, this.t2, this.t3); }
  get spanId(): string { return hex16(this.s0, this.s1); }
  get traceFlags(): number { return this.bits & 0xff; }
  get isRemote(): boolean { return false; }
  spanContext(): this { return this; }

  // --- read side (exporters, tests) ---
  /** OTLP kind 1..5 (kindOf). */
  get kind(): number { return kindOf(this.bits); }
  get status(): number { return (this.bits >> STATUS_SHIFT) & 3; }
  get statusMessage(): string | null { return this.rare === null ? null : this.rare.statusMessage; }
  get ended(): boolean { return (this.bits & ENDED) !== 0; }
  get hasParent(): boolean { return (this.bits & HAS_PARENT) !== 0; }
  get parentIsRemote(): boolean { return (this.bits & PARENT_REMOTE) !== 0; }
  /** 16 hex chars, or '' for a root span. */
  get parentSpanId(): string { return (this.bits & HAS_PARENT) === 0 ? '' : hex16(this.parent!.s0, this.parent!.s1); }
  get traceState(): TraceState | null { return this.rare === null ? null : this.rare.traceState; }
  /** Number of attributes recorded. */
  get nAttr(): number { return (this.bits >>> NATTR_SHIFT) & NATTR_MASK; }
  /** Start, ms since epoch (sub-ms fraction; use startUnixNano for exact ns). */
  get startTime(): number { return toEpochMs(this.startSec, this.startNs); }
  /** End, ms since epoch (0 until ended). */
  get endTime(): number { return (this.bits & ENDED) === 0 ? 0 : toEpochMs(this.endSec, this.endNs); }
  get startUnixNano(): string { return unixNanoString(this.startSec, this.startNs); }
  get endUnixNano(): string { return unixNanoString(this.endSec, this.endNs); }
  /** End, whole seconds since timeOrigin (with endNs; 0 until ended). */
  get endSec(): number {
    const d = this.dur;
    if (d === LONG) return this.rare!.endSec;
    return (this.bits & ENDED) === 0 ? 0 : this.startSec + Math.floor((this.startNs + d) / 1e9);
  }
  /** End, ns within endSec. */
  get endNs(): number {
    const d = this.dur;
    if (d === LONG) return this.rare!.endNs;
    return (this.bits & ENDED) === 0 ? 0 : (this.startNs + d) % 1e9;
  }
  /** Duration in ms (0 until ended). */
  get duration(): number { return (this.bits & ENDED) === 0 ? 0 : (this.endSec - this.startSec) * 1000 + (this.endNs - this.startNs) / 1e6; }
  get sampled(): boolean { return (this.bits & FLAG_SAMPLED) !== 0; }
  /** The attributes as a fresh object (for tests and views; the encoder reads `attrs` directly). */
  get attributes(): Record<string, AttributeValue> {
    const o: Record<string, AttributeValue> = {};
    const a = this.attrs;
    for (let i = 0, n = (this.bits >>> NATTR_SHIFT) & NATTR_MASK; i < n; i++) setOwn(o, a![2 * i] as string, a![2 * i + 1] as AttributeValue);
    return o;
  }
  getAttribute(key: string): AttributeValue | undefined {
    const a = this.attrs;
    for (let i = 0, n = (this.bits >>> NATTR_SHIFT) & NATTR_MASK; i < n; i++) if (a![2 * i] === key) return a![2 * i + 1] as AttributeValue;
    return undefined;
  }
  get links(): readonly SpanLink[] { return this.rare?.links ?? []; }
  get events(): readonly SpanEvent[] { return this.rare?.events ?? []; }

  isRecording(): boolean { return (this.bits & ENDED) === 0; }

  // --- write side ---
  // setAttribute, setStatus and end: a small fast path each, the full method for the rest, so that V8 can
  // inline them into the caller (its budget is ~920 bytes of bytecode per optimized function; setAttribute
  // was 445 bytes, now 201; setStatus 284 -> 67, end 262 -> 173). BENCHMARKS.md, span lifecycle.
  setAttribute(key: string, value: AttributeValue | null | undefined): this {
    const a = this.attrs;
    const b = this.bits;
    const p = this.tracer.attrPolicy;
    // literals, not NATTR_SHIFT: a module constant costs a context load and a TDZ check in the bytecode
    const m = (b >>> 16) * 2; // 2 x the count; >= 32768 once ended (see ENDED)
    let len: number;
    if (a !== null && m < p.fastMax2 && typeof key === 'string' && (len = key.length) !== 0 &&
      (typeof value === 'string' ? value.length <= p.maxValueLength : typeof value === 'number' || typeof value === 'boolean')) {
      for (let i = 0; i < m; i += 2) { const k = a[i] as string; if (k.length === len && k === key) { a[i + 1] = value; return this; } }
      a[m] = key;
      a[m + 1] = value;
      this.bits = b + 65536; // one more pair (1 << NATTR_SHIFT)
      return this;
    }
    return this.setAttributeFull(key, value);
  }

  private setAttributeFull(key: string, value: AttributeValue | null | undefined): this {
    if ((this.bits & ENDED) !== 0) { this.tracer.counters.afterEnd++; return this; }
    if (value === undefined || value === null) return this;
    const t = this.tracer;
    const allow = t.attrPolicy.allow;
    if (typeof key !== 'string' || key.length === 0) { t.attrStats.invalid++; return this; }
    if (allow !== null && !allow(key)) { t.attrStats.rejected++; return this; }
    let a = this.attrs;
    const n = (this.bits >>> NATTR_SHIFT) & NATTR_MASK;
    let at = -1; // the existing pair for `key`, overwritten even at the limit
    if (a !== null) {
      // length first: a failing string === is a StringEqual call; with 4-5 keys to pass this cut ~10 ns per setAttribute
      const len = key.length;
      for (let i = 0; i < n; i++) { const k = a[2 * i] as string; if (k.length === len && k === key) { at = i; break; } }
    }
    const kept = at >= 0 || n < t.attrPolicy.maxCount;
    const ty = typeof value;
    // sanitized before the count check so an unusable value stays counted as invalid; a dropped one's cut is not counted
    const v = (ty === 'string' && (value as string).length <= t.attrPolicy.maxValueLength) || ty === 'number' || ty === 'boolean' ? value : sanitizeValue(value, t.attrPolicy, t.attrStats, kept);
    if (v === undefined) return this;
    if (at >= 0) { a![2 * at + 1] = v; return this; }
    if (!kept) { t.attrStats.dropped++; (this.rare ??= new SpanRare()).droppedAttrs++; return this; }
    if (a === null) a = this.attrs = t.takeAttrArray();
    a[2 * n] = key;
    a[2 * n + 1] = v;
    this.bits += 1 << NATTR_SHIFT;
    return this;
  }

  /** setStatus(SpanStatusCode.ERROR, 'why') or OTel style setStatus({ code, message }). */
  setStatus(code: number | { code: number; message?: string }, message?: string): this {
    const b = this.bits;
    // OK or ERROR without a message on a live span whose status is still UNSET (literals: ENDED | 3 << STATUS_SHIFT)
    if ((b & 0x40001800) === 0 && (code === 1 || code === 2) && message === undefined) {
      this.bits = b | (code << 11);
      return this;
    }
    return this.setStatusFull(code, message);
  }

  private setStatusFull(code: number | { code: number; message?: string }, message?: string): this {
    if ((this.bits & ENDED) !== 0) { this.tracer.counters.afterEnd++; return this; }
    if (typeof code === 'object' && code !== null) { message = code.message; code = code.code; }
    // OTel trace API, Set Status: "An attempt to set value Unset SHOULD be ignored."
    if (code !== 1 && code !== 2) return this;
    const cur = (this.bits >> STATUS_SHIFT) & 3;
    if (cur === SpanStatusCode.OK) return this; // OTel: OK is final
    this.bits = (this.bits & ~(3 << STATUS_SHIFT)) | (code << STATUS_SHIFT);
    if (code === SpanStatusCode.ERROR && typeof message === 'string' && message.length > 0) {
      // cut as a name is (counted as truncated): the same count whichever mode exports the span
      (this.rare ??= new SpanRare()).statusMessage = boundName(message, this.tracer.attrPolicy, this.tracer.attrStats);
    }
    return this;
  }

  // Calls few spans make, done in span-rare.ts. The *Full methods stay here: setAttribute, setStatus and end call
  // this.f(a, b), and an imported f(this, a, b) is a longer call (bigger bytecode for V8's inlining budget).
  setAttributes(attributes: Attributes | null | undefined): this { spanSetAttributes(this, attributes); return this; }

  /**
   * Records `error.type` (the error's code or class name) and sets status ERROR. The message is recorded
   * (as exception.message and the status description) only when the tracer has `recordErrorMessages: true`:
   * error messages often carry PII.
   */
  recordError(err: unknown): this { spanRecordError(this, err); return this; }

  updateName(name: string): this { spanUpdateName(this, name); return this; }
  addLink(ctx: SpanContextLike, attributes?: Attributes): this { spanAddLink(this, ctx, attributes); return this; }
  addEvent(name: string, attributes?: Attributes, time?: number | Date): this { spanAddEvent(this, name, attributes, time); return this; }

  /** Ends the span once; later calls are counted and ignored. */
  end(endTime?: number | Date): void {
    if ((this.bits & ENDED) !== 0 || endTime !== undefined) { this.endFull(endTime); return; }
    this.bits |= ENDED;
    // ns since start straight from the double: no secOf/nsOf (two floors and a call) on the common path
    const t = sinceOrigin();
    const d = Math.floor((t - this.startSec * 1000) * 1e6) - this.startNs;
    if (d > 0 && d < LONG) this.dur = d;
    else this.endAt(t);
    this.tracer.onEnd(this);
  }

  private endFull(endTime: number | Date | undefined): void {
    if ((this.bits & ENDED) !== 0) { this.tracer.counters.endedTwice++; return; }
    this.bits |= ENDED;
    if (!explicitTime(endTime) && endTime !== undefined) this.tracer.counters.invalidTimes++;
    const sec = EXACT.sec;
    const ns = EXACT.ns;
    this.setEnd(sec, ns, (sec - this.startSec) * 1e9 + (ns - this.startNs));
    this.tracer.onEnd(this);
  }

  /** end() off its common path: a duration of 0 or less, or of 2.1 s and more. */
  private endAt(t: number): void {
    const sec = secOf(t);
    const ns = nsOf(t, sec);
    this.setEnd(sec, ns, (sec - this.startSec) * 1e9 + (ns - this.startNs));
  }

  /** d = ns from start to (sec, ns): clamped at 0 (end before start), or kept in rare from 2.1 s on. */
  private setEnd(sec: number, ns: number, d: number): void {
    if (d <= 0) this.dur = 0;
    else if (d < LONG) this.dur = d;
    else { const r = (this.rare ??= new SpanRare()); r.endSec = sec; r.endNs = ns; this.dur = LONG; }
  }

  /**
   * Called by the processor once no exporter needs the span any more: its attribute array goes back to the
   * tracer's pool (no allocation per span in steady state). Afterwards the span reads as having no attributes.
   */
  release(): void {
    const a = this.attrs;
    if (a === null) return;
    const n = (this.bits >>> NATTR_SHIFT) & NATTR_MASK;
    this.attrs = null;
    this.bits &= ~COUNT_BITS;
    this.tracer.recycleAttrArray(a, n);
  }

  /** Internal: set by the tracer when it copies the initial attributes. */
  setAttrs(a: unknown[] | null, n: number): void {
    this.attrs = a;
    this.bits = (this.bits & ~COUNT_BITS) | (n << NATTR_SHIFT);
  }
}

export type AnySpan = Span | NonRecordingSpan;
