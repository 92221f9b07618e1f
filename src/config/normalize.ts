// From a validated JSON value to a TracewireConfig: fill defaults, resolve `endpoint` to a traces URL,
// lower-case header names, and turn header values into Secrets (file references are read by load.ts).
import { inspect } from 'node:util';
import { redactUrl, tracesUrlFromBase } from '../otlp-env.js';
import { Secret, secretFromRef, type SecretContent, type SecretRef } from './secrets.js';
import { childPath, setOwn } from './validate.js';
import { DEFAULT_TENANT_ATTRIBUTE, type BatchSettings, type ExporterSettings, type OtlpExporterSettings, type RoutesConfig, type TracewireConfig } from './types.js';
import { httpConfig } from './http-config.js';
import { envTlsSettings, passphraseFiles, pemFiles, pendingTls, resolvePending, type PendingTls } from './tls-files.js';
import type { PassphraseContent, PemContent, TlsFileRefs } from '../otlp-tls.js';
import { threadSettings } from './thread-settings.js';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated shape

interface PendingHeader { ref: SecretRef; target: Record<string, Secret>; key: string }

/** What the files besides the config hold: header secrets, tls PEM files, tls key passphrases (by path). */
export interface FileTexts {
  secrets: ReadonlyMap<string, SecretContent>;
  pems: ReadonlyMap<string, PemContent>;
  passphrases: ReadonlyMap<string, PassphraseContent>;
}

/** A normalised config whose file-backed header values and tls PEM files are still to be read. */
export interface PendingConfig {
  config: TracewireConfig;
  secrets: PendingHeader[];
  tls: PendingTls[];
}

const batchOf = (b: Raw | undefined): BatchSettings => {
  const o: BatchSettings = {};
  if (b === undefined) return o;
  if (b.maxQueueSize !== undefined) o.maxQueueSize = b.maxQueueSize;
  if (b.maxExportBatchSize !== undefined) o.maxExportBatchSize = b.maxExportBatchSize;
  if (b.scheduledDelayMs !== undefined) o.scheduledDelayMs = b.scheduledDelayMs;
  if (b.exportTimeoutMs !== undefined) o.exportTimeoutMs = b.exportTimeoutMs;
  return o;
};

/**
 * A query may hold the backend's key (`?api-key=…`): JSON.stringify and util.inspect of the settings (a dumped
 * config, a logged reload event) show the url as logs do, without it; `url` itself stays what the exporter uses.
 */
function dumpsRedacted(o: OtlpExporterSettings): OtlpExporterSettings {
  const shown = (): Record<string, unknown> => ({ ...o, url: redactUrl(o.url) });
  Object.defineProperty(o, 'toJSON', { value: shown });
  Object.defineProperty(o, inspect.custom, { value: (_d: number, opts: object) => inspect(shown(), opts) });
  return o;
}

