// One destination of the batch span processor (batcher.ts): a fixed ring, O(1) and allocation-free per span;
// an export when a batch fills, on an unref'd timer, on flush() and on shutdown(); one export in flight,
// bounded by the export timeout and an AbortSignal.
// Accounting: ended = exported + dropped + queued (queued includes in flight), updated in the same
// synchronous step as every state change, so any stats() call sees it balanced.
import { performance } from 'node:perf_hooks';
import type { Span } from './span.js';
import { describeError, type ExportProgress, type SpanExporter } from './exporter.js';
import { emptyDrops, type DestinationStats } from './processor.js';
import { Ring } from './ring.js';
import { timerMs } from './otlp-env.js';
import type { Reporter } from './batch-report.js';
import { callBounded, fromResult, releaseAll, unfinished, type Settle } from './batch-export.js';

/** One export destination: its own ring, timer, in-flight export and counters. */
export class Destination {
  readonly ring: Ring<Span>;
  ended = 0; enqueued = 0; exported = 0; inFlight = 0;
  readonly drops = emptyDrops();
  readonly exports = { ok: 0, failed: 0, timedOut: 0, abandoned: 0 };
  lastError: string | null = null;
  private taken = 0; private settled = 0; private flushTarget = 0;
  private busy = false; private due = false; private kicked = false; private armed = false;
  private timer: NodeJS.Timeout | null = null;
  private abortCurrent: (() => void) | null = null;
  private exportTimer: NodeJS.Timeout | null = null;
  /** false once shut down with keepAlive: false (nobody awaits the drain): no timer of it holds the process. */
  private holdOpen = true;
  private waiters: { target: number; resolve: () => void }[] = [];
  /** A full batch's array, back from a settled export: the next full batch reuses it (4 KiB, 8 B/span). */
  private spare: Span[] | null = null;
  closed = false;

  constructor(readonly exporter: SpanExporter, readonly name: string, queue: number, private readonly batchSize: number,
    private readonly delayMs: number, private readonly timeoutMs: number, readonly release: boolean, readonly reporter: Reporter) {
    this.ring = new Ring<Span>(queue);
  }

  /** Hot path: O(1), no allocation; the export itself starts from setImmediate, never inside span.end(). */
  offer(span: Span): boolean {
    this.ended++;
    if (this.closed) { this.drops.shutdown++; this.reporter.note('shutdown', 1, null); return false; }
    if (!this.ring.push(span)) { this.drops.queueFull++; this.reporter.note('queueFull', 1, null); return false; }
    this.enqueued++;
    if (this.busy) return true; // the running export loop looks at the ring again when it finishes
    if (this.ring.length >= this.batchSize) {
      if (!this.kicked) { this.kicked = true; setImmediate(kick, this); }
    } else if (!this.armed) this.arm();
    return true;
  }

  private arm(): void {
    this.armed = true;
    if (this.timer === null) { this.timer = setTimeout(onTimer, this.delayMs, this); this.timer.unref(); }
    else this.timer.refresh(); // one Timeout object per destination, re-armed, never re-allocated
  }

  onTimer(): void {
    if (!this.armed) return;
    this.armed = false;
    this.due = true;
    void this.pump();
  }

  onKick(): void {
    this.kicked = false;
    void this.pump();
  }

