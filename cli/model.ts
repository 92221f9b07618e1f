// The trace index: one column per span field (typed arrays, ~74 bytes per span, strings interned), so a
// file of a million spans fits in memory; spans are grouped by trace with one counting sort.

import { InputError } from './read.js';

export const KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
export const KIND_SERVER = 2;
export const KIND_CLIENT = 3;
export const KIND_PRODUCER = 4;
export const KIND_CONSUMER = 5;
export const STATUS_NAMES = ['unset', 'ok', 'error'];
export const STATUS_ERROR = 2;

/** AC-003 fields a span can lack (bit per field; trace and span IDs are checked at decode: without them there is no span). */
export const MISS_NAME = 1;
export const MISS_SERVICE = 2;
export const MISS_START = 4;
export const MISS_END = 8;
export const MISS_HTTP_CODE = 16;
export const MISSING_FIELDS: ReadonlyArray<[number, string]> = [
  [MISS_NAME, 'operation name'], [MISS_SERVICE, 'service.name'], [MISS_START, 'start time'],
  [MISS_END, 'end time (or end before start)'], [MISS_HTTP_CODE, 'http.response.status_code'],
];

/** flags column */
export const F_PARENT = 1;
/** a call to something that never runs our tracer (database, broker): no child span expected */
export const F_EXTERNAL = 2;

/** Decoded span, reused for every span of a file (one object, fixed shape). */
export class SpanInput {
  traceId = '';
  sHi = 0; sLo = 0; pHi = 0; pLo = 0;
  hasParent = false;
  name = '';
  service = '';
  /** whose clock the times are on: a host (resource host.*), else a service instance; '' unknown (cli/skew.ts) */
  clock = '';
  kind = 0;
  status = 0;
  start = NaN;
  end = NaN;
  http = 0;
  resend = 0;
  peer = '';
  external = false;
  /** has http.* method or status code attributes */
  httpSpan = false;
  missing = 0;
  keys = '';
  links = 0;
  /** Links with a valid trace and span ID, 6 words each: the trace ID's 4 words, span ID hi, lo. */
  readonly linkWords: number[] = [];
  linkCount = 0;
  attrs: Record<string, unknown> | null = null;
}

/** A JS Map holds at most 2^24 entries; past that V8 throws a RangeError (the CLI's exit 70), so stop just before. */
export const MAX_DISTINCT = 2 ** 24 - 1;

/** The input outgrew an index: a clear input error (exit 2) that says what to do, not a crash. */
export function tooMany(what: string, max: number): InputError {
  return new InputError(`the input holds more than ${max.toLocaleString('en-US')} distinct ${what}, the most one index can hold: read fewer files at a time`);
}

export class Interner {
  readonly list: string[] = [''];
  private readonly ids = new Map<string, number>([['', 0]]);
  constructor(private readonly what = 'span and service names', private readonly max = MAX_DISTINCT) {}
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      if (this.list.length > this.max) throw tooMany(this.what, this.max);
      i = this.list.length; this.list.push(s); this.ids.set(s, i);
    }
    return i;
  }
  get(i: number): string { return this.list[i] ?? ''; }
}

function grow<T extends Int32Array | Float64Array | Uint8Array | Uint16Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

