// The loaded config: validated, normalised (defaults that the file may omit are filled in here),
// deep-frozen. Header values are Secret instances, so JSON.stringify(config) never shows one.
import type { Secret } from './secrets.js';
// Types only (erased): the config names the http adapter's options, it loads none of the adapter.
import type { ServerTracingOptions, TrustPolicy } from '../http-server-options.js';

export type ScalarValue = string | number | boolean;

export interface BatchSettings {
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  scheduledDelayMs?: number;
  exportTimeoutMs?: number;
}

export interface OtlpExporterSettings {
  type: 'otlp';
  /** Full traces URL (from `url`, or `endpoint` + `/v1/traces`); JSON.stringify/inspect show it without its query. */
  url: string;
  /** Lower-case header names; every value is a Secret (inline values too). */
  headers: Readonly<Record<string, Secret>>;
  timeoutMs?: number;
  /** Close a kept-alive connection idle this long (the exporter's `idleTimeoutMs`; 0: never). */
  idleTimeoutMs?: number;
  compression?: 'gzip' | 'none';
  tls?: OtlpTlsSettings;
  batch: BatchSettings;
}
/**
 * From the file's `tls`: PEM contents read with the config (Secrets: never printed; `source` is the file). From
 * OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE / CLIENT_* (no `exporters` in the file): the same when read with the config
 * (config.envTls), else (an unreadable file, or no file config in effect) paths the exporter reads itself.
 */
export interface OtlpTlsSettings { ca?: Secret; cert?: Secret; key?: Secret; caFile?: string; certFile?: string; keyFile?: string; /** the file's `tls.passphrase`: its content (source: the file) */ passphrase?: Secret }
export interface FileExporterSettings { type: 'file'; path: string; batch: BatchSettings }
export interface ConsoleExporterSettings { type: 'console'; batch: BatchSettings }
export type ExporterSettings = OtlpExporterSettings | FileExporterSettings | ConsoleExporterSettings;

/**
 * Where each span goes: its tenant's list (`tenants[tenant]`, or `default` when the tenant is absent or
 * not listed), plus every exporter in `all`. Each exporter gets a span at most once.
 */
export interface RoutesConfig {
  tenants: Readonly<Record<string, readonly string[]>>;
  default: readonly string[];
  all: readonly string[];
}

export interface SamplerSettings {
  /** Follow the parent's sampled flag (default true). */
  parentBased: boolean;
  /** For new traces whose tenant has no entry (default 1). */
  probability: number;
  tenants: Readonly<Record<string, number>>;
}

/**
 * `"exportThread": true` or `{ "ringBytes", "niceness", "flushTimeoutMs" }` (an object turns it on unless
 * `"enabled": false`): ended spans go through a SharedArrayBuffer ring to one exporter worker_thread
 * (tracewire/thread) that encodes and sends them off the event loop. Every span goes to every exporter of the
 * route (`all` + `default`): tenant routes that differ and per-exporter `batch` are validation errors, one
 * batcher uses `$.batch`. Exporter objects cannot cross threads: they are sent as specs, header values as
 * plain strings, once, at startup, so exporters, routes, batch and secret files need a restart in this mode.
 */
export interface ExportThreadSettings {
  /** Ring size in bytes, rounded up to a power of two (default 8 MiB: ~25k typical spans). */
  ringBytes?: number;
  /** Linux nice value of the exporter thread alone (default 10; 0 keeps the host's priority). */
  niceness?: number;
  /** forceFlush() gives up after this long (default 30000 ms). */
  flushTimeoutMs?: number;
}

/** The http adapter's trust policies (its TrustPolicy). */
export type TrustPolicyName = TrustPolicy;
/** The request as far as a trust function needs it (structurally an http.IncomingMessage). */
export interface PeerRequest { socket?: { remoteAddress?: string | undefined } | null }

/**
 * Options for the http adapter that the file can set: `withTracing(tracer, handler, tracer.config.http)`.
 * Only what the file sets is present; the adapter's defaults apply to the rest. Picked from the adapter's
 * ServerTracingOptions (names, types and docs), so the two cannot drift: a key renamed or dropped there fails
 * to compile here, and `trust` / `tenant`, narrowed to what a file can say, must stay assignable to the adapter's.
 */
export interface HttpConfig extends Pick<ServerTracingOptions, 'tenantAttribute' | 'tenantMaxLength' | 'serverTimingHeader'
  | 'traceIdHeader' | 'traceResponseHeader' | 'recordPath' | 'requestHeaders' | 'responseHeaders'> {
  /** A policy, or (from `{ networks, inside, outside }`) a function of the peer address. */
  trust?: TrustPolicyName | ((req: PeerRequest) => TrustPolicyName);
  /** Request header holding the tenant (recorded as `tenantAttribute`, which the loader sets whenever `tenant` is). */
  tenant?: string;
}
/** Compile-time only: the loaded section is a valid ServerTracingOptions as it is. */
type Holds<T extends true> = T;
type HttpConfigIsServerTracingOptions = Holds<HttpConfig extends ServerTracingOptions ? true : false>;

export interface TracewireConfig {
  /** The file it was read from; null for the built-in defaults (no file, or an invalid one at startup). */
  source: string | null;
  /** Tracing off (a no-op tracer that passes context on); overrides OTEL_SDK_DISABLED. Read once at startup. */
  disabled?: boolean;
  service: { name?: string; version?: string; attributes: Readonly<Record<string, ScalarValue>> };
  /** Span attribute holding the tenant, for routing and per-tenant sampling (default `tenant.id`). */
  tenantAttribute: string;
  /** null: not set in the file (OTEL_TRACES_SAMPLER or the default applies). */
  sampler: SamplerSettings | null;
  batch: BatchSettings;
  /** null: not set in the file (OTEL_EXPORTER_OTLP_* or the default applies). */
  exporters: Readonly<Record<string, ExporterSettings>> | null;
  /**
   * Without `exporters`: the OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE / CLIENT_* files, read (and watched) with the
   * config by tracerFromConfig, so a rotated certificate Secret is a reload; null otherwise.
   */
  envTls: OtlpTlsSettings | null;
  /** Without `routes` in the file: every span to every exporter (default = all exporter names). */
  routes: RoutesConfig;
  /** null: off (the default): spans are exported on the main thread, routed per tenant. */
  exportThread: ExportThreadSettings | null;
  http: HttpConfig;
  attributes: { allow: readonly string[] };
  /** Read once at startup (a changed value is listed in restartRequired); each overrides its OTEL_*_LIMIT. */
  limits: { maxAttributes?: number; maxAttributeValueLength?: number; maxLinks?: number; maxEvents?: number; maxEventAttributes?: number; maxLinkAttributes?: number };
  recordErrorMessages?: boolean;
}

export const DEFAULT_TENANT_ATTRIBUTE = 'tenant.id';
