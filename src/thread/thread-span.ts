// The exporter thread's view of a record: ThreadSpan, shaped like Span where the OTLP encoder and the
// exporters read it, decoded straight from the SAB (layout: record.ts).
import { toEpochMs, unixNanoString } from '../clock.js';
import { SpanEvent, SpanLink, SpanRare } from '../span.js';
import { FLAG_SAMPLED, ParentIds, type SpanContextLike } from '../span-context.js';
import { EMPTY_TRACESTATE, TraceState } from '../tracestate.js';
import type { AttributeValue } from '../attributes.js';
import { setOwn } from '../own-keys.js';
import type { ByteReader } from './codec.js';
import type { DictReader, ThreadTracer } from './dict.js';
import { PARENT_REMOTE, HAS_PARENT, STATUS_SHIFT, kindOf } from '../span.js';
import { FIXED, HAS_MESSAGE, HAS_TRACESTATE, LINK_REMOTE, LINK_TRACESTATE, ORIGIN_NS, ORIGIN_SEC, SPAN_BITS } from './record.js';

/** A decoded record's parent span ID: what the encoder reads from Span.parent (s0, s1); one class with the core's. */
export { ParentIds };

/**
 * A decoded span, shaped like Span where the OTLP encoder and exporters read it. Times are stored relative
 * to THIS thread's timeOrigin, so the encoder's (ORIGIN + rel) arithmetic yields the producer's exact unix ns.
 */
export class ThreadSpan {
  tracer: ThreadTracer;
  name: string;
  t0: number; t1: number; t2: number; t3: number;
  s0: number; s1: number;
  /** The parent span ID's words (s0, s1), as Span.parent holds its parent's context; null for a root. */
  parent: ParentIds | null;
  bits: number;
  startSec: number; startNs: number;
  endSec: number; endNs: number;
  attrs: unknown[] | null;
  nAttr: number;
  traceState: TraceState | null;
  rare: SpanRare | null;

  constructor(tracer: ThreadTracer, name: string) {
    this.tracer = tracer;
    this.name = name;
    this.t0 = 0; this.t1 = 0; this.t2 = 0; this.t3 = 0;
    this.s0 = 0; this.s1 = 0; this.parent = null;
    this.bits = 0;
    this.startSec = 0; this.startNs = 0; this.endSec = 0; this.endNs = 0;
    this.attrs = null;
    this.nAttr = 0;
    this.traceState = null;
    this.rare = null;
  }

  get traceFlags(): number { return this.bits & 0xff; }
  /** OTLP kind 1..5 (kindOf). */
  get kind(): number { return kindOf(this.bits); }
  get status(): number { return (this.bits >> STATUS_SHIFT) & 3; }
  get parentIsRemote(): boolean { return (this.bits & PARENT_REMOTE) !== 0; }
  get hasParent(): boolean { return (this.bits & HAS_PARENT) !== 0; }
  get isRemote(): boolean { return false; }
  get sampled(): boolean { return (this.bits & FLAG_SAMPLED) !== 0; }
  get ended(): boolean { return true; }
  spanContext(): this { return this; }
  isRecording(): boolean { return false; }
  get statusMessage(): string | null { return this.rare === null ? null : this.rare.statusMessage; }
  get traceId(): string { return hex(this.t0) + hex(this.t1) + hex(this.t2) + hex(this.t3); }
  get spanId(): string { return hex(this.s0) + hex(this.s1); }
  get parentSpanId(): string { return this.parent === null ? '' : hex(this.parent.s0) + hex(this.parent.s1); }
  get startTime(): number { return toEpochMs(this.startSec, this.startNs); }
  get endTime(): number { return toEpochMs(this.endSec, this.endNs); }
  get startUnixNano(): string { return unixNanoString(this.startSec, this.startNs); }
  get endUnixNano(): string { return unixNanoString(this.endSec, this.endNs); }
  get duration(): number { return (this.endSec - this.startSec) * 1000 + (this.endNs - this.startNs) / 1e6; }
  get attributes(): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < this.nAttr; i++) setOwn(o, this.attrs![2 * i] as string, this.attrs![2 * i + 1]);
    return o;
  }
  getAttribute(key: string): AttributeValue | undefined {
    for (let i = 0; i < this.nAttr; i++) if (this.attrs![2 * i] === key) return this.attrs![2 * i + 1] as AttributeValue;
    return undefined;
  }
  get links(): readonly SpanLink[] { return this.rare?.links ?? []; }
  get events(): readonly SpanEvent[] { return this.rare?.events ?? []; }
  /** Nothing pooled here: decoded spans are plain garbage once exported. */
  release(): void {}
}

