// The owner of a ring: the thread processor made in the main thread. It is a producer like any other
// and, besides, runs the one exporter worker_thread: unref'd (never keeps the process alive), started
// again with backoff if it dies (the ring and its spans survive), asked to drain on shutdown.
import { Worker, workerData, type ResourceLimits } from 'node:worker_threads';
import { inspect } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BatchOptions } from '../batcher.js';
import type { ShutdownOptions } from '../processor.js';
import { RingProcessor } from './processor.js';
import type { ThreadExporterSpec, WorkerConfig } from './worker.js';
import * as L from './layout.js';
import { readConsumer, readStats } from './stats.js';
import { LossReport } from './loss-report.js';
import { sayUnsaid } from './dest-stats.js';
import { dropParts, reportInterval } from '../batch-report.js';
import { timerMs } from '../otlp-env.js';
import { describeError } from '../exporter.js';

export interface ThreadProcessorOptions {
  /** Where the exporter thread sends spans (default: OTLP/HTTP configured from OTEL_EXPORTER_OTLP_*). */
  exporter?: ThreadExporterSpec | ThreadExporterSpec[];
  /** The batcher in the exporter thread (maxQueueSize, maxExportBatchSize, scheduledDelayMillis, ...). */
  batch?: Omit<BatchOptions, 'logger' | 'env'>;
  /** Ring size in bytes, rounded up to a power of two (default 8 MiB: ~25k typical spans). */
  ringBytes?: number;
  /** Dictionary of distinct (resource, scope) pairs and attribute keys, sent once each (default 64 KiB). */
  dictBytes?: number;
  /** Longest the exporter thread sleeps between looks at the ring (default 100 ms; a half-full ring, a flush or a shutdown wake it at once). */
  pollMs?: number;
  /** A reserved but uncommitted record is skipped after this long (its thread died mid-write). Default 5000 ms. */
  stallMs?: number;
  /** forceFlush() gives up after this long (default 30000 ms). */
  flushTimeoutMs?: number;
  /** First delay before restarting a dead exporter thread (default 100 ms), doubling up to 5 s. */
  restartDelayMs?: number;
  /**
   * Linux only: nice value of the exporter thread alone (default 10), so that when CPUs are short the host's
   * threads win and export waits (a full ring drops and counts). 0 keeps the host's priority.
   */
  niceness?: number;
  /** Heap limits of the exporter thread (a runaway exporter dies and restarts instead of growing the process). */
  resourceLimits?: ResourceLimits;
  env?: Record<string, string | undefined>;
  logger?: (msg: string) => void;
}

// Dev runs the TypeScript sources through scripts/register.mjs; the build ships worker.js / worker.cjs.
const HERE: string = typeof __filename === 'string' ? pathToFileURL(__filename).href : import.meta.url;

export function workerEntry(here = HERE): { url: URL; execArgv: string[] | undefined } {
  if (here.endsWith('.ts')) return { url: new URL('./worker.ts', here), execArgv: ['--import', fileURLToPath(new URL('../../scripts/register.mjs', here))] };
  return { url: new URL(here.endsWith('.cjs') ? './worker.cjs' : './worker.js', here), execArgv: undefined };
}

/**
 * This thread is a tracewire export thread. Host preloads (`--import`/`--require`, on the command line or in
 * NODE_OPTIONS) run in worker threads too: one that makes a thread processor would start an export thread
 * from every export thread, without end.
 */
const IN_EXPORT_THREAD = (workerData as { kind?: unknown } | null)?.kind === 'tracewire.thread.worker';

const MAX_RESTART_DELAY_MS = 5000;
const HEALTHY_MS = 30_000; // a thread that lived this long resets the backoff
const LOG_EVERY_MS = 60_000;

export class ThreadProcessor extends RingProcessor {
  private readonly cfg: WorkerConfig;
  private readonly entry = workerEntry();
  private readonly logger: (msg: string) => void;
  private readonly restartDelayMs: number;
  private readonly resourceLimits: ResourceLimits | undefined;
  private worker: Worker | null = null;
  private startedAt = 0;
  private failures = 0;
  private respawn: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private lastLog = -Infinity;
  private readonly losses: LossReport;
  /** Last reason the exporter thread died (for stats and tests). */
  lastError: string | null = null;

  /** Dumps name the exporter types only: specs hold header values (credentials) for restarts. */
  toJSON(): { exporters: string[] } {
    return { exporters: this.cfg.exporters.map((s) => String((s as { type?: unknown }).type)) };
  }

  [inspect.custom](): string {
    return `ThreadProcessor ${inspect(this.toJSON())}`;
  }

  constructor(o: ThreadProcessorOptions = {}) {
    super(IN_EXPORT_THREAD ? L.createLayout(L.MIN_RING_BYTES, 0) : L.createLayout(o.ringBytes, o.dictBytes));
    const logger = o.logger ?? ((m: string) => console.warn('[tracewire] ' + m));
    this.logger = (m) => { try { logger(m); } catch { /* a throwing logger must not reach the host */ } };
    const specs = o.exporter === undefined ? [{ type: 'otlp' } as ThreadExporterSpec] : Array.isArray(o.exporter) ? o.exporter : [o.exporter];
    if (specs.length > L.MAX_DESTS) this.logger(`exportThread: ${specs.length} exporters; stats().destinations lists the first ${L.MAX_DESTS} (the shared memory holds no more): the others export, their drops are in their log lines only`);
    this.cfg = {
      kind: 'tracewire.thread.worker', sab: this.layout.sab, exporters: sendable(specs, this.logger), batch: { ...o.batch }, env: o.env,
      pollMs: pos(o.pollMs, 100), stallMs: pos(o.stallMs, 5000), flushTimeoutMs: pos(o.flushTimeoutMs, 30_000),
      niceness: o.niceness === 0 ? 0 : pos(o.niceness, 10),
    };
    this.restartDelayMs = pos(o.restartDelayMs, 100);
    this.losses = new LossReport(reportInterval(o.batch?.reportIntervalMs), this.cfg.stallMs, this.logger);
    Atomics.store(this.layout.i32, L.FLUSH_MS, timerMs(this.cfg.flushTimeoutMs));
    this.resourceLimits = o.resourceLimits;
    if (IN_EXPORT_THREAD) { this.inert(); return; }
    this.spawn();
  }

  /** In an export thread: no nested export thread; stopped from the start (its spans are dropped and counted as shutdown). */
  private inert(): void {
    this.closing = Promise.resolve();
    this.detach();
    Atomics.store(this.layout.i32, L.SHUTDOWN, 1);
    Atomics.store(this.layout.i32, L.STOPPED, 1);
  }

  private spawn(): void {
    this.respawn = null;
    let w: Worker;
    try {
      w = new Worker(this.entry.url, { workerData: this.cfg, execArgv: this.entry.execArgv, name: 'tracewire-export', resourceLimits: this.resourceLimits, stdout: false, stderr: false });
    } catch (e) {
      this.died(null, 'spawn failed: ' + String((e as Error)?.message ?? e));
      return;
    }
    this.worker = w;
    this.startedAt = performance.now(); // monotonic, as every interval here: a wall-clock step must not silence the restart log
    w.on('message', (m: { type?: string; msg?: string }) => {
      if (m && m.type === 'log' && typeof m.msg === 'string') this.logger(m.msg);
      else if (m && m.type === 'loss') this.sayLosses();
    });
    let err: string | null = null;
    w.on('error', (e) => { err = String((e as Error)?.message ?? e); });
    w.on('exit', (code) => this.died(w, err ?? `exit code ${code}`));
    if (this.closing === null) w.unref(); // after the listeners: adding a 'message' listener refs the port again
  }

  private died(w: Worker | null, why: string): void {
    if (w !== null && this.worker !== w) return;
    this.worker = null;
    this.lastError = why;
    this.sayLosses(); // it may have published losses and died before asking (an OOM in between)
    if (this.closing !== null) return; // shutdown waits for the exit itself
    // only a thread that ran (w) can have been healthy: after a failed start startedAt is an older thread's (0 at first)
    if (w !== null && performance.now() - this.startedAt > HEALTHY_MS) this.failures = 0;
    const delay = Math.min(MAX_RESTART_DELAY_MS, this.restartDelayMs * 2 ** Math.min(this.failures, 10));
    this.failures++;
    Atomics.add(this.layout.i32, L.RESTARTS, 1);
    const now = performance.now();
    if (now - this.lastLog >= LOG_EVERY_MS) {
      this.lastLog = now;
      this.logger(`export thread stopped (${why}); restarting in ${delay} ms, spans in the ring are kept (restarts so far: ${Atomics.load(this.layout.i32, L.RESTARTS)})`);
    }
    this.respawn = setTimeout(() => this.spawn(), delay);
    this.respawn.unref();
  }

  /** Asks the exporter thread to drain and export within the deadline; resolves by then (+100 ms), never rejects. */
  override shutdown(options?: ShutdownOptions): Promise<void> {
    if (this.closing === null) {
      const ms = options?.deadlineMs;
      this.closing = this.stop(typeof ms === 'number' && ms >= 0 ? ms : 5000);
    }
    return this.closing;
  }

