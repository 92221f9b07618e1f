// Byte-level writer/reader for thread records: LEB128 lengths, UTF-8 strings, tagged attribute values.
// The writer fills a reusable scratch Buffer (never the SAB directly: the exact size must be known before
// the ring reservation); the reader decodes straight from the SAB.

/** Value tags (one byte each). */
export const V_EMPTY = 0; // null / undefined / unsupported: the encoder writes an empty AnyValue
export const V_STR = 1;
export const V_F64 = 2;
export const V_UINT = 3; // non-negative integer < 2^31, LEB128 (status codes, ports, sizes)
export const V_TRUE = 4;
export const V_FALSE = 5;
export const V_BYTES = 6;
export const V_ARRAY = 7;
export const V_I64 = 8; // a bigint attribute (always within int64: attributes.ts), 8 bytes; the encoder writes it as intValue

/** Thrown when a write would pass the record budget; callers roll back to a mark. Never leaves the module users. */
export class Overflow extends Error {}
export const OVERFLOW = new Overflow('record budget exceeded');

const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

export class ByteWriter {
  buf: Buffer;
  pos: number;
  /** Hard budget in bytes: writes past it throw OVERFLOW. */
  private lim: number;
  /** min(buf.length, limit): what the fast paths check against. */
  end: number;
  /** Bumped when buf is replaced (views over it must be remade). */
  grown: number;

  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafeSlow(initial);
    this.pos = 0;
    this.lim = 1 << 20;
    this.end = initial;
    this.grown = 0;
  }

  get limit(): number { return this.lim; }
  set limit(v: number) { this.lim = v; this.end = Math.min(this.buf.length, v); }

  /** Room for n more bytes: grows the buffer up to the limit; past it, throws OVERFLOW. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.end) return;
    if (need > this.lim) throw OVERFLOW;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafeSlow(Math.min(size, Math.max(need, this.lim)));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.end = Math.min(next.length, this.lim);
    this.grown++;
  }

  u8(v: number): void {
    if (this.pos >= this.end) this.ensure(1);
    this.buf[this.pos++] = v;
  }

  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.pos);
    this.pos += 4;
  }

  uvar(v: number): void {
    if (this.pos + 5 > this.end) this.ensure(v < 0x80 ? 1 : 5);
    const b = this.buf;
    while (v >= 0x80) { b[this.pos++] = (v & 0x7f) | 0x80; v >>>= 7; }
    b[this.pos++] = v;
  }

  f64(v: number): void {
    this.ensure(8);
    f64[0] = v;
    const b = this.buf;
    for (let i = 0; i < 8; i++) b[this.pos + i] = f64b[i]!;
    this.pos += 8;
  }

  /** UTF-8, LEB128 byte length first. */
  str(s: string): void {
    if (!this.ascii(s, 0)) this.strUtf8(s);
  }

  /**
   * ASCII (keys, most values: the common case) in one tight loop, after an optional tag byte (0 = none).
   * False, with nothing written, when the string is not ASCII, very long or near the budget: use strUtf8.
   */
  private ascii(s: string, tag: number): boolean {
    const n = s.length;
    const k = n < 128 ? 1 : 2; // LEB128 length: 1 byte below 128, 2 below 16384
    const p = this.pos + (tag === 0 ? 0 : 1) + k;
    if (n >= 16384 || p + n > this.end) return false;
    const b = this.buf;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      b[p + i] = c;
    }
    if (tag !== 0) b[this.pos] = tag;
    if (k === 1) b[p - 1] = n; else { b[p - 2] = (n & 0x7f) | 0x80; b[p - 1] = n >>> 7; }
    this.pos = p + n;
    return true;
  }

  /** Any string: exact UTF-8 length (native), then the native encoder. Lone surrogates become U+FFFD. */
  private strUtf8(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.uvar(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }

  /** A tagged attribute value (as sanitized by the tracer: string, number, boolean, int64 bigint, array of those, Uint8Array). */
  value(v: unknown): void {
    switch (typeof v) {
      case 'string': if (!this.ascii(v, V_STR)) { this.u8(V_STR); this.strUtf8(v); } return;
      case 'number':
        // -0 and fractions take the f64 path: the encoder writes them as it would the original
        if (v >= 0 && v < 2147483648 && (v | 0) === v && (v !== 0 || 1 / v > 0)) { this.u8(V_UINT); this.uvar(v); } else { this.u8(V_F64); this.f64(v); }
        return;
      case 'boolean': this.u8(v ? V_TRUE : V_FALSE); return;
      case 'bigint': this.u8(V_I64); this.ensure(8); this.buf.writeBigInt64LE(BigInt.asIntN(64, v), this.pos); this.pos += 8; return;
      case 'object':
        if (Array.isArray(v)) {
          this.u8(V_ARRAY);
          this.uvar(v.length);
          for (let i = 0; i < v.length; i++) { const e = v[i]; if (e !== null && typeof e === 'object') this.u8(V_EMPTY); else this.value(e); }
          return;
        }
        if (v instanceof Uint8Array) { this.u8(V_BYTES); this.uvar(v.length); this.ensure(v.length); this.buf.set(v, this.pos); this.pos += v.length; return; }
    }
    this.u8(V_EMPTY);
  }
}

/** Decodes from a Buffer view of the SAB; `pos` is a byte offset into it. */
export class ByteReader {
  readonly buf: Buffer;
  pos: number;

  constructor(buf: Buffer) {
    this.buf = buf;
    this.pos = 0;
  }

  u8(): number {
    return this.buf[this.pos++]!;
  }

  i32(): number {
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  uvar(): number {
    const b = this.buf;
    let v = 0;
    let shift = 0;
    for (;;) {
      const c = b[this.pos++]!;
      v += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) return v;
      shift += 7;
      if (shift > 35) throw new RangeError('bad varint');
    }
  }

  f64(): number {
    const b = this.buf;
    for (let i = 0; i < 8; i++) f64b[i] = b[this.pos + i]!;
    this.pos += 8;
    return f64[0]!;
  }

  str(): string {
    const n = this.uvar();
    const s = this.pos;
    this.pos += n;
    if (this.pos > this.buf.length) throw new RangeError('string past the end');
    return this.buf.toString('utf8', s, this.pos);
  }

  value(): unknown {
    const tag = this.u8();
    switch (tag) {
      case V_STR: return this.str();
      case V_F64: return this.f64();
      case V_UINT: return this.uvar();
      case V_TRUE: return true;
      case V_FALSE: return false;
      case V_I64: { const v = this.buf.readBigInt64LE(this.pos); this.pos += 8; return v; }
      case V_EMPTY: return null;
      case V_BYTES: { const n = this.uvar(); const out = new Uint8Array(n); out.set(this.buf.subarray(this.pos, this.pos + n)); this.pos += n; return out; }
      case V_ARRAY: {
        const n = this.uvar();
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) out.push(this.value());
        return out;
      }
    }
    throw new RangeError('bad value tag ' + tag);
  }

}
