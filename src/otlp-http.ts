// OTLP/HTTP JSON exporter: encode (in slices, yielding to the event loop), optional async gzip, POST
// over a keep-alive agent, retry exactly as opentelemetry-proto specification.md says (429/502/503/504
// and network errors, exponential backoff with jitter, Retry-After honoured), all inside one time budget.
// Its own requests carry the markNoTrace brand, so no adapter ever traces them (no export loops).
// Options are resolved in otlp-options.ts, retry delays in retry-delay.ts, failure wording in otlp-failures.ts,
// a batch over maxRequestBytes split into requests in otlp-parts.ts.
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { inspect } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { Span } from './span.js';
import { ExportError, type ExportProgress, type ExportResult, type SpanExporter } from './exporter.js';
import { OtlpJsonEncoder } from './otlp-json.js';
import { groupSpans } from './otlp-group.js';
import { redactUrl, timerMs } from './otlp-env.js';
import { markNoTrace } from './suppress.js';
import { TLS_CONFIG_ERROR } from './otlp-tls.js';
import { resolveOtlpOptions, type OtlpExporterOptions, type RetryOptions } from './otlp-options.js';
import { backoff, retryAfterMs } from './retry-delay.js';
import { describeNet, protocolFailure, redirectDetail, statusDetail, tlsFailure } from './otlp-failures.js';
import { encodePart, partOnly, PartTally } from './otlp-parts.js';

export type { OtlpExporterOptions, RetryOptions } from './otlp-options.js';
export { backoff, retryAfterMs, httpDate } from './retry-delay.js';

const RETRYABLE = new Set([429, 502, 503, 504]); // specification.md "Failures": only these are retried
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024; // specification.md: responses are capped at 4 MiB

