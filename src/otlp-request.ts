// One POST of an OTLP/HTTP exporter (otlp-http.ts), read into an Attempt the caller's retry loop decides on. The
// response body is bounded: at most PARSE_MAX_BYTES kept for parsing, the rest of a body drained uncopied up to
// MAX_RESPONSE_BYTES (the connection stays reusable), and a body past that cuts the connection.
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { timerMs } from './otlp-env.js';
import { markNoTrace } from './suppress.js';

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024; // specification.md: responses are capped at 4 MiB
// JSON.parse of a 4 MiB body blocked the event loop ~10 ms here (64 KiB: ~0.15 ms); a partialSuccess or google.rpc.Status
// is a few hundred bytes, so a larger body is not parsed (a 2xx one is counted as largeResponses).
export const PARSE_MAX_BYTES = 64 * 1024;
// A pooled connection the server closed while idle fails the next request with these, before any response byte.
const STALE_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * 'request': node:http refused to build the request (it throws synchronously): the same request fails the same way.
 * location: a redirect's Location header. large: the body was over PARSE_MAX_BYTES and not kept (body is null).
 * stale: a network error on a reused keep-alive connection before any response byte (the server closed it while idle).
 */
export interface Attempt { kind: 'ok' | 'status' | 'network' | 'timeout' | 'aborted' | 'request'; status: number; body: Buffer | null; retryAfter: string | undefined; error: unknown; location?: string; large?: boolean; stale?: boolean }

/** Where and how to POST: resolved once by the exporter. */
export interface RequestTarget { target: URL; headers: Record<string, string>; gzip: boolean; agent: http.Agent; auth: string | undefined }

/** Counters the request itself moves (the exporter's stats object). */
export interface RequestCounters { requests: number; bytesSent: number; invalidResponses: number; lastStatus: number }

const is2xx = (s: number): boolean => s >= 200 && s < 300;

/** One attempt; never rejects. Ends by `deadline` (performance.now() ms) or when `signal` aborts. */
export function postOnce(to: RequestTarget, body: Buffer, signal: AbortSignal, deadline: number, c: RequestCounters): Promise<Attempt> {
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
      c.lastStatus = a.status;
      resolve(a);
    };
    const onAbort = (): void => { req?.destroy(); finish({ kind: 'aborted', status: 0, body: null, retryAfter: undefined, error: null }); };
    // The connection died. After a 2xx status line the batch was accepted (specification.md "Success"): re-sending it
    // would store it twice, so it is a success with an unreadable body (counted); before one, a network error (retried).
    // After any other status line, the status decides (specification.md "Failures": a 400 is not retried, cut body or not).
    const cut = (e: unknown): void => {
      if (done) return;
      if (is2xx(status)) { c.invalidResponses++; finish({ kind: 'ok', status, body: null, retryAfter: undefined, error: null }); }
      else if (status !== 0) finish({ kind: 'status', status, body: null, retryAfter, error: null });
      else finish({ kind: 'network', status, body: null, retryAfter: undefined, error: e, stale: req?.reusedSocket === true && STALE_CODES.has((e as { code?: string })?.code ?? '') });
    };
    const timer = setTimeout(() => {
      req?.destroy(); // after a 2xx status line the batch was accepted, as in cut(): its body is what timed out
      if (is2xx(status)) { c.invalidResponses++; finish({ kind: 'ok', status, body: null, retryAfter: undefined, error: null }); }
      else finish({ kind: 'timeout', status: 0, body: null, retryAfter: undefined, error: null });
    }, timerMs(Math.max(1, deadline - performance.now())));
    timer.unref();
    if (signal.aborted) { onAbort(); return; }
    signal.addEventListener('abort', onAbort, { once: true });
    const headers: Record<string, string | number> = { ...to.headers, 'content-length': body.length };
    if (to.gzip) headers['content-encoding'] = 'gzip';
    const t = to.target;
    const opts = markNoTrace({ protocol: t.protocol, hostname: t.hostname.replace(/^\[|\]$/g, ''), port: t.port || undefined, path: t.pathname + t.search, method: 'POST', headers, agent: to.agent, auth: to.auth });
    try {
      req = (t.protocol === 'https:' ? https : http).request(opts, (res) => {
        status = res.statusCode ?? 0;
        retryAfter = header(res.headers['retry-after']);
        if (status >= 300 && status < 400) location = header(res.headers.location);
        const kind = is2xx(status) ? 'ok' : 'status';
        let chunks: Buffer[] | null = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size > MAX_RESPONSE_BYTES) { res.destroy(); finish({ kind, status, body: null, retryAfter, error: null, large: true }); return; }
          if (size > PARSE_MAX_BYTES) chunks = null; // drained, not kept: the connection stays reusable
          else chunks!.push(d);
        });
        res.on('end', () => finish({ kind, status, body: chunks === null ? null : Buffer.concat(chunks), retryAfter, error: null, large: chunks === null }));
        res.on('error', (e) => cut(e));
        res.on('close', () => { if (!res.complete) cut(new Error('response cut short')); });
      });
      req.on('error', (e) => cut(e));
      c.requests++;
      c.bytesSent += body.length;
      req.end(body);
    } catch (e) {
      req?.destroy();
      finish({ kind: 'request', status: 0, body: null, retryAfter: undefined, error: e });
    }
  });
}

/** Ends the agent's idle connections (a server that closed one while idle has likely closed the others too). */
export function dropIdle(agent: http.Agent): void {
  const free = agent.freeSockets as Record<string, { destroy(): void }[] | undefined>;
  for (const k of Object.keys(free)) for (const s of free[k] ?? []) s.destroy();
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
