// Span <-> binary record. Layout (little-endian, 8-aligned, 88-byte fixed part as int32 words):
//  0 header (len | type, written by the ring) · 4 tracer entry · 8..40 t0 t1 t2 t3 s0 s1 p0 p1 · 40 bits
//  (flags | kind | status | parent bits, as Span.bits) · 44 start unix sec (uint32) · 48 start ns · 52 end
//  unix sec · 56 end ns · 60 nAttr · 64 droppedAttrs · 68 nEvents · 72 droppedEvents · 76 nLinks ·
//  80 droppedLinks · 84 flags (1 status message, 2 tracestate) · 88.. name, [status message], [tracestate],
//  attributes (key id | 0 + inline key, tagged value), events (f64 epoch ms, name, dropped, n, attributes),
//  links (6 words, flags, 1 remote | 2 has tracestate, [tracestate], dropped, n, attributes); dropped = the event's or link's
//  attributes over maxCount (OTLP droppedAttributesCount). Strings: LEB128 byte length + UTF-8.
// Times are absolute (unix): every thread has its own performance.timeOrigin.
import { ORIGIN_SEC, ORIGIN_NS } from '../clock.js';
import type { Span, SpanEvent, SpanLink } from '../span.js';
import { exportName } from '../span-name.js';
import { ByteWriter, OVERFLOW, V_FALSE, V_STR, V_TRUE, V_UINT } from './codec.js';
import type { DictWriter } from './dict.js';

/** Same split as clock.ts / otlp-json.ts, so absolute <-> relative conversions are exact to the ns. */
export { ORIGIN_SEC, ORIGIN_NS };
export const FIXED = 88;
export const SPAN_BITS = (1 << 15) - 1; // flags, kind, status, parent-remote, has-parent; not ENDED or the count

export const HAS_MESSAGE = 1;
export const HAS_TRACESTATE = 2;
/** A link's flags byte. */
export const LINK_REMOTE = 1;
export const LINK_TRACESTATE = 2;
const SLOTS = 32; // attribute positions remembered: the same call site sets the same keys in the same order

export class RecordWriter {
  readonly w: ByteWriter;
  /** Int32 view of the scratch buffer (refreshed when it grows): the fixed part, and the word copy into the ring. */
  words: Int32Array;
  /** The last encode() had to leave attributes, events or links out to fit (counted in the span's dropped counts). */
  trimmed: boolean;
  private readonly dict: DictWriter;
  private readonly slotKey: (string | null)[];
  private readonly slotId: Int32Array;
  // Per position, the string/boolean value the previous record wrote there and where: a record from the same
  // call site with the same value at the same offset finds its bytes still in the scratch buffer (no copy).
  // Only the record just before (slotSeq === seq - 1) counts: any later one may have written over them.
  private readonly slotVal: unknown[];
  private readonly slotAt: Int32Array;
  private readonly slotEnd: Int32Array;
  private readonly slotSeq: Float64Array; // record numbers: exact up to 2^53, never wrap
  private seq: number;
  private grown: number;

  constructor(dict: DictWriter) {
    this.w = new ByteWriter(4096);
    this.words = new Int32Array(this.w.buf.buffer, this.w.buf.byteOffset, this.w.buf.length >> 2);
    this.trimmed = false;
    this.dict = dict;
    this.slotKey = new Array<string | null>(SLOTS).fill(null);
    this.slotId = new Int32Array(SLOTS);
    this.slotVal = new Array<unknown>(SLOTS).fill(undefined);
    this.slotAt = new Int32Array(SLOTS);
    this.slotEnd = new Int32Array(SLOTS);
    this.slotSeq = new Float64Array(SLOTS).fill(-2);
    this.seq = 0;
    this.grown = 0;
  }

