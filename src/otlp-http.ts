// OTLP/HTTP JSON exporter: encode (in slices, yielding to the event loop), optional async gzip, POST
// over a keep-alive agent, retry exactly as opentelemetry-proto specification.md says (429/502/503/504
// and network errors, exponential backoff with jitter, Retry-After honoured), all inside one time budget.
// Its own requests carry the markNoTrace brand, so no adapter ever traces them (no export loops).
// Options are resolved in otlp-options.ts, retry delays in retry-delay.ts, failure wording in otlp-failures.ts,
// a batch over maxRequestBytes split into requests in otlp-parts.ts, one POST and its bounded response in otlp-request.ts.
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
import { encodePart, partOnly, PartTally, PAYLOAD_TOO_LARGE, MAX_TOO_LARGE_ANSWERS } from './otlp-parts.js';
import { dropIdle, postOnce, type Attempt, type RequestTarget } from './otlp-request.js';

export type { OtlpExporterOptions, RetryOptions } from './otlp-options.js';
export { backoff, retryAfterMs, httpDate } from './retry-delay.js';

const RETRYABLE = new Set([429, 502, 503, 504]); // specification.md "Failures": only these are retried

export class OtlpHttpExporter implements SpanExporter {
  readonly name: string;
  readonly url: string;
  private readonly to: RequestTarget;
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
   * splits: requests answered 413 and sent again as smaller ones. tooLarge: spans dropped for size (alone over
   * maxRequestBytes, or refused with 413 alone). largeResponses: 2xx bodies over 64 KiB, not parsed.
   * staleSocketRetries: requests re-sent at once on a new connection after a pooled one turned out closed.
   */
  private readonly counters = { splits: 0, largeResponses: 0, staleSocketRetries: 0, throttled: 0, failedTls: 0, failedProtocol: 0, requests: 0, retries: 0, ok: 0, failedStatus: 0, failedNetwork: 0, failedRequest: 0, timeouts: 0, aborted: 0, tooLarge: 0, partialRejected: 0, invalidResponses: 0, bytesSent: 0, lastStatus: 0 };

