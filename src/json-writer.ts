// A reusable, growable byte buffer for writing JSON (after dd-trace msgpack/chunk.js): doubles on
// demand up to a hard cap, shrinks after quiet use, and writes strings, integers and constant
// fragments without intermediate strings. Numbers in comments are from a 2-core EPYC, Node 20.
import { HEX_CODES, writeHex8 } from './hex.js';

/** Thrown when a write would pass the cap; callers catch it (it never leaves the encoder). */
export class JsonOverflowError extends Error {
  readonly code = 'TW_ERR_OTLP_TOO_LARGE';
}
export const OVERFLOW = new JsonOverflowError('JSON output over the size cap');

/** Room always kept free for closing brackets, so a request cut at the cap still ends as valid JSON. */
export const CLOSE_RESERVE = 16;
const SET_MIN = 6; // TypedArray#set costs ~16 ns flat; a byte loop costs ~2-4 ns per byte
const NATIVE_STR_MIN = 32; // regex test + latin1Write beat the charCodeAt loop from ~30 chars (100 vs 135 ns at 40)
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

/** Buffer's native one-byte and UTF-8 writers (present since Node 0.x, not in @types/node). */
type NativeBuffer = Buffer & { latin1Write(s: string, offset: number): number; utf8Write(s: string, offset: number): number };

/** byte -> its two hex digits as a little-endian 16-bit value (first digit in the low byte). */
const HEX_LE16 = new Uint16Array(256);
for (let i = 0; i < 256; i++) HEX_LE16[i] = HEX_CODES[2 * i]! | (HEX_CODES[2 * i + 1]! << 8);

/** 0..99 -> its two decimal digits as a little-endian 16-bit value (tens in the low byte). */
const DEC_LE16 = new Uint16Array(100);
for (let i = 0; i < 100; i++) DEC_LE16[i] = (48 + ((i / 10) | 0)) | ((48 + (i % 10)) << 8);