  /** Encodes into the scratch buffer; returns the aligned record size, or -1 when even the fixed part and name do not fit. */
  encode(span: Span, tracerRef: number, maxBytes: number): number {
    const w = this.w;
    w.limit = maxBytes;
    w.pos = FIXED;
    this.trimmed = false;
    this.seq++;
    const r = span.rare;
    // a string (JS callers can pass any name: a non-string once made a 0-byte record), cut as in-thread (counted)
    const name = exportName(span);
    let flags = 0;
    try {
      w.str(name);
      if (r !== null) {
        if (r.statusMessage !== null) { flags |= HAS_MESSAGE; w.str(r.statusMessage); }
        if (r.traceState !== null) { flags |= HAS_TRACESTATE; w.str(r.traceState.toString()); }
      }
    } catch (e) {
      if (e === OVERFLOW) return -1;
      throw e;
    }
    const nA = span.nAttr;
    let nAttr = 0;
    if (nA > 0) nAttr = this.attributes(span.attrs!, nA);
    let nEv = 0, nEvAll = 0, nLink = 0, nLinkAll = 0;
    if (r !== null) {
      if (r.events !== null) { nEvAll = r.events.length; nEv = this.events(r.events); }
      if (r.links !== null) { nLinkAll = r.links.length; nLink = this.links(r.links); }
    }
    if (w.grown !== this.grown) { // a new buffer: it kept only [0, pos) of the old one
      this.grown = w.grown;
      this.words = new Int32Array(w.buf.buffer, w.buf.byteOffset, w.buf.length >> 2);
      this.seq++; // this record's slots are not in the next one's previous record
    }
    const q = this.words;
    q[0] = 0;
    q[1] = tracerRef;
    q[2] = span.t0; q[3] = span.t1; q[4] = span.t2; q[5] = span.t3;
    const pc = span.parent;
    q[6] = span.s0; q[7] = span.s1; q[8] = pc === null ? 0 : pc.s0; q[9] = pc === null ? 0 : pc.s1;
    q[10] = span.bits & SPAN_BITS;
    absTime(q, 11, span.startSec, span.startNs);
    absTime(q, 13, span.endSec, span.endNs);
    q[15] = nAttr;
    q[16] = (r === null ? 0 : r.droppedAttrs) + (nA - nAttr);
    q[17] = nEv;
    q[18] = (r === null ? 0 : r.droppedEvents) + (nEvAll - nEv);
    q[19] = nLink;
    q[20] = (r === null ? 0 : r.droppedLinks) + (nLinkAll - nLink);
    q[21] = flags;
    return (w.pos + 7) & ~7;
  }

  /**
   * The span's attributes; returns how many fit the budget. Hot loop: the common shapes (remembered key,
   * short ASCII string, small integer, boolean) are written inline; anything else goes through ByteWriter.
   */
  private attributes(a: readonly unknown[], nA: number): number {
    const w = this.w;
    const slotKey = this.slotKey, slotId = this.slotId, slotVal = this.slotVal, slotAt = this.slotAt, slotEnd = this.slotEnd, slotSeq = this.slotSeq;
    const seq = this.seq, prev = seq - 1;
    let i = 0;
    let mark = w.pos;
    try {
      for (; i < nA; i++) {
        const k = a[2 * i] as string;
        const v = a[2 * i + 1];
        let p = w.pos;
        const b = w.buf;
        if (i < SLOTS && slotKey[i] === k && p + 136 <= w.end) { // key id (2) + tag + length + 127 chars
          if (slotSeq[i] === prev && slotAt[i] === p && slotVal[i] === v && w.grown === this.grown) { // bytes already there
            w.pos = mark = slotEnd[i]!; slotSeq[i] = seq; continue;
          }
          const id = slotId[i]!;
          if (id > 0 && id < 16384) { // ids of a 64 KiB dictionary always take 1 or 2 bytes
            const at = p;
            if (id < 128) b[p++] = id; else { b[p++] = (id & 0x7f) | 0x80; b[p++] = id >>> 7; }
            if (typeof v === 'string') {
              const n = v.length;
              if (n < 128) {
                let j = 0;
                for (; j < n; j++) { const c = v.charCodeAt(j); if (c >= 0x80) break; b[p + 2 + j] = c; }
                if (j === n) { b[p] = V_STR; b[p + 1] = n; w.pos = mark = p + 2 + n; slotVal[i] = v; slotAt[i] = at; slotEnd[i] = w.pos; slotSeq[i] = seq; continue; }
              }
            } else if (typeof v === 'number') {
              if (v >= 0 && v < 2147483648 && (v | 0) === v && (v !== 0 || 1 / v > 0)) { // -0 keeps the f64 path
                b[p++] = V_UINT;
                let u = v;
                while (u >= 0x80) { b[p++] = (u & 0x7f) | 0x80; u >>>= 7; }
                b[p++] = u;
                w.pos = p; mark = p; continue;
              }
            } else if (typeof v === 'boolean') { b[p++] = v ? V_TRUE : V_FALSE; w.pos = mark = p; slotVal[i] = v; slotAt[i] = at; slotEnd[i] = p; slotSeq[i] = seq; continue; }
            w.pos = p;
          } else w.uvar(id);
          if (id === 0) w.str(k); // keys are not cut (maxValueLength is for values): two cut keys could become one
        } else this.slot(k, i);
        w.value(v);
        mark = w.pos;
      }
    } catch (e) { if (e !== OVERFLOW) throw e; w.pos = mark; this.trimmed = true; }
    return i;
  }

