// Counters shared by every thread of one ring. Producers bump 32-bit ENQ per record (differences are all
// that is read, so wrapping is harmless) and 64-bit drop counters; the exporter thread publishes its
// 64-bit totals under a seqlock. Any thread can read a balanced view:
// thread.ended = exported + sum(dropped) + queued.
import * as L from './layout.js';
import { countProducers } from './producers.js';
import { emptyDrops, type DropCounts, type ProcessorStats } from '../processor.js';
import type { DestinationStats } from '../batcher.js';
import { destStats, readDests, writeDests, type DestTotals } from './dest-stats.js';

export interface ThreadDrops extends DropCounts {
  /** longer than the ring's record limit even without attributes, events and links */
  tooLarge: number;
  /** the tracer dictionary in the ring is full (thousands of distinct resource/scope pairs) */
  tracerTableFull: number;
  /** reserved by a thread that died before committing the record (or reserved right after one, and stopped until it was skipped with it) */
  abandoned: number;
  /** a record that could not be decoded or handed to the batcher (never expected: a bug) */
  decodeError: number;
  /** held in memory by an exporter thread that died */
  exporterLost: number;
}

export interface ThreadStats extends ProcessorStats {
  dropped: ThreadDrops;
  /**
   * The exporter thread's batcher, per destination (the first MAX_DESTS), totals across its restarts: a span
   * counts here once the exporter thread has taken it off the ring (before that it is in thread.inRing).
   * dropped.exporterLost: held by an exporter thread that died. No `exporter` entry (the exporter's own stats stay in its thread).
   */
  destinations: DestinationStats[];
  thread: {
    /** spans ended by every thread attached to this ring: ended = exported + dropped (all reasons) + queued */
    ended: number;
    /** records committed but not yet taken by the exporter thread */
    inRing: number;
    ringBytes: number;
    ringUsedBytes: number;
    /** spans whose record had to leave attributes, events or links out (counted in the span's dropped counts) */
    trimmed: number;
    /**
     * processors attached to the ring and still live (the owner included): one per thread usually. Given back
     * by shutdown(), by garbage collection, and when the thread ends (its own exit, or its Worker's 'exit'
     * seen from a thread that loaded tracewire/thread: terminate() included; see producers.ts for what cannot be seen)
     */
    producers: number;
    /** reservations whose writer came back after the exporter thread had skipped them (stopped mid-write longer than stallMs): not written, in dropped.abandoned */
    lateWrites: number;
    restarts: number;
    tracers: number;
    stopped: boolean;
  };
}

/** The exporter thread's totals, in publication order (C_CONSUMED ... C_W_QUEUED). */
export class ConsumerTotals {
  consumed = 0; exported = 0; queueFull = 0; exportFailed = 0; shutdown = 0; noExporter = 0;
  abandoned = 0; decodeError = 0; lost = 0; queued = 0;
  dests: DestTotals[] = [];
  /** Names and last errors already written to the SAB by this publisher. */
  private readonly shown: (string | null)[] = [];

  load(l: L.Layout): this {
    const v = l.i64;
    this.consumed = Number(Atomics.load(v, L.C_CONSUMED));
    this.exported = Number(Atomics.load(v, L.C_EXPORTED));
    this.queueFull = Number(Atomics.load(v, L.C_W_QUEUE_FULL));
    this.exportFailed = Number(Atomics.load(v, L.C_EXPORT_FAILED));
    this.shutdown = Number(Atomics.load(v, L.C_W_SHUTDOWN));
    this.noExporter = Number(Atomics.load(v, L.C_NO_EXPORTER));
    this.abandoned = Number(Atomics.load(v, L.C_ABANDONED));
    this.decodeError = Number(Atomics.load(v, L.C_DECODE_ERR));
    this.lost = Number(Atomics.load(v, L.C_LOST));
    this.queued = Number(Atomics.load(v, L.C_W_QUEUED));
    this.dests = readDests(l);
    return this;
  }

