// OTEL_BSP_* and OTEL_EXPORTER_OTLP_* parsing (configuration/sdk-environment-variables.md,
// protocol/exporter.md). Rules: empty = unset; unparsable = warn and ignore; a Timeout of 0 = no limit; per-signal (TRACES_)
// variables win over the generic ones; explicit options win over both (resolved by the callers).
// Warnings name the variable, never a header value.
import http from 'node:http';
import { MAX_RING_SIZE } from './ring.js';
import { envValue } from './env-value.js';
import { setOwn } from './own-keys.js';
import type { TlsFileRefs } from './otlp-tls.js';

/**
 * Headers that describe the request body are the exporter's (otlp-options.ts drops them, the config validator
 * refuses them): a `content-encoding: gzip` without compression made every batch unreadable (400, not retried,
 * all lost); content-length / transfer-encoding break the framing.
 */
export const BODY_HEADERS: ReadonlySet<string> = new Set(['content-type', 'content-length', 'content-encoding', 'transfer-encoding']);

export type Env = Record<string, string | undefined>;
export type Warn = (msg: string) => void;

/** BSP settings under the OpenTelemetry names. */
export interface BspEnvConfig {
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  scheduledDelayMillis?: number;
  exportTimeoutMillis?: number;
}

export interface OtlpEnvConfig {
  url?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  compression?: 'gzip' | 'none';
  /** PEM files from OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE / CLIENT_CERTIFICATE / CLIENT_KEY: paths, read by the exporter. */
  tls?: TlsFileRefs;
}

export const DEFAULT_OTLP_BASE = 'http://localhost:4318/';
export const DEFAULT_OTLP_TIMEOUT_MS = 10_000;
/** Longest delay setTimeout honours: Node fires anything longer (Infinity too) after 1 ms, with a TimeoutOverflowWarning. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay safe to hand to setTimeout: NaN and negatives → 0, anything past MAX_TIMER_MS (Infinity too) → MAX_TIMER_MS. */
export function timerMs(ms: number): number {
  return ms > 0 ? (ms < MAX_TIMER_MS ? ms : MAX_TIMER_MS) : 0;
}

const value = envValue;

/**
 * A non-negative (or positive) integer variable; undefined when unset or invalid (warned).
 * `max` (durations: MAX_TIMER_MS): a larger value is clamped to it with a warning, not ignored.
 */
export function intVar(env: Env, name: string, warn: Warn, allowZero = false, max = Infinity): number | undefined {
  const v = value(env, name);
  if (v === undefined) return undefined;
  const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (n > max) { warn(`${name}=${JSON.stringify(v.slice(0, 40))} is above ${max}; using ${max}`); return max; }
  if (!Number.isSafeInteger(n) || (!allowZero && n === 0)) {
    warn(`${name}=${JSON.stringify(v.slice(0, 40))} is not a ${allowZero ? 'non-negative' : 'positive'} integer; ignored`);
    return undefined;
  }
  return n;
}

/** A Timeout variable (SDK env spec "Timeout"): milliseconds; 0 is no limit, which the spec lets us make the largest 32-bit duration. */
export function timeoutVar(env: Env, name: string, warn: Warn): number | undefined {
  const n = intVar(env, name, warn, true, MAX_TIMER_MS);
  return n === 0 ? MAX_TIMER_MS : n;
}

/** Explicit option (validated, warned when invalid) > environment value > default. Past `max` (Infinity too): clamped, warned. */
export function pickSetting(name: string, explicit: unknown, fromEnv: number | undefined, dflt: number, warn: Warn, allowZero = false, max = Infinity): number {
  if (explicit !== undefined && explicit !== null) {
    if (typeof explicit === 'number' && explicit > max) { warn(`option ${name}=${String(explicit).slice(0, 40)} is above ${max}; using ${max}`); return max; }
    if (typeof explicit === 'number' && Number.isInteger(explicit) && (explicit > 0 || (allowZero && explicit === 0))) return explicit;
    warn(`option ${name}=${String(explicit).slice(0, 40)} is not a ${allowZero ? 'non-negative' : 'positive'} integer; ignored`);
  }
  return fromEnv ?? dflt;
}