function hex(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

/** Scratch context for SpanLink's constructor (it copies the fields). */
const linkCtx = { t0: 0, t1: 0, t2: 0, t3: 0, s0: 0, s1: 0, traceFlags: 0, isRemote: false, traceState: null as TraceState | null };

// The spans of one trace carry the same tracestate: one object for a run of them (the encoder serializes it once).
let lastTs: TraceState | null = null;
/** A tracestate header as the producer's TraceState wrote it (canonical: its toString()), as a TraceState again. */
function traceStateOf(header: string): TraceState {
  if (header === '') return EMPTY_TRACESTATE;
  if (lastTs === null || lastTs.toString() !== header) {
    let n = 1;
    for (let i = header.indexOf(','); i >= 0; i = header.indexOf(',', i + 1)) n++;
    lastTs = new TraceState(header, n, null, null);
  }
  return lastTs;
}

/** Decodes the committed record at SAB byte offset `at`. Throws RangeError on a malformed record. */
export function decodeSpan(i32: Int32Array, r: ByteReader, at: number, dict: DictReader): ThreadSpan {
  const b = at >> 2;
  r.pos = at + FIXED;
  const s = new ThreadSpan(dict.get(i32[b + 1]!), r.str());
  s.t0 = i32[b + 2]!; s.t1 = i32[b + 3]!; s.t2 = i32[b + 4]!; s.t3 = i32[b + 5]!;
  s.s0 = i32[b + 6]!; s.s1 = i32[b + 7]!;
  s.bits = i32[b + 10]! & SPAN_BITS;
  if ((s.bits & HAS_PARENT) !== 0) s.parent = new ParentIds(i32[b + 8]!, i32[b + 9]!);
  relTime(s, true, i32[b + 11]! >>> 0, i32[b + 12]!);
  relTime(s, false, i32[b + 13]! >>> 0, i32[b + 14]!);
  const flags = i32[b + 21]!;
  const msg = (flags & HAS_MESSAGE) !== 0 ? r.str() : '';
  // an empty list (a `tracestate:` header with no members) is a TraceState too, as on the producer's span
  const state = (flags & HAS_TRACESTATE) !== 0 ? traceStateOf(r.str()) : null;
  s.traceState = state;
  const nAttr = i32[b + 15]!, dAttr = i32[b + 16]!, nEv = i32[b + 17]!, dEv = i32[b + 18]!, nLink = i32[b + 19]!, dLink = i32[b + 20]!;
  if (nAttr > 0) { s.attrs = readAttrs(r, dict, nAttr); s.nAttr = nAttr; }
  if (msg !== '' || state !== null || dAttr > 0 || nEv > 0 || dEv > 0 || nLink > 0 || dLink > 0) {
    const rare = (s.rare = new SpanRare());
    if (msg !== '') rare.statusMessage = msg;
    rare.traceState = state;
    rare.droppedAttrs = dAttr; rare.droppedEvents = dEv; rare.droppedLinks = dLink;
    if (nEv > 0) {
      const ev: SpanEvent[] = (rare.events = []);
      for (let i = 0; i < nEv; i++) {
        const time = r.f64();
        const name = r.str();
        const dropped = r.uvar();
        const n = r.uvar();
        ev.push(new SpanEvent(name, time, n > 0 ? readAttrs(r, dict, n) : null, n, dropped));
      }
    }
    if (nLink > 0) {
      const links: SpanLink[] = (rare.links = []);
      for (let i = 0; i < nLink; i++) {
        const c = linkCtx;
        c.t0 = r.i32(); c.t1 = r.i32(); c.t2 = r.i32(); c.t3 = r.i32(); c.s0 = r.i32(); c.s1 = r.i32();
        c.traceFlags = r.u8();
        const f = r.u8();
        c.isRemote = (f & LINK_REMOTE) !== 0;
        c.traceState = (f & LINK_TRACESTATE) !== 0 ? traceStateOf(r.str()) : null;
        const dropped = r.uvar();
        const n = r.uvar();
        links.push(new SpanLink(c as unknown as SpanContextLike, n > 0 ? readAttrs(r, dict, n) : null, n, dropped));
      }
    }
  }
  return s;
}

/** n (key id or inline key, tagged value) pairs into a fresh flat [k, v, ...] array. */
function readAttrs(r: ByteReader, dict: DictReader, n: number): unknown[] {
  const out = new Array<unknown>(2 * n);
  for (let i = 0; i < n; i++) {
    const id = r.uvar();
    out[2 * i] = id === 0 ? r.str() : dict.key(id);
    out[2 * i + 1] = r.value();
  }
  return out;
}

/** Absolute unix (sec, ns) -> (sec, ns) since this thread's timeOrigin, ns kept in [0, 1e9). */
function relTime(s: ThreadSpan, start: boolean, absSec: number, absNs: number): void {
  let sec = absSec - ORIGIN_SEC;
  let ns = absNs - ORIGIN_NS;
  if (ns < 0) { ns += 1e9; sec--; }
  if (start) { s.startSec = sec; s.startNs = ns; } else { s.endSec = sec; s.endNs = ns; }
}