export function ascii(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

/** Byte order of this machine, for DataView writes of Float64Array words (both must agree). */
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Room past the end of the buffer for a word copy's last, partial word. */
const SLACK = 8;

/**
 * Constant bytes that are copied often (cached attribute entries, span templates), also held as 8-byte
 * words: a word loop of DataView writes beats TypedArray#set's flat cost (35-byte average: 7.7 vs 10.5 ns
 * on Node 24, 15.6 vs 27 ns on Node 20). `w` is null when a word could read as a NaN (only possible with
 * bytes 0x7f/0xff, never in ASCII or valid UTF-8 past a 0x7f): a NaN's payload need not survive the copy.
 */
export class Frag {
  readonly bytes: Uint8Array;
  readonly n: number;
  readonly w: Float64Array | null;
  /** Bytes [start, end) of `src` (default: all of it), copied once into word-aligned memory. */
  constructor(src: Uint8Array, start = 0, end = src.length) {
    const n = end - start;
    const w = new Float64Array((n + 7) >> 3);
    const bytes = new Uint8Array(w.buffer, 0, n);
    for (let i = 0; i < n; i++) bytes[i] = src[start + i]!;
    let ok = true;
    for (let i = 0; i < w.length; i++) if (w[i] !== w[i]) ok = false;
    this.bytes = bytes;
    this.n = n;
    this.w = ok ? w : null;
  }
}

export function asciiFrag(s: string): Frag {
  return new Frag(ascii(s));
}

export class JsonWriter {
  protected u8: Uint8Array;
  /** Buffer over the same memory, for the native string writes and the result. */
  protected view: NativeBuffer;
  /** DataView over the same memory plus SLACK bytes, for word copies (rawF). */
  protected dv: DataView;
  protected pos = 0;
  readonly maxBytes: number;
  private readonly initialBytes: number;
  private lowUse = 0;

  constructor(maxBytes: number, initialBytes: number) {
    this.maxBytes = Math.max(1024, maxBytes);
    this.initialBytes = Math.min(this.maxBytes - CLOSE_RESERVE, Math.max(256, initialBytes));
    const ab = new ArrayBuffer(this.initialBytes + SLACK);
    this.u8 = new Uint8Array(ab, 0, this.initialBytes);
    this.view = Buffer.from(ab, 0, this.initialBytes) as NativeBuffer;
    this.dv = new DataView(ab);
  }

  /** Bytes the buffer holds now (tests check growth and shrinking). */
  get capacity(): number {
    return this.u8.length;
  }

  /** Start over at 0; halve the buffer after 32 uses under a quarter of it (dd-trace chunk.js reset()). */
  protected reset(): void {
    if (this.u8.length > this.initialBytes && this.pos < this.u8.length >> 2) {
      if (++this.lowUse >= 32) this.resize(this.u8.length >> 1, 0);
    } else this.lowUse = 0;
    this.pos = 0;
  }

  /** The bytes written so far, as a Buffer view (valid until the next write). */
  protected result(): Buffer {
    return this.view.subarray(0, this.pos);
  }

  /** A private copy of bytes [start, end) as a Frag (for caches). */
  protected fragOut(start: number, end: number): Frag {
    return new Frag(this.u8, start, end);
  }

  /** Makes room for n more bytes; past the cap (less CLOSE_RESERVE unless closing) throws OVERFLOW. */
  protected reserve(n: number, closing = false): void {
    const need = this.pos + n;
    if (need <= this.u8.length) return;
    const cap = closing ? this.maxBytes : this.maxBytes - CLOSE_RESERVE;
    if (need > cap) throw OVERFLOW;
    let size = this.u8.length;
    while (size < need) size *= 2; // `*=`, not `<<=`: a shift overflows int32 past 1 GiB
    this.resize(Math.min(size, cap), this.pos);
  }

  private resize(size: number, keep: number): void {
    const ab = new ArrayBuffer(size + SLACK);
    const next = new Uint8Array(ab, 0, size);
    if (keep > 0) next.set(this.u8.subarray(0, keep));
    this.u8 = next;
    this.view = Buffer.from(ab, 0, size) as NativeBuffer;
    this.dv = new DataView(ab);
    this.lowUse = 0;
  }

  /** Constant bytes; the caller has reserved room. */
  protected raw(frag: Uint8Array): void {
    const n = frag.length;
    if (n >= SET_MIN) { this.u8.set(frag, this.pos); this.pos += n; return; }
    const b = this.u8;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = frag[i]!;
    this.pos = p;
  }

  /** A Frag; the caller has reserved room (its last word may write up to 7 bytes past, into the slack or unwritten room). */
  protected rawF(f: Frag): void {
    const w = f.w;
    if (w === null) { this.raw(f.bytes); return; }
    const dv = this.dv;
    let p = this.pos;
    for (let i = 0; i < w.length; i++) { dv.setFloat64(p, w[i]!, LE); p += 8; }
    this.pos += f.n;
  }

  /** A Frag, reserving room first. */
  protected rawFR(f: Frag): void {
    this.reserve(f.n);
    this.rawF(f);
  }

  /** Constant bytes, reserving room first. */
  protected rawR(frag: Uint8Array): void {
    this.reserve(frag.length);
    this.raw(frag);
  }

  /** A JSON string. Printable ASCII without `"`/`\` is copied; anything else goes through JSON.stringify (escapes control chars) after lone surrogates become U+FFFD. */
  protected str(s: string): void {
    const n = s.length;
    this.reserve(n + 2);
    const b = this.u8;
    let p = this.pos;
    if (n >= NATIVE_STR_MIN) {
      if (NEEDS_ESCAPE.test(s)) { this.strSlow(s); return; }
      b[p++] = 34;
      p += this.view.latin1Write(s, p);
      b[p++] = 34;
      this.pos = p;
      return;
    }
    b[p++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 34 || c === 92) { this.strSlow(s); return; }
      b[p++] = c;
    }
    b[p++] = 34;
    this.pos = p;
  }

  private strSlow(s: string): void {
    // A lone surrogate is not text: JSON.stringify would write \udXXX, which proto3 JSON decoders (Go protojson,
    // serde_json) refuse, failing the whole request; U+FFFD as the off-thread codec and protobuf encoders write it.
    const j = JSON.stringify((s as unknown as { toWellFormed(): string }).toWellFormed()); // Node >= 20
    this.reserve(j.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
    this.pos += this.view.utf8Write(j, this.pos);
  }

  /** Text known to be ASCII without escapes (numbers, base64). */
  protected latin1(s: string): void {
    this.reserve(s.length);
    this.pos += this.view.latin1Write(s, this.pos);
  }

  protected byte(c: number): void {
    this.reserve(1);
    this.u8[this.pos++] = c;
  }

  /** Non-negative integer as decimal digits. */
  protected uint(v: number): void {
    if (v > 2147483647) { this.latin1(String(v)); return; }
    this.reserve(10);
    let len = 1;
    for (let t = v; t >= 10; t = (t / 10) | 0) len++;
    const b = this.u8;
    let p = this.pos + len;
    this.pos = p;
    do { const q = (v / 10) | 0; b[--p] = 48 + v - q * 10; v = q; } while (v > 0);
  }

  /** Zero-padded `width`-digit integer in [0, 10^width); the caller has reserved room. */
  protected pad(v: number, width: number): void {
    const b = this.u8;
    let p = this.pos + width;
    this.pos = p;
    for (let k = 0; k < width; k++) { const q = (v / 10) | 0; b[--p] = 48 + v - q * 10; v = q; }
  }

  /** int32 word as 8 lowercase hex digits; the caller has reserved room. */
  protected hex8(x: number): void {
    this.pos = writeHex8(this.u8, this.pos, x);
  }

  /** A value in [100, 999] as 3 digits at `p`. */
  protected digits3(p: number, v: number): void {
    const b = this.u8;
    const h = (v / 100) | 0, t = ((v - h * 100) / 10) | 0;
    b[p] = 48 + h; b[p + 1] = 48 + t; b[p + 2] = 48 + v - h * 100 - t * 10;
  }

  /** int32 word as 8 hex digits at `p` in two 32-bit stores (ID-heavy spans: 8 byte stores each before). */
  private hexWord(p: number, x: number): void {
    const dv = this.dv;
    dv.setUint32(p, HEX_LE16[(x >>> 24) & 255]! | (HEX_LE16[(x >>> 16) & 255]! << 16), true);
    dv.setUint32(p + 4, HEX_LE16[(x >>> 8) & 255]! | (HEX_LE16[x & 255]! << 16), true);
  }

  /** Four words as 32 hex digits at `p` (already reserved). */
  protected hexAt(p: number, a: number, b: number, c: number, d: number): void {
    this.hexWord(p, a); this.hexWord(p + 8, b); this.hexWord(p + 16, c); this.hexWord(p + 24, d);
  }

  protected hexAt2(p: number, a: number, b: number): void {
    this.hexWord(p, a); this.hexWord(p + 8, b);
  }

  /** 19 digits at `p`: 10 of seconds (in [1e9, 1e10)) then 9 of ns (carry applied here); a digit pair per division and store. */
  protected nanosAt(p: number, sec: number, ns: number): void {
    if (ns >= 1e9) { ns -= 1e9; sec++; }
    const dv = this.dv;
    let q = (ns / 10) | 0;
    this.u8[p + 18] = 48 + ns - q * 10; // 9 ns digits: one, then four pairs
    ns = q;
    for (let k = 16; k >= 10; k -= 2) { q = (ns / 100) | 0; dv.setUint16(p + k, DEC_LE16[ns - q * 100]!, true); ns = q; }
    if (sec <= 2147483647) { // int32 math until 2038
      for (let k = 8; k >= 0; k -= 2) { q = (sec / 100) | 0; dv.setUint16(p + k, DEC_LE16[sec - q * 100]!, true); sec = q; }
    } else for (let k = 9; k >= 0; k--) { const d = Math.floor(sec / 10); this.u8[p + k] = 48 + sec - d * 10; sec = d; }
  }

  /** ms since epoch (double) → unix ns: integer ms and the fraction apart, never ms * 1e6 in a double. */
  protected msTime(ms: number): void {
    this.reserve(24);
    if (!(ms > 0)) { this.u8[this.pos++] = 48; return; }
    let whole = Math.floor(ms);
    let sub = Math.round((ms - whole) * 1e6); // the fraction is exact (Sterbenz lemma)
    if (sub >= 1e6) { whole += 1; sub -= 1e6; }
    const hi = Math.floor(whole / 1e6);
    const lo = whole - hi * 1e6;
    if (hi > 0) { this.uint(hi); this.pad(lo, 6); this.pad(sub, 6); }
    else if (lo > 0) { this.uint(lo); this.pad(sub, 6); }
    else this.uint(sub);
  }
}

/** ms since epoch → unix-nano decimal string, as the encoder writes event times (for tests and tools). */
export function unixNanoFromMs(ms: number): string {
  if (!(ms > 0)) return '0';
  let whole = Math.floor(ms);
  let sub = Math.round((ms - whole) * 1e6);
  if (sub >= 1e6) { whole += 1; sub -= 1e6; }
  return whole === 0 ? String(sub) : String(whole) + String(sub).padStart(6, '0');
}
