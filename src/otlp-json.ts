// OTLP/JSON ExportTraceServiceRequest written straight into one reusable buffer: no object graph, no
// JSON.stringify of a tree, no TextEncoder pass (OTel JS makes three full copies per batch).
// Wire rules (opentelemetry-proto docs/specification.md, "JSON Protobuf Encoding"): lowerCamelCase keys,
// IDs as lowercase hex, enums as integers, int64 as decimal strings, bytes as base64; fields at their
// proto3 default (empty arrays, zero counts, empty strings) are omitted, as proto3 JSON allows.
// Non-finite doubles use the proto3 JSON strings "NaN", "Infinity", "-Infinity"; -0 is intValue "0".
import { ORIGIN_SEC, ORIGIN_NS } from './clock.js';
import { OVERFLOW, CLOSE_RESERVE, Frag, ascii, asciiFrag } from './json-writer.js';
import { K_ATTRS, KEY_CACHE_MAX, VALUE_CACHE_MAX_LEN } from './otlp-attrs.js';
import { OtlpEventLinkWriter, SPAN_FIXED, FLAG_HAS_IS_REMOTE, FLAG_IS_REMOTE, K_DROPPED_ATTRS } from './otlp-events-links.js';
import { groupSpans } from './otlp-group.js';
import type { Span } from './span.js';
import { exportName } from './span-name.js';

export { groupSpans };

/** The client SHOULD cap a request at 64 MiB and MUST NOT send more (OTLP specification.md, size limits). */
export const OTLP_MAX_REQUEST_BYTES = 64 * 1024 * 1024;
const INITIAL_BYTES = 64 * 1024; // 512 realistic spans take ~320 KB: a few doublings on the first batch only
// Span times are (sec, ns) since performance.timeOrigin (clock.ts); the origin split the same way.
const HEAD = ascii('{"resourceSpans":[');
const HEX32 = '0'.repeat(32), HEX16 = '0'.repeat(16), DIGITS19 = '0'.repeat(19);
// Offsets used in span(): traceId digits at 12, spanId at 56, parentSpanId at 90, flags in the last 3 bytes;
// in T_TIMES the start time is 23 and the end time 63 bytes after the kind digit.
const T_HEAD = asciiFrag(`{"traceId":"${HEX32}","spanId":"${HEX16}","flags":000`);
const T_HEAD_PARENT = asciiFrag(`{"traceId":"${HEX32}","spanId":"${HEX16}","parentSpanId":"${HEX16}","flags":000`);
const T_TIMES = ascii(`,"kind":0,"startTimeUnixNano":"${DIGITS19}","endTimeUnixNano":"${DIGITS19}"`);
const K_PARENT = ascii('","parentSpanId":"');
const K_KIND = ascii(',"kind":');
const K_START = ascii(',"startTimeUnixNano":"');
const K_END = ascii('","endTimeUnixNano":"');
const K_DROPPED_EVENTS = ascii(',"droppedEventsCount":');
const K_DROPPED_LINKS = ascii(',"droppedLinksCount":');
const K_STATUS_UNSET = asciiFrag(',"status":{}}');
const K_STATUS_OK = asciiFrag(',"status":{"code":1}}');
const K_STATUS_ERROR = ascii(',"status":{"code":2');
const K_MESSAGE = ascii(',"message":');
const K_NAME = ascii(',"name":');
const CLOSE_SCOPE_OPEN = ascii(']},');
const CLOSE_GROUP_OPEN = ascii(']}]},');
const CLOSE_GROUP = ascii(']}]}');
const CLOSE_ALL = ascii(']}');

interface Group { resource: object; scope: object; resourceFrag: Frag; scopeFrag: Frag }
interface NameTemplate { bytes: Frag; kindAt: number }

export interface EncoderOptions {
  /** Hard cap of one request in bytes (default 64 MiB); spans past it are left out and reported by `count`. */
  maxBytes?: number;
  initialBytes?: number;
}

export class OtlpJsonEncoder extends OtlpEventLinkWriter {
  /** Resource and scope fragments per tracer, built on first sight and kept while the tracer lives. */
  private readonly groups = new WeakMap<object, Group>();
  private readonly names = new Map<string, NameTemplate>();
  // The two most recent span names skip the Map lookup (names alternate: server span, client span...).
  private n0: string | null = null; private f0: NameTemplate | null = null;
  private n1: string | null = null; private f1: NameTemplate | null = null;
  private cur: Group | null = null;
  private softCap = Infinity;
  /** Spans written since begin(), and spans left out because they could not be read. */
  count = 0;
  skipped = 0;

