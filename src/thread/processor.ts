// The producer side of off-thread export, the same in every thread: onEnd() encodes the span into a
// scratch buffer, claims ring space with one CAS, copies, commits and recycles the span's attribute
// array. No lock, no message, no wait; a full ring drops and counts.
import type { Span } from '../span.js';
import type { ShutdownOptions, SpanProcessor } from '../processor.js';
import { RecordWriter } from './record.js';
import { DictWriter } from './dict.js';
import { FULL, RingWriter } from './ring.js';
import { attach, release, type Attachment } from './producers.js';
import { readStats, type ThreadStats } from './stats.js';
import { requestFlush } from './flush-wait.js';
import * as L from './layout.js';

/** Rings the doorbell once per crossing of half the ring, so a burst wakes the exporter before the ring fills. */
const WAKE_FRACTION = 2;

export { requestFlush };

export class RingProcessor implements SpanProcessor {
  readonly layout: L.Layout;
  private readonly ring: RingWriter;
  private readonly rec: RecordWriter;
  private readonly dict: DictWriter;
  private readonly wakeAt: number;
  /** This thread stopped writing (its own shutdown): later spans are dropped and counted. */
  protected detached: boolean;
  /** Its producer slot (stats().thread.producers), given back on shutdown, on GC or when the thread ends. */
  private readonly attachment: Attachment;

  constructor(layout: L.Layout) {
    this.layout = layout;
    this.ring = new RingWriter(layout);
    this.dict = new DictWriter(layout);
    this.rec = new RecordWriter(this.dict);
    this.wakeAt = layout.ringBytes / WAKE_FRACTION;
    this.detached = false;
    this.attachment = attach(layout.i32, this);
  }

  /** What another thread needs to attach: pass it in workerData, then attachThreadProcessor(handle) there. */
  handle(): L.ThreadHandle {
    return { kind: 'tracewire.thread', version: 1, sab: this.layout.sab };
  }

  onEnd(span: Span): void {
    const l = this.layout;
    // A plain read is enough for a flag (aligned Int32 reads never tear) and cheaper than Atomics.load.
    if (this.detached || l.i32[L.SHUTDOWN] !== 0) { this.drop(span, L.C_AFTER_SHUTDOWN); return; }
    const ref = this.dict.ref(span.tracer);
    if (ref < 0) { this.drop(span, L.C_DICT_FULL); return; }
    const total = this.rec.encode(span, ref, this.ring.maxRecord);
    if (total < 0) { this.drop(span, L.C_TOO_LARGE); return; }
    const ring = this.ring;
    const at = ring.reserve(total);
    if (at < 0) {
      if (at === FULL) { this.drop(span, L.C_RING_FULL); this.wake(); } else this.late(span);
      return;
    }
    // Word copy (at and total are 8-aligned): 2-3x cheaper than Buffer#copy for ~150 bytes. Word 0 is the header:
    // it stays the reservation mark until commit. A thread stopped for longer than stallMs finds its space given up
    // by the consumer (and maybe reused): it must not write a byte of it. V8 stops a thread (a debugger pause,
    // terminate()) only at a call or a loop back-edge, so the copy goes in blocks of 16 stores with neither, each
    // after an ownership check (the last block ends at the record's end, overlapping the one before: n >= 24, FIXED
    // and a name); the commit checks again.
    const src = this.rec.words, dst = l.i32, base = at >> 2, n = total >> 2;
    for (let i = 1; ; i += 16) {
      if (i > n - 16) i = n - 16;
      if (!ring.owns(at, total)) { ring.abandon(at, total); this.late(span); return; }
      const d = base + i;
      dst[d] = src[i]!; dst[d + 1] = src[i + 1]!; dst[d + 2] = src[i + 2]!; dst[d + 3] = src[i + 3]!;
      dst[d + 4] = src[i + 4]!; dst[d + 5] = src[i + 5]!; dst[d + 6] = src[i + 6]!; dst[d + 7] = src[i + 7]!;
      dst[d + 8] = src[i + 8]!; dst[d + 9] = src[i + 9]!; dst[d + 10] = src[i + 10]!; dst[d + 11] = src[i + 11]!;
      dst[d + 12] = src[i + 12]!; dst[d + 13] = src[i + 13]!; dst[d + 14] = src[i + 14]!; dst[d + 15] = src[i + 15]!;
      if (i === n - 16) break;
    }
    if (!ring.commit(at, total, L.T_SPAN)) { this.late(span); return; }
    if (this.rec.trimmed) Atomics.add(l.i64, L.C_TRUNCATED, 1n);
    span.release();
    const used = this.ring.used;
    if (used >= this.wakeAt && used - total < this.wakeAt) this.wake();
  }

  private drop(span: Span, counter: number): void {
    Atomics.add(this.layout.i64, counter, 1n);
    span.release();
  }

  /**
   * Our reservation was skipped as abandoned: the consumer counts the span (dropped.abandoned), whether it gave up
   * our marked record or swept our unmarked one with a dead writer's before it (ring-reader.ts settle()). Noted here.
   */
  private late(span: Span): void {
    Atomics.add(this.layout.i64, L.C_LATE, 1n);
    span.release();
  }

  private wake(): void {
    Atomics.add(this.layout.i32, L.DOORBELL, 1);
    Atomics.notify(this.layout.i32, L.DOORBELL);
  }

  /** Resolves once the exporter thread has exported (or dropped) everything committed before the call. */
  forceFlush(timeoutMs?: number): Promise<void> {
    return requestFlush(this.layout, timeoutMs ?? (Atomics.load(this.layout.i32, L.FLUSH_MS) || 30_000)).then(noop, noop);
  }

  /** In an attached thread: flush, then stop writing (the exporter thread belongs to the owner). */
  async shutdown(options?: ShutdownOptions): Promise<void> {
    if (this.detached) return;
    const ms = options?.deadlineMs;
    await this.forceFlush(typeof ms === 'number' && ms >= 0 ? ms : 5000);
    this.detach();
  }

  /** Stops writing: later spans of this thread are dropped and counted as shutdown. */
  protected detach(): void {
    if (this.detached) return;
    this.detached = true;
    release(this.attachment);
  }

  stats(): ThreadStats {
    return readStats(this.layout);
  }
}

function noop(): void {}

/** A processor for a host worker thread, writing into the ring of the owner's thread processor. */
export function attachThreadProcessor(handle: L.ThreadHandle | SharedArrayBuffer): RingProcessor {
  const sab = handle instanceof SharedArrayBuffer ? handle : handle?.sab;
  return new RingProcessor(L.openLayout(sab));
}