  /** Seqlock write (single writer: the exporter thread), together with the ring checkpoint it accounts for. */
  publish(l: L.Layout, ck: number): void {
    const v = l.i64;
    Atomics.add(l.i32, L.SEQ, 1);
    Atomics.store(v, L.C_CONSUMED, BigInt(this.consumed));
    Atomics.store(v, L.C_EXPORTED, BigInt(this.exported));
    Atomics.store(v, L.C_W_QUEUE_FULL, BigInt(this.queueFull));
    Atomics.store(v, L.C_EXPORT_FAILED, BigInt(this.exportFailed));
    Atomics.store(v, L.C_W_SHUTDOWN, BigInt(this.shutdown));
    Atomics.store(v, L.C_NO_EXPORTER, BigInt(this.noExporter));
    Atomics.store(v, L.C_ABANDONED, BigInt(this.abandoned));
    Atomics.store(v, L.C_DECODE_ERR, BigInt(this.decodeError));
    Atomics.store(v, L.C_LOST, BigInt(this.lost));
    Atomics.store(v, L.C_W_QUEUED, BigInt(this.queued));
    writeDests(l, this.dests, this.shown);
    Atomics.store(l.i32, L.CK, ck);
    Atomics.add(l.i32, L.SEQ, 1);
  }
}

/** The last consistent snapshot read from each ring: what stats() shows while a publish is stuck half-written. */
const lastGood = new WeakMap<L.Layout, ConsumerTotals>();

/**
 * Consistent snapshot of the consumer totals. Retries for up to 2 ms (a publish with 16 destinations takes ~10 µs;
 * 1000 bare spins were ~12 µs, so a reader could give up during an ordinary publish and return a torn read); a writer
 * stuck or dead mid-publish for longer gets the last consistent snapshot (read-only), never a torn one, never a hang.
 */
export function readConsumer(l: L.Layout, out = new ConsumerTotals()): ConsumerTotals {
  const until = performance.now() + 2;
  do {
    for (let i = 0; i < 64; i++) {
      const s1 = Atomics.load(l.i32, L.SEQ);
      if ((s1 & 1) !== 0) continue;
      out.load(l);
      if (Atomics.load(l.i32, L.SEQ) === s1) { lastGood.set(l, out); return out; }
    }
  } while (performance.now() < until);
  return lastGood.get(l) ?? out.load(l);
}

function count(l: L.Layout, i: number): number {
  return Number(Atomics.load(l.i64, i));
}

export function readStats(l: L.Layout): ThreadStats {
  const c = readConsumer(l);
  // Reservations the consumer passed without counting them (their writers did): taken off the ring all the same.
  const swept = count(l, L.C_SWEPT);
  // ENQ after the consumer totals and swept: every record they count was reserved (ENQ++) before, so inRing >= 0.
  const inRing = (Atomics.load(l.i32, L.ENQ) - ((c.consumed + swept) % 4294967296)) >>> 0;
  const stopped = Atomics.load(l.i32, L.STOPPED) !== 0;
  const dropped: ThreadDrops = {
    ...emptyDrops(),
    queueFull: count(l, L.C_RING_FULL) + c.queueFull,
    exportFailed: c.exportFailed,
    shutdown: count(l, L.C_AFTER_SHUTDOWN) + c.shutdown,
    noExporter: c.noExporter,
    tooLarge: count(l, L.C_TOO_LARGE),
    tracerTableFull: count(l, L.C_DICT_FULL),
    abandoned: c.abandoned + swept,
    decodeError: c.decodeError,
    exporterLost: c.lost,
  };
  let queued = inRing + c.queued;
  // Once the exporter thread is gone for good, whatever is still queued will never leave: a shutdown drop.
  if (stopped) { dropped.shutdown += queued; queued = 0; }
  const ended = c.exported + queued + dropped.queueFull + dropped.exportFailed + dropped.shutdown + dropped.noExporter
    + dropped.tooLarge + dropped.tracerTableFull + dropped.abandoned + dropped.decodeError + dropped.exporterLost;
  return {
    enqueued: c.consumed + swept + inRing,
    exported: c.exported,
    queued,
    dropped,
    destinations: c.dests.map((d) => destStats(d, stopped)),
    thread: {
      ended,
      inRing,
      ringBytes: l.ringBytes,
      ringUsedBytes: (Atomics.load(l.i32, L.WRITE) - Atomics.load(l.i32, L.READ)) >>> 0,
      trimmed: count(l, L.C_TRUNCATED),
      producers: countProducers(l.i32),
      lateWrites: count(l, L.C_LATE),
      restarts: Atomics.load(l.i32, L.RESTARTS),
      tracers: Atomics.load(l.i32, L.TRACER_IDS),
      stopped,
    },
  };
}
