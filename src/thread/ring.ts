// Lock-free multi-producer / single-consumer byte ring in a SharedArrayBuffer. Producers claim space with
// a compare-and-swap on WRITE, write their record, then publish it by storing its header word (the commit
// marker); the consumer reads committed records in order, zeroes them and advances READ. No locks, no
// Atomics.wait: a producer that finds the ring full drops and counts. Correctness argument: see README of
// the thread module in docs/report (memory order: every header/cursor access is a SeqCst Atomics op).
import { performance } from 'node:perf_hooks';
import { ALIGN, CK, ENQ, READ, T_PAD, TYPE_MASK, WRITE, type Layout } from './layout.js';

export const FULL = -1;
/** Give up after this many lost CAS races in a row (each loss means another producer made progress). */
const MAX_SPINS = 1024;

export class RingWriter {
  readonly i32: Int32Array;
  readonly base: number;
  readonly cap: number;
  readonly mask: number;
  /** Largest record accepted: a quarter of the ring (so one record never starves the rest), at most 1 MiB. */
  readonly maxRecord: number;
  /** Bytes in use right after the last successful reserve() (for the doorbell, without another atomic read). */
  used: number;

  constructor(l: Layout) {
    this.i32 = l.i32;
    this.base = l.base;
    this.cap = l.ringBytes;
    this.mask = l.ringBytes - 1;
    this.maxRecord = Math.min(l.ringBytes >> 2, 1 << 20);
    this.used = 0;
  }

  /**
   * Claims `total` bytes (a multiple of 8, <= maxRecord) and marks them reserved. Returns the SAB byte offset
   * of the record (its header word), or FULL. A record that would cross the end of the ring is placed at 0
   * behind a committed pad record covering the tail, so no record ever straddles the wrap.
   */
  reserve(total: number): number {
    const i32 = this.i32;
    const cap = this.cap;
    // A record is at least its header and a word of body: a size of 0 (NaN from a broken encode) would claim
    // nothing and then commit a header into space another producer owns.
    if (!(total >= 8) || (total & 7) !== 0) return FULL;
    for (let spin = 0; spin < MAX_SPINS; spin++) {
      const r = Atomics.load(i32, READ); // READ first: READ <= WRITE at all times, so w - r >= 0
      const w = Atomics.load(i32, WRITE);
      const off = w & this.mask;
      const tail = cap - off;
      const pad = total > tail ? tail : 0;
      if (((w - r) >>> 0) + pad + total > cap) {
        if (Atomics.load(i32, READ) !== r) continue; // the consumer moved meanwhile: look again
        break;
      }
      if (Atomics.compareExchange(i32, WRITE, w, (w + pad + total) | 0) !== w) continue;
      // Counted once the space is ours and before its header says so: the consumer reads a record only after
      // that header store, so it never sees consumed > ENQ; and a thread terminated while it retried or
      // waited on a full ring (worker.terminate() lands on loop back-edges) leaves no count behind.
      Atomics.add(i32, ENQ, 1);
      this.used = ((w - r) >>> 0) + pad + total;
      let at = this.base + off;
      if (pad !== 0) { Atomics.store(i32, at >> 2, pad | T_PAD); at = this.base; }
      Atomics.store(i32, at >> 2, -total); // reserved: the consumer now knows the length even if we die
      return at;
    }
    return FULL;
  }

  /** Publishes a record written at `at` (SeqCst store: every earlier write of its body is visible first). */
  commit(at: number, total: number, type: number): void {
    Atomics.store(this.i32, at >> 2, total | type);
  }
}

/** The single consumer. Reads committed records in ring order; `free()` hands the space back to producers. */
export class RingReader {
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly base: number;
  readonly cap: number;
  readonly mask: number;
  /** Next record to read (absolute byte position); READ lags it until free(). */
  pos: number;
  /** Length of the record returned by the last next(). */
  len: number;
  /** Records skipped because their writer never committed them within stallMs. */
  abandoned: number;
  stallMs: number;
  private stallPos: number;
  private stallSince: number;
  /** Last WRITE seen: re-read only when pos catches up with it (one atomic load per batch, not per record). */
  private write: number;

