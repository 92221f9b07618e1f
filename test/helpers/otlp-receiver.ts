// A real loopback OTLP/HTTP receiver for tests (node:http on 127.0.0.1, port 0) that can misbehave on demand.
//
//   const r = await startReceiver();                 // mode 'ok'
//   const exp = otlpExporter({ url: r.url });         // r.url = http://127.0.0.1:PORT/v1/traces
//   ...; await r.waitForRequests(1);
//   r.spans()                                          // every span of every accepted (2xx) request, flattened
//   r.setMode('status', { status: 503, retryAfter: '1' });
//   r.respondNext([{ mode: 'status', status: 503 }, { mode: 'ok' }]);   // one-off answers, then the mode again
//   r.closeIdle();                                     // end the idle keep-alive connections, as a server's idle timeout does
//   await r.close();
// startReceiver({ maxBodyBytes, tooLargeStatus }) refuses a body over maxBodyBytes before any mode (default 413; the
// OpenTelemetry Collector answers 400), as a size-capped backend or proxy does. startReceiver({ keepAliveTimeoutMs: 0 })
// neither times out idle connections nor sends a `Keep-Alive: timeout=` hint (as many load balancers and backends).
//
// Modes: ok | status (any code, optional Retry-After and body) | partial (partialSuccess) | invalid-json |
// slow (answer after delayMs) | hang (read the body, never answer) | reset (RST while the body arrives) |
// truncate (headers and half a body, then the socket dies) | refuse (nothing listens: connection refused).
// Request bodies are gunzipped when Content-Encoding is gzip and parsed as JSON (`json` null if not JSON).
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';

export type ReceiverMode = 'ok' | 'status' | 'partial' | 'invalid-json' | 'slow' | 'hang' | 'reset' | 'truncate' | 'refuse';

export interface ModeOptions {
  /** HTTP status for 'status' (default 500), or of the cut answer for 'truncate' (default 200). */
  status?: number;
  /** Retry-After header value for 'status' (seconds or an HTTP-date). */
  retryAfter?: string;
  /** More response headers for 'status' (e.g. a redirect's location). */
  headers?: Record<string, string>;
  /** Response body for 'status' (default a google.rpc.Status JSON). */
  body?: string;
  /** 'partial': rejectedSpans (default 1) and errorMessage. */
  rejectedSpans?: number;
  errorMessage?: string;
  /** 'slow': answer 200 after this many ms (default 200). */
  delayMs?: number;
}

export interface ReceiverLimits {
  /** Bodies (bytes on the wire) over this are refused with tooLargeStatus, unparsed. */
  maxBodyBytes?: number;
  tooLargeStatus?: number;
  /** server.keepAliveTimeout (Node's default 5000, announced as `Keep-Alive: timeout=5`, which node:http clients follow); 0: none. */
  keepAliveTimeoutMs?: number;
}

export interface Answer extends ModeOptions { mode: Exclude<ReceiverMode, 'refuse'> }

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Bytes on the wire (before gunzip). */
  bytes: number;
  /** Decoded ExportTraceServiceRequest, or null when the body was not JSON. */
  json: any;
  /** What the receiver answered (0 for hang/reset/truncate). */
  status: number;
  mode: ReceiverMode;
}

export interface Receiver {
  /** http://127.0.0.1:PORT/v1/traces */
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Spans of all requests answered 2xx (each retry of a batch counts again). */
  spans(): any[];
  setMode(mode: ReceiverMode, options?: ModeOptions): Promise<void>;
  /** Answers for the next requests, in order, before falling back to the mode. */
  respondNext(answers: Answer[]): void;
  /** Resolves when at least n requests have been received (rejects after timeoutMs, default 5000). */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  /** Connections accepted so far (a keep-alive agent reuses them). */
  readonly connections: number;
  /** Ends every idle keep-alive connection now (server.closeIdleConnections), as an idle timeout would. */
  closeIdle(): void;
  close(): Promise<void>;
}

