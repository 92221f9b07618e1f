// OTLP/HTTP JSON exporter: encode (in slices, yielding to the event loop), optional async gzip, POST
// over a keep-alive agent, retry exactly as opentelemetry-proto specification.md says (429/502/503/504
// and network errors, exponential backoff with jitter, Retry-After honoured), all inside one time budget.
// Its own requests carry the markNoTrace brand, so no adapter ever traces them (no export loops).
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { inspect } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { Span } from './span.js';
import { ExportError, type ExportResult, type SpanExporter } from './exporter.js';
import { OtlpJsonEncoder, groupSpans, OTLP_MAX_REQUEST_BYTES } from './otlp-json.js';
import { otlpFromEnv, redactUrl, tracesUrlFromBase, timerMs, MAX_TIMER_MS, DEFAULT_OTLP_BASE, DEFAULT_OTLP_TIMEOUT_MS, type Env } from './otlp-env.js';
import { markNoTrace } from './suppress.js';
import { resolveTls, TLS_CONFIG_ERROR, type OtlpTlsOptions, type TlsFileRefs } from './otlp-tls.js';

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
  /** Budget of one export, every attempt and backoff included (default: OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT, else 10000 ms). At most 2^31-1 ms (setTimeout's limit): larger values (Infinity too), here or in the variable, are clamped to it with a warning. */
  timeoutMs?: number;
  /** Retry policy, or false for a single attempt. */
  retry?: RetryOptions | false;
  /** Hard cap of one request body (default 64 MiB); spans past it are dropped and counted. */
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
   * https only: the backend's CA and a client certificate for mTLS, as PEM text or files read once here; per piece over
   * OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE / CLIENT_CERTIFICATE / CLIENT_KEY. A problem (unreadable file, bad PEM,
   * certificate without key) is logged once and every export fails with TW_ERR_OTLP_TLS_CONFIG (counted as failedTls).
   */
  tls?: OtlpTlsOptions;
  env?: Env;
  /** For configuration warnings; export failures are reported by the batcher. */
  logger?: (msg: string) => void;
}

const RETRYABLE = new Set([429, 502, 503, 504]); // specification.md "Failures": only these are retried
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024; // specification.md: responses are capped at 4 MiB
// An export encodes for at most SLICE_BUDGET_MS (or SLICE_SIZE spans) per event-loop turn, then yields:
// a count alone blocks for as long as the spans are big and the machine slow (a 512-span turn measured
// event-loop p99 4.2-6.9 ms on a slow VM vs 2.2-3.1 ms in 128-span turns). The clock is read once per CHUNK.
const SLICE_SIZE = 512;
const SLICE_BUDGET_MS = 0.25;
const CHUNK = 32;

// 'request': node:http refused to build the request (it throws synchronously): the same request fails the same way, so no retry.
interface Attempt { kind: 'ok' | 'status' | 'network' | 'timeout' | 'aborted' | 'request'; status: number; body: Buffer | null; retryAfter: string | undefined; error: unknown }

export class OtlpHttpExporter implements SpanExporter {
  readonly name: string;
  readonly url: string;
  private readonly target: URL;
  /** `user:password` for node:http's `auth`, decoded once (undefined without userinfo). */
  private readonly auth: string | undefined;
  private readonly headers: Record<string, string>;
  private readonly secrets: string[];
  private readonly gzip: boolean;
  private readonly secure: boolean;
  private readonly timeoutMs: number;
  private readonly retry: Required<RetryOptions>;
  private readonly agent: http.Agent;
  private readonly ownAgent: boolean;
  private readonly sliceSize: number;
  private readonly sliceBudgetMs: number;
  private readonly maxBytes: number;
  private readonly encoder: OtlpJsonEncoder;
  private encoderBusy = false;
  private closed = false;
  /** Why the TLS settings are unusable (no secret in it): every export fails with it rather than sending without them. */
  private readonly tlsError: string | null;
  /** Date.now() until which the backend asked for no requests (Retry-After, specification.md "Throttling"): later batches wait too. */
  private throttledUntil = 0;

  /** Dumps show the endpoint and header names only: header values are credentials. */
  toJSON(): { name: string; url: string; headers: string[] } {
    return { name: this.name, url: redactUrl(this.url), headers: Object.keys(this.headers) };
  }

