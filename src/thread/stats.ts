// Counters shared by every thread of one ring. Producers bump 32-bit ENQ per record (differences are all
// that is read, so wrapping is harmless) and 64-bit drop counters; the exporter thread publishes its
// 64-bit totals under a seqlock. Any thread can read a balanced view:
// thread.ended = exported + sum(dropped) + queued.
import * as L from './layout.js';
import { countProducers } from './producers.js';
import { emptyDrops, type DropCounts, type ProcessorStats } from '../processor.js';
import type { DestinationStats } from '../batcher.js';
import { copyDests, destStats, readDests, writeDests, type DestTotals } from './dest-stats.js';

export interface ThreadDrops extends DropCounts {
  /** longer than the ring's record limit even without attributes, events and links */
  tooLarge: number;
  /** the tracer dictionary in the ring is full (thousands of distinct resource/scope pairs) */
  tracerTableFull: number;
  /**
   * reserved by a thread that died, or stopped longer than stallMs, before committing the record: each reservation
   * once (several in one region skipped past a dead writer's unmarked record included), counted by the exporter thread
   * once it has read past them (until then in thread.inRing)
   */
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

/** The exporter thread's totals, in publication order (C_CONSUMED ... C_W_QUEUED, consecutive). */
const FIELDS = ['consumed', 'exported', 'queueFull', 'exportFailed', 'shutdown', 'noExporter', 'abandoned', 'decodeError', 'lost', 'queued'] as const;

export class ConsumerTotals {
  consumed = 0; exported = 0; queueFull = 0; exportFailed = 0; shutdown = 0; noExporter = 0;
  abandoned = 0; decodeError = 0; lost = 0; queued = 0;
  dests: DestTotals[] = [];
  /** Per copy, the names and last errors already written to the SAB by this publisher. */
  private readonly shown: (string | null)[][] = [[], []];

  /** Copy 0 (C_CONSUMED.., CK, DESTS) or 1 (+ COPY_B, CK_B, DESTS_B). */
  load(l: L.Layout, copy = 0): this {
    const at = L.C_CONSUMED + (copy === 0 ? 0 : L.COPY_B);
    for (let k = 0; k < FIELDS.length; k++) this[FIELDS[k]!] = Number(Atomics.load(l.i64, at + k));
    this.dests = readDests(l, copy);
    return this;
  }

  /**
   * Seqcount latch (single writer: the exporter thread): readers take copy 0 while SEQ is even, copy 1 while it is
   * odd, so each copy is rewritten only while nobody reads it, and a writer stopped or dead mid-publish leaves the
   * other one complete (with a plain seqlock its successor took over a torn mix: records counted twice).
   */
  publish(l: L.Layout, ck: number): void {
    this.write(l, 1, ck);
    Atomics.add(l.i32, L.SEQ, 1);
    this.write(l, 0, ck);
    Atomics.add(l.i32, L.SEQ, 1);
  }

  /** One copy: the totals, the destinations, and the ring checkpoint they account for. */
  private write(l: L.Layout, copy: number, ck: number): void {
    const at = L.C_CONSUMED + (copy === 0 ? 0 : L.COPY_B);
    for (let k = 0; k < FIELDS.length; k++) Atomics.store(l.i64, at + k, BigInt(this[FIELDS[k]!]));
    writeDests(l, this.dests, this.shown[copy]!, copy);
    Atomics.store(l.i32, copy === 0 ? L.CK : L.CK_B, ck);
  }
}

/**
 * What a new exporter thread starts from: its predecessor's last complete publish. One that died writing copy 0 (SEQ
 * odd) leaves copy 1 complete: copied back to 0 (CK included) and SEQ made even, before the ring reader reads CK.
 */
export function takeOver(l: L.Layout): ConsumerTotals {
  if ((Atomics.load(l.i32, L.SEQ) & 1) !== 0) {
    for (let k = 0; k < FIELDS.length; k++) Atomics.store(l.i64, L.C_CONSUMED + k, Atomics.load(l.i64, L.C_CONSUMED + L.COPY_B + k));
    copyDests(l, 1, 0);
    Atomics.store(l.i32, L.CK, Atomics.load(l.i32, L.CK_B));
    Atomics.add(l.i32, L.SEQ, 1);
  }
  return new ConsumerTotals().load(l, 0);
}

/** The last consistent snapshot read from each ring: what stats() shows if a writer kept publishing through 2 ms of retries. */
const lastGood = new WeakMap<L.Layout, ConsumerTotals>();

/**
 * Consistent snapshot of the consumer totals: the copy SEQ points at, read again when SEQ moved meanwhile (the
 * writer went on to rewrite it). A writer stopped or dead mid-publish never moves SEQ: no wait, no torn read.
 */
export function readConsumer(l: L.Layout, out = new ConsumerTotals()): ConsumerTotals {
  const until = performance.now() + 2;
  do {
    for (let i = 0; i < 64; i++) {
      const s1 = Atomics.load(l.i32, L.SEQ);
      out.load(l, s1 & 1);
      if (Atomics.load(l.i32, L.SEQ) === s1) { lastGood.set(l, out); return out; }
    }
  } while (performance.now() < until);
  return lastGood.get(l) ?? out;
}

function count(l: L.Layout, i: number): number {
  return Number(Atomics.load(l.i64, i));
}

export function readStats(l: L.Layout): ThreadStats {
  const c = readConsumer(l);
  // ENQ after the consumer totals: every record they count was reserved (ENQ++) before, so inRing >= 0.
  const inRing = (Atomics.load(l.i32, L.ENQ) - (c.consumed % 4294967296)) >>> 0;
  const stopped = Atomics.load(l.i32, L.STOPPED) !== 0;
  const dropped: ThreadDrops = {
    ...emptyDrops(),
    queueFull: count(l, L.C_RING_FULL) + c.queueFull,
    exportFailed: c.exportFailed,
    shutdown: count(l, L.C_AFTER_SHUTDOWN) + c.shutdown,
    noExporter: c.noExporter,
    tooLarge: count(l, L.C_TOO_LARGE),
    tracerTableFull: count(l, L.C_DICT_FULL),
    abandoned: c.abandoned,
    decodeError: c.decodeError,
    exporterLost: c.lost,
  };
  let queued = inRing + c.queued;
  // Once the exporter thread is gone for good, whatever is still queued will never leave: a shutdown drop.
  if (stopped) { dropped.shutdown += queued; queued = 0; }
  const ended = c.exported + queued + dropped.queueFull + dropped.exportFailed + dropped.shutdown + dropped.noExporter
    + dropped.tooLarge + dropped.tracerTableFull + dropped.abandoned + dropped.decodeError + dropped.exporterLost;
  return {
    enqueued: c.consumed + inRing,
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
