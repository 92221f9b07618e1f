// The W3C span context with IDs kept as int32 words; hex strings are made (and cached) only when read.
import { hex16, hex32 } from './hex.js';
import type { TraceState } from './tracestate.js';

/** W3C trace-flags bits (Trace Context §3.2.2.5; random is Level 2). */
export const FLAG_SAMPLED = 0x01;
export const FLAG_RANDOM = 0x02;
/** Only these bits are known; others are sent as 0. */
export const KNOWN_FLAGS = FLAG_SAMPLED | FLAG_RANDOM;

/** What a span context exposes to users; Span and SpanContext both satisfy it. */
export interface SpanContextLike {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly isRemote: boolean;
  readonly traceState: TraceState | null;
  t0: number; t1: number; t2: number; t3: number;
  s0: number; s1: number;
}

export class SpanContext implements SpanContextLike {
  t0: number; t1: number; t2: number; t3: number;
  s0: number; s1: number;
  traceFlags: number;
  isRemote: boolean;
  traceState: TraceState | null;
  private _traceId: string | null;
  private _spanId: string | null;
  /** @internal The version-00 traceparent of this context with its known flags (formatTraceparent): the header it was parsed from, else made once. */
  tp: string | null;

  constructor(t0: number, t1: number, t2: number, t3: number, s0: number, s1: number, traceFlags: number, isRemote: boolean, traceState: TraceState | null) {
    this.t0 = t0 | 0; this.t1 = t1 | 0; this.t2 = t2 | 0; this.t3 = t3 | 0;
    this.s0 = s0 | 0; this.s1 = s1 | 0;
    this.traceFlags = traceFlags & 0xff;
    this.isRemote = isRemote;
    this.traceState = traceState;
    this._traceId = null;
    this._spanId = null;
    this.tp = null;
  }

  /** 32 lowercase hex chars. */
  get traceId(): string {
    // a slice of the header it came from shares that string's bytes (V8 sliced string): no hex to write
    return this._traceId ??= this.tp !== null ? this.tp.slice(3, 35) : hex32(this.t0, this.t1, this.t2, this.t3);
  }

  /** 16 lowercase hex chars. */
  get spanId(): string {
    return this._spanId ??= this.tp !== null ? this.tp.slice(36, 52) : hex16(this.s0, this.s1);
  }

  get sampled(): boolean {
    return (this.traceFlags & FLAG_SAMPLED) !== 0;
  }
}

/** A parent span ID's words (s0, s1), all a span keeps of a parent it need not pin (Span.parent; a thread record's decoded parent). */
export class ParentIds {
  s0: number; s1: number;
  constructor(s0: number, s1: number) { this.s0 = s0; this.s1 = s1; }
}

export function traceIdOf(c: SpanContextLike): string {
  return hex32(c.t0, c.t1, c.t2, c.t3);
}

export function spanIdOf(c: SpanContextLike): string {
  return hex16(c.s0, c.s1);
}

/** Same trace? Compares the words, no strings. */
export function sameTrace(a: SpanContextLike, b: SpanContextLike): boolean {
  return a.t0 === b.t0 && a.t1 === b.t1 && a.t2 === b.t2 && a.t3 === b.t3;
}