export class Model {
  n = 0;
  private cap: number;
  trace: Int32Array; sHi: Int32Array; sLo: Int32Array; pHi: Int32Array; pLo: Int32Array;
  start: Float64Array; end: Float64Array;
  service: Int32Array; name: Int32Array; peer: Int32Array; keyset: Int32Array; clock: Int32Array;
  kind: Uint8Array; status: Uint8Array; flags: Uint8Array; missing: Uint8Array;
  http: Uint16Array; resend: Uint16Array; links: Uint16Array;
  readonly strings: Interner;
  readonly keysets: Interner;
  private readonly maxTraces: number;
  readonly traceIds: string[] = [];
  /** Span IDs (key53) some span links to: a PRODUCER consumed under a link (batch, `mode: 'link'`) has its callee there. */
  readonly linked = new Set<number>();
  /**
   * Links as flat columns (28 bytes per link, nothing per span without links): link j belongs to span
   * linkFrom[j] (ascending, as spans are added in order) and points at span (linkHi, linkLo) of the trace whose
   * ID is (linkT0, linkT1, linkT2, linkT3); indexes key on its low 64 bits (linkT2, linkT3).
   */
  nLinks = 0;
  linkFrom = new Int32Array(16); linkT0 = new Int32Array(16); linkT1 = new Int32Array(16); linkT2 = new Int32Array(16); linkT3 = new Int32Array(16);
  linkHi = new Int32Array(16); linkLo = new Int32Array(16);
  private readonly traceMap = new Map<string, number>();
  /** Attribute objects per span, only when asked for (one trace in `view`). */
  readonly attrs: Array<Record<string, unknown> | null> | null;
  /** After index(): spans grouped by trace (order[offsets[t]] .. order[offsets[t+1]-1]). */
  order: Int32Array = new Int32Array(0);
  offsets: Int32Array = new Int32Array(1);

  /** `maxDistinct` (tests): the most distinct trace IDs, names and attribute key sets held (default MAX_DISTINCT). */
  constructor(o: { keepAttributes?: boolean; capacity?: number; maxDistinct?: number } = {}) {
    const max = o.maxDistinct ?? MAX_DISTINCT;
    this.strings = new Interner('span and service names', max);
    this.keysets = new Interner('attribute key sets', max);
    this.maxTraces = max;
    const c = (this.cap = Math.max(16, o.capacity ?? 1024));
    this.trace = new Int32Array(c); this.sHi = new Int32Array(c); this.sLo = new Int32Array(c); this.pHi = new Int32Array(c); this.pLo = new Int32Array(c);
    this.start = new Float64Array(c); this.end = new Float64Array(c);
    this.service = new Int32Array(c); this.name = new Int32Array(c); this.peer = new Int32Array(c); this.keyset = new Int32Array(c); this.clock = new Int32Array(c);
    this.kind = new Uint8Array(c); this.status = new Uint8Array(c); this.flags = new Uint8Array(c); this.missing = new Uint8Array(c);
    this.http = new Uint16Array(c); this.resend = new Uint16Array(c); this.links = new Uint16Array(c);
    this.attrs = o.keepAttributes === true ? [] : null;
  }

  private growTo(c: number): void {
    this.cap = c;
    this.trace = grow(this.trace, c); this.sHi = grow(this.sHi, c); this.sLo = grow(this.sLo, c); this.pHi = grow(this.pHi, c); this.pLo = grow(this.pLo, c);
    this.start = grow(this.start, c); this.end = grow(this.end, c);
    this.service = grow(this.service, c); this.name = grow(this.name, c); this.peer = grow(this.peer, c); this.keyset = grow(this.keyset, c); this.clock = grow(this.clock, c);
    this.kind = grow(this.kind, c); this.status = grow(this.status, c); this.flags = grow(this.flags, c); this.missing = grow(this.missing, c);
    this.http = grow(this.http, c); this.resend = grow(this.resend, c); this.links = grow(this.links, c);
  }

  get traceCount(): number { return this.traceIds.length; }

  traceNumber(id: string): number {
    return this.traceMap.get(id) ?? -1;
  }

