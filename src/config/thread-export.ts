// `exportThread` in the config file: the configured exporters as specs for the export thread (exporter
// objects cannot cross threads, so header values are revealed into plain strings here, once, at startup),
// its one batcher's settings, and what a reload changed that the running thread cannot take.
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import type { BatchOptions } from '../batcher.js';
import type { Env, Warn } from '../otlp-env.js';
import { ThreadProcessor, type ThreadExporterSpec } from '../thread/index.js';
import { envExporters, resolveBatch, tlsOption } from './exporters.js';
import { routeUnion } from './thread-settings.js';
import type { ExporterSettings, TracewireConfig } from './types.js';

export interface ThreadPlan {
  /** Exporter names, in route order (`all` first, then `default`). */
  names: string[];
  /** Header values revealed: never logged, never in errors or stats. */
  specs: ThreadExporterSpec[];
  batch: BatchOptions;
}

/** `name`: the config's exporter name, so stats().destinations reads as in-thread config mode (routing.ts lanes). */
function specOf(name: string, s: ExporterSettings): ThreadExporterSpec {
  switch (s.type) {
    case 'otlp': {
      const headers: Record<string, string> = Object.fromEntries(Object.keys(s.headers).map((k) => [k, s.headers[k]!.reveal()]));
      const o: Extract<ThreadExporterSpec, { type: 'otlp' }> = { type: 'otlp', name, url: s.url, headers };
      if (s.timeoutMs !== undefined) o.timeoutMs = s.timeoutMs;
      if (s.idleTimeoutMs !== undefined) o.idleTimeoutMs = s.idleTimeoutMs;
      if (s.compression !== undefined) o.compression = s.compression;
      if (s.tls !== undefined) o.tls = tlsOption(s.tls);
      return o;
    }
    case 'file': return { type: 'file', name, path: s.path };
    case 'console': return { type: 'console', name };
  }
}

/** Every span to every exporter of the route the validator found uniform; without `exporters`, OTEL_*'s. */
export function threadPlan(c: TracewireConfig, codeBatch: BatchOptions | undefined, env: Env, warn: Warn): ThreadPlan {
  const all = c.exporters ?? envExporters(env, warn, c.envTls);
  const names = c.exporters === null ? Object.keys(all) : routeUnion(c.routes.all, c.routes.default).filter((n) => all[n] !== undefined);
  return { names, specs: names.map((n) => specOf(n, all[n]!)), batch: resolveBatch(codeBatch, {}, c.batch, env, warn) };
}

const quiet: Warn = () => {};

/** sha256 of what the thread was started with (secret values included: a rotated token is a change). */
export function threadKey(c: TracewireConfig, codeBatch: BatchOptions | undefined, env: Env): { exporters: string; batch: string } {
  const p = threadPlan(c, codeBatch, env, quiet); // startup already reported the environment's problems
  const h = (v: unknown): string => createHash('sha256').update(JSON.stringify(v)).digest('hex');
  return { exporters: h([p.names, p.specs]), batch: h(Object.entries(p.batch).sort()) };
}

/** Settings a reload changed that the running export thread keeps as it started (a restart applies them). */
export function threadRestart(start: { exporters: string; batch: string }, next: TracewireConfig, codeBatch: BatchOptions | undefined, env: Env): string[] {
  const k = threadKey(next, codeBatch, env);
  const out: string[] = [];
  if (k.exporters !== start.exporters) out.push('exporters');
  if (k.batch !== start.batch) out.push('batch');
  return out;
}

/** The thread processor keeps the specs to restart a dead thread: a dumped tracer must not show them. */
export class ConfigThreadProcessor extends ThreadProcessor {
  readonly exporterNames: readonly string[];
  constructor(plan: ThreadPlan, c: TracewireConfig, logger: (msg: string) => void) {
    const t = c.exportThread ?? {};
    // env {}: the file's settings are complete (factories.ts: OTEL_EXPORTER_OTLP_HEADERS must not add one
    // backend's credentials to another's requests), and OTEL_BSP_* is already in plan.batch.
    super({ exporter: plan.specs, batch: plan.batch, ringBytes: t.ringBytes, niceness: t.niceness, flushTimeoutMs: t.flushTimeoutMs, env: {}, logger });
    this.exporterNames = plan.names;
  }
  override [inspect.custom](): string { return `ThreadProcessor(${this.exporterNames.join(', ')})`; }
  override toJSON(): { exporters: string[] } { return { exporters: [...this.exporterNames] }; }
}