  constructor(o: OtlpExporterOptions = {}) {
    const r = resolveOtlpOptions(o);
    this.url = r.url;
    this.name = r.name;
    this.headers = r.headers;
    this.secrets = r.secrets;
    this.gzip = r.gzip;
    this.timeoutMs = r.timeoutMs;
    this.retry = r.retry;
    this.secure = r.secure;
    this.ownAgent = o.agent === undefined;
    this.tlsError = r.tlsError;
    // `timeout`: node:http destroys a pooled socket idle that long (a socket in use only emits 'timeout', nobody ends it).
    const pool = { keepAlive: true, maxSockets: 4, timeout: r.idleTimeoutMs };
    this.agent = o.agent ?? markNoTrace(r.secure ? new https.Agent({ ...pool, ...r.tlsMaterial }) : new http.Agent(pool));
    this.to = { target: r.target, headers: r.headers, gzip: r.gzip, agent: this.agent, auth: r.auth };
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
      let cap = this.maxBytes; // halved on each 413 (a proxy's or backend's body limit under ours), for this batch
      let answers413 = 0;
      // Over maxRequestBytes: as many requests as it takes, each filled up to the cap, each with its own retries.
      for (let i = 0; i < n;) {
        if ((i > 0 || answers413 > 0) && performance.now() >= deadline) { tally.add(n - i, this.fail('TW_ERR_OTLP_TIMEOUT', `the ${this.timeoutMs} ms export budget ran out after ${tally.parts} of the batch's requests`)); break; }
        enc.begin(cap);
        let from = i, end = n;
        let stop = await encodePart(enc, grouped, i, this.sliceSize, this.sliceBudgetMs, signal);
        if (stop < 0) { tally.add(n - i, this.aborted()); break; } // parts already acknowledged stay exported
        if (enc.count === 0 && stop < n && cap < this.maxBytes) {
          // the span at `stop` alone is over the cap halved after a 413, not over maxRequestBytes: it goes alone
          tally.skipped += enc.skipped;
          from = stop; end = stop + 1;
          enc.begin();
          stop = enc.add(grouped, from, end);
        }
        const k = enc.count;
        const over = stop < end; // the span at `stop` did not fit
        const next = k === 0 && over ? stop + 1 : stop;
        tally.skipped += enc.skipped;
        if (k === 0) { if (over) tally.tooLarge++; i = next; continue; } // alone over the cap
        let body: Buffer = enc.end();
        const raw = body.length;
        if (this.gzip) {
          body = await gzip(body);
          if (signal.aborted) { tally.add(k, this.aborted()); tally.failed += n - next; break; }
        }
        const r = await this.send(body, signal, deadline);
        if (!r.ok && (r.error as { code?: unknown } | undefined)?.code === PAYLOAD_TOO_LARGE && answers413++ < MAX_TOO_LARGE_ANSWERS) {
          // 413: send it again as smaller requests (not a retry of the same one); a span refused alone is dropped
          if (k > 1) { this.counters.splits++; tally.skipped -= enc.skipped; cap = raw >> 1; i = from; continue; } // re-encoded: skipped again
          tally.refusedLarge++;
          i = next;
          continue;
        }
        tally.add(k, r);
        i = next;
        if (!r.ok && i < n && !partOnly(r)) { tally.failed += n - i; break; }
      }
      this.counters.tooLarge += tally.tooLarge + tally.refusedLarge;
      return tally.result(this.maxBytes);
    } catch (e) {
      return { ok: false, error: new ExportError('TW_ERR_OTLP_INTERNAL', this.scrub(String((e as Error)?.message ?? e))) };
    } finally {
      if (enc === this.encoder) this.encoderBusy = false;
    }
  }

  private async send(body: Buffer, signal: AbortSignal, deadline: number): Promise<ExportResult> {
    const c = this.counters;
    let resent = false;
    for (let attempt = 1; ; attempt++) {
      const a = await postOnce(this.to, body, signal, deadline, c);
      if (a.kind === 'network' && a.stale === true && !resent) {
        // A pooled connection the server had closed while idle: the request never reached it. Once, at once, on a new
        // connection (the other idle ones of our own agent likely died with it), and not as an attempt.
        resent = true;
        c.staleSocketRetries++;
        if (this.ownAgent) dropIdle(this.agent);
        attempt--;
        continue;
      }
      if (a.kind === 'ok') { c.ok++; return this.success(a); }
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
      if (!retryable) return this.fail(a.status === 413 ? PAYLOAD_TOO_LARGE : 'TW_ERR_OTLP_HTTP_STATUS', `${why} (not retryable)`);
      const ra = retryAfterMs(a.retryAfter);
      if (ra !== null) this.throttledUntil = Math.max(this.throttledUntil, performance.now() + Math.min(ra, this.retry.maxRetryAfterMs));
      if (attempt >= this.retry.maxAttempts) return this.fail('TW_ERR_OTLP_RETRIES_EXHAUSTED', `${why} after ${attempt} attempts`);
      const wait = ra === null ? backoff(attempt, this.retry.initialBackoffMs, this.retry.maxBackoffMs) : Math.min(ra, this.retry.maxRetryAfterMs);
      if (performance.now() + wait >= deadline) return this.fail('TW_ERR_OTLP_RETRIES_EXHAUSTED', `${why}; next retry (in ${wait} ms) would pass the ${this.timeoutMs} ms export budget`);
      if (!(await sleep(wait, signal))) return this.aborted();
      c.retries++;
    }
  }

  /** 2xx: read partialSuccess (rejected spans count as failed; a message alone is a warning); a large body is not parsed. */
  private success(a: Attempt): ExportResult {
    if (a.large === true) { this.counters.largeResponses++; return { ok: true }; }
    const body = a.body;
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