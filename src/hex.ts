// Hex at the edge only: IDs live as int32 words on the hot path and become hex through these tables.

/**
 * UTF-16 code unit -> 0..15 for lowercase hex digits, -1 otherwise (uppercase is invalid per W3C Trace Context
 * §3.2.2). 64 KiB so a parser indexes it with any charCodeAt() without a `c < 128` test per char.
 */
export const HEX_VALUE = new Int8Array(65536).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = 10 + i;

/** byte -> two lowercase hex chars. */
export const BYTE_HEX: string[] = [];
for (let i = 0; i < 256; i++) BYTE_HEX.push((i < 16 ? '0' : '') + i.toString(16));

/** byte -> ASCII codes of its two hex digits, for encoders writing straight into a buffer. */
export const HEX_CODES = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  HEX_CODES[2 * i] = BYTE_HEX[i]!.charCodeAt(0);
  HEX_CODES[2 * i + 1] = BYTE_HEX[i]!.charCodeAt(1);
}

/** int32 word -> 8 lowercase hex chars. */
export function hex8(x: number): string {
  return BYTE_HEX[(x >>> 24) & 255]! + BYTE_HEX[(x >>> 16) & 255]! + BYTE_HEX[(x >>> 8) & 255]! + BYTE_HEX[x & 255]!;
}

/**
 * 8 lowercase hex chars at `off` -> word as int32, or NaN if any char is not lowercase hex.
 * NaN (not -1) because every int32 is a valid word.
 */
export function readHex8(s: string, off: number): number {
  // `c < 128` is for reads past the end (NaN), which callers here do not rule out; HEX_VALUE covers every code unit
  let v = 0;
  for (let i = off, end = off + 8; i < end; i++) {
    const c = s.charCodeAt(i);
    const d = c < 128 ? HEX_VALUE[c]! : -1;
    if (d < 0) return NaN;
    v = (v << 4) | d;
  }
  return v;
}

/** Two hex chars at `off` -> 0..255, or -1. */
export function readHex2(s: string, off: number): number {
  const a = s.charCodeAt(off);
  const b = s.charCodeAt(off + 1);
  const x = a < 128 ? HEX_VALUE[a]! : -1;
  const y = b < 128 ? HEX_VALUE[b]! : -1;
  return x < 0 || y < 0 ? -1 : (x << 4) | y;
}

/** Write int32 word as 8 hex ASCII bytes into `buf` at `pos`; returns the new position. */
export function writeHex8(buf: Uint8Array, pos: number, x: number): number {
  let b = ((x >>> 24) & 255) << 1;
  buf[pos] = HEX_CODES[b]!; buf[pos + 1] = HEX_CODES[b + 1]!;
  b = ((x >>> 16) & 255) << 1;
  buf[pos + 2] = HEX_CODES[b]!; buf[pos + 3] = HEX_CODES[b + 1]!;
  b = ((x >>> 8) & 255) << 1;
  buf[pos + 4] = HEX_CODES[b]!; buf[pos + 5] = HEX_CODES[b + 1]!;
  b = (x & 255) << 1;
  buf[pos + 6] = HEX_CODES[b]!; buf[pos + 7] = HEX_CODES[b + 1]!;
  return pos + 8;
}

type Slice = (this: Buffer, start: number, end: number) => string;
/** Buffer#latin1Slice skips toString()'s encoding dispatch; fall back if a runtime lacks it. */
const latin1Slice: Slice = (Buffer.prototype as unknown as { latin1Slice?: Slice }).latin1Slice ?? function (this: Buffer, s: number, e: number) { return this.toString('latin1', s, e); };
/** Bytes [start, end) of `buf` as a one-byte string. */
export function latin1(buf: Buffer, start: number, end: number): string {
  return latin1Slice.call(buf, start, end);
}

const SCRATCH = Buffer.alloc(32);

/** Four words -> 32 hex chars as one flat string (one slice instead of 16 concatenations). */
export function hex32(a: number, b: number, c: number, d: number): string {
  writeHex8(SCRATCH, 0, a); writeHex8(SCRATCH, 8, b); writeHex8(SCRATCH, 16, c); writeHex8(SCRATCH, 24, d);
  return latin1Slice.call(SCRATCH, 0, 32);
}

/** Two words -> 16 hex chars. */
export function hex16(a: number, b: number): string {
  writeHex8(SCRATCH, 0, a); writeHex8(SCRATCH, 8, b);
  return latin1Slice.call(SCRATCH, 0, 16);
}