export async function startReceiver(init: { mode?: ReceiverMode } & ModeOptions & ReceiverLimits = {}): Promise<Receiver> {
  let mode: ReceiverMode = init.mode ?? 'ok';
  let opts: ModeOptions = { ...init };
  const queue: Answer[] = [];
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters: { n: number; resolve: () => void }[] = [];
  let connections = 0;
  let listening = false;

  const server = http.createServer((req, res) => {
    const a: Answer = queue.length > 0 ? queue.shift()! : { mode: mode === 'refuse' ? 'ok' : mode, ...opts };
    const chunks: Buffer[] = [];
    let size = 0;
    if (a.mode === 'reset') {
      req.once('data', () => req.socket.resetAndDestroy());
      record(req, Buffer.alloc(0), 0, 'reset');
      return;
    }
    req.on('data', (d: Buffer) => { chunks.push(d); size += d.length; });
    req.on('end', () => {
      const raw = Buffer.concat(chunks, size);
      if (init.maxBodyBytes !== undefined && size > init.maxBodyBytes) {
        const st = init.tooLargeStatus ?? 413;
        requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, bytes: size, json: null, status: st, mode: 'status' });
        notify();
        res.writeHead(st, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 3, message: `body of ${size} bytes is over ${init.maxBodyBytes}` }));
        return;
      }
      const status = a.mode === 'hang' || a.mode === 'truncate' ? 0 : a.mode === 'status' ? a.status ?? 500 : 200;
      record(req, raw, status, a.mode);
      switch (a.mode) {
        case 'hang': return; // keep the socket open, never answer
        case 'truncate':
          res.writeHead(a.status ?? 200, { 'content-type': 'application/json', 'content-length': '100', ...(a.retryAfter !== undefined ? { 'retry-after': a.retryAfter } : {}) });
          res.write('{"partialSucc');
          setImmediate(() => req.socket.destroy());
          return;
        case 'status': {
          const headers: Record<string, string> = { 'content-type': 'application/json', ...a.headers };
          if (a.retryAfter !== undefined) headers['retry-after'] = a.retryAfter;
          res.writeHead(status, headers).end(a.body ?? JSON.stringify({ code: 14, message: `receiver answered ${status}` }));
          return;
        }
        case 'partial':
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ partialSuccess: { rejectedSpans: String(a.rejectedSpans ?? 1), errorMessage: a.errorMessage ?? 'some spans were rejected' } }));
          return;
        case 'invalid-json':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"partialSuccess": nope');
          return;
        case 'slow': {
          const t = setTimeout(() => { if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end('{}'); }, a.delayMs ?? 200);
          res.on('close', () => clearTimeout(t));
          return;
        }
        default:
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
    });
  });
  if (init.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = init.keepAliveTimeoutMs;
  server.on('connection', (s) => { connections++; sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('clientError', (_e, s) => s.destroy());

  function record(req: http.IncomingMessage, raw: Buffer, status: number, m: ReceiverMode): void {
    let body = raw;
    if (req.headers['content-encoding'] === 'gzip' && raw.length > 0) { try { body = zlib.gunzipSync(raw); } catch { body = Buffer.alloc(0); } }
    let json: any = null;
    try { json = body.length ? JSON.parse(body.toString('utf8')) : null; } catch { json = null; }
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, bytes: raw.length, json, status, mode: m });
    notify();
  }

  function notify(): void {
    for (let i = waiters.length - 1; i >= 0; i--) if (requests.length >= waiters[i]!.n) { waiters[i]!.resolve(); waiters.splice(i, 1); }
  }

  const listen = (port: number): Promise<void> => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); listening = true; resolve(); });
  });
  const stop = (): Promise<void> => new Promise((resolve) => {
    if (!listening) { resolve(); return; }
    listening = false;
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });

  await listen(0);
  const port = (server.address() as AddressInfo).port;
  if (mode === 'refuse') await stop();

  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    port,
    requests,
    get connections() { return connections; },
    spans() {
      const out: any[] = [];
      for (const r of requests) {
        if (r.status < 200 || r.status >= 300 || r.json == null) continue;
        for (const rs of r.json.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) out.push(s);
      }
      return out;
    },
    async setMode(m, o = {}) {
      opts = { ...o };
      if (m === 'refuse') { mode = m; await stop(); return; }
      if (mode === 'refuse') await listen(port);
      mode = m;
    },
    respondNext(answers) { queue.push(...answers); },
    closeIdle() { server.closeIdleConnections(); },
    waitForRequests(n, timeoutMs = 5000) {
      if (requests.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`receiver: ${requests.length}/${n} requests after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ n, resolve: () => { clearTimeout(t); resolve(); } });
      });
    },
    close: stop,
  };
}
