// OTLP/JSON KeyValue lists and AnyValues (common.proto), on top of JsonWriter. Numbers: integral and
// within int64 → intValue as a decimal string (exact, also past 2^53), otherwise doubleValue; NaN and
// ±Infinity → the proto3 JSON strings "NaN"/"Infinity"/"-Infinity"; -0 → intValue "0"; a number array holding
// one value that is not an int64 → doubleValue throughout (one type per array); null, undefined
// and anything unknown → {} (an empty AnyValue, as OTel's toAnyValue); bytes → base64; a bigint (kept only
// within int64 by attributes.ts) → intValue, its exact decimal digits.
import { JsonWriter, Frag, ascii, asciiFrag } from './json-writer.js';

/** Attribute keys and span names are low-cardinality (semconv); past this many distinct ones, no more caching. */
export const KEY_CACHE_MAX = 4096;
/** Longest string value (or span name) cached with its encoded bytes: past it, a unique value would pin its copy. */
export const VALUE_CACHE_MAX_LEN = 256;
const POS_CACHE = 32;
const TWO_63 = 2 ** 63;

export const K_ATTRS = ascii(',"attributes":[');
const K_KEY = ascii('{"key":');
const K_VALUE = ascii(',"value":');
const END_ENTRY = ascii('},');
const V_STRING = asciiFrag('{"stringValue":');
const V_INT = ascii('{"intValue":"');
const V_DOUBLE = ascii('{"doubleValue":');
const V_TRUE = ascii('{"boolValue":true}');
const V_FALSE = ascii('{"boolValue":false}');
const V_BYTES = ascii('{"bytesValue":"');
const V_ARRAY = ascii('{"arrayValue":{"values":[');
const V_EMPTY = ascii('{}');
const V_NAN = ascii('{"doubleValue":"NaN"}');
const V_INF = ascii('{"doubleValue":"Infinity"}');
const V_NINF = ascii('{"doubleValue":"-Infinity"}');

/**
 * One attribute key: `{"key":"k","value":` pre-encoded, plus the two most recent values with their whole
 * encoded entry, matched by `===` (most attributes repeat: method, route, host; a hit is one copy).
 */
class KeyEntry {
  v0: unknown = undefined; b0: Frag | null = null;
  v1: unknown = undefined; b1: Frag | null = null;
  slot = 0;
  misses = 0; // consecutive; unique-valued keys (url.path) stop paying for a copy after 2
  constructor(readonly frag: Frag) {}
}

export class OtlpValueWriter extends JsonWriter {
  private readonly keys = new Map<string, KeyEntry>();
  // Per attribute position the two most recent keys: spans of one kind repeat the same keys in the same
  // order, so most lookups skip the Map (−40 ns/span on the bench fixture).
  private readonly posKeys: (string | null)[] = new Array(2 * POS_CACHE).fill(null);
  private readonly posEntries: (KeyEntry | null)[] = new Array(2 * POS_CACHE).fill(null);

  /** Runs a writer and returns a copy of what it wrote as a Frag (cold path: cached fragments). */
  protected fragment(write: () => void): Frag {
    const start = this.pos;
    write();
    const out = this.fragOut(start, this.pos);
    this.pos = start;
    return out;
  }

