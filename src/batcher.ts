// Batch span processor (OTel trace/sdk.md "Batching processor"): one fixed ring per destination, O(1)
// and allocation-free per span; export when a batch fills, on an unref'd timer, on forceFlush() and on
// shutdown(); one export in flight per destination, bounded by the export timeout and an AbortSignal.
// Accounting per destination: ended = exported + dropped + queued (queued includes in flight), updated
// in the same synchronous step as every state change, so any stats() call sees it balanced.
import { performance } from 'node:perf_hooks';
import type { Span } from './span.js';
import { describeError, type ExportResult, type SpanExporter } from './exporter.js';
import { emptyDrops, type DropCounts, type ProcessorStats, type ShutdownOptions, type SpanProcessor } from './processor.js';
import { Ring, MAX_RING_SIZE } from './ring.js';
import { bspFromEnv, pickSetting, timerMs, MAX_TIMER_MS, type Env } from './otlp-env.js';
import { Reporter } from './batch-report.js';

export interface BatchOptions {
  /** Spans held per destination before new ones are dropped (OTEL_BSP_MAX_QUEUE_SIZE, default 2048). */
  maxQueueSize?: number;
  /** Spans per export, at most maxQueueSize (OTEL_BSP_MAX_EXPORT_BATCH_SIZE, default 512). */
  maxExportBatchSize?: number;
  /** Longest a span waits for a batch to fill (OTEL_BSP_SCHEDULE_DELAY, default 5000 ms). At most 2^31-1 ms (setTimeout's limit): larger values, here or in the variable, are clamped to it with a warning. */
  scheduledDelayMillis?: number;
  /** An export is aborted and counted as failed after this (OTEL_BSP_EXPORT_TIMEOUT, default 30000 ms). At most 2^31-1 ms: larger values are clamped with a warning. */
  exportTimeoutMillis?: number;
  /** Aliases of the two above. */
  scheduledDelayMs?: number;
  exportTimeoutMs?: number;
  /** At most one log line per destination per interval about drops and failures (default 10000 ms). */
  reportIntervalMs?: number;
  env?: Env;
  logger?: (msg: string) => void;
}

export interface DestinationStats {
  name: string;
  /** spans offered to this destination: ended = exported + dropped (all reasons) + queued */
  ended: number;
  enqueued: number;
  exported: number;
  queued: number;
  inFlight: number;
  dropped: DropCounts;
  exports: { ok: number; failed: number; timedOut: number; abandoned: number };
  lastError: string | null;
  exporter?: Record<string, unknown>;
}

interface Settle { n: number; kind: 'ok' | 'failed' | 'timeout' | 'shutdown'; rejected: number; error: unknown }
const noop = (): void => {};