  private async stop(ms: number): Promise<void> {
    const i32 = this.layout.i32;
    this.detach();
    Atomics.store(i32, L.SHUTDOWN_MS, timerMs(ms));
    Atomics.store(i32, L.SHUTDOWN, 1);
    Atomics.notify(i32, L.SHUTDOWN);
    Atomics.add(i32, L.DOORBELL, 1);
    Atomics.notify(i32, L.DOORBELL);
    if (this.respawn !== null) { clearTimeout(this.respawn); this.respawn = null; }
    if (this.worker === null) this.spawn(); // between restarts: start one to drain the ring
    const w = this.worker;
    if (w === null) {
      const held = readStats(this.layout).queued;
      Atomics.store(i32, L.STOPPED, 2);
      this.sayUnfinished(held, `could not be started to drain the ring (${this.lastError})`);
      this.sayLastLosses();
      return;
    }
    w.ref(); // the host awaits this promise: keep the loop alive until the thread is done
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<boolean>((r) => { if (this.worker !== w) r(true); else w.once('exit', () => r(true)); });
    // timerMs: Node runs a delay over 2^31-1 ms (Infinity included) after 1 ms; a long deadline must not be none.
    const late = new Promise<boolean>((r) => { timer = setTimeout(r, timerMs(ms + 100), false); });
    const clean = await Promise.race([exited, late]);
    clearTimeout(timer);
    // terminated, or died before its stop finished: nobody else will say what it still held (queued: shutdown drops
    // from now) or its unsaid ring drops (0 after a finished stop)
    const held = readStats(this.layout).queued;
    if (!clean) { await w.terminate().catch(() => {}); }
    const finished = Atomics.load(i32, L.STOPPED) !== 0;
    if (!finished) Atomics.store(i32, L.STOPPED, 2); // queued spans count as shutdown drops
    // finished but not yet exited (a loaded machine): its stop() already said what it held; saying it here too counted it twice
    if (!clean && finished) this.logger('export thread finished its shutdown drain but had not exited by the deadline and was terminated');
    else if (!clean) this.sayUnfinished(held, 'did not stop within the shutdown deadline and was terminated');
    else if (!finished) this.sayUnfinished(held, `stopped during the shutdown drain (${this.lastError})`);
    this.sayLastLosses();
    Atomics.store(i32, L.FLUSH_DONE, Atomics.load(i32, L.FLUSH_REQ));
    Atomics.notify(i32, L.FLUSH_DONE);
  }

  /** Reads the shared loss counters (the exporter thread asks, after publishing them): new ones go to the log. */
  private sayLosses(): void {
    const c = readConsumer(this.layout);
    this.losses.update({ abandoned: c.abandoned, decodeError: c.decodeError, exporterLost: c.lost });
  }

  /** Shutdown: what the last publish added, and the pending summary; nobody will say them later. */
  private sayLastLosses(): void {
    this.sayLosses();
    this.losses.flush();
  }

  /** The exporter thread did not finish its shutdown (terminated, died, never started): its unreported drops, in one line. */
  private sayUnfinished(held: number, what: string): void {
    const l = this.layout;
    const unsaid = (i: number, k: number): number => Math.max(0, Number(Atomics.load(l.i64, i)) - Number(Atomics.load(l.i64, L.C_SAID + k)));
    const queueFull = unsaid(L.C_RING_FULL, 0), tooLarge = unsaid(L.C_TOO_LARGE, 1), tableFull = unsaid(L.C_DICT_FULL, 2);
    const shutdown = held + unsaid(L.C_AFTER_SHUTDOWN, 3);
    const n = queueFull + tooLarge + tableFull + shutdown;
    const parts = dropParts(queueFull, 0, shutdown, tooLarge, tableFull).join(', ');
    this.logger(`export thread ${what}` + (n > 0 ? `; export ring: dropped ${n} spans (${parts})` : ''));
    // its batcher's drops held in a report for the interval: said in that destination's own line
    for (const d of readConsumer(l).dests) sayUnsaid(d, this.logger);
  }

  /** Test hook: the exporter thread dies after taking `records` more records (mode 'throw' or 'exit'). */
  crashExporterForTest(records: number, mode: 'throw' | 'exit' = 'throw'): void {
    Atomics.store(this.layout.i32, L.CRASH_MODE, mode === 'exit' ? 2 : 1);
    Atomics.store(this.layout.i32, L.CRASH_AFTER, Math.max(1, records | 0));
  }

  /** The current exporter thread (tests; null while restarting). */
  get exportThread(): Worker | null {
    return this.worker;
  }
}

/**
 * The specs the exporter thread can receive (workerData is structured-cloned: no functions, class instances with
 * methods lose them). One that cannot be sent is reported and left out, as one the thread cannot build: else every
 * start of the thread would fail, for all exporters, retried without end.
 */
function sendable(specs: readonly ThreadExporterSpec[], log: (m: string) => void): ThreadExporterSpec[] {
  return specs.filter((spec, i) => {
    try { structuredClone(spec); return true; } catch (e) {
      log(`exporter #${i} (${String((spec as { type?: unknown } | null)?.type)}) cannot be sent to the export thread, its options must be plain data (${describeError(e)}; make functions in the exporter's module); its spans are not exported`);
      return false;
    }
  });
}

function pos(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : dflt;
}

/** Off-thread export: `createTracer({ processor: threadProcessor({ exporter: { type: 'otlp', url } }) })`. */
export function threadProcessor(options?: ThreadProcessorOptions): ThreadProcessor {
  return new ThreadProcessor(options);
}

/** Alias of threadProcessor. */
export const exportThread = threadProcessor;