  add(s: SpanInput): void {
    if (this.n === this.cap) this.growTo(this.cap * 2);
    const i = this.n++;
    let t = this.traceMap.get(s.traceId);
    if (t === undefined) {
      if (this.traceIds.length >= this.maxTraces) throw tooMany('trace IDs', this.maxTraces);
      t = this.traceIds.length; this.traceIds.push(s.traceId); this.traceMap.set(s.traceId, t);
    }
    this.trace[i] = t;
    this.sHi[i] = s.sHi; this.sLo[i] = s.sLo; this.pHi[i] = s.pHi; this.pLo[i] = s.pLo;
    this.start[i] = s.start; this.end[i] = s.end;
    this.service[i] = this.strings.id(s.service); this.name[i] = this.strings.id(s.name); this.peer[i] = this.strings.id(s.peer); this.clock[i] = this.strings.id(s.clock);
    this.keyset[i] = this.keysets.id(s.keys);
    this.kind[i] = s.kind; this.status[i] = s.status; this.missing[i] = s.missing;
    this.flags[i] = (s.hasParent ? F_PARENT : 0) | (s.external ? F_EXTERNAL : 0);
    this.http[i] = s.http; this.resend[i] = Math.min(s.resend, 65535); this.links[i] = Math.min(s.links, 65535);
    if (this.attrs !== null) this.attrs.push(s.attrs);
    for (let k = 0; k < s.linkCount; k++) this.addLink(i, s.linkWords, k * 6);
  }

  private addLink(from: number, w: readonly number[], o: number): void {
    if (this.nLinks === this.linkFrom.length) {
      const c = this.nLinks * 2;
      this.linkFrom = grow(this.linkFrom, c); this.linkT0 = grow(this.linkT0, c); this.linkT1 = grow(this.linkT1, c); this.linkT2 = grow(this.linkT2, c); this.linkT3 = grow(this.linkT3, c);
      this.linkHi = grow(this.linkHi, c); this.linkLo = grow(this.linkLo, c);
    }
    const j = this.nLinks++;
    this.linkFrom[j] = from; this.linkT0[j] = w[o]!; this.linkT1[j] = w[o + 1]!; this.linkT2[j] = w[o + 2]!; this.linkT3[j] = w[o + 3]!;
    this.linkHi[j] = w[o + 4]!; this.linkLo[j] = w[o + 5]!;
  }

  /** Index of span g's first link (links of g are linkFirst(g) .. while linkFrom[j] === g); binary search. */
  linkFirst(g: number): number {
    let lo = 0;
    let hi = this.nLinks;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (this.linkFrom[mid]! < g) lo = mid + 1; else hi = mid; }
    return lo;
  }

  duration(i: number): number {
    const d = this.end[i]! - this.start[i]!;
    return d >= 0 ? d : NaN;
  }

  spanId(i: number): string { return hex8(this.sHi[i]!) + hex8(this.sLo[i]!); }
  /** Link j's target as (32-hex trace ID, 16-hex span ID). */
  linkTraceId(j: number): string { return hex8(this.linkT0[j]!) + hex8(this.linkT1[j]!) + hex8(this.linkT2[j]!) + hex8(this.linkT3[j]!); }
  linkSpanId(j: number): string { return hex8(this.linkHi[j]!) + hex8(this.linkLo[j]!); }
  parentId(i: number): string { return (this.flags[i]! & F_PARENT) !== 0 ? hex8(this.pHi[i]!) + hex8(this.pLo[i]!) : ''; }
  serviceName(i: number): string { return this.strings.get(this.service[i]!); }
  opName(i: number): string { return this.strings.get(this.name[i]!); }

  /** Group spans by trace: a counting sort, O(spans). */
  index(): void {
    const nt = this.traceIds.length;
    const off = new Int32Array(nt + 1);
    for (let i = 0; i < this.n; i++) off[this.trace[i]! + 1]!++;
    for (let t = 0; t < nt; t++) off[t + 1]! += off[t]!;
    const pos = off.slice(0, nt);
    const order = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) order[pos[this.trace[i]!]!++] = i;
    this.order = order;
    this.offsets = off;
  }

  spansOf(t: number): Int32Array { return this.order.subarray(this.offsets[t]!, this.offsets[t + 1]!); }
}

function hex8(x: number): string { return (x >>> 0).toString(16).padStart(8, '0'); }

/** A span ID as a number: 53 of its 64 bits (exact match is checked where a collision would matter). */
export const key53 = (hi: number, lo: number): number => (hi & 0x1fffff) * 4294967296 + (lo >>> 0);