  [inspect.custom](): string {
    return `OtlpHttpExporter ${inspect(this.toJSON())}`;
  }
  /**
   * invalidResponses: 2xx answers whose body was not JSON or was cut short (still successes: the batch was accepted).
   * throttled: batches not sent because the backend's Retry-After pause outlasted their export budget.
   */
  private readonly counters = { throttled: 0, failedTls: 0, requests: 0, retries: 0, ok: 0, failedStatus: 0, failedNetwork: 0, failedRequest: 0, timeouts: 0, aborted: 0, tooLarge: 0, partialRejected: 0, invalidResponses: 0, bytesSent: 0, lastStatus: 0 };

  constructor(o: OtlpExporterOptions = {}) {
    const logger = o.logger ?? ((m: string) => console.warn('[tracewire] ' + m));
    const warn = (m: string): void => { try { logger(m); } catch { /* ignore */ } };
    const env = otlpFromEnv(o.env ?? process.env, warn);
    const url = o.url ?? env.url ?? tracesUrlFromBase(DEFAULT_OTLP_BASE);
    let target: URL;
    try { target = new URL(url); if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(); }
    catch { throw new ExportError('TW_ERR_CONFIG', `otlpExporter: url ${JSON.stringify(redactUrl(url))} is not an http(s) URL: give the scheme and the path, e.g. "http://localhost:4318/v1/traces"`); }
    // used as-is (spec): a bare host:port posts to "/", which collectors answer with 404
    if (o.url !== undefined && target.pathname === '/') warn(`otlpExporter: url ${JSON.stringify(redactUrl(url))} has no path and is used as-is; an OpenTelemetry Collector takes traces at ${JSON.stringify(redactUrl(tracesUrlFromBase(url)))}`);
    this.target = target;
    this.url = target.href;
    this.name = 'otlp ' + redactUrl(this.url);
    const user: Record<string, string> = {};
    for (const k in o.headers ?? {}) {
      const v = o.headers![k];
      if (typeof v !== 'string') continue;
      // Checked here, not per request: a bad header is a config error, not something to retry. No value in the message.
      try { http.validateHeaderName(k); http.validateHeaderValue(k, v); }
      catch { throw new ExportError('TW_ERR_CONFIG', `otlpExporter: header ${JSON.stringify(k.slice(0, 64))} has an invalid name or value`); }
      user[k.toLowerCase()] = v;
    }
    this.headers = { ...env.headers, ...user, 'content-type': 'application/json', 'user-agent': 'tracewire-otlp-json' };
    const uname = userinfo(target.username), pword = userinfo(target.password);
    this.auth = target.username ? `${uname}:${pword}` : undefined;
    // Query values too (`?api-key=…` authenticates some backends): redactUrl hides them, and an echo of the URL must not show them.
    const query = [...target.searchParams.values(), ...target.search.slice(1).split('&').filter((p) => p.includes('=')).map((p) => p.slice(p.indexOf('=') + 1))];
    this.secrets = secretsOf([...Object.values({ ...env.headers, ...user }), pword, uname, ...query]);
    this.gzip = (o.compression ?? env.compression) === 'gzip';
    const tm = o.timeoutMs;
    const over = typeof tm === 'number' && tm > MAX_TIMER_MS; // Infinity too: Node would fire it after 1 ms
    if (over) warn(`otlpExporter: timeoutMs ${tm} is above ${MAX_TIMER_MS}; using ${MAX_TIMER_MS}`);
    this.timeoutMs = over ? MAX_TIMER_MS : timerMs(positive(tm) ?? env.timeoutMs ?? DEFAULT_OTLP_TIMEOUT_MS);
    const r = o.retry === false ? { maxAttempts: 1 } : o.retry ?? {};
    this.retry = {
      maxAttempts: positive(r.maxAttempts) ?? 5,
      initialBackoffMs: positive(r.initialBackoffMs) ?? 1000,
      maxBackoffMs: positive(r.maxBackoffMs) ?? 5000,
      maxRetryAfterMs: positive(r.maxRetryAfterMs) ?? 30000,
    };
    const secure = target.protocol === 'https:';
    this.secure = secure;
    this.ownAgent = o.agent === undefined;
    const t = this.tlsSetup(o.tls, env.tls, secure, o.agent !== undefined, warn);
    this.tlsError = t.ok ? null : t.message;
    const tlsMaterial = t.ok ? t.material : null;
    this.agent = o.agent ?? markNoTrace(secure ? new https.Agent({ keepAlive: true, maxSockets: 4, ...tlsMaterial }) : new http.Agent({ keepAlive: true, maxSockets: 4 }));
    this.sliceSize = positive(o.sliceSize) ?? SLICE_SIZE;
    this.sliceBudgetMs = positive(o.sliceBudgetMs) ?? SLICE_BUDGET_MS;
    this.maxBytes = positive(o.maxRequestBytes) ?? OTLP_MAX_REQUEST_BYTES;
    this.encoder = new OtlpJsonEncoder({ maxBytes: this.maxBytes });
  }

