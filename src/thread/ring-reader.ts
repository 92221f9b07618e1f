// The consumer's side of the ring (ring.ts): reads committed records in ring order, gives up the records of writers
// that stopped past stallMs (dead, or paused: see stalled()), counts every reservation given up (settle()), zeroes
// what it read and hands the space back.
import { performance } from 'node:perf_hooks';
import { ALIGN, CK, ENQ, READ, SWEEP_AT, SWEEP_LIMIT, SWEEP_OPEN, SWEPT, T_PAD, T_SWEEP, TYPE_MASK, WRITE, type Layout } from './layout.js';

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
  /**
   * Reservations given up because their writer never committed them within stallMs: a marked record or the first
   * of a region given up past an unmarked one at once, the others of such a region by settle().
   */
  abandoned: number;
  stallMs: number;
  private stallPos: number;
  private stallSince: number;
  /** Last WRITE seen: re-read only when pos catches up with it (one atomic load per batch, not per record). */
  private write: number;
  /** Start of the region a predecessor died giving up (SWEEP_OPEN), finished here when pos reaches it; else null. */
  private resumeAt: number | null;
  /** settle()'s look: ENQ, then WRITE, read one after the other; `looked` false: none pending. */
  private lookEnq: number;
  private lookWrite: number;
  private looked: boolean;

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
    this.resumeAt = Atomics.load(this.i32, SWEEP_OPEN) !== 0 ? Atomics.load(this.i32, SWEEP_AT) : null;
    this.lookEnq = 0;
    this.lookWrite = 0;
    this.looked = false;
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
   * terminated mid-write) and the record is skipped; otherwise wait. Returns true when it moved on (skipped,
   * or the writer committed at the last moment: read it then).
   * A writer that was only stopped (descheduled, suspended) and comes back must not write into space that
   * is freed and reused: skipping is a CAS of the header to a give-up mark, -length | 7 (a reservation mark is
   * -length, a multiple of 8). The writer's owns() check and commit CAS see it and drop the span (counted here
   * as abandoned, there as lateWrites). A consumer started after a crash skips a give-up mark at once.
   */
  private stalled(p: number, h: number): boolean {
    const i32 = this.i32;
    const at = (this.base + (p & this.mask)) >> 2;
    // Only read by a consumer whose predecessor died sweeping and was not resumed: a writer that starts there, if any, is counted by settle().
    if (h === SWEPT) { this.pos = (p + ALIGN) | 0; return true; }
    const gaveUp = h < 0 && (h & TYPE_MASK) !== 0;
    const t = performance.now();
    if (!gaveUp) {
      if (this.stallPos !== p) { this.stallPos = p; this.stallSince = t; return false; }
      if (t - this.stallSince < this.stallMs) return false;
    }
    this.stallPos = -1;
    this.write = Atomics.load(i32, WRITE); // pos must never pass the WRITE we compare it with
    let next: number;
    if (gaveUp && (h & TYPE_MASK) === T_SWEEP && p === this.resumeAt) {
      // The predecessor died giving this region up (its count was never published): finish it, counted once here.
      this.resumeAt = null;
      next = this.sweep(p, Atomics.load(i32, SWEEP_LIMIT));
    } else if (h < 0) {
      next = (p - (h & ~TYPE_MASK)) | 0;
      if (!gaveUp && Atomics.compareExchange(i32, at, h, -((next - p) | 0) | TYPE_MASK) !== h) return true; // committed just now: look again
    } else {
      // Died between the CAS and marking the length: its bytes are all zero (freed space is zeroed), and so is
      // the start of a later writer still between its own CAS and mark. The region is opened first (a successor
      // finishes it), then its first word marked by CAS: a writer marking it now finds it taken; if it marked it
      // just now, look again.
      this.resumeAt = null; // a predecessor's region opened here but never marked: this one replaces it
      Atomics.store(i32, SWEEP_AT, p);
      Atomics.store(i32, SWEEP_LIMIT, this.write);
      Atomics.store(i32, SWEEP_OPEN, 1);
      if (Atomics.compareExchange(i32, at, 0, -ALIGN | T_SWEEP) !== 0) { Atomics.store(i32, SWEEP_OPEN, 0); return true; }
      next = this.sweep(p, this.write);
    }
    this.abandoned++;
    this.pos = next;
    return true;
  }

  /**
   * Gives up the region from the dead writer's first word at p (marked -8 | T_SWEEP) to the next non-zero word or
   * `limit` (the WRITE read when it was opened). Each zero word is marked SWEPT by CAS, so a writer stopped between
   * its own CAS and mark finds the mark and writes nothing: a plain scan let it commit into space the consumer had
   * passed (lost). Words already SWEPT (by a predecessor that died here) are passed. Then its first word is given its
   * length, and the region closed. Counted here: the one writer at p. How many others reserved inside it (dead, or
   * stopped before their mark) no word says: settle() counts them.
   */
  private sweep(p: number, limit: number): number {
    const i32 = this.i32;
    let next = (p + ALIGN) | 0;
    while (next !== limit) {
      const i = (this.base + (next & this.mask)) >> 2;
      const v = Atomics.load(i32, i);
      if (v !== SWEPT && (v !== 0 || Atomics.compareExchange(i32, i, 0, SWEPT) !== 0)) break;
      next = (next + ALIGN) | 0;
    }
    const len = (next - p) | 0;
    Atomics.store(i32, (this.base + (p & this.mask)) >> 2, -len | T_SWEEP);
    Atomics.store(i32, SWEEP_OPEN, 0);
    return next;
  }

  /**
   * Counts, in `abandoned`, the reservations passed without a count: those inside a region given up past a dead
   * writer's unmarked record (ring.ts reserve() moves WRITE, then counts ENQ, then marks: a writer that died, or
   * stopped, in between left nothing that tells where its reservation starts, nor whether there was one). No log, no
   * table: ENQ says how many there are. A look reads ENQ, then WRITE; once pos has reached that WRITE, every
   * reservation counted in that ENQ lies behind pos, and was read or counted (`consumed`: everything this consumer
   * and its predecessors have taken off the ring, read or given up, as C_CONSUMED will say), or was passed inside
   * such a region: ENQ - consumed of them, when that is positive. Never more than there are: a reservation whose
   * writer counted ENQ after the look, and which was read or counted, only makes the difference smaller (then the
   * next look counts the rest). Exact once the writers of everything behind pos have counted ENQ; a region's writers
   * are counted whether they died or come back later (those find the consumer's mark, or their space freed: not
   * written, stats().thread.lateWrites). Returns how many were added; call with the totals about to be published.
   */
  settle(consumed: number): number {
    let n = 0;
    if (this.looked && ((this.pos - this.lookWrite) | 0) >= 0) { n = this.unaccounted(consumed); this.looked = false; }
    if (!this.looked) {
      this.lookEnq = Atomics.load(this.i32, ENQ);
      this.lookWrite = Atomics.load(this.i32, WRITE);
      this.looked = true;
      if (this.pos === this.lookWrite) { n += this.unaccounted(consumed + n); this.looked = false; } // caught up: at once
    }
    return n;
  }

  private unaccounted(consumed: number): number {
    const d = (this.lookEnq - consumed) | 0; // ENQ is 32-bit and wraps: only differences are read
    if (d <= 0) return 0;
    this.abandoned += d;
    return d;
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
