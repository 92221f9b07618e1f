// Values of the OpenTelemetry API as tracewire's and back: span kinds, times (TimeInput), span contexts
// (hex strings vs int32 words) and trace state. Plain functions and data classes; no bridge state.
import type { Link, SpanContext as ApiSpanContextShape, TimeInput, TraceState as ApiTraceState } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';
import { SpanContext, type SpanContextLike } from '../src/span-context.js';
import { parseTracestate, type TraceState } from '../src/tracestate.js';
import { readHex8 } from '../src/hex.js';
import { fieldOf } from '../src/own-keys.js';

const OBJECT_PROTO = Object.prototype as Record<string, unknown>;

/**
 * Object.prototype holds a key the bridge reads from the API's plain objects (span options, links, span contexts,
 * statuses, exceptions, carriers): some library put it there (prototype pollution), and every object lacking the key
 * would give its value. Named loads, free in optimised code; when true, those reads go through fieldOf.
 */
export function apiKeysPolluted(): boolean {
  const p = OBJECT_PROTO;
  return p.kind !== undefined || p.root !== undefined || p.attributes !== undefined || p.links !== undefined || p.startTime !== undefined
    || p.context !== undefined || p.traceId !== undefined || p.spanId !== undefined || p.traceFlags !== undefined || p.isRemote !== undefined
    || p.traceState !== undefined || p.code !== undefined || p.message !== undefined || p.traceparent !== undefined || p.tracestate !== undefined;
}

const ORIGIN = performance.timeOrigin;
/** No performance.now() reading gets this large (the process would have run since ~1998). */
const PERF_BELOW = ORIGIN / 2;

/** OTel SpanKind 0..4 (INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER) → OTLP 1..5; anything else INTERNAL. */
export function kindOf(k: unknown): number {
  return typeof k === 'number' && k >= 0 && k <= 4 && (k | 0) === k ? k + 1 : 1;
}

/**
 * OTel TimeInput → ms since epoch: HrTime [s, ns], Date, or a number that is epoch ms, or (below half of
 * performance.timeOrigin, as @opentelemetry/core reads it) a performance.now() reading: an epoch time from
 * before the process started is below timeOrigin yet still epoch ms. NaN: unusable (core uses now).
 */
export function timeToMs(t: TimeInput | undefined): number | undefined {
  if (t === undefined) return undefined;
  if (typeof t === 'number') return t < PERF_BELOW ? ORIGIN + t : t;
  if (Array.isArray(t)) return typeof t[0] === 'number' && typeof t[1] === 'number' ? t[0] * 1e3 + t[1] / 1e6 : NaN;
  if (t instanceof Date) return t.getTime();
  return NaN;
}

/** The OTel API TraceState over tracewire's immutable TraceState. */
export class OtelTraceState implements ApiTraceState {
  readonly state: TraceState;
  constructor(state: TraceState) { this.state = state; }
  get(key: string): string | undefined { return this.state.get(key); }
  set(key: string, value: string): OtelTraceState {
    const s = this.state.set(key, value);
    return s === this.state ? this : new OtelTraceState(s);
  }
  unset(key: string): OtelTraceState {
    const s = this.state.delete(key);
    return s === this.state ? this : new OtelTraceState(s);
  }
  serialize(): string { return this.state.toString(); }
}

/** Plain data, as OTel's own SpanContext objects are (safe to spread, log or JSON.stringify). */
export class ApiSpanContext implements ApiSpanContextShape {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote: boolean;
  traceState: OtelTraceState | undefined;
  constructor(c: SpanContextLike) {
    this.traceId = c.traceId;
    this.spanId = c.spanId;
    this.traceFlags = c.traceFlags;
    this.isRemote = c.isRemote;
    this.traceState = c.traceState === null || c.traceState === undefined ? undefined : new OtelTraceState(c.traceState);
  }
}

function hexWord(s: string, off: number): number {
  const w = readHex8(s, off);
  return w === w ? w : readHex8(s.toLowerCase(), off); // the API accepts upper-case hex; W3C output is lower-case
}

/** An OTel API SpanContext (hex strings) as a tracewire context, or null when it is not a valid one (or a getter, or its trace state's serialize, throws). */
export function coreContextOf(sc: ApiSpanContextShape | null | undefined): SpanContextLike | null {
  try { return readContext(sc); } catch { return null; }
}

function readContext(sc: ApiSpanContextShape | null | undefined): SpanContextLike | null {
  if (sc == null) return null;
  if (apiKeysPolluted()) sc = ownSpanContext(sc);
  const tid = sc.traceId;
  const sid = sc.spanId;
  if (typeof tid !== 'string' || tid.length !== 32 || typeof sid !== 'string' || sid.length !== 16) return null;
  const t0 = hexWord(tid, 0), t1 = hexWord(tid, 8), t2 = hexWord(tid, 16), t3 = hexWord(tid, 24);
  const s0 = hexWord(sid, 0), s1 = hexWord(sid, 8);
  if (t0 !== t0 || t1 !== t1 || t2 !== t2 || t3 !== t3 || s0 !== s0 || s1 !== s1) return null;
  if ((t0 | t1 | t2 | t3) === 0 || (s0 | s1) === 0) return null;
  const flags = typeof sc.traceFlags === 'number' ? sc.traceFlags & 0xff : 0;
  return new SpanContext(t0, t1, t2, t3, s0, s1, flags, sc.isRemote === true, coreTraceState(sc.traceState));
}

/** The link's own (or its class's) fields, none that only Object.prototype holds (pollution). */
export function ownLink(l: Link): Link {
  return { context: fieldOf(l, 'context') as Link['context'], attributes: fieldOf(l, 'attributes') as Link['attributes'] };
}

/** The fields `sc` gives itself (or through its class), none that only Object.prototype holds (pollution). */
function ownSpanContext(sc: ApiSpanContextShape): ApiSpanContextShape {
  return {
    traceId: fieldOf(sc, 'traceId') as string, spanId: fieldOf(sc, 'spanId') as string, traceFlags: fieldOf(sc, 'traceFlags') as number,
    isRemote: fieldOf(sc, 'isRemote') as boolean | undefined, traceState: fieldOf(sc, 'traceState') as ApiTraceState | undefined,
  };
}

function coreTraceState(ts: ApiTraceState | undefined): TraceState | null {
  if (ts == null) return null;
  if (ts instanceof OtelTraceState) return ts.state;
  if (typeof ts.serialize !== 'function') return null;
  const s = parseTracestate(ts.serialize());
  return s === null || s.size === 0 ? null : s;
}