  /** TLS settings are for https with the exporter's own agent; anywhere else they are said to be ignored, once. */
  private tlsSetup(o: OtlpTlsOptions | undefined, env: TlsFileRefs | undefined, secure: boolean, userAgent: boolean, warn: (m: string) => void): ReturnType<typeof resolveTls> {
    const set = [...Object.keys(o ?? {}).filter((k) => { const v = o![k as keyof OtlpTlsOptions]; return v !== undefined && v !== null && v !== ''; }).map((k) => 'tls.' + k), ...Object.values(env ?? {}).map((r) => r.from)];
    if (set.length === 0) return { ok: true, material: null, from: [] };
    if (!secure) { warn(`otlpExporter: ${set.join(', ')} ignored: ${redactUrl(this.url)} is plain http:// (TLS settings apply to https:// only)`); return { ok: true, material: null, from: [] }; }
    if (userAgent) { warn(`otlpExporter: ${set.join(', ')} ignored: the agent you pass decides TLS (give it ca/cert/key)`); return { ok: true, material: null, from: [] }; }
    const r = resolveTls(o, env);
    if (!r.ok) warn(`otlpExporter ${redactUrl(this.url)} (${TLS_CONFIG_ERROR}): ${r.message}; every export fails until it is fixed`);
    return r;
  }

  /** Never rejects: every failure is an { ok: false } result with an ExportError (stable `code`, no secrets). */
  async export(spans: readonly Span[], signal: AbortSignal): Promise<ExportResult> {
    if (this.closed) return { ok: false, error: new ExportError('TW_ERR_OTLP_SHUTDOWN', 'exporter is shut down') };
    if (spans.length === 0) return { ok: true }; // specification: SHOULD NOT send empty envelopes
    if (this.tlsError !== null) { this.counters.failedTls++; return this.fail(TLS_CONFIG_ERROR, `${this.tlsError} (not sent)`); }
    const deadline = Date.now() + this.timeoutMs;
    // A Retry-After covers the backend, not one request (specification.md "Throttling"): a batch sent during the pause would hammer it.
    const pause = this.throttledUntil - Date.now();
    if (pause > 0) {
      if (Date.now() + pause >= deadline) { this.counters.throttled++; return this.fail('TW_ERR_OTLP_THROTTLED', `the backend asked for a pause (Retry-After) of ${pause} more ms, past the ${this.timeoutMs} ms export budget; batch not sent`); }
      if (!(await sleep(pause, signal))) { this.counters.aborted++; return this.fail('TW_ERR_OTLP_ABORTED', 'export aborted'); }
    }
    // A timed-out export may still hold the shared encoder's buffer: the next one gets its own.
    const enc = this.encoderBusy ? new OtlpJsonEncoder({ maxBytes: this.maxBytes }) : this.encoder;
    if (enc === this.encoder) this.encoderBusy = true;
    try {
      const grouped = groupSpans(spans);
      enc.begin();
      let turnStart = performance.now();
      let inTurn = 0;
      for (let i = 0; i < grouped.length;) {
        const end = Math.min(i + CHUNK, i + this.sliceSize - inTurn, grouped.length);
        const written = enc.add(grouped, i, end);
        if (written < end) break;
        inTurn += end - i;
        i = end;
        if (i < grouped.length && (inTurn >= this.sliceSize || performance.now() - turnStart >= this.sliceBudgetMs)) {
          await new Promise(setImmediate); // let I/O and timers run between slices
          if (signal.aborted) return { ok: false, error: new ExportError('TW_ERR_OTLP_ABORTED', 'export aborted') };
          turnStart = performance.now();
          inTurn = 0;
        }
      }
      const cut = grouped.length - enc.count; // over the size cap, or (never expected) unreadable: enc.skipped
      if (cut > 0) this.counters.tooLarge += cut - enc.skipped;
      if (enc.count === 0) return { ok: false, error: new ExportError('TW_ERR_OTLP_TOO_LARGE', `request over ${this.maxBytes} bytes; not sent`) };
      let body: Buffer = enc.end();
      if (this.gzip) {
        body = await gzip(body);
        if (signal.aborted) return { ok: false, error: new ExportError('TW_ERR_OTLP_ABORTED', 'export aborted') };
      }
      const r = await this.send(body, signal, deadline);
      if (r.ok && cut > 0) return { ok: true, rejected: (r.rejected ?? 0) + cut, error: new ExportError('TW_ERR_OTLP_TOO_LARGE', `${cut} spans left out (over the ${this.maxBytes}-byte request cap)`) };
      return r;
    } catch (e) {
      return { ok: false, error: new ExportError('TW_ERR_OTLP_INTERNAL', this.scrub(String((e as Error)?.message ?? e))) };
    } finally {
      if (enc === this.encoder) this.encoderBusy = false;
    }
  }