/** Only call with a value validateConfig() accepted. */
export function normalizeConfig(raw: Raw, source: string | null): PendingConfig {
  const secrets: PendingHeader[] = [];
  const tls: PendingTls[] = [];
  let exporters: Record<string, ExporterSettings> | null = null;
  if (raw.exporters !== undefined) {
    exporters = {};
    for (const name of Object.keys(raw.exporters)) {
      const e = raw.exporters[name] as Raw;
      const batch = batchOf(e.batch);
      if (e.type === 'otlp') {
        const headers: Record<string, Secret> = {};
        const hp = childPath(childPath('$.exporters', name), 'headers');
        for (const h of Object.keys(e.headers ?? {})) {
          const v = e.headers[h];
          const key = h.toLowerCase();
          if (typeof v === 'string') setOwn(headers, key, new Secret(v));
          else {
            setOwn(headers, key, new Secret('', v.valueFrom.file));
            secrets.push({ ref: { file: v.valueFrom.file, prefix: v.valueFrom.prefix ?? '', at: childPath(hp, h) }, target: headers, key });
          }
        }
        const o: ExporterSettings = { type: 'otlp', url: e.url !== undefined ? new URL(e.url).href : tracesUrlFromBase(e.endpoint), headers, batch };
        if (e.timeoutMs !== undefined) o.timeoutMs = e.timeoutMs;
        if (e.idleTimeoutMs !== undefined) o.idleTimeoutMs = e.idleTimeoutMs;
        if (e.compression !== undefined) o.compression = e.compression;
        if (e.tls !== undefined) { const t = pendingTls(e.tls, childPath(childPath('$.exporters', name), 'tls')); o.tls = t.target; tls.push(t); }
        exporters[name] = dumpsRedacted(o);
      } else if (e.type === 'file') exporters[name] = { type: 'file', path: e.path, batch };
      else exporters[name] = { type: 'console', batch };
    }
  }
  const r = raw.routes as Raw | undefined;
  const routes: RoutesConfig = r === undefined
    ? { tenants: {}, default: exporters ? Object.keys(exporters) : [], all: [] }
    : { tenants: { ...(r.tenants ?? {}) }, default: r.default ?? [], all: r.all ?? [] };
  const s = raw.sampler as Raw | undefined;
  const http = httpConfig(raw.http, raw.tenantAttribute ?? DEFAULT_TENANT_ATTRIBUTE);
  const limits: TracewireConfig['limits'] = {};
  if (raw.limits?.maxAttributes !== undefined) limits.maxAttributes = raw.limits.maxAttributes;
  if (raw.limits?.maxAttributeValueLength !== undefined) limits.maxAttributeValueLength = raw.limits.maxAttributeValueLength;
  if (raw.limits?.maxLinks !== undefined) limits.maxLinks = raw.limits.maxLinks;
  if (raw.limits?.maxEvents !== undefined) limits.maxEvents = raw.limits.maxEvents;
  if (raw.limits?.maxEventAttributes !== undefined) limits.maxEventAttributes = raw.limits.maxEventAttributes;
  if (raw.limits?.maxLinkAttributes !== undefined) limits.maxLinkAttributes = raw.limits.maxLinkAttributes;
  const service: TracewireConfig['service'] = { attributes: { ...(raw.service?.attributes ?? {}) } };
  if (raw.service?.name !== undefined) service.name = raw.service.name;
  if (raw.service?.version !== undefined) service.version = raw.service.version;
  const config: TracewireConfig = {
    source,
    service,
    tenantAttribute: raw.tenantAttribute ?? DEFAULT_TENANT_ATTRIBUTE,
    sampler: s === undefined ? null : { parentBased: s.parentBased ?? true, probability: s.probability ?? 1, tenants: { ...(s.tenants ?? {}) } },
    batch: batchOf(raw.batch),
    exporters,
    envTls: null,
    routes,
    exportThread: threadSettings(raw.exportThread),
    http,
    attributes: { allow: raw.attributes?.allow ?? [] },
    limits,
  };
  if (raw.recordErrorMessages !== undefined) config.recordErrorMessages = raw.recordErrorMessages;
  if (raw.disabled !== undefined) config.disabled = raw.disabled;
  return { config, secrets, tls };
}

/** The secret files a pending config needs (each once). */
export function secretFiles(p: PendingConfig): string[] {
  return [...new Set(p.secrets.map((s) => s.ref.file))];
}

/** The tls PEM files a pending config needs (each once). */
export function tlsFiles(p: PendingConfig): string[] {
  return pemFiles(p.tls);
}

/** The tls key passphrase files a pending config needs (each once). */
export function tlsPassphraseFiles(p: PendingConfig): string[] {
  return passphraseFiles(p.tls);
}

/**
 * Fill in file-backed header values, tls PEM files and key passphrases (and, without `exporters`, the OTEL_*
 * exporter's `envTls` files), and freeze; throws TW_CONFIG_SECRET_UNREADABLE / TW_CONFIG_TLS.
 */
export function resolveConfig(p: PendingConfig, files: FileTexts, envTls?: TlsFileRefs): TracewireConfig {
  for (const s of p.secrets) setOwn(s.target, s.key, secretFromRef(s.ref, files.secrets.get(s.ref.file), p.config.source));
  resolvePending(p.tls, files.pems, p.config.source, files.passphrases);
  if (envTls !== undefined && p.config.exporters === null) p.config.envTls = envTlsSettings(envTls, files.pems);
  return deepFreeze(p.config);
}

export function deepFreeze<T>(o: T): T {
  if (o === null || typeof o !== 'object' || Object.isFrozen(o) || o instanceof Secret) return o;
  for (const k of Object.keys(o as object)) deepFreeze((o as Record<string, unknown>)[k]);
  return Object.freeze(o);
}

/** The config in effect without a file: everything from code, OTEL_* and defaults. */
export function emptyConfig(): TracewireConfig {
  return resolveConfig(normalizeConfig({}, null), { secrets: new Map(), pems: new Map(), passphrases: new Map() });
}
