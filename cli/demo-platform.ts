// The demo's small platform, all in one process on loopback: ingress → auth, ingress → orchestration →
// data-service (a retried call, an occasional failure) → queue → worker → data-service. The worker has
// one "legacy" call that drops the trace context, so `tracewire audit` has a broken hop to find.
import { createServer, request, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '../src/span.js';
import { markNoTrace } from '../src/suppress.js';
import type { Tracer } from '../src/tracer.js';
import { withTracing, traceHttpClient, retry, setRoute } from '../adapters/http.js';
import { publish, consumeMessage, type Carrier } from '../adapters/queue.js';

export interface Platform { ingressUrl: string; drained(): Promise<void>; close(): Promise<void> }
export interface Tracers { ingress: Tracer; auth: Tracer; orchestration: Tracer; data: Tracer; worker: Tracer }

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
// Requests made outside a span (the load generator, the legacy client) carry this agent: never traced.
const untraced = markNoTrace(new Agent({ keepAlive: false }));

export interface Answer { status: number; headers: IncomingMessage['headers']; body: string }

export function call(url: string, method = 'GET', agent?: Agent, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: agent ?? false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { if (body.length < 4096) body += d; });
      // resolve on the request's 'close': the client span ends there, so the caller's own span ends after it
      res.on('end', () => req.once('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body })));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export const callUntraced = (url: string, headers?: Record<string, string>): Promise<Answer> => call(url, 'GET', untraced, headers);

function listen(tracer: Tracer, handler: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>): Promise<{ server: Server; base: string }> {
  const server = createServer(withTracing(tracer, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    handler(req, res, url).catch(() => { if (!res.headersSent) res.statusCode = 500; res.end(); });
  }));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

const JOBS = { system: 'tracewire-demo', destination: 'jobs' };

/** A tiny in-process queue; messages carry W3C headers through tracewire/queue's carrier API. */
class Queue {
  private pending = 0;
  private idle: Array<() => void> = [];
  constructor(private readonly consume: (msg: { headers: Carrier; body: unknown }) => Promise<void>) {}
  publish(tracer: Tracer, body: unknown): Promise<void> {
    return publish(tracer, {}, JOBS, (headers) => {
      this.pending++;
      // delivered later, outside the producer's context, as a broker would
      setTimeout(() => tracer.withSpan(undefined, () => this.consume({ headers, body }).finally(() => { if (--this.pending === 0) this.idle.splice(0).forEach((f) => f()); })), 2);
    });
  }
  drained(): Promise<void> { return this.pending === 0 ? Promise.resolve() : new Promise((r) => this.idle.push(r)); }
}

export async function startPlatform(t: Tracers): Promise<Platform> {
  const undoClient = traceHttpClient(t.ingress, { requireParent: true });
  const data = await listen(t.data, async (req, res, url) => {
    const inventory = url.pathname.startsWith('/inventory');
    setRoute(req, inventory ? '/inventory/:sku' : '/reservations');
    const k = Number(url.searchParams.get('k') ?? 0);
    if (!inventory) { await sleep(1); send(res, 201, { reserved: k }); return; }
    const attempt = Number(req.headers['x-attempt'] ?? 0);
    if (k % 5 === 1 && attempt === 0) { await sleep(2); send(res, 503, { error: 'busy' }); return; } // the retried call
    const q = t.data.startSpan('SELECT inventory', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT', 'db.collection.name': 'inventory' } });
    await sleep(1 + (k % 3));
    if (k % 13 === 7) { q.setAttribute('error.type', 'timeout'); q.setStatus(SpanStatusCode.ERROR); q.end(); send(res, 500, { error: 'db timeout' }); return; } // the occasional failure
    q.end();
    send(res, 200, { sku: k, stock: 10 - (k % 10) });
  });
  const queue = new Queue((msg) => consumeMessage(t.worker, msg.headers, JOBS, async () => {
      const k = (msg.body as { k: number }).k;
      await sleep(1);
      if (k % 8 === 3) {
        // The legacy client: makes a client span but sends no traceparent, so data-service starts a new trace.
        const c = t.worker.startSpan('POST', { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST', 'server.address': 'data-service', 'peer.service': 'data-service' } });
        const r = await call(`${data.base}/reservations?k=${k}`, 'POST', untraced);
        c.setAttribute('http.response.status_code', r.status);
        c.end();
      } else await call(`${data.base}/reservations?k=${k}`, 'POST');
  }));
  const orch = await listen(t.orchestration, async (req, res, url) => {
    setRoute(req, '/orders');
    const k = Number(url.searchParams.get('k') ?? 0);
    const stock = await retry(t.orchestration, (attempt) => call(`${data.base}/inventory/${k}?k=${k}`, 'GET', undefined, { 'x-attempt': String(attempt) }),
      { name: 'fetch inventory', retries: 2, minDelayMs: 1, maxDelayMs: 5 });
    if (stock.status !== 200) { send(res, 502, { error: 'inventory unavailable' }); return; }
    await queue.publish(t.orchestration, { k });
    send(res, 201, { order: k });
  });
  const auth = await listen(t.auth, async (req, res) => {
    setRoute(req, '/verify');
    const s = t.auth.startSpan('verify token', { kind: SpanKind.INTERNAL });
    await sleep(1);
    s.end();
    send(res, 200, { ok: true });
  });
  const ingress = await listen(t.ingress, async (req, res, url) => {
    setRoute(req, '/checkout');
    const k = Number(url.searchParams.get('k') ?? 0);
    const a = await call(`${auth.base}/verify`, 'POST');
    if (a.status !== 200) { send(res, 401, { error: 'unauthorised' }); return; }
    const o = await call(`${orch.base}/orders?k=${k}`, 'POST');
    send(res, o.status === 201 ? 200 : 502, { order: k, status: o.status });
  });
  const servers = [ingress.server, auth.server, orch.server, data.server];
  return {
    ingressUrl: `${ingress.base}/checkout`,
    drained: () => queue.drained(),
    async close() {
      await queue.drained();
      undoClient();
      await Promise.all(servers.map((s) => new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); })));
      untraced.destroy();
    },
  };
}