  private async send(body: Buffer, signal: AbortSignal, deadline: number): Promise<ExportResult> {
    const c = this.counters;
    for (let attempt = 1; ; attempt++) {
      const a = await this.attempt(body, signal, deadline);
      if (a.kind === 'ok') { c.ok++; return this.success(a.body); }
      let why: string;
      if (a.kind === 'status') { c.failedStatus++; const d = this.scrub(statusDetail(a.body)); why = `HTTP ${a.status}${d ? ': ' + d.slice(0, 200) : ''}`; }
      else if (a.kind === 'network') {
        const tls = this.secure ? tlsFailure(a.error) : null;
        if (tls !== null) { c.failedTls++; return this.fail('TW_ERR_OTLP_TLS', `${tls} (not retried: it fails the same way until the setup changes)`); }
        c.failedNetwork++; why = describeNet(a.error);
      }
      else if (a.kind === 'timeout') { c.timeouts++; return this.fail('TW_ERR_OTLP_TIMEOUT', `no response within the ${this.timeoutMs} ms export budget (attempt ${attempt})`); }
      else if (a.kind === 'request') { c.failedRequest++; return this.fail('TW_ERR_OTLP_REQUEST', `${describeNet(a.error, 'request refused by node:http')} (not retryable)`); }
      else { c.aborted++; return this.fail('TW_ERR_OTLP_ABORTED', 'export aborted'); }
      const retryable = a.kind === 'network' || RETRYABLE.has(a.status);
      if (!retryable) return this.fail('TW_ERR_OTLP_HTTP_STATUS', `${why} (not retryable)`);
      const ra = retryAfterMs(a.retryAfter);
      if (ra !== null) this.throttledUntil = Math.max(this.throttledUntil, Date.now() + Math.min(ra, this.retry.maxRetryAfterMs));
      if (attempt >= this.retry.maxAttempts) return this.fail('TW_ERR_OTLP_RETRIES_EXHAUSTED', `${why} after ${attempt} attempts`);
      const wait = ra === null ? backoff(attempt, this.retry.initialBackoffMs, this.retry.maxBackoffMs) : Math.min(ra, this.retry.maxRetryAfterMs);
      if (Date.now() + wait >= deadline) return this.fail('TW_ERR_OTLP_RETRIES_EXHAUSTED', `${why}; next retry (in ${wait} ms) would pass the ${this.timeoutMs} ms export budget`);
      if (!(await sleep(wait, signal))) { c.aborted++; return this.fail('TW_ERR_OTLP_ABORTED', 'export aborted'); }
      c.retries++;
    }
  }

