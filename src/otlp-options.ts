// Options of the OTLP/HTTP exporter, resolved once at construction: per setting the option, else its
// OTEL_EXPORTER_OTLP_(TRACES_)* variable, else the default. A bad URL or header throws TW_ERR_CONFIG (a config error,
// not something to retry); anything else is a warning. Also gathers what scrub() hides: header values, URL credentials.
import http from 'node:http';
import { ExportError } from './exporter.js';
import { BODY_HEADERS, otlpFromEnv, redactUrl, tracesUrlFromBase, timerMs, MAX_TIMER_MS, DEFAULT_OTLP_BASE, DEFAULT_OTLP_TIMEOUT_MS, type Env } from './otlp-env.js';
import { resolveTls, TLS_CONFIG_ERROR, type OtlpTlsOptions, type TlsFileRefs, type TlsMaterial, type TlsResult } from './otlp-tls.js';

export interface RetryOptions {
  /** Total attempts including the first (default 5, as OTel JS). */
  maxAttempts?: number;
  /** First backoff (default 1000 ms), times 1.5 per attempt, at most maxBackoffMs (default 5000), ±20% jitter. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Longest Retry-After we honour (default 30000 ms); longer values are cut to this. */
  maxRetryAfterMs?: number;
}

export interface OtlpExporterOptions {
  /** Full traces URL. Default: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + v1/traces, or http://localhost:4318/v1/traces. */
  url?: string;
  /** Extra request headers (e.g. authorization); merged over OTEL_EXPORTER_OTLP_(TRACES_)HEADERS. Values never appear in errors, logs or stats. */
  headers?: Record<string, string>;
  /** 'gzip' or 'none' (default: OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION, else none). */
  compression?: 'gzip' | 'none';
  /** Budget of one export, every attempt and backoff included (default: OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT, whose 0 is no limit, else 10000 ms). At most 2^31-1 ms (setTimeout's limit): larger values (Infinity too), here or in the variable, are clamped to it with a warning. */
  timeoutMs?: number;
  /** Retry policy, or false for a single attempt. */
  retry?: RetryOptions | false;
  /**
   * Hard cap of one request body before compression (default 16 MiB, under the OpenTelemetry Collector's default body
   * limit): a batch over it goes as several requests; a span alone over it is dropped and counted (tooLarge).
   */
  maxRequestBytes?: number;
  /** At most this many spans encoded per event-loop turn (default 512). */
  sliceSize?: number;
  /** Encoding time per event-loop turn before yielding, checked every 32 spans (default 0.25 ms; measured in bench/export-e2e.bench.ts). */
  sliceBudgetMs?: number;
  /**
   * Your own agent; default: a keep-alive agent per exporter. The exporter's requests carry the no-trace brand
   * themselves, so a shared agent (even http.globalAgent) is not branded: the app's requests through it stay traced.
   */
  agent?: http.Agent;
  /**
   * Close a kept-alive connection of the exporter's own agent once it has sat idle this long (default 15000 ms; 0: keep it
   * until the server closes it): a load balancer or NAT that forgets an idle flow (AWS ALB after 60 s, Azure after 4 min,
   * GCP after 600 s) sends no FIN or RST, and a request on that connection would wait out the whole `timeoutMs`. A
   * server's shorter `Keep-Alive: timeout=` hint still wins (node:http). Ignored, with a warning, when you pass `agent`
   * (give it `timeout`, which node:http uses for the same thing).
   */
  idleTimeoutMs?: number;
  /**
   * https only: the backend's CA and a client certificate for mTLS, as PEM text or files read once here; per piece over
   * OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE / CLIENT_CERTIFICATE / CLIENT_KEY. A problem (unreadable file, bad PEM,
   * certificate without key) is logged once and every export fails with TW_ERR_OTLP_TLS_CONFIG (counted as failedTls).
   */
  tls?: OtlpTlsOptions;
  env?: Env;
  /** For configuration warnings; export failures are reported by the batcher. */
  logger?: (msg: string) => void;
}

// An export encodes for at most SLICE_BUDGET_MS (or SLICE_SIZE spans) per event-loop turn, then yields:
// a count alone blocks for as long as the spans are big and the machine slow (a 512-span turn measured
// event-loop p99 4.2-6.9 ms on a slow VM vs 2.2-3.1 ms in 128-span turns).
const SLICE_SIZE = 512;
const SLICE_BUDGET_MS = 0.25;
// Under the shortest common load-balancer idle timeout (AWS ALB 60 s; Azure 4 min, GCP 600 s, AWS NAT 350 s), with room
// for the batcher's export interval (5 s): a connection is reused while spans flow, renewed after a quiet spell.
export const DEFAULT_IDLE_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024; // under the Collector's default 20 MiB max_request_body_size (opentelemetry-collector config/confighttp/server.go)

/** OtlpExporterOptions with every default and variable applied; secrets are what error messages must never show. */
export interface ResolvedOtlpOptions {
  target: URL;
  url: string;
  name: string;
  /** `user:password` for node:http's `auth`, decoded once (undefined without userinfo). */
  auth: string | undefined;
  headers: Record<string, string>;
  secrets: string[];
  gzip: boolean;
  secure: boolean;
  timeoutMs: number;
  /** node:http Agent `timeout` of the exporter's own agent: a free socket idle this long is destroyed (0: never). */
  idleTimeoutMs: number;
  retry: Required<RetryOptions>;
  /** Why the TLS settings are unusable (no secret in it), else null. */
  tlsError: string | null;
  /** CA / client certificate for the exporter's own https agent; null when there is none to use. */
  tlsMaterial: TlsMaterial | null;
  sliceSize: number;
  sliceBudgetMs: number;
  maxBytes: number;
}

/** A body header (otlp-env.ts BODY_HEADERS) given by the user: warned about, and the caller drops it. */
function framing(name: string, from: string, warn: (m: string) => void): boolean {
  if (!BODY_HEADERS.has(name.toLowerCase())) return false;
  warn(`otlpExporter: ${from}: header "${name.toLowerCase()}" is ignored: the exporter writes it from the body it sends (use compression: 'gzip' for content-encoding)`);
  return true;
}

export function resolveOtlpOptions(o: OtlpExporterOptions): ResolvedOtlpOptions {
  const logger = o.logger ?? ((m: string) => console.warn('[tracewire] ' + m));
  const warn = (m: string): void => { try { logger(m); } catch { /* ignore */ } };
  const env = otlpFromEnv(o.env ?? process.env, warn);
  const url = o.url ?? env.url ?? tracesUrlFromBase(DEFAULT_OTLP_BASE);
  let target: URL;
  try { target = new URL(url); if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(); }
  catch { throw new ExportError('TW_ERR_CONFIG', `otlpExporter: url ${JSON.stringify(redactUrl(url))} is not an http(s) URL: give the scheme and the path, e.g. "http://localhost:4318/v1/traces"`); }
  // used as-is (spec): a bare host:port posts to "/", which collectors answer with 404
  if (o.url !== undefined && target.pathname === '/') warn(`otlpExporter: url ${JSON.stringify(redactUrl(url))} has no path and is used as-is; an OpenTelemetry Collector takes traces at ${JSON.stringify(redactUrl(tracesUrlFromBase(url)))}`);
  const user: Record<string, string> = {};
  for (const k in o.headers ?? {}) {
    const v = o.headers![k];
    if (typeof v !== 'string') continue;
    // Checked here, not per request: a bad header is a config error, not something to retry. No value in the message.
    try { http.validateHeaderName(k); http.validateHeaderValue(k, v); }
    catch { throw new ExportError('TW_ERR_CONFIG', `otlpExporter: header ${JSON.stringify(k.slice(0, 64))} has an invalid name or value`); }
    // defined, not assigned: a header named "__proto__" (a valid token) would set the prototype and be lost
    if (!framing(k, 'headers', warn)) Object.defineProperty(user, k.toLowerCase(), { value: v, writable: true, enumerable: true, configurable: true });
  }
  for (const k of Object.keys(env.headers ?? {})) if (framing(k, 'OTEL_EXPORTER_OTLP_HEADERS', warn)) delete env.headers![k];
  const uname = userinfo(target.username), pword = userinfo(target.password);
  // Query values too (`?api-key=…` authenticates some backends): redactUrl hides them, and an echo of the URL must not show them.
  const query = [...target.searchParams.values(), ...target.search.slice(1).split('&').filter((p) => p.includes('=')).map((p) => p.slice(p.indexOf('=') + 1))];
  const tm = o.timeoutMs;
  const over = typeof tm === 'number' && tm > MAX_TIMER_MS; // Infinity too: Node would fire it after 1 ms
  if (over) warn(`otlpExporter: timeoutMs ${tm} is above ${MAX_TIMER_MS}; using ${MAX_TIMER_MS}`);
  const r = o.retry === false ? { maxAttempts: 1 } : o.retry ?? {};
  const secure = target.protocol === 'https:';
  const t = tlsSetup(o.tls, env.tls, secure, o.agent !== undefined, target.href, warn);
  return {
    target,
    url: target.href,
    name: 'otlp ' + redactUrl(target.href),
    auth: target.username ? `${uname}:${pword}` : undefined,
    headers: { ...env.headers, ...user, 'content-type': 'application/json', 'user-agent': 'tracewire-otlp-json' },
    secrets: secretsOf([...Object.values({ ...env.headers, ...user }), pword, uname, ...query]),
    gzip: (o.compression ?? env.compression) === 'gzip',
    secure,
    timeoutMs: over ? MAX_TIMER_MS : timerMs(positive(tm) ?? env.timeoutMs ?? DEFAULT_OTLP_TIMEOUT_MS),
    idleTimeoutMs: idleTimeout(o.idleTimeoutMs, o.agent !== undefined, warn),
    retry: {
      maxAttempts: positive(r.maxAttempts) ?? 5,
      initialBackoffMs: positive(r.initialBackoffMs) ?? 1000,
      maxBackoffMs: positive(r.maxBackoffMs) ?? 5000,
      maxRetryAfterMs: positive(r.maxRetryAfterMs) ?? 30000,
    },
    tlsError: t.ok ? null : t.message,
    tlsMaterial: t.ok ? t.material : null,
    sliceSize: positive(o.sliceSize) ?? SLICE_SIZE,
    sliceBudgetMs: positive(o.sliceBudgetMs) ?? SLICE_BUDGET_MS,
    maxBytes: positive(o.maxRequestBytes) ?? DEFAULT_MAX_REQUEST_BYTES,
  };
}

