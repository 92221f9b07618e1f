// A reusable, growable byte buffer for writing JSON (after dd-trace msgpack/chunk.js): doubles on
// demand up to a hard cap, shrinks after quiet use, and writes strings, integers and constant
// fragments without intermediate strings. Numbers in comments are from a 2-core EPYC, Node 20.
import { writeHex8 } from './hex.js';

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

export function ascii(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

export class JsonWriter {
  protected u8: Uint8Array;
  /** Buffer over the same memory, for the native string writes and the result. */
  protected view: NativeBuffer;
  protected pos = 0;
  readonly maxBytes: number;
  private readonly initialBytes: number;
  private lowUse = 0;

  constructor(maxBytes: number, initialBytes: number) {
    this.maxBytes = Math.max(1024, maxBytes);
    this.initialBytes = Math.min(this.maxBytes - CLOSE_RESERVE, Math.max(256, initialBytes));
    this.u8 = new Uint8Array(this.initialBytes);
    this.view = Buffer.from(this.u8.buffer, 0, this.u8.length) as NativeBuffer;
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

  /** A private copy of bytes [start, end) (for caches). */
  protected copyOut(start: number, end: number): Uint8Array {
    return this.u8.slice(start, end);
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
    const next = new Uint8Array(size);
    if (keep > 0) next.set(this.u8.subarray(0, keep));
    this.u8 = next;
    this.view = Buffer.from(next.buffer, 0, size) as NativeBuffer;
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

  /** Constant bytes, reserving room first. */
  protected rawR(frag: Uint8Array): void {
    this.reserve(frag.length);
    this.raw(frag);
  }

  /** A JSON string. Printable ASCII without `"`/`\` is copied; anything else goes through JSON.stringify (escapes control chars, keeps lone surrogates as \udXXX). */
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
    const j = JSON.stringify(s); // well-formed JSON.stringify (ES2019): lone surrogates become \udXXX
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

  /** Four words as 32 hex digits at `p` (already reserved). */
  protected hexAt(p: number, a: number, b: number, c: number, d: number): void {
    const end = this.pos;
    this.pos = p; this.hex8(a); this.hex8(b); this.hex8(c); this.hex8(d);
    this.pos = end;
  }

  protected hexAt2(p: number, a: number, b: number): void {
    const end = this.pos;
    this.pos = p; this.hex8(a); this.hex8(b);
    this.pos = end;
  }

  /** 19 digits at `p`: 10 of seconds (in [1e9, 1e10)) then 9 of ns (carry applied here). */
  protected nanosAt(p: number, sec: number, ns: number): void {
    if (ns >= 1e9) { ns -= 1e9; sec++; }
    const b = this.u8;
    for (let k = 18; k >= 10; k--) { const q = (ns / 10) | 0; b[p + k] = 48 + ns - q * 10; ns = q; }
    if (sec <= 2147483647) for (let k = 9; k >= 0; k--) { const q = (sec / 10) | 0; b[p + k] = 48 + sec - q * 10; sec = q; } // int32 math until 2038
    else for (let k = 9; k >= 0; k--) { const q = Math.floor(sec / 10); b[p + k] = 48 + sec - q * 10; sec = q; }
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
