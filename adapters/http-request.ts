// Per request, on the hot path: start the SERVER span (trust policy applied, attributes into the config's
// scratch object, tenant checked), then call the handler and record its throw or rejection.
import type { IncomingMessage } from 'node:http';
import type { AnySpan } from '../src/span.js';
import type { SpanContext } from '../src/span-context.js';
import { endAtClose, kSpan, setResponseHeaders, type Req, type Res } from './http-response.js';
import { isBoundedId } from '../src/bounded-id.js';
import { isNamedPipe, nameOfMethod, normalizeMethod, socketName } from './http-attrs.js';
import { pathOf } from './http-url.js';
import { httpStats, reportCallback, reportInternal } from './http-stats.js';
import { hostOf, hostPortOf } from './http-host.js';
import { policyOf, type RequestHandler, type ServerConfig } from './http-server-config.js';
import { authorityOf, startHttp2 } from './http2-compat.js';

/** Start the SERVER span and set the response headers; undefined when the request is not traced. */
export function startRequest(cfg: ServerConfig, req: Req, res: Res): AnySpan | undefined {
  try {
    if (req[kSpan] !== undefined) return undefined; // already traced (a wrapped handler on a traced server): one span per request
    if (cfg.ignore !== null && ignored(cfg, req)) return undefined;
    const tracer = cfg.tracer;
    const policy = cfg.trustFn === null ? cfg.trust : trustOf(cfg, req);
    const incoming: SpanContext | null = policy === 3 ? null : tracer.extract(req.headers);
    const method = normalizeMethod(req.method);
    const name = nameOfMethod(method);
    const a = cfg.attrs;
    a['http.request.method'] = method;
    a['http.request.method_original'] = method === '_OTHER' ? req.method : undefined;
    a['url.path'] = cfg.recordPath ? pathOf(req.url) : undefined;
    const socket = req.socket;
    a['url.scheme'] = socket !== null && (socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
    let host = req.headers.host;
    if (host === undefined) host = authorityOf(req); // HTTP/2 (the cold branch of HTTP/1.1, where Host is required)
    if (host === undefined || host !== cfg.lastHost) resolveHost(cfg, host);
    if (cfg.lastHostBad) httpStats.hostRejected++;
    // The listener, not the socket: a Unix socket has no port (localPort undefined) and no address of its own
    const listener = socket === null ? undefined : (socket as { server?: unknown }).server;
    if (listener !== cfg.lastServer) resolveListener(cfg, listener);
    const pipe = cfg.lastPipe;
    a['server.address'] = cfg.serverAddress ?? cfg.lastAddress ?? (pipe ?? socket?.localAddress) ?? '';
    a['server.port'] = cfg.lastPort > 0 ? cfg.lastPort : pipe !== null ? undefined : socket?.localPort; // never 0: unknown is unrecorded
    a['network.transport'] = cfg.lastTransport;
    a[cfg.tenantKey] = cfg.tenantHeader === null && cfg.tenantFn === null ? undefined : tenantOf(cfg, req);
    const opts = cfg.opts;
    opts.parent = null;
    opts.links = undefined;
    opts.sampleAsRoot = false;
    if (incoming !== null) {
      if (policy === 0) opts.parent = incoming;
      else if (policy === 1) {
        // Same trace, but the decision is this tracer's root sampler's, not the caller's flag.
        opts.parent = incoming;
        opts.sampleAsRoot = true;
      } else opts.links = [incoming];
    }
    const span = tracer.startSpan(name, opts);
    if (cfg.reqHeaders.names.length > 0 && span.isRecording()) cfg.reqHeaders.record(span, req.headers);
    setResponseHeaders(cfg, req, res, span);
    // node:http2 compat API. HTTP/1 pays this one compare (an own field of IncomingMessage); an h2 request may carry Host, so not folded into the Host branch
    if (req.httpVersionMajor === 2) startHttp2(cfg, req, res, span);
    else endAtClose(cfg, req, res, span);
    return span;
  } catch (err) {
    reportInternal(cfg.tracer.logger, 'tracewire/http server', err);
    return undefined;
  }
}

/** Parse a Host header once; a server mostly sees the same value, so the last one is kept. */
function resolveHost(cfg: ServerConfig, host: string | undefined): void {
  cfg.lastHost = host;
  cfg.lastAddress = hostOf(host);
  cfg.lastPort = hostPortOf(host);
  // No name from a non-empty value, or a port written but unusable (`h:0`); `h:` and an empty Host are valid
  cfg.lastHostBad = host !== undefined && host.length > 0 && (cfg.lastAddress === null || (cfg.lastPort < 0 && !host.endsWith(':') && hasPort(host)));
}

/**
 * What the server a request came in on listens on, kept for its next requests (one compare per request): a
 * `net.Server` on a Unix socket or named pipe gives its path as address() (a TCP one an object), and its
 * requests have no port. Semconv as on the client (http-attrs fillSocketAttrs): `network.transport` `unix`
 * or `pipe`, the socket's name as `server.address` when no Host names the server. No `socket.server` (a
 * connection handed in with emit('connection')): TCP's attributes, from the socket.
 */
function resolveListener(cfg: ServerConfig, listener: unknown): void {
  cfg.lastServer = listener;
  let path: unknown = null;
  try {
    const address = (listener as { address?: unknown } | undefined)?.address;
    if (typeof address === 'function') path = address.call(listener);
  } catch { /* its handle failed getsockname: as TCP */ }
  const pipe = typeof path === 'string' && path.length > 0;
  cfg.lastPipe = pipe ? socketName(path as string) : null;
  cfg.lastTransport = !pipe ? undefined : isNamedPipe(path as string) ? 'pipe' : 'unix';
}

/** Does a valid Host value carry a port part (a ':' past any IP-literal)? */
function hasPort(host: string): boolean {
  return host.lastIndexOf(':') > host.lastIndexOf(']');
}

// The user's callbacks: a throw (or no policy) is their bug, not a reason to send a response without its
// trace headers (AC-001), so the request is traced with a safe default, counted (callbackErrors).

function ignored(cfg: ServerConfig, req: IncomingMessage): boolean {
  try {
    return cfg.ignore!(req) === true;
  } catch (err) {
    reportCallback(cfg.tracer.logger, 'ignore()', 'not ignored', err);
    return false;
  }
}

/** Fails closed: `preserve-ids` keeps the caller's trace ID (AC-001) but not its sampled flag. */
function trustOf(cfg: ServerConfig, req: IncomingMessage): number {
  let p: unknown;
  try {
    p = cfg.trustFn!(req);
  } catch (err) {
    reportCallback(cfg.tracer.logger, 'trust()', 'using preserve-ids', err);
    return 1;
  }
  const n = policyOf(p);
  if (n >= 0) return n;
  reportCallback(cfg.tracer.logger, `trust() returned ${typeof p === 'string' ? JSON.stringify(p.slice(0, 32)) : typeof p}, not preserve | preserve-ids | link | restart`, 'using preserve-ids');
  return 1;
}

function tenantOf(cfg: ServerConfig, req: IncomingMessage): string | undefined {
  let v: unknown;
  if (cfg.tenantFn === null) v = req.headers[cfg.tenantHeader!];
  else {
    try { v = cfg.tenantFn(req); } catch (err) {
      reportCallback(cfg.tracer.logger, 'tenant()', 'no tenant recorded', err);
      return undefined;
    }
  }
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && isBoundedId(v, cfg.tenantMax)) return v;
  httpStats.tenantRejected++;
  return undefined;
}

/** A handler threw or its promise rejected: record it; answer 500 only when asked to. */
export function handlerFailed(cfg: ServerConfig, span: AnySpan, res: Res, err: unknown): boolean {
  httpStats.handlerErrors++;
  span.recordError(err);
  if (!cfg.respondOnThrow) return false;
  try {
    if (!res.headersSent) { res.statusCode = 500; res.end(); } else res.destroy();
  } catch { /* the socket is gone */ }
  return true;
}

export function callHandler(cfg: ServerConfig, span: AnySpan, handler: RequestHandler, self: unknown, req: Req, res: Res): unknown {
  let r: unknown;
  try {
    r = handler.call(self, req, res);
  } catch (err) {
    if (handlerFailed(cfg, span, res, err)) return undefined;
    throw err;
  }
  if (r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function') {
    // Async handlers only: one closure to know which request failed.
    return (r as Promise<unknown>).then(undefined, (err: unknown) => {
      if (handlerFailed(cfg, span, res, err)) return undefined;
      throw err;
    });
  }
  return r;
}
