// From exporter settings to destinations: the exporter factory per type, the settings key that decides
// whether a reload may keep an exporter instance (and its connections), and per-destination batch settings.
import { createHash } from 'node:crypto';
import type { SpanExporter } from '../exporter.js';
import type { BatchOptions } from '../batcher.js';
import { bspFromEnv, DEFAULT_OTLP_BASE, otlpFromEnv, tracesUrlFromBase, type Env, type Warn } from '../otlp-env.js';
import { envValue } from '../env-value.js';
import { Secret } from './secrets.js';
import type { Destination, RoutePlan } from './routing.js';
import type { OtlpTlsOptions, TlsFileRefs } from '../otlp-tls.js';
import type { BatchSettings, ExporterSettings, OtlpTlsSettings, TracewireConfig } from './types.js';

export interface OtlpFactoryOptions { url: string; headers: Record<string, string>; timeoutMs?: number; idleTimeoutMs?: number; compression?: 'gzip' | 'none'; tls?: OtlpTlsOptions; logger?: (msg: string) => void }

/** The exporter's `tls` option: PEM contents revealed (the file's tls), or paths (OTEL_EXPORTER_OTLP_* exporters). */
export function tlsOption(t: OtlpTlsSettings): OtlpTlsOptions {
  const o: OtlpTlsOptions = {};
  if (t.ca !== undefined) o.ca = t.ca.reveal();
  if (t.cert !== undefined) o.cert = t.cert.reveal();
  if (t.key !== undefined) o.key = t.key.reveal();
  if (t.passphrase !== undefined) o.passphrase = t.passphrase.reveal();
  if (t.caFile !== undefined) o.caFile = t.caFile;
  if (t.certFile !== undefined) o.certFile = t.certFile;
  if (t.keyFile !== undefined) o.keyFile = t.keyFile;
  return o;
}

/** How each exporter type is built; tests and custom transports may replace any of them. */
export interface ExporterFactories {
  otlp(o: OtlpFactoryOptions): SpanExporter;
  file(o: { path: string }): SpanExporter;
  console(o: Record<string, never>): SpanExporter;
}

