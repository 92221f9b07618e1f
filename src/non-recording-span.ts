// The span startSpan returns for unsampled work: records nothing, carries the context (span.ts re-exports it).
import { hex16, hex32 } from './hex.js';
import type { SpanContextLike } from './span-context.js';
import type { TraceState } from './tracestate.js';
import { unsampledTraceState } from './ot-state.js';

/**
 * A span that records nothing but carries a context, so unsampled requests still propagate and still
 * return a trace ID (AC-001). Children of an unsampled span reuse it: no allocation at all.
 */
export class NonRecordingSpan implements SpanContextLike {
  t0: number; t1: number; t2: number; t3: number;
  s0: number; s1: number;
  traceFlags: number;
  traceState: TraceState | null;
  constructor(t0: number, t1: number, t2: number, t3: number, s0: number, s1: number, traceFlags: number, traceState: TraceState | null) {
    this.t0 = t0; this.t1 = t1; this.t2 = t2; this.t3 = t3; this.s0 = s0; this.s1 = s1;
    // unsampled: the parent's `th` does not describe this span (OTel CompositeSampler: th removed unless sampled)
    this.traceFlags = traceFlags; this.traceState = traceState === null ? null : unsampledTraceState(traceState);
  }
  get traceId(): string { return hex32(this.t0, this.t1, this.t2, this.t3); }
  get spanId(): string { return hex16(this.s0, this.s1); }
  get isRemote(): boolean { return false; }
  get name(): string { return ''; }
  get ended(): boolean { return false; }
  spanContext(): this { return this; }
  isRecording(): boolean { return false; }
  setAttribute(_k: string, _v: unknown): this { return this; }
  setAttributes(_a: unknown): this { return this; }
  setStatus(_c: unknown, _m?: string): this { return this; }
  recordError(_e: unknown): this { return this; }
  updateName(_n: string): this { return this; }
  addLink(_c: unknown, _a?: unknown): this { return this; }
  addEvent(_n: string, _a?: unknown, _t?: unknown): this { return this; }
  getAttribute(_k: string): undefined { return undefined; }
  end(_t?: unknown): void {}
}

/** The invalid context (all-zero IDs, as the OTel SDK returns where there is no trace): injects nothing. Shared. */
export const INVALID_SPAN = new NonRecordingSpan(0, 0, 0, 0, 0, 0, 0, null);