  constructor(options: EncoderOptions = {}) {
    super(options.maxBytes ?? OTLP_MAX_REQUEST_BYTES, options.initialBytes ?? INITIAL_BYTES);
  }

  /** Whole request for `spans`. Returns a view valid until the next call; `count` says how many fit under the cap. */
  encode(spans: readonly Span[]): Buffer {
    const g = groupSpans(spans);
    this.begin();
    this.add(g, 0, g.length);
    return this.end();
  }

  /**
   * Start a request; then add() grouped spans (see groupSpans) in as many slices as wanted, then end().
   * `limit`: this request's own cap in bytes, under maxBytes (a backend that answered 413 to a larger one).
   */
  begin(limit = Infinity): void {
    this.softCap = Math.min(limit, this.maxBytes) - CLOSE_RESERVE;
    this.reset();
    this.cur = null;
    this.count = 0;
    this.skipped = 0;
    this.lastTs = null;
    this.rawR(HEAD);
  }

  /** Writes spans[from, to); returns the index it stopped at (< to only when the size cap was hit). */
  add(spans: readonly Span[], from: number, to: number): number {
    for (let i = from; i < to; i++) {
      const s = spans[i]!;
      const mark = this.pos;
      const cur = this.cur;
      try {
        const t = s.tracer;
        if (cur === null || cur.resource !== t.resource || cur.scope !== t.scope) this.openGroup(this.groupOf(s), cur);
        else this.byte(44); // ','
        this.span(s);
        // over this request's own cap (begin(limit)): reserve() checks maxBytes only, and only when the buffer grows
        if (this.pos > this.softCap) { this.pos = mark; this.cur = cur; return i; }
      } catch (e) {
        this.pos = mark;
        this.cur = cur;
        if (e === OVERFLOW) return i;
        this.skipped++; // a span the encoder cannot read (should not happen): leave it out, keep the batch
        continue;
      }
      this.count++;
    }
    return to;
  }

  /** Closes the request; returns a view of the bytes, valid until the next begin(). */
  end(): Buffer {
    this.reserve(CLOSE_RESERVE, true);
    if (this.cur !== null) this.raw(CLOSE_GROUP);
    this.raw(CLOSE_ALL);
    return this.result();
  }

  /** end() and a newline (a JSON-lines record), still within maxBytes: the closing reserve has room for it. */
  endLine(): Buffer {
    this.end();
    this.byte(10);
    return this.result();
  }

  private groupOf(s: Span): Group {
    const t = s.tracer;
    let g = this.groups.get(t);
    if (g === undefined || g.resource !== t.resource || g.scope !== t.scope) {
      const res = t.resource as Record<string, unknown>;
      const keys = Object.keys(res);
      const flat: unknown[] = [];
      for (const k of keys) flat.push(k, res[k]);
      const resourceFrag = this.fragment(() => {
        this.rawR(ascii('{"resource":{"attributes":['));
        this.attrList(flat, keys.length);
        this.rawR(ascii('},"scopeSpans":['));
      });
      const scopeFrag = this.fragment(() => {
        this.rawR(ascii('{"scope":{"name":'));
        this.str(String(t.scope.name ?? ''));
        if (t.scope.version) { this.rawR(ascii(',"version":')); this.str(String(t.scope.version)); }
        this.rawR(ascii('},"spans":['));
      });
      g = { resource: t.resource, scope: t.scope, resourceFrag, scopeFrag };
      this.groups.set(t, g);
    }
    return g;
  }

  private openGroup(g: Group, prev: Group | null): void {
    this.reserve(g.resourceFrag.n + g.scopeFrag.n + 8);
    if (prev !== null && prev.resource === g.resource) { this.raw(CLOSE_SCOPE_OPEN); this.rawF(g.scopeFrag); }
    else {
      if (prev !== null) this.raw(CLOSE_GROUP_OPEN);
      this.rawF(g.resourceFrag);
      this.rawF(g.scopeFrag);
    }
    this.cur = g;
  }