  /** 2xx: read partialSuccess (rejected spans count as failed; a message alone is a warning). */
  private success(body: Buffer | null): ExportResult {
    if (body === null || body.length === 0) return { ok: true };
    let j: { partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string } } | null;
    try { j = JSON.parse(body.toString('utf8')); } catch { this.counters.invalidResponses++; return { ok: true }; }
    const ps = j !== null && typeof j === 'object' ? j.partialSuccess : undefined;
    if (ps == null || typeof ps !== 'object') return { ok: true };
    const n = Number(ps.rejectedSpans ?? 0);
    const msg = typeof ps.errorMessage === 'string' ? this.scrub(ps.errorMessage).slice(0, 200) : ''; // cut after scrubbing: a cut token would not match
    if (Number.isFinite(n) && n > 0) {
      this.counters.partialRejected += n;
      return { ok: true, rejected: n, error: new ExportError('TW_ERR_OTLP_PARTIAL', `backend rejected ${n} spans${msg ? ': ' + msg : ''}`) };
    }
    return msg ? { ok: true, error: new ExportError('TW_ERR_OTLP_PARTIAL', 'backend warning: ' + msg) } : { ok: true };
  }

  private fail(code: string, msg: string): ExportResult {
    return { ok: false, error: new ExportError(code, this.scrub(`${this.name}: ${msg}`)) };
  }

  /** Header values (usually credentials) never leave in a message, even if a server echoes them. */
  private scrub(s: string): string {
    for (const v of this.secrets) if (v && s.includes(v)) s = s.split(v).join('[redacted]');
    return s;
  }

  private attempt(body: Buffer, signal: AbortSignal, deadline: number): Promise<Attempt> {
    return new Promise<Attempt>((resolve) => {
      let done = false;
      let status = 0; // once a status line has arrived
      let retryAfter: string | undefined;
      let req: http.ClientRequest | null = null;
      const finish = (a: Attempt): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(a);
      };
      const onAbort = (): void => { req?.destroy(); finish({ kind: 'aborted', status: 0, body: null, retryAfter: undefined, error: null }); };
      // The connection died. After a 2xx status line the batch was accepted (specification.md "Success"): re-sending it
      // would store it twice, so it is a success with an unreadable body (counted); before one, a network error (retried).
      // After any other status line, the status decides (specification.md "Failures": a 400 is not retried, cut body or not).
      const cut = (e: unknown): void => {
        if (done) return;
        if (status >= 200 && status < 300) { this.counters.invalidResponses++; finish({ kind: 'ok', status, body: null, retryAfter: undefined, error: null }); }
        else if (status !== 0) finish({ kind: 'status', status, body: null, retryAfter, error: null });
        else finish({ kind: 'network', status, body: null, retryAfter: undefined, error: e });
      };
      const timer = setTimeout(() => { req?.destroy(); finish({ kind: 'timeout', status: 0, body: null, retryAfter: undefined, error: null }); }, timerMs(Math.max(1, deadline - Date.now())));
      timer.unref();
      if (signal.aborted) { onAbort(); return; }
      signal.addEventListener('abort', onAbort, { once: true });
      const headers: Record<string, string | number> = { ...this.headers, 'content-length': body.length };
      if (this.gzip) headers['content-encoding'] = 'gzip';
      const t = this.target;
      const opts = markNoTrace({ protocol: t.protocol, hostname: t.hostname.replace(/^\[|\]$/g, ''), port: t.port || undefined, path: t.pathname + t.search, method: 'POST', headers, agent: this.agent, auth: this.auth });
      try {
        req = (t.protocol === 'https:' ? https : http).request(opts, (res) => {
          status = res.statusCode ?? 0;
          retryAfter = header(res.headers['retry-after']);
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (d: Buffer) => {
            size += d.length;
            if (size > MAX_RESPONSE_BYTES) { res.destroy(); finish({ kind: status >= 200 && status < 300 ? 'ok' : 'status', status, body: null, retryAfter: header(res.headers['retry-after']), error: null }); return; }
            chunks.push(d);
          });
          res.on('end', () => finish({ kind: status >= 200 && status < 300 ? 'ok' : 'status', status, body: Buffer.concat(chunks), retryAfter: header(res.headers['retry-after']), error: null }));
          res.on('error', (e) => cut(e));
          res.on('close', () => { if (!res.complete) cut(new Error('response cut short')); });
        });
        req.on('error', (e) => cut(e));
        this.counters.requests++;
        this.counters.bytesSent += body.length;
        req.end(body);
      } catch (e) {
        req?.destroy();
        finish({ kind: 'request', status: 0, body: null, retryAfter: undefined, error: e });
      }
    }).then((a) => { this.counters.lastStatus = a.status; return a; });
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {
    this.closed = true;
    if (this.ownAgent) this.agent.destroy();
  }

  /** Counters only: no URL credentials, no header values. */
  stats(): Record<string, unknown> {
    return { url: redactUrl(this.url), compression: this.gzip ? 'gzip' : 'none', ...this.counters };
  }
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

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Exponential backoff with ±20% jitter (exporter.md: jitter is a MUST); attempt 1 → initial. */
export function backoff(attempt: number, initial: number, max: number): number {
  const base = Math.min(max, initial * 1.5 ** (attempt - 1));
  return Math.max(0, Math.round(base * (0.8 + 0.4 * Math.random())));
}

/**
 * Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3, §5.6.7); null when absent or anything else
 * ("1.5", "-1": V8's Date.parse would read those as dates in 2001, i.e. retry at once), so the caller backs off.
 */
