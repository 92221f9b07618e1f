// Entry of the exporter worker_thread: builds the exporters named in workerData (exporter objects cannot
// cross threads, their options can), wraps them in the ordinary batcher and runs the ring consumer until
// shutdown. Everything network-bound (encoding, gzip, HTTP, retries) happens here, off the event loop.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import os from 'node:os';
import { BatchSpanProcessor, type BatchOptions } from '../batcher.js';
import { describeError, type SpanExporter } from '../exporter.js';
import { otlpExporter, type OtlpExporterOptions } from '../otlp-http.js';
import { consoleExporter, fileExporter, type FileExporterOptions } from '../exporters-local.js';
import { Consumer } from './consumer.js';
import { openLayout } from './layout.js';

/** An exporter described by its options (functions and agents cannot be sent to a thread). */
export type ThreadExporterSpec = (
  | ({ type: 'otlp' } & Omit<OtlpExporterOptions, 'agent' | 'logger' | 'env'>)
  | ({ type: 'file' } & FileExporterOptions)
  | { type: 'console' }
  /** Your own exporter, built in the exporter thread: `module` is a URL or absolute path, `export` names a factory called with `options`. */
  | { type: 'module'; module: string; export?: string; options?: unknown }
) & {
  /** This destination's name in stats().destinations (default: the exporter's own, e.g. `otlp <url>`); the config file passes its exporter names. */
  name?: string;
};

/** The exporter under the spec's name: the batcher names a destination after its exporter. */
function named(e: SpanExporter, name: unknown): SpanExporter {
  if (typeof name !== 'string' || name === '' || name === e.name) return e;
  const n: { -readonly [K in keyof SpanExporter]: SpanExporter[K] } = { name, export: (spans, signal, progress) => e.export(spans, signal, progress) };
  if (e.keepsSpans === true) n.keepsSpans = true;
  if (typeof e.forceFlush === 'function') n.forceFlush = () => e.forceFlush!();
  if (typeof e.shutdown === 'function') n.shutdown = () => e.shutdown!();
  if (typeof e.stats === 'function') n.stats = () => e.stats!();
  return n;
}

export interface WorkerConfig {
  kind: 'tracewire.thread.worker';
  sab: SharedArrayBuffer;
  exporters: ThreadExporterSpec[];
  batch: Omit<BatchOptions, 'logger' | 'env'>;
  env: Record<string, string | undefined> | undefined;
  pollMs: number;
  stallMs: number;
  flushTimeoutMs: number;
  niceness: number;
}

function log(msg: string): void {
  parentPort?.postMessage({ type: 'log', msg });
}

/** Asks the owner to read and say the loss counters (it outlives this thread: see loss-report.ts). */
function sayLoss(): void {
  parentPort?.postMessage({ type: 'loss' });
}

export async function buildExporters(specs: readonly ThreadExporterSpec[], env: WorkerConfig['env'], logger: (m: string) => void): Promise<SpanExporter[]> {
  const out: SpanExporter[] = [];
  for (const spec of specs) {
    try {
      if (spec.type === 'otlp') { const { type: _t, name, ...o } = spec; out.push(named(otlpExporter({ ...o, env, logger }), name)); }
      else if (spec.type === 'file') { const { type: _t, name, ...o } = spec; out.push(named(fileExporter(o), name)); }
      else if (spec.type === 'console') out.push(named(consoleExporter(), spec.name));
      else if (spec.type === 'module') {
        const url = spec.module.startsWith('/') ? 'file://' + spec.module : spec.module;
        const m = (await import(url)) as Record<string, unknown>;
        const make = m[spec.export ?? 'default'];
        if (typeof make !== 'function') throw new TypeError(`${spec.export ?? 'default'} is not a function in ${spec.module}`);
        out.push(named(await (make as (o: unknown) => SpanExporter | Promise<SpanExporter>)(spec.options), spec.name));
      } else throw new TypeError(`unknown exporter type ${JSON.stringify((spec as { type?: unknown }).type)}`);
    } catch (e) {
      logger(`exporter thread: cannot build the ${String((spec as { type?: unknown }).type)} exporter (${describeError(e)}); its spans are not exported`);
    }
  }
  return out;
}

export async function main(cfg: WorkerConfig): Promise<void> {
  // Linux nice values are per thread (NPTL) and setpriority(0) means the calling thread: only this thread
  // yields to the host's when CPUs are short. Elsewhere it would renice the whole process: not done.
  if (cfg.niceness > 0 && process.platform === 'linux') { try { os.setPriority(Math.min(19, cfg.niceness)); } catch { /* not permitted: run as is */ } }
  const l = openLayout(cfg.sab);
  const exporters = await buildExporters(cfg.exporters, cfg.env, log);
  const batcher = new BatchSpanProcessor(exporters, { ...cfg.batch, env: cfg.env, logger: log });
  const consumer = new Consumer(l, batcher, { maxQueue: batcher.maxQueueSize, pollMs: cfg.pollMs, stallMs: cfg.stallMs, logger: log, reportIntervalMs: cfg.batch.reportIntervalMs, onLoss: sayLoss });
  await consumer.run(cfg.flushTimeoutMs);
}

const cfg = workerData as WorkerConfig | undefined;
if (!isMainThread && cfg?.kind === 'tracewire.thread.worker') {
  // Exit explicitly once stopped: keep-alive sockets or a file stream must not hold the thread open.
  main(cfg).then(() => process.exit(0));
}