  private span(s: Span): void {
    this.reserve(SPAN_FIXED);
    const bits = s.bits;
    // Fixed-width parts are copied from a template in one call, then the digits are filled in place.
    // flags is 0x100 | W3C flags [| 0x200]: always 3 digits, so it sits at a fixed offset too.
    const p = this.pos;
    const flags = (bits & 0xff) | FLAG_HAS_IS_REMOTE | (s.parentIsRemote ? FLAG_IS_REMOTE : 0);
    if (s.hasParent) {
      this.rawF(T_HEAD_PARENT);
      this.hexAt(p + 12, s.t0, s.t1, s.t2, s.t3);
      this.hexAt2(p + 56, s.s0, s.s1);
      const pc = s.parent!;
      this.hexAt2(p + 90, pc.s0, pc.s1);
    } else {
      this.rawF(T_HEAD);
      this.hexAt(p + 12, s.t0, s.t1, s.t2, s.t3);
      this.hexAt2(p + 56, s.s0, s.s1);
    }
    this.digits3(this.pos - 3, flags);
    const r = s.rare;
    if (r !== null && r.traceState !== null) this.traceState(r.traceState);
    const name = exportName(s);
    const n = s.nAttr;
    const ss = ORIGIN_SEC + s.startSec, es = ORIGIN_SEC + s.endSec;
    // 2001..2286: timestamps are exactly 19 digits. Long names (SQL text...) are usually unique: no template, it would pin them.
    const t = ss >= 1e9 && es < 1e10 - 1 && name.length <= VALUE_CACHE_MAX_LEN ? this.nameTemplate(name) : null;
    if (t !== null) {
      // `,"name":"…","kind":K,"startTimeUnixNano":"…","endTimeUnixNano":"…","attributes":[` in one copy
      this.reserve(t.bytes.n + SPAN_FIXED);
      const k = this.pos + t.kindAt;
      this.rawF(t.bytes);
      this.u8[k] = 48 + s.kind;
      this.nanosAt(k + 23, ss, ORIGIN_NS + s.startNs);
      this.nanosAt(k + 63, es, ORIGIN_NS + s.endNs);
      if (n === 0) this.pos -= K_ATTRS.length;
    } else {
      this.rawR(K_NAME);
      this.str(name);
      this.reserve(SPAN_FIXED);
      this.raw(K_KIND);
      this.u8[this.pos++] = 48 + s.kind;
      this.raw(K_START);
      this.time(s.startSec, s.startNs);
      this.raw(K_END);
      this.time(s.endSec, s.endNs);
      this.u8[this.pos++] = 34; // '"'
      if (n > 0) this.raw(K_ATTRS);
    }
    if (n > 0) this.attrList(s.attrs!, n);
    if (r !== null) {
      if (r.droppedAttrs > 0) { this.rawR(K_DROPPED_ATTRS); this.uint(r.droppedAttrs); }
      if (r.events !== null && r.events.length > 0) this.events(r.events);
      if (r.droppedEvents > 0) { this.rawR(K_DROPPED_EVENTS); this.uint(r.droppedEvents); }
      if (r.links !== null && r.links.length > 0) this.links(r.links);
      if (r.droppedLinks > 0) { this.rawR(K_DROPPED_LINKS); this.uint(r.droppedLinks); }
    }
    this.reserve(32);
    const status = s.status;
    if (status === 1) { this.rawF(K_STATUS_OK); return; }
    if (status === 0) { this.rawF(K_STATUS_UNSET); return; }
    this.raw(K_STATUS_ERROR);
    const msg = r === null ? null : r.statusMessage;
    if (msg !== null && msg !== '') { this.raw(K_MESSAGE); this.str(msg); this.reserve(2); }
    this.u8[this.pos++] = 125; // '}'
    this.u8[this.pos++] = 125;
  }

  /** Per distinct span name (low-cardinality by semconv), the name-to-attributes template; null once the cache is full. */
  private nameTemplate(name: string): NameTemplate | null {
    if (name === this.n0) return this.f0;
    if (name === this.n1) { const f = this.f1; this.n1 = this.n0; this.f1 = this.f0; this.n0 = name; this.f0 = f; return f; }
    let f = this.names.get(name);
    if (f === undefined) {
      if (this.names.size >= KEY_CACHE_MAX) return null;
      let kindAt = 0;
      const bytes = this.fragment(() => { this.rawR(K_NAME); this.str(name); kindAt = this.pos + 8; this.rawR(T_TIMES); this.rawR(K_ATTRS); });
      f = { bytes, kindAt: kindAt - (this.pos) };
      this.names.set(name, f);
    }
    this.n1 = this.n0; this.f1 = this.f0; this.n0 = name; this.f0 = f;
    return f;
  }

  /** (sec, ns) since timeOrigin → unix ns as decimal digits, integer arithmetic only. */
  private time(sec: number, ns: number): void {
    this.reserve(24);
    let s = ORIGIN_SEC + sec;
    let n = ORIGIN_NS + ns;
    if (n >= 1e9) { n -= 1e9; s++; }
    if (s < 0) { this.byte(48); return; } // before 1970: clamp (fixed64 cannot go negative)
    if (s === 0) { this.uint(n); return; }
    this.uint(s);
    this.pad(n, 9);
  }
}

export { unixNanoFromMs } from './json-writer.js';