/** A number of ms from 0 (never) to setTimeout's limit; anything else is warned about and replaced by the default. */
function idleTimeout(v: unknown, userAgent: boolean, warn: (m: string) => void): number {
  if (v === undefined) return DEFAULT_IDLE_TIMEOUT_MS;
  if (userAgent) warn('otlpExporter: idleTimeoutMs ignored: the agent you pass decides (give it `timeout`)');
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) {
    warn(`otlpExporter: idleTimeoutMs ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : String(v)} is not a number of ms from 0 (0: no idle limit); using ${DEFAULT_IDLE_TIMEOUT_MS}`);
    return DEFAULT_IDLE_TIMEOUT_MS;
  }
  if (v > MAX_TIMER_MS) { warn(`otlpExporter: idleTimeoutMs ${v} is above ${MAX_TIMER_MS}; using ${MAX_TIMER_MS}`); return MAX_TIMER_MS; }
  return v === 0 ? 0 : Math.max(1, Math.floor(v)); // a fraction of a ms is a limit still: floored to 0 it would be none
}

/** TLS settings are for https with the exporter's own agent; anywhere else they are said to be ignored, once. */
function tlsSetup(o: OtlpTlsOptions | undefined, env: TlsFileRefs | undefined, secure: boolean, userAgent: boolean, url: string, warn: (m: string) => void): TlsResult {
  const set = [...Object.keys(o ?? {}).filter((k) => { const v = o![k as keyof OtlpTlsOptions]; return v !== undefined && v !== null && v !== ''; }).map((k) => 'tls.' + k), ...Object.values(env ?? {}).map((r) => r.from)];
  if (set.length === 0) return { ok: true, material: null, from: [] };
  if (!secure) { warn(`otlpExporter: ${set.join(', ')} ignored: ${redactUrl(url)} is plain http:// (TLS settings apply to https:// only)`); return { ok: true, material: null, from: [] }; }
  if (userAgent) { warn(`otlpExporter: ${set.join(', ')} ignored: the agent you pass decides TLS (give it ca/cert/key)`); return { ok: true, material: null, from: [] }; }
  const r = resolveTls(o, env);
  if (!r.ok) warn(`otlpExporter ${redactUrl(url)} (${TLS_CONFIG_ERROR}): ${r.message}; every export fails until it is fixed`);
  return r;
}

/**
 * What scrub() removes, longest first: each header value (and URL userinfo part), and the credentials of a
 * `<scheme> <token>` value (RFC 9110 §11.4) on their own: a backend echoes "invalid token tok_…" without "Bearer".
 * Under 3 characters nothing is removed: every "p" of a message would become [redacted].
 */
function secretsOf(values: readonly string[]): string[] {
  const out = new Set<string>();
  for (const v of values) {
    out.add(v);
    const t = v.trim();
    const sp = Math.max(t.lastIndexOf(' '), t.lastIndexOf('\t'));
    if (sp > 0) out.add(t.slice(sp + 1));
  }
  return [...out].filter((v) => v.length >= 3).sort((a, b) => b.length - a.length);
}

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : undefined;
}

/** URL userinfo for `auth`: percent-decoded, or as written when it is not valid percent-encoding ("50%off"). */
function userinfo(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}