/** One export destination: its own ring, timer, in-flight export and counters. */
class Destination {
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
    private readonly delayMs: number, private readonly timeoutMs: number, readonly release: boolean, private readonly reporter: Reporter) {
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
      const t = setTimeout(() => {
        timedOut = true;
        this.exports.abandoned++;
        ac.abort(new Error(`export timed out after ${this.timeoutMs} ms`));
        finish({ n, kind: 'timeout', rejected: 0, error: null });
      }, this.timeoutMs);
      // Unref'd unless someone awaits a flush: a hung exporter must not hold an idle process open.
      if (this.waiters.length === 0 || !this.holdOpen) t.unref();
      this.exportTimer = t;
      this.abortCurrent = () => { ac.abort(new Error('shutdown deadline passed')); finish({ n, kind: 'shutdown', rejected: 0, error: null }); };
      const settled = (s: Settle): void => { if (timedOut) this.exports.abandoned--; finish(s); };
      try {
        Promise.resolve(this.exporter.export(batch!, ac.signal)).then(
          (r) => settled(fromResult(n, r)),
          (e) => settled({ n, kind: 'failed', rejected: 0, error: e }),
        );
      } catch (e) {
        finish({ n, kind: 'failed', rejected: 0, error: e });
      }
    });
  }

  /** All counters for one settled batch move together, in one synchronous step. */
  private account(batch: Span[], s: Settle): void {
    const n = s.n;
    this.inFlight -= n;
    this.settled += n;
    if (s.kind === 'ok') {
      this.exports.ok++;
      this.exported += n - s.rejected;
      if (s.rejected > 0) { this.drops.exportFailed += s.rejected; this.reporter.note('exportFailed', s.rejected, s.error ?? 'backend rejected spans (partial success)'); }
    } else if (s.kind === 'shutdown') {
      this.drops.shutdown += n;
      this.reporter.note('shutdown', n, null);
    } else {
      if (s.kind === 'timeout') this.exports.timedOut++; else this.exports.failed++;
      this.drops.exportFailed += n;
      const err = s.kind === 'timeout' ? `timed out after ${this.timeoutMs} ms` : s.error;
      this.lastError = describeError(err);
      this.reporter.note('exportFailed', n, err);
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

function fromResult(n: number, r: ExportResult | void): Settle {
  if (r === undefined || r === null || typeof r !== 'object') return { n, kind: 'ok', rejected: 0, error: null };
  if (r.ok === false) return { n, kind: 'failed', rejected: 0, error: r.error ?? 'exporter reported failure' };
  const rej = typeof r.rejected === 'number' && r.rejected > 0 ? Math.min(n, Math.floor(r.rejected)) : 0;
  return { n, kind: 'ok', rejected: rej, error: r.error ?? null };
}

/** Calls exporter.forceFlush/shutdown if it has one; never throws, never waits past `ms` (a ref'd timer: the caller awaits). */
export async function callBounded(e: SpanExporter, method: 'forceFlush' | 'shutdown', ms: number, keepAlive = true): Promise<void> {
  if (typeof e[method] !== 'function') return;
  let t: NodeJS.Timeout | undefined;
  const stop = new Promise<void>((r) => { t = setTimeout(r, timerMs(ms)); });
  if (!keepAlive) t!.unref();
  let p: Promise<unknown>;
  try { p = Promise.resolve(e[method]!()).catch(noop); } catch { p = Promise.resolve(); }
  await Promise.race([p, stop]);
  clearTimeout(t);
}

/** `clear`: the array becomes a spare, which must not pin the spans of the export it carried. */
function releaseAll(spans: Span[], clear = false): void {
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (typeof s.release === 'function') s.release();
    if (clear) (spans as unknown[])[i] = undefined;
  }
}

export class BatchSpanProcessor implements SpanProcessor {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMillis: number;
  readonly exportTimeoutMillis: number;
  private readonly dests: Destination[];
  private readonly single: Destination | null;
  private closing: Promise<void> | null = null;
  private noExporter = 0;

  constructor(exporter: SpanExporter | SpanExporter[], o: BatchOptions = {}) {
    const logger = o.logger ?? ((m: string) => console.warn('[tracewire] ' + m));
    const log = (m: string): void => { try { logger(m); } catch { /* a broken logger must not break tracing */ } };
    const env = bspFromEnv(o.env ?? process.env, log);
    this.maxQueueSize = pickSetting('maxQueueSize', o.maxQueueSize, env.maxQueueSize, 2048, log, false, MAX_RING_SIZE);
    let batch = pickSetting('maxExportBatchSize', o.maxExportBatchSize, env.maxExportBatchSize, 512, log);
    if (batch > this.maxQueueSize) {
      log(`maxExportBatchSize ${batch} is above maxQueueSize ${this.maxQueueSize}; using ${this.maxQueueSize}`);
      batch = this.maxQueueSize;
    }
    this.maxExportBatchSize = batch;
    this.scheduledDelayMillis = pickSetting('scheduledDelayMillis', o.scheduledDelayMillis ?? o.scheduledDelayMs, env.scheduledDelayMillis, 5000, log, true, MAX_TIMER_MS);
    this.exportTimeoutMillis = pickSetting('exportTimeoutMillis', o.exportTimeoutMillis ?? o.exportTimeoutMs, env.exportTimeoutMillis, 30000, log, false, MAX_TIMER_MS);
    const interval = pickSetting('reportIntervalMs', o.reportIntervalMs, undefined, 10000, log, true, MAX_TIMER_MS);
    const list = (Array.isArray(exporter) ? exporter : [exporter]).filter((e) => e != null && typeof e.export === 'function');
    // Spans are shared between destinations, so attribute arrays are recycled only with a single one.
    const release = list.length === 1 && list[0]!.keepsSpans !== true;
    this.dests = list.map((e, i) => {
      const name = typeof e.name === 'string' && e.name ? e.name : `exporter#${i}`;
      return new Destination(e, name, this.maxQueueSize, batch, this.scheduledDelayMillis, this.exportTimeoutMillis, release, new Reporter(name, interval, log));
    });
    this.single = this.dests.length === 1 ? this.dests[0]! : null;
  }

  onEnd(span: Span): void {
    const d = this.single;
    if (d !== null) {
      if (!d.offer(span) && d.release) span.release?.();
      return;
    }
    if (this.dests.length === 0) { this.noExporter++; return; }
    for (let i = 0; i < this.dests.length; i++) this.dests[i]!.offer(span);
  }

  /** Exports everything queued so far, then lets each exporter flush its own buffers (each step bounded by the export timeout). */
  forceFlush(): Promise<void> {
    if (this.closing !== null) return this.closing; // the shutdown's drain is the flush: resolving before it settles would break the promise above
    return Promise.all(this.dests.map((d) => d.flush().then(() => callBounded(d.exporter, 'forceFlush', this.exportTimeoutMillis)))).then(noop, noop);
  }

  /** Drains every destination in parallel until `deadlineMs` (default 5000; Infinity or more than 2^31-1 ms = 2^31-1 ms, setTimeout's limit), then returns regardless. */
  shutdown(options?: ShutdownOptions): Promise<void> {
    if (this.closing !== null) return this.closing;
    const ms = options?.deadlineMs;
    const deadline = performance.now() + (typeof ms === 'number' && ms >= 0 ? timerMs(ms) : 5000);
    for (const d of this.dests) d.closed = true;
    const keepAlive = options?.keepAlive !== false;
    this.closing = Promise.all(this.dests.map((d) => d.shutdown(deadline, keepAlive).catch(noop))).then(noop, noop);
    return this.closing;
  }

  /**
   * Top-level counts are the first (primary) destination's, so `ended = exported + dropped + queued` holds
   * for the tracer as a whole; with fan-out every destination is also in `destinations`, each balanced on
   * its own (sums would count a span once per destination).
   */
  stats(): ProcessorStats & { inFlight: number; destinations: DestinationStats[] } {
    const per = this.dests.map((d) => d.stats());
    const p = per[0];
    const dropped = p === undefined ? emptyDrops() : { ...p.dropped };
    dropped.noExporter += this.noExporter;
    return { enqueued: p?.enqueued ?? 0, exported: p?.exported ?? 0, queued: p?.queued ?? 0, inFlight: p?.inFlight ?? 0, dropped, destinations: per };
  }
}