/** A plain, key-sorted copy with secret values revealed (JSON.stringify would call Secret.toJSON first). */
function plain(v: unknown): unknown {
  if (v instanceof Secret) return { secret: v.reveal() };
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    // fromEntries defines keys: a header named "__proto__" stays in the key (an assignment would drop it)
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, plain((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/**
 * sha256 of the settings that shape the exporter (batch settings excluded: they belong to the lane).
 * Secret values are inside the hash so a rotated token gives a new exporter; the key is never logged.
 */
export function exporterKey(s: ExporterSettings): string {
  const { batch: _batch, ...rest } = s;
  return createHash('sha256').update(JSON.stringify(plain(rest))).digest('hex');
}

function makeExporter(s: ExporterSettings, f: ExporterFactories, logger: Warn): SpanExporter {
  switch (s.type) {
    case 'otlp': {
      const headers: Record<string, string> = Object.fromEntries(Object.keys(s.headers).map((k) => [k, s.headers[k]!.reveal()]));
      const o: OtlpFactoryOptions = { url: s.url, headers, logger };
      if (s.timeoutMs !== undefined) o.timeoutMs = s.timeoutMs;
      if (s.idleTimeoutMs !== undefined) o.idleTimeoutMs = s.idleTimeoutMs;
      if (s.compression !== undefined) o.compression = s.compression;
      if (s.tls !== undefined) o.tls = tlsOption(s.tls);
      return f.otlp(o);
    }
    case 'file': return f.file({ path: s.path });
    case 'console': return f.console({});
  }
}

const BATCH_KEYS = ['maxQueueSize', 'maxExportBatchSize', 'scheduledDelayMs', 'exportTimeoutMs'] as const;

/** Per field: code > the exporter's batch > the file's batch > OTEL_BSP_* > (the batcher's defaults). */
export function resolveBatch(code: BatchOptions | undefined, own: BatchSettings, file: BatchSettings, env: Env, warn: Warn): BatchOptions {
  const e = bspFromEnv(env, warn);
  const fromEnv: BatchSettings = { maxQueueSize: e.maxQueueSize, maxExportBatchSize: e.maxExportBatchSize, scheduledDelayMs: e.scheduledDelayMillis, exportTimeoutMs: e.exportTimeoutMillis };
  const out: BatchOptions = {};
  for (const k of BATCH_KEYS) {
    const v = code?.[k] ?? own[k] ?? file[k] ?? fromEnv[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export interface DestinationPlan { destinations: Destination[]; plan: RoutePlan; names: string[] }

/** The file's exporters and routes; without `exporters` in the file, the OTEL_* environment's. */
export function destinationsFromConfig(cfg: TracewireConfig, f: ExporterFactories, codeBatch: BatchOptions | undefined, env: Env, warn: Warn): DestinationPlan {
  const dest = (name: string, s: ExporterSettings): Destination => ({
    name,
    exporterKey: exporterKey(s),
    createExporter: () => makeExporter(s, f, warn),
    batch: resolveBatch(codeBatch, s.batch, cfg.batch, env, warn),
  });
  if (cfg.exporters !== null) {
    const names = Object.keys(cfg.exporters);
    const r = cfg.routes;
    return { destinations: names.map((n) => dest(n, cfg.exporters![n]!)), plan: { tenantAttribute: cfg.tenantAttribute, tenants: r.tenants, default: r.default, all: r.all }, names };
  }
  const fromEnv = envExporters(env, warn, cfg.envTls);
  const names = Object.keys(fromEnv);
  return { destinations: names.map((n) => dest(n, fromEnv[n]!)), plan: { tenantAttribute: cfg.tenantAttribute, tenants: {}, default: names, all: [] }, names };
}

const quiet: Warn = () => {};

/**
 * The PEM files of the OTEL_* otlp exporter (undefined when OTEL_TRACES_EXPORTER has no otlp, none are set, or its
 * endpoint is plain http://: the exporter ignores TLS there, so a rewritten file must not rebuild it).
 */
export function envTlsRefs(env: Env): TlsFileRefs | undefined {
  const otlp = envExporters(env, quiet).otlp;
  if (otlp === undefined || otlp.type !== 'otlp' || !otlp.url.startsWith('https:')) return undefined;
  return otlpFromEnv(env, quiet).tls;
}

/**
 * OTEL_TRACES_EXPORTER (default otlp; `none`, `console`; a comma list) with OTEL_EXPORTER_OTLP_* settings. `tls`: the
 * PEM files as the config loader read them (config.envTls); without it, paths the exporter reads once when built.
 * `none` is the enum's null value ("no automatically configured exporter"): alone it means no export; the spec gives
 * it no meaning in a list with exporters, so there it is an unrecognised value, warned about and ignored (Enum rule).
 */
export function envExporters(env: Env, warn: Warn, tls: OtlpTlsSettings | null = null): Record<string, ExporterSettings> {
  const raw = (envValue(env, 'OTEL_TRACES_EXPORTER') ?? '').toLowerCase();
  const list = raw === '' ? ['otlp'] : raw.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const others = list.filter((n) => n !== 'none');
  if (others.length === 0) return {};
  const out: Record<string, ExporterSettings> = {};
  for (const n of others) {
    if (n === 'console') out.console = { type: 'console', batch: {} };
    else if (n === 'otlp') {
      const o = otlpFromEnv(env, warn);
      const headers: Record<string, Secret> = Object.fromEntries(Object.keys(o.headers ?? {}).map((k) => [k, new Secret(o.headers![k]!, 'OTEL_EXPORTER_OTLP_HEADERS')]));
      const s: ExporterSettings = { type: 'otlp', url: o.url ?? tracesUrlFromBase(DEFAULT_OTLP_BASE), headers, batch: {} };
      if (o.timeoutMs !== undefined) s.timeoutMs = o.timeoutMs;
      if (o.compression !== undefined) s.compression = o.compression;
      if (o.tls !== undefined) {
        // per piece: as the config read it, else the path (a variable holding PEM text stays out of the config object)
        const t: OtlpTlsSettings = {};
        for (const p of ['ca', 'cert', 'key'] as const) {
          const f = `${p}File` as const;
          if (tls?.[p] !== undefined) t[p] = tls[p];
          else if (tls?.[f] !== undefined) t[f] = tls[f];
          else if (o.tls[p] !== undefined) t[f] = o.tls[p].file;
        }
        s.tls = t;
      }
      out.otlp = s;
    } else warn(`OTEL_TRACES_EXPORTER: ${JSON.stringify(n.slice(0, 40))} is not supported (otlp, console, none); ignored`);
  }
  if (others.length < list.length) warn(`OTEL_TRACES_EXPORTER=${JSON.stringify(raw.slice(0, 80))}: "none" is listed with exporters; it adds none and is ignored (${Object.keys(out).length > 0 ? Object.keys(out).join(', ') + ' exports' : 'no supported exporter is left'})`);
  return out;
}