  /**
   * `{"key":..,"value":..},...]` from a flat [k, v, ...] array (the opening `[` is written by the caller).
   * Every entry is written with a trailing comma (so a cached entry is one copy) and the last comma becomes `]`.
   */
  protected attrList(a: readonly unknown[], n: number): void {
    if (n === 0) { this.byte(93); return; }
    for (let i = 0; i < n; i++) {
      const k = a[2 * i];
      const v = a[2 * i + 1];
      let e: KeyEntry | null = null;
      if (i < POS_CACHE) {
        const j = 2 * i;
        if (k === this.posKeys[j]) e = this.posEntries[j]!;
        else if (k === this.posKeys[j + 1]) e = this.posEntries[j + 1]!;
        else if (typeof k === 'string') {
          e = this.keyEntry(k);
          if (e !== null) { this.posKeys[j + 1] = this.posKeys[j]!; this.posEntries[j + 1] = this.posEntries[j]!; this.posKeys[j] = k; this.posEntries[j] = e; }
        }
      } else if (typeof k === 'string') e = this.keyEntry(k);
      if (e === null) { this.rawR(K_KEY); this.str(String(k)); this.rawR(K_VALUE); this.value(v); this.rawR(END_ENTRY); continue; }
      if (v === e.v0 && e.b0 !== null) { this.rawFR(e.b0); e.misses = 0; continue; }
      if (v === e.v1 && e.b1 !== null) { this.rawFR(e.b1); e.misses = 0; continue; }
      const start = this.pos;
      this.rawFR(e.frag);
      this.value(v);
      this.rawR(END_ENTRY);
      // Remember it unless this key looks unique-valued; re-probe every 64th miss in case that changed.
      const m = e.misses++;
      if ((m < 2 || (m & 63) === 0) && (typeof v !== 'string' || v.length <= VALUE_CACHE_MAX_LEN) && typeof v !== 'object') {
        const b = this.fragOut(start, this.pos);
        if (e.slot === 0) { e.v0 = v; e.b0 = b; e.slot = 1; } else { e.v1 = v; e.b1 = b; e.slot = 0; }
      }
    }
    this.u8[this.pos - 1] = 93; // the last entry's ',' becomes ']'
  }

  private keyEntry(k: string): KeyEntry | null {
    let e = this.keys.get(k);
    if (e === undefined) {
      if (this.keys.size >= KEY_CACHE_MAX) return null;
      e = new KeyEntry(this.fragment(() => { this.rawR(K_KEY); this.str(k); this.rawR(K_VALUE); }));
      this.keys.set(k, e);
    }
    return e;
  }

  /** One AnyValue (see the header for the number rules). */
  protected value(v: unknown): void {
    this.reserve(32);
    switch (typeof v) {
      case 'string':
        this.rawF(V_STRING); this.str(v); this.byte(125); return;
      case 'number':
        if (Number.isInteger(v) && v < TWO_63 && v >= -TWO_63) {
          this.raw(V_INT);
          // Past 2^53 String(v) is the shortest round-trip form (2^60 → "1152921504606847000"), not the exact integer.
          if (v >= 0 && v <= 2147483647) this.uint(v); else this.latin1(v > -9007199254740992 && v < 9007199254740992 ? String(v) : BigInt(v).toString());
          this.reserve(2); this.u8[this.pos++] = 34; this.u8[this.pos++] = 125;
        } else this.double(v);
        return;
      case 'boolean':
        this.raw(v ? V_TRUE : V_FALSE); return;
      case 'bigint':
        this.raw(V_INT); this.latin1(v.toString());
        this.reserve(2); this.u8[this.pos++] = 34; this.u8[this.pos++] = 125;
        return;
      case 'object':
        if (Array.isArray(v)) {
          this.raw(V_ARRAY);
          const dbl = needsDouble(v);
          for (let i = 0; i < v.length; i++) {
            if (i > 0) this.byte(44);
            const x = v[i];
            if (x === null || x === undefined || typeof x === 'object') this.rawR(V_EMPTY); // span attributes hold no nested arrays
            else if (dbl && typeof x === 'number') this.double(x);
            else this.value(x);
          }
          this.reserve(3); this.u8[this.pos++] = 93; this.u8[this.pos++] = 125; this.u8[this.pos++] = 125;
          return;
        }
        if (v instanceof Uint8Array) {
          this.raw(V_BYTES);
          this.latin1(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'));
          this.reserve(2); this.u8[this.pos++] = 34; this.u8[this.pos++] = 125;
          return;
        }
    }
    this.raw(V_EMPTY);
  }

  /** A number as doubleValue (room for the non-finite constants reserved by the caller). */
  private double(v: number): void {
    this.reserve(32);
    if (v === v && v !== Infinity && v !== -Infinity) { this.raw(V_DOUBLE); this.latin1(String(v)); this.byte(125); }
    else this.raw(v !== v ? V_NAN : v > 0 ? V_INF : V_NINF);
  }
}

/** A number array with one element that is not an int64 goes out all doubleValue: OTel attribute arrays are homogeneous, and readers take the type of the first element. */
function needsDouble(a: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x === 'number' && !(Number.isInteger(x) && x < TWO_63 && x >= -TWO_63)) return true;
  }
  return false;
}