// 'request': node:http refused to build the request (it throws synchronously): the same request fails the same way, so no retry.
// location: a redirect's Location header, said in the failure (redirects are not followed: the endpoint is to be fixed).
interface Attempt { kind: 'ok' | 'status' | 'network' | 'timeout' | 'aborted' | 'request'; status: number; body: Buffer | null; retryAfter: string | undefined; error: unknown; location?: string }

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
  /** performance.now() until which the backend asked for no requests (Retry-After, specification.md "Throttling"): later batches wait too. */
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
   * failedProtocol: answers that were not HTTP/1.1 (an OTLP/gRPC port), not retried.
   */
  private readonly counters = { throttled: 0, failedTls: 0, failedProtocol: 0, requests: 0, retries: 0, ok: 0, failedStatus: 0, failedNetwork: 0, failedRequest: 0, timeouts: 0, aborted: 0, tooLarge: 0, partialRejected: 0, invalidResponses: 0, bytesSent: 0, lastStatus: 0 };

  constructor(o: OtlpExporterOptions = {}) {
    const r = resolveOtlpOptions(o);
    this.target = r.target;
    this.url = r.url;
    this.name = r.name;
    this.headers = r.headers;
    this.auth = r.auth;
    this.secrets = r.secrets;
    this.gzip = r.gzip;
    this.timeoutMs = r.timeoutMs;
    this.retry = r.retry;
    this.secure = r.secure;
    this.ownAgent = o.agent === undefined;
    this.tlsError = r.tlsError;
    this.agent = o.agent ?? markNoTrace(r.secure ? new https.Agent({ keepAlive: true, maxSockets: 4, ...r.tlsMaterial }) : new http.Agent({ keepAlive: true, maxSockets: 4 }));
    this.sliceSize = r.sliceSize;
    this.sliceBudgetMs = r.sliceBudgetMs;
    this.maxBytes = r.maxBytes;
    this.encoder = new OtlpJsonEncoder({ maxBytes: this.maxBytes });
  }

  /** Never rejects: every failure is an { ok: false } result with an ExportError (stable `code`, no secrets). */
  async export(spans: readonly Span[], signal: AbortSignal, progress?: ExportProgress): Promise<ExportResult> {
    if (this.closed) return { ok: false, error: new ExportError('TW_ERR_OTLP_SHUTDOWN', 'exporter is shut down') };
    if (spans.length === 0) return { ok: true }; // specification: SHOULD NOT send empty envelopes
    if (this.tlsError !== null) { this.counters.failedTls++; return this.fail(TLS_CONFIG_ERROR, `${this.tlsError} (not sent)`); }
    // Monotonic: a wall clock stepped back (NTP, VM resume) must not stretch a pause or the budget by the step.
    const deadline = performance.now() + this.timeoutMs;
    // A Retry-After covers the backend, not one request (specification.md "Throttling"): a batch sent during the pause would hammer it.
    const pause = Math.ceil(this.throttledUntil - performance.now());
    if (pause > 0) {
      if (performance.now() + pause >= deadline) { this.counters.throttled++; return this.fail('TW_ERR_OTLP_THROTTLED', `the backend asked for a pause (Retry-After) of ${pause} more ms, past the ${this.timeoutMs} ms export budget; batch not sent`); }
      if (!(await sleep(pause, signal))) return this.aborted();
    }
    // A timed-out export may still hold the shared encoder's buffer: the next one gets its own.
    const enc = this.encoderBusy ? new OtlpJsonEncoder({ maxBytes: this.maxBytes }) : this.encoder;
    if (enc === this.encoder) this.encoderBusy = true;
    try {
      const grouped = groupSpans(spans);
      const n = grouped.length;
      const tally = new PartTally(progress);
      // Over maxRequestBytes: as many requests as it takes, each filled up to the cap, each with its own retries.
      for (let i = 0; i < n;) {
        if (i > 0 && performance.now() >= deadline) { tally.add(n - i, this.fail('TW_ERR_OTLP_TIMEOUT', `the ${this.timeoutMs} ms export budget ran out after ${tally.parts} of the batch's requests`)); break; }
        enc.begin();
        const stop = await encodePart(enc, grouped, i, this.sliceSize, this.sliceBudgetMs, signal);
        if (stop < 0) { tally.add(n - i, this.aborted()); break; } // parts already acknowledged stay exported
        tally.skipped += enc.skipped;
        const k = enc.count;
        i = k === 0 && stop < n ? stop + 1 : stop;
        if (k === 0) { if (stop < n) tally.tooLarge++; continue; } // the span at `stop` alone is over the cap
        let body: Buffer = enc.end();
        if (this.gzip) {
          body = await gzip(body);
          if (signal.aborted) { tally.add(k, this.aborted()); tally.failed += n - i; break; }
        }
        const r = await this.send(body, signal, deadline);
        tally.add(k, r);
        if (!r.ok && i < n && !partOnly(r)) { tally.failed += n - i; break; }
      }
      this.counters.tooLarge += tally.tooLarge;
      return tally.result(this.maxBytes);
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
      if (a.kind === 'status') { c.failedStatus++; const d = this.scrub(statusDetail(a.body)); why = `HTTP ${a.status}${d ? ': ' + d.slice(0, 200) : ''}${redirectDetail(a.location, this.url)}`; }
      else if (a.kind === 'network') {
        const tls = this.secure ? tlsFailure(a.error) : null;
        if (tls !== null) { c.failedTls++; return this.fail('TW_ERR_OTLP_TLS', `${tls} (not retried: it fails the same way until the setup changes)`); }
        const proto = protocolFailure(a.error);
        if (proto !== null) { c.failedProtocol++; return this.fail('TW_ERR_OTLP_PROTOCOL', `${proto} (not retried)`); }
        c.failedNetwork++; why = describeNet(a.error);
      }
      else if (a.kind === 'timeout') { c.timeouts++; return this.fail('TW_ERR_OTLP_TIMEOUT', `no response within the ${this.timeoutMs} ms export budget (attempt ${attempt})`); }
      else if (a.kind === 'request') { c.failedRequest++; return this.fail('TW_ERR_OTLP_REQUEST', `${describeNet(a.error, 'request refused by node:http')} (not retryable)`); }
      else return this.aborted();
      const retryable = a.kind === 'network' || RETRYABLE.has(a.status);
      if (!retryable) return this.fail('TW_ERR_OTLP_HTTP_STATUS', `${why} (not retryable)`);
      const ra = retryAfterMs(a.retryAfter);
      if (ra !== null) this.throttledUntil = Math.max(this.throttledUntil, performance.now() + Math.min(ra, this.retry.maxRetryAfterMs));
      if (attempt >= this.retry.maxAttempts) return this.fail('TW_ERR_OTLP_RETRIES_EXHAUSTED', `${why} after ${attempt} attempts`);
      const wait = ra === null ? backoff(attempt, this.retry.initialBackoffMs, this.retry.maxBackoffMs) : Math.min(ra, this.retry.maxRetryAfterMs);
      if (performance.now() + wait >= deadline) return this.fail('TW_ERR_OTLP_RETRIES_EXHAUSTED', `${why}; next retry (in ${wait} ms) would pass the ${this.timeoutMs} ms export budget`);
      if (!(await sleep(wait, signal))) return this.aborted();
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

  private aborted(): ExportResult {
    this.counters.aborted++;
    return this.fail('TW_ERR_OTLP_ABORTED', 'export aborted');
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
      let location: string | undefined;
      let req: http.ClientRequest | null = null;
      const finish = (a: Attempt): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (a.kind === 'status' && location !== undefined) a.location = location;
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
      const timer = setTimeout(() => {
        req?.destroy(); // after a 2xx status line the batch was accepted, as in cut(): its body is what timed out
        if (status >= 200 && status < 300) { this.counters.invalidResponses++; finish({ kind: 'ok', status, body: null, retryAfter: undefined, error: null }); }
        else finish({ kind: 'timeout', status: 0, body: null, retryAfter: undefined, error: null });
      }, timerMs(Math.max(1, deadline - performance.now())));
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
          if (status >= 300 && status < 400) location = header(res.headers.location);
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

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
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