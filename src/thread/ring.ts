// Lock-free multi-producer / single-consumer byte ring in a SharedArrayBuffer. Producers claim space with
// a compare-and-swap on WRITE, write their record, then publish it by storing its header word (the commit
// marker); the consumer reads committed records in order, zeroes them and advances READ. No locks, no
// Atomics.wait: a producer that finds the ring full drops and counts. Correctness argument: see README of
// the thread module in docs/report (memory order: every header/cursor access is a SeqCst Atomics op). The
// producers' side here, the consumer's in ring-reader.ts.
import { ENQ, READ, T_PAD, WRITE, type Layout } from './layout.js';

export { RingReader } from './ring-reader.js';

export const FULL = -1;
/**
 * reserve(): the space was claimed, then given up by the consumer before its header was marked (a stalled writer).
 * Not written, counted in dropped.abandoned by the consumer (ring-reader.ts): the writer counts only lateWrites.
 */
export const LATE = -2;
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
  /** Absolute ring position of the record returned by the last reserve() (owns() compares it with READ). */
  pos: number;
  /** The last pad this writer placed: the position it ends at (its record's pos; -1: none) and its length. */
  private padEnd: number;
  private padLen: number;

  constructor(l: Layout) {
    this.i32 = l.i32;
    this.base = l.base;
    this.cap = l.ringBytes;
    this.mask = l.ringBytes - 1;
    this.maxRecord = Math.min(l.ringBytes >> 2, 1 << 20);
    this.used = 0;
    this.pos = 0;
    this.padEnd = -1; // positions are 8-aligned: never -1
    this.padLen = 0;
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
      this.pos = (w + pad) | 0;
      let at = this.base + off;
      // Both marks by CAS from 0 (the space is zeroed before READ passes it): a writer stopped right here for
      // longer than stallMs finds the consumer's give-up mark instead, and writes nothing; or, once that space
      // is freed too, marks zeroes that owns() then refuses, and abandon() takes the marks back.
      if (pad !== 0) {
        this.padEnd = this.pos; this.padLen = pad; // before the mark: abandon() finds the pad this reservation placed
        if (Atomics.compareExchange(i32, at >> 2, 0, pad | T_PAD) !== 0) return LATE;
        at = this.base;
      }
      if (Atomics.compareExchange(i32, at >> 2, 0, -total) !== 0) return LATE; // reserved: the consumer knows the length even if we die
      return at;
    }
    return FULL;
  }

  /**
   * Still ours, right after reserve() (call before writing the body): the consumer has not given up on it
   * (its header is still our mark) and has not freed past it (READ <= pos; else the mark could be another
   * writer's, same length, same place, a lap later).
   */
  owns(at: number, total: number): boolean {
    // Plain reads (aligned Int32 never tear; an Atomics.load is a builtin call, ~20 ns on Node 20): what they
    // could miss is a give-up of this very moment, which the commit CAS still catches.
    const i32 = this.i32;
    return i32[at >> 2] === -total && ((this.pos - i32[READ]!) | 0) >= 0;
  }

  /**
   * After owns() said no. A writer stopped inside reserve(), between its WRITE CAS and its marks, longer than
   * stallMs, finds its space given up AND already freed (zeroed, READ past it): its mark CASes from 0 then
   * succeed, leaving a reservation mark (and a committed-looking pad) in free space, which a writer of the
   * next lap cannot claim and the consumer would read as a record of that length there. Takes them back,
   * unless a later lap already reserved those bytes (they may be another writer's now).
   */
  abandon(at: number, total: number): void {
    const i32 = this.i32;
    const pos = this.pos;
    if (((pos - Atomics.load(i32, READ)) | 0) >= 0) return; // not freed yet: the consumer zeroes its own give-up mark
    const write = Atomics.load(i32, WRITE);
    if (((write - ((pos + this.cap) | 0)) | 0) <= 0) Atomics.compareExchange(i32, at >> 2, -total, 0);
    if (this.padEnd !== pos) return;
    const padPos = (pos - this.padLen) | 0;
    if (((write - ((padPos + this.cap) | 0)) | 0) <= 0) Atomics.compareExchange(i32, (this.base + (padPos & this.mask)) >> 2, this.padLen | T_PAD, 0);
  }

  /**
   * Publishes a record written at `at` (SeqCst CAS: every earlier write of its body is visible first). False
   * when the consumer gave up on it meanwhile (the writer was stopped longer than stallMs): not published. Freed
   * since (READ past it) is given up too: the mark there may be a later lap's writer's, same place, same length,
   * whose half-written record the CAS would publish.
   */
  commit(at: number, total: number, type: number): boolean {
    const i32 = this.i32;
    return ((this.pos - i32[READ]!) | 0) >= 0 && Atomics.compareExchange(i32, at >> 2, -total, total | type) === -total;
  }
}
