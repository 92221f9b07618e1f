// Batch span processor (OTel trace/sdk.md "Batching processor"): settings from options and OTEL_BSP_*,
// ended spans handed to one Destination per exporter (batch-destination.ts: its ring, timer and export
// loop), flush and shutdown across all of them, stats with the first destination's counts on top.
import { performance } from 'node:perf_hooks';
import type { Span } from './span.js';
import type { SpanExporter } from './exporter.js';
import { deadlineOf, emptyDrops, SHUTDOWN_DEADLINE_MS, type DestinationStats, type ProcessorStats, type ShutdownOptions, type SpanProcessor } from './processor.js';
import { MAX_RING_SIZE } from './ring.js';
import { bspFromEnv, pickSetting, MAX_TIMER_MS, type Env } from './otlp-env.js';
import { Reporter } from './batch-report.js';
import { Destination } from './batch-destination.js';
import { callBounded } from './batch-export.js';

// Kept importable from here (config/routing.ts, tests, src/index.ts).
export { callBounded };
export type { DestinationStats };

export interface BatchOptions {
  /** Spans held per destination before new ones are dropped (OTEL_BSP_MAX_QUEUE_SIZE, default 2048). */
  maxQueueSize?: number;
  /** Spans per export, at most maxQueueSize (OTEL_BSP_MAX_EXPORT_BATCH_SIZE, default 512). */
  maxExportBatchSize?: number;
  /** Longest a span waits for a batch to fill (OTEL_BSP_SCHEDULE_DELAY, default 5000 ms). At most 2^31-1 ms (setTimeout's limit): larger values, here or in the variable, are clamped to it with a warning. */
  scheduledDelayMillis?: number;
  /** An export is aborted and counted as failed after this (OTEL_BSP_EXPORT_TIMEOUT, default 30000 ms; the variable's 0 is no limit, 2^31-1). At most 2^31-1 ms: larger values are clamped with a warning. */
  exportTimeoutMillis?: number;
  /** Aliases of the two above. */
  scheduledDelayMs?: number;
  exportTimeoutMs?: number;
  /** At most one log line per destination per interval about drops and failures (default 10000 ms). */
  reportIntervalMs?: number;
  env?: Env;
  logger?: (msg: string) => void;
}

const noop = (): void => {};

/** What was passed instead of an exporter, with the likely fix. */
function notAnExporter(e: unknown): string {
  if (typeof e === 'function') return `a function: call it, e.g. otlpExporter(), not otlpExporter`;
  if (typeof (e as { then?: unknown }).then === 'function') return 'a Promise: await it first';
  if (typeof e === 'object') return 'an object without export(): options go into a factory, e.g. otlpExporter({ url })';
  return `a ${typeof e}`;
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
  /** Off-thread export (thread/consumer.ts): runs after destination i wrote a drop line, so that what it said outlives its thread. */
  onReport: ((dest: number) => void) | null = null;

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
    // a warning names the option as the caller spelt it (the README gives the *Ms aliases)
    this.scheduledDelayMillis = pickSetting(o.scheduledDelayMillis !== undefined ? 'scheduledDelayMillis' : 'scheduledDelayMs', o.scheduledDelayMillis ?? o.scheduledDelayMs, env.scheduledDelayMillis, 5000, log, true, MAX_TIMER_MS);
    this.exportTimeoutMillis = pickSetting(o.exportTimeoutMillis !== undefined ? 'exportTimeoutMillis' : 'exportTimeoutMs', o.exportTimeoutMillis ?? o.exportTimeoutMs, env.exportTimeoutMillis, 30000, log, false, MAX_TIMER_MS);
    const interval = pickSetting('reportIntervalMs', o.reportIntervalMs, undefined, 10000, log, true, MAX_TIMER_MS);
    const given = Array.isArray(exporter) ? exporter : [exporter];
    const list = given.filter((e) => e != null && typeof e.export === 'function');
    // null/undefined/false is a skipped entry (`[a, cond ? b : undefined]`); anything else without export() is a mistake whose spans would go unsaid.
    given.forEach((e, i) => {
      if (e == null || (e as unknown) === false || typeof e.export === 'function') return;
      log(`exporter #${i} is not a span exporter (${notAnExporter(e)}); ${list.length === 0 ? 'spans are dropped, counted in stats().dropped.noExporter' : 'it gets no spans'}`);
    });
    // Spans are shared between destinations, so attribute arrays are recycled only with a single one.
    const release = list.length === 1 && list[0]!.keepsSpans !== true;
    this.dests = list.map((e, i) => {
      const name = typeof e.name === 'string' && e.name ? e.name : `exporter#${i}`;
      return new Destination(e, name, this.maxQueueSize, batch, this.scheduledDelayMillis, this.exportTimeoutMillis, release, new Reporter(name, interval, (m) => { log(m); this.onReport?.(i); }));
    });
    this.single = this.dests.length === 1 ? this.dests[0]! : null;
  }

  /** Off-thread export: drops a dead exporter thread counted for destination i but never said, said in its next line. */
  carry(i: number, queueFull: number, exportFailed: number, shutdown: number, lastError: string | null): boolean {
    const d = this.dests[i];
    if (d === undefined) return false;
    d.reporter.carry(queueFull, exportFailed, shutdown, lastError);
    return true;
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
    const deadline = performance.now() + deadlineOf(options?.deadlineMs, SHUTDOWN_DEADLINE_MS);
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