export function retryAfterMs(v: string | undefined, now = Date.now()): number | null {
  if (v === undefined) return null;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const t = httpDate(s, now);
  return t === null ? null : Math.max(0, t - now);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/;
const RFC850_DATE = /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d\d)-([A-Z][a-z]{2})-(\d\d) (\d\d):(\d\d):(\d\d) GMT$/;
const ASCTIME_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})$/;

/** An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, or the obsolete rfc850-date / asctime-date) as epoch ms; null otherwise. */
export function httpDate(s: string, now = Date.now()): number | null {
  let m = IMF_FIXDATE.exec(s);
  if (m !== null) return utc(+m[3]!, m[2]!, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
  if ((m = RFC850_DATE.exec(s)) !== null) {
    // §5.6.7: a two-digit year more than 50 years in the future is the most recent past year with those digits
    const thisYear = new Date(now).getUTCFullYear();
    let y = Math.floor(thisYear / 100) * 100 + +m[3]!;
    if (y > thisYear + 50) y -= 100;
    return utc(y, m[2]!, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
  }
  if ((m = ASCTIME_DATE.exec(s)) !== null) return utc(+m[6]!, m[1]!, +m[2]!.trim(), +m[3]!, +m[4]!, +m[5]!);
  return null;
}

function utc(y: number, mon: string, d: number, h: number, mi: number, sec: number): number | null {
  const mo = MONTHS.indexOf(mon);
  // day 0 of the next month is this month's last day (no 31 Feb); second 60 is a leap second (§5.6.7)
  if (mo < 0 || d < 1 || d > new Date(Date.UTC(y, mo + 1, 0)).getUTCDate() || h > 23 || mi > 59 || sec > 60) return null;
  return Date.UTC(y, mo, d, h, mi, sec);
}

/** URL userinfo for `auth`: percent-decoded, or as written when it is not valid percent-encoding ("50%off"). */
function userinfo(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}

/** The message of a google.rpc.Status error body, uncut (the caller scrubs, then cuts it). */
function statusDetail(body: Buffer | null): string {
  if (body === null || body.length === 0 || body.length > 65536) return '';
  try {
    const j = JSON.parse(body.toString('utf8'));
    return typeof j?.message === 'string' ? j.message : '';
  } catch { return ''; }
}

// Certificate verification failures (OpenSSL's X509 verify codes, node:tls's host check): no retry can heal them.
const TLS_CERT_CODES = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'INVALID_CA', 'INVALID_PURPOSE', 'PATH_LENGTH_EXCEEDED']);

/**
 * A TLS failure that happens the same way on every attempt (an untrusted or mismatched certificate, TLS spoken to a
 * plain-HTTP port), described by its code only; null for anything else (ECONNRESET, handshake timeouts: retried).
 * OTel JS retries only a list of transient network codes, for the same reason.
 */
function tlsFailure(e: unknown): string | null {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string') return null;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') return `TLS: the backend's certificate does not name this host (${code})`;
  if (TLS_CERT_CODES.has(code) || code.startsWith('CERT_')) return `TLS: the backend's certificate is not trusted (${code}); give its CA as tls.ca / OTEL_EXPORTER_OTLP_CERTIFICATE`;
  // The backend's alert about our side (RFC 8446 §6.2): certificate_required (116), bad_certificate, unknown_ca, ...
  if (/ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED)$/.test(code)) return `TLS: the backend refused the client certificate or wants one (${code}); set tls.cert/tls.key or OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE/_CLIENT_KEY`;
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) return `TLS handshake failed (${code}): is the port plain HTTP (then use http://)?`;
  return null;
}

function describeNet(e: unknown, what = 'network error'): string {
  const code = (e as { code?: unknown })?.code;
  const msg = (e as { message?: unknown })?.message;
  return typeof code === 'string' ? `${what} ${code}` : `${what}: ${String(msg ?? e).slice(0, 200)}`;
}

function gzip(b: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => zlib.gzip(b, (err, out) => (err ? reject(err) : resolve(out))));
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) { resolve(false); return; }
    const onAbort = (): void => { clearTimeout(t); resolve(false); };
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(true); }, timerMs(ms));
    t.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** An OTLP/HTTP JSON exporter; see OtlpExporterOptions. */
export function otlpExporter(options?: OtlpExporterOptions): OtlpHttpExporter {
  return new OtlpHttpExporter(options);
}