  constructor(l: Layout, stallMs = 5000) {
    this.i32 = l.i32;
    this.u8 = l.u8;
    this.base = l.base;
    this.cap = l.ringBytes;
    this.mask = l.ringBytes - 1;
    this.len = 0;
    this.abandoned = 0;
    this.stallMs = stallMs;
    this.stallPos = -1;
    this.stallSince = 0;
    this.write = Atomics.load(this.i32, WRITE);
    // A previous consumer may have accounted records up to CK without freeing them: finish its job.
    const read = Atomics.load(this.i32, READ);
    const ck = Atomics.load(this.i32, CK);
    const ahead = (ck - read) >>> 0;
    this.pos = read;
    if (ahead !== 0 && ahead <= ((Atomics.load(this.i32, WRITE) - read) >>> 0)) { this.pos = ck; this.free(); }
    else Atomics.store(this.i32, CK, read);
  }

  /** True when every reserved byte has been read. */
  get empty(): boolean {
    return this.pos === Atomics.load(this.i32, WRITE);
  }

  /** Bytes reserved and not yet freed (what producers see as used). */
  get used(): number {
    return (Atomics.load(this.i32, WRITE) - Atomics.load(this.i32, READ)) >>> 0;
  }

  /**
   * SAB byte offset of the next committed record (its header; the body follows at +8, `len` bytes in all),
   * or -1 when the next one is not committed yet. Pads are skipped here.
   */
  next(): number {
    const i32 = this.i32;
    for (;;) {
      const p = this.pos;
      if (p === this.write && p === (this.write = Atomics.load(i32, WRITE))) return -1;
      const at = this.base + (p & this.mask);
      const h = Atomics.load(i32, at >> 2);
      if (h <= 0) { if (!this.stalled(p, h)) return -1; continue; }
      const len = h & ~TYPE_MASK;
      this.pos = (p + len) | 0;
      if (this.stallPos === p) this.stallPos = -1; // it was slow, not dead
      if ((h & TYPE_MASK) === T_PAD) continue;
      this.len = len;
      return at;
    }
  }

  /** Type of the record at `at` (committed). */
  typeAt(at: number): number {
    return Atomics.load(this.i32, at >> 2) & TYPE_MASK;
  }

  /**
   * A reserved record whose writer has not committed it. Past stallMs its writer is taken as dead (a thread
   * terminated mid-write) and the record is skipped; otherwise wait. Returns true when it skipped.
   */
  private stalled(p: number, h: number): boolean {
    const t = performance.now();
    if (this.stallPos !== p) { this.stallPos = p; this.stallSince = t; return false; }
    if (t - this.stallSince < this.stallMs) return false;
    this.stallPos = -1;
    this.abandoned++;
    this.write = Atomics.load(this.i32, WRITE); // pos must never pass the WRITE we compare it with
    if (h < 0) { this.pos = (p - h) | 0; return true; }
    // Died between the CAS and marking the length: its bytes are all zero (freed space is zeroed), so the
    // next record starts at the next non-zero 8-aligned word, or at WRITE.
    const w = this.write;
    let q = (p + ALIGN) | 0;
    while (q !== w && Atomics.load(this.i32, (this.base + (q & this.mask)) >> 2) === 0) q = (q + ALIGN) | 0;
    this.pos = q;
    return true;
  }

  /** Publishes that everything up to `pos` is accounted for (call before free(), after counters are published). */
  checkpoint(): void {
    Atomics.store(this.i32, CK, this.pos);
  }

  /** Zeroes [READ, pos) and moves READ there: the space goes back to producers. */
  free(): void {
    const read = Atomics.load(this.i32, READ);
    const n = (this.pos - read) >>> 0;
    if (n === 0) return;
    const from = read & this.mask;
    const first = Math.min(n, this.cap - from);
    this.u8.fill(0, this.base + from, this.base + from + first);
    if (first < n) this.u8.fill(0, this.base, this.base + n - first);
    Atomics.store(this.i32, CK, this.pos);
    Atomics.store(this.i32, READ, this.pos); // release: the zeroes are visible to whoever reserves this space
  }
}