  /** Key for attribute position i, remembered for the next span from the same call site. */
  private slot(k: string, i: number): void {
    const id = this.dict.key(String(k));
    if (i < SLOTS) { this.slotKey[i] = k; this.slotId[i] = id; }
    this.keyOut(k, id);
  }

  /** A dictionary key id, or 0 and the key inline (whole, as interned keys and the in-thread encoder write it). */
  private keyOut(k: string, id: number): void {
    this.w.uvar(id);
    if (id === 0) this.w.str(String(k));
  }

  private attrs(a: readonly unknown[], n: number): void {
    for (let i = 0; i < n; i++) {
      const k = String(a[2 * i]);
      this.keyOut(k, this.dict.key(k));
      this.w.value(a[2 * i + 1]);
    }
  }

  /** Writes events until the budget runs out; returns how many fit. Names were bounded by addEvent (counted). */
  private events(list: readonly SpanEvent[]): number {
    const w = this.w;
    let i = 0;
    let mark = w.pos;
    try {
      for (; i < list.length; i++) {
        const e = list[i]!;
        w.f64(e.time);
        w.str(e.name);
        const n = e.attrs === null ? 0 : e.nAttr;
        w.uvar(e.dropped);
        w.uvar(n);
        if (n > 0) this.attrs(e.attrs!, n);
        mark = w.pos;
      }
    } catch (err) { if (err !== OVERFLOW) throw err; w.pos = mark; this.trimmed = true; }
    return i;
  }

  private links(list: readonly SpanLink[]): number {
    const w = this.w;
    let i = 0;
    let mark = w.pos;
    try {
      for (; i < list.length; i++) {
        const l = list[i]!;
        w.i32(l.t0); w.i32(l.t1); w.i32(l.t2); w.i32(l.t3); w.i32(l.s0); w.i32(l.s1);
        w.u8(l.traceFlags & 0xff);
        // absent and the empty list are two things on the span (an empty `tracestate:` header): both travel
        w.u8((l.isRemote ? LINK_REMOTE : 0) | (l.traceState === null ? 0 : LINK_TRACESTATE));
        if (l.traceState !== null) w.str(l.traceState.toString());
        const n = l.attrs === null ? 0 : l.nAttr;
        w.uvar(l.dropped);
        w.uvar(n);
        if (n > 0) this.attrs(l.attrs!, n);
        mark = w.pos;
      }
    } catch (err) { if (err !== OVERFLOW) throw err; w.pos = mark; this.trimmed = true; }
    return i;
  }
}

/** (sec, ns) since this thread's timeOrigin -> absolute unix (sec as uint32 bits, ns), clamped at the epoch. */
function absTime(q: Int32Array, i: number, sec: number, ns: number): void {
  let s = ORIGIN_SEC + sec;
  let n = ORIGIN_NS + ns;
  if (n >= 1e9) { n -= 1e9; s++; }
  if (s < 0) { s = 0; n = 0; }
  q[i] = s;
  q[i + 1] = n;
}