  /** Exports batches while one is full, the timer is due or a flush asks; never rejects. */
  async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.ring.length > 0 && (this.due || this.ring.length >= this.batchSize || this.taken < this.flushTarget)) {
        this.due = false;
        await this.exportOne();
        this.wake(); // a flush whose spans settled resolves now: under steady load this loop may not end for long
      }
    } catch (e) {
      this.lastError = 'internal: ' + describeError(e); // unreachable by design; never let it escape
    } finally {
      this.busy = false;
      this.due = false;
      if (this.ring.length > 0 && !this.closed && !this.armed) this.arm();
      this.wake();
    }
  }

  private exportOne(): Promise<void> {
    const spare = this.spare;
    let batch: Span[] | null;
    if (spare !== null && this.ring.length >= this.batchSize) { this.spare = null; batch = this.ring.takeInto(spare); }
    else batch = this.ring.take(this.batchSize);
    const n = batch.length;
    this.taken += n;
    this.inFlight += n;
    return new Promise<void>((resolve) => {
      const ac = new AbortController();
      let done = false;
      let timedOut = false;
      const finish = (s: Settle): void => {
        if (done) return;
        done = true;
        clearTimeout(t);
        this.abortCurrent = null;
        this.exportTimer = null;
        const b = batch!;
        batch = null; // our closures stay attached to an export that may never settle: they must not pin its spans
        this.account(b, s);
        resolve();
      };
      const progress: ExportProgress = { delivered: 0, rejected: 0 }; // per export: a timed-out exporter may still write to it
      const t = setTimeout(() => {
        timedOut = true;
        this.exports.abandoned++;
        ac.abort(new Error(`export timed out after ${this.timeoutMs} ms`));
        finish(unfinished(n, 'timeout', progress, null));
      }, this.timeoutMs);
      // Unref'd unless someone awaits a flush: a hung exporter must not hold an idle process open.
      if (this.waiters.length === 0 || !this.holdOpen) t.unref();
      this.exportTimer = t;
      this.abortCurrent = () => { ac.abort(new Error('shutdown deadline passed')); finish(unfinished(n, 'shutdown', progress, null)); };
      const settled = (s: Settle): void => { if (timedOut) this.exports.abandoned--; finish(s); };
      try {
        Promise.resolve(this.exporter.export(batch!, ac.signal, progress)).then(
          (r) => settled(fromResult(n, r, progress)),
          (e) => settled(unfinished(n, 'failed', progress, e)),
        );
      } catch (e) {
        finish(unfinished(n, 'failed', progress, e));
      }
    });
  }

  /**
   * All counters for one settled batch move together, in one synchronous step. Spans the backend acknowledged count
   * as exported (less its partial-success rejections) even when the batch as a whole timed out, failed or was cut
   * by the shutdown deadline; only the others count as dropped for that reason.
   */
  private account(batch: Span[], s: Settle): void {
    const n = s.n;
    this.inFlight -= n;
    this.settled += n;
    this.exported += s.delivered - s.rejected;
    if (s.rejected > 0) {
      this.drops.exportFailed += s.rejected;
      this.reporter.note('exportFailed', s.rejected, (s.kind === 'ok' ? s.error : null) ?? 'backend rejected spans (partial success)');
    }
    const rest = n - s.delivered;
    if (s.kind === 'ok') {
      this.exports.ok++;
    } else if (s.kind === 'shutdown') {
      this.drops.shutdown += rest;
      if (rest > 0) this.reporter.note('shutdown', rest, null);
    } else {
      if (s.kind === 'timeout') this.exports.timedOut++; else this.exports.failed++;
      this.drops.exportFailed += rest;
      const err = s.kind === 'timeout' ? `timed out after ${this.timeoutMs} ms` + (s.delivered > 0 ? ` (${s.delivered} of ${n} spans delivered)` : '') : s.error;
      this.lastError = describeError(err);
      if (rest > 0) this.reporter.note('exportFailed', rest, err);
    }
    // Recycle attribute arrays and the batch array only once the exporter has settled: a timed-out one may
    // still be reading them. release = one destination whose exporter does not keep spans (exporter.ts).
    if (this.release && (s.kind === 'ok' || s.kind === 'failed')) {
      const reuse = batch.length === this.batchSize;
      releaseAll(batch, reuse);
      if (reuse) this.spare = batch;
    }
  }

  /** Resolves once everything enqueued before the call has settled (exported or dropped). */
  flush(): Promise<void> {
    const target = this.taken + this.ring.length;
    if (this.settled >= target) return Promise.resolve();
    if (target > this.flushTarget) this.flushTarget = target;
    const p = new Promise<void>((resolve) => this.waiters.push({ target, resolve }));
    if (this.holdOpen) this.exportTimer?.ref(); // the caller waits on it: keep the process alive until it settles or times out
    void this.pump();
    return p;
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const keep: { target: number; resolve: () => void }[] = [];
    for (const w of this.waiters) if (this.settled >= w.target) w.resolve(); else keep.push(w);
    this.waiters = keep;
  }

  /** Drain until `deadline` (performance.now() ms), then drop what is left; never waits past it. */
  async shutdown(deadline: number, keepAlive: boolean): Promise<void> {
    this.closed = true;
    this.armed = false;
    this.holdOpen = keepAlive;
    if (!keepAlive) this.exportTimer?.unref();
    const drained = this.flush();
    let t: NodeJS.Timeout | undefined;
    // A ref'd timer: if the backend hangs, the process still lives to see shutdown() return (unless nobody waits).
    const late = new Promise<boolean>((r) => { t = setTimeout(r, timerMs(deadline - performance.now()), true); });
    if (!keepAlive) t!.unref();
    const timedOut = await Promise.race([drained.then(() => false), late]);
    clearTimeout(t);
    if (timedOut) {
      this.abortCurrent?.();
      const left = this.ring.length;
      if (left > 0) {
        const rest = this.ring.take(left);
        this.settled += left;
        this.drops.shutdown += left;
        this.reporter.note('shutdown', left, null);
        if (this.release) releaseAll(rest);
      }
      this.wake();
    }
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    await callBounded(this.exporter, 'shutdown', deadline - performance.now(), keepAlive);
    this.reporter.flush();
  }

  stats(): DestinationStats {
    const q = this.ring.length + this.inFlight;
    const o: DestinationStats = { name: this.name, ended: this.ended, enqueued: this.enqueued, exported: this.exported, queued: q, inFlight: this.inFlight, dropped: { ...this.drops }, exports: { ...this.exports }, lastError: this.lastError };
    if (typeof this.exporter.stats === 'function') { try { o.exporter = this.exporter.stats(); } catch { /* an exporter's stats must not break ours */ } }
    return o;
  }
}

function kick(d: Destination): void { d.onKick(); }
function onTimer(d: Destination): void { d.onTimer(); }