export function bspFromEnv(env: Env, warn: Warn): BspEnvConfig {
  const o: BspEnvConfig = {};
  const q = intVar(env, 'OTEL_BSP_MAX_QUEUE_SIZE', warn, false, MAX_RING_SIZE); // the ring's bound: said, not silently capped
  const b = intVar(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', warn);
  const d = intVar(env, 'OTEL_BSP_SCHEDULE_DELAY', warn, true, MAX_TIMER_MS);
  const t = timeoutVar(env, 'OTEL_BSP_EXPORT_TIMEOUT', warn);
  if (q !== undefined) o.maxQueueSize = q;
  if (b !== undefined) o.maxExportBatchSize = b;
  if (d !== undefined) o.scheduledDelayMillis = d;
  if (t !== undefined) o.exportTimeoutMillis = t;
  return o;
}

/**
 * Traces endpoint from a base URL: ensure the path ends in '/', then append 'v1/traces' (exporter.md). The path
 * gets it, not the string: `http://h:4318/?x=1` is `http://h:4318/v1/traces?x=1` (a fragment is never sent: dropped).
 */
export function tracesUrlFromBase(base: string): string {
  let u: URL;
  try { u = new URL(base); } catch { return (base.endsWith('/') ? base : base + '/') + 'v1/traces'; }
  u.pathname = (u.pathname.endsWith('/') ? u.pathname : u.pathname + '/') + 'v1/traces';
  u.hash = '';
  return u.href;
}

/** URL without userinfo, query or fragment: what logs and stats may show. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    // origin is "null" for other schemes: `localhost:4318` parses as scheme "localhost:", and must read as typed
    return (u.origin !== 'null' ? u.origin : u.protocol + (u.host ? '//' + u.host : '')) + u.pathname;
  } catch {
    return '<invalid url>';
  }
}

function urlVar(env: Env, name: string, warn: Warn): string | undefined {
  const v = value(env, name);
  if (v === undefined) return undefined;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return v;
  } catch {
    warn(`${name}=${JSON.stringify(redactUrl(v))} is not an http(s) URL (e.g. http://collector:4318); ignored`);
    return undefined;
  }
}

/**
 * `k1=v1,k2=v2` (W3C-baggage-like, percent-decoded). A bad member (including a name or value node:http
 * would refuse to send) is skipped and named by position, never by value: header values are usually credentials.
 */
export function parseHeaders(v: string | undefined, name: string, warn: Warn): Record<string, string> {
  const out: Record<string, string> = {};
  if (v === undefined) return out;
  const parts = v.split(',');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.trim() === '') continue;
    const eq = p.indexOf('=');
    let k: string, val: string;
    try {
      if (eq <= 0) throw new Error();
      k = decodeURIComponent(p.slice(0, eq).trim());
      val = decodeURIComponent(p.slice(eq + 1).trim());
      // node:http's own checks, so a value it would refuse on every request is caught here (unparsable: warn, ignore)
      http.validateHeaderName(k);
      http.validateHeaderValue(k, val);
    } catch {
      warn(`${name}: member #${i + 1} is not a valid key=value pair; ignored`);
      continue;
    }
    setOwn(out, k.toLowerCase(), val); // a header named __proto__ is a header
  }
  return out;
}

function compressionVar(env: Env, name: string, warn: Warn): 'gzip' | 'none' | undefined {
  const v = value(env, name);
  if (v === undefined) return undefined;
  const l = v.toLowerCase();
  if (l === 'gzip' || l === 'none') return l;
  warn(`${name}=${JSON.stringify(v.slice(0, 40))} is not gzip or none; ignored`);
  return undefined;
}

// sdk-environment-variables.md: CERTIFICATE is the CA that verifies the backend; CLIENT_* are the mTLS pair.
const TLS_VARS = { ca: 'CERTIFICATE', cert: 'CLIENT_CERTIFICATE', key: 'CLIENT_KEY' } as const;

/** OTLP exporter settings from the environment (TRACES_ variants first). */
export function otlpFromEnv(env: Env, warn: Warn): OtlpEnvConfig {
  const o: OtlpEnvConfig = {};
  const tracesUrl = urlVar(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', warn);
  const base = tracesUrl === undefined ? urlVar(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', warn) : undefined;
  // TRACES_ENDPOINT is used as-is (URL parsing adds the '/' of an empty path, as the spec asks).
  if (tracesUrl !== undefined) o.url = new URL(tracesUrl).href;
  else if (base !== undefined) o.url = tracesUrlFromBase(base);
  const h = parseHeaders(value(env, 'OTEL_EXPORTER_OTLP_HEADERS'), 'OTEL_EXPORTER_OTLP_HEADERS', warn);
  const th = parseHeaders(value(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'), 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', warn);
  const headers = { ...h, ...th }; // per key: the signal-specific value wins
  if (Object.keys(headers).length > 0) o.headers = headers;
  const t = timeoutVar(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', warn) ?? timeoutVar(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', warn);
  if (t !== undefined) o.timeoutMs = t;
  const c = compressionVar(env, 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', warn) ?? compressionVar(env, 'OTEL_EXPORTER_OTLP_COMPRESSION', warn);
  if (c !== undefined) o.compression = c;
  const pv = value(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') === undefined ? 'OTEL_EXPORTER_OTLP_PROTOCOL' : 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL';
  const proto = value(env, pv);
  if (proto !== undefined && proto.toLowerCase() !== 'http/json') warn(`${pv}=${JSON.stringify(proto.slice(0, 40))}: tracewire sends OTLP http/json (a collector takes it on its OTLP/HTTP port, 4318)`);
  // Per piece, the TRACES_ variable wins over the generic one (paths only: the exporter reads the files).
  const tls: TlsFileRefs = {};
  for (const p of ['ca', 'cert', 'key'] as const) {
    for (const name of ['OTEL_EXPORTER_OTLP_TRACES_' + TLS_VARS[p], 'OTEL_EXPORTER_OTLP_' + TLS_VARS[p]]) {
      const file = value(env, name);
      if (file !== undefined) { tls[p] = { file, from: name }; break; }
    }
  }
  if (Object.keys(tls).length > 0) o.tls = tls;
  return o;
}
