// node:http / node:https ingress: one SERVER span per request, generate-or-preserve of the W3C context
// under a trust policy, the trace ID sent back on every response. Options are resolved once into a
// ServerConfig; per request: one span, one scratch-reused attribute object, listeners shared per config.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import type { Tracer } from '../src/tracer.js';
import { SpanKind, type AnySpan, type SpanOptions } from '../src/span.js';
import { FLAG_SAMPLED, type SpanContext } from '../src/span-context.js';
import { storage } from '../src/context.js';
import { cannedResponse, finish, kSpan, setResponseHeaders, tracedWriteHead, type Req, type Res } from './http-response.js';
export { setRoute, getRequestSpan } from './http-response.js';
import { clientErrorStatus, clientErrorType, HeaderAllowlist, HTTP_TOKEN, hostOf, hostPortOf, httpStats, isBoundedId, nameOfMethod, normalizeMethod, pathOf, reportInternal } from './http-attrs.js';

/**
 * What to do with an incoming W3C context:
 * - `preserve` (default): continue the caller's trace, honour its sampled flag;
 * - `preserve-ids`: continue the trace (same trace ID, caller as parent, tracestate kept) but let this
 *   tracer's root sampler decide, so an untrusted caller cannot force 100% sampling;
 * - `link`: start a new trace, keep the caller's context as a span link;
 * - `restart`: ignore the incoming headers.
 */
export type TrustPolicy = 'preserve' | 'preserve-ids' | 'link' | 'restart';

export interface ServerTracingOptions {
  /** Static policy, or a function of the request (e.g. trust only the mesh's internal callers). */
  trust?: TrustPolicy | ((req: IncomingMessage) => TrustPolicy);
  /** Tenant: a request header set by the platform gateway (e.g. `x-tenant-id`), or a function. Recorded as `tenantAttribute` at span start. */
  tenant?: string | ((req: IncomingMessage) => string | undefined | null);
  /** The attribute the tenant is recorded as (default `tenant.id`); the config file passes its `tenantAttribute`. */
  tenantAttribute?: string;
  /** Longest accepted tenant ID (default 64); longer values or other chars than `[A-Za-z0-9._:@-]` are dropped and counted. */
  tenantMaxLength?: number;
  /** Response header with `trace;desc=00-<trace>-<span>-<flags>` (W3C Trace Context Level 3 draft); false = off. Default `server-timing`. */
  serverTimingHeader?: string | false;
  /** Response header with the plain trace ID; false = off. Default `x-trace-id`. */
  traceIdHeader?: string | false;
  /** Also send the older draft `traceresponse: 00-<trace>-<span>-<flags>` (true, or a header name). Default off. */
  traceResponseHeader?: string | boolean;
  /** Record `url.path` (default true). Paths can hold IDs (`/users/42`): set false to omit it. */
  recordPath?: boolean;
  /** Route template of a request, read when it ends (for routers that keep it elsewhere, e.g. `res.locals.route`). */
  routeOf?: (req: IncomingMessage, res: ServerResponse) => string | undefined | null;
  /** Request headers to record as `http.request.header.<name>`; credentials are refused even here. */
  requestHeaders?: readonly string[];
  /** Response headers to record as `http.response.header.<name>`. */
  responseHeaders?: readonly string[];
  /**
   * When a handler throws or rejects: answer 500 (if nothing was sent) and swallow the error. Default false: record it,
   * rethrow. Under `traceServer` only synchronous throws are seen (`emit` drops a listener's promise): wrap an
   * async handler with `withTracing(tracer, handler)` to cover its rejections.
   */
  respondOnThrow?: boolean;
  /** Fixed `server.address` (skips the Host header). */
  serverAddress?: string;
  /** Requests not to trace at all (no span, no response headers), e.g. health probes. */
  ignore?: (req: IncomingMessage) => boolean;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

const kOrigEmit = Symbol.for('tracewire.http.origEmit');

const POLICY: Record<TrustPolicy, number> = { preserve: 0, 'preserve-ids': 1, link: 2, restart: 3 };

/** Start attributes, one reused object per config: startSpan copies them synchronously. */
class StartAttrs {
  [key: string]: string | number | undefined;
  'http.request.method' = '';
  'http.request.method_original': string | undefined = undefined;
  'url.path': string | undefined = undefined;
  'url.scheme' = '';
  'server.address' = '';
  'server.port' = 0;
  'tenant.id': string | undefined = undefined;
}

export class ServerConfig {
  readonly tracer: Tracer;
  readonly trust: number;
  readonly trustFn: ((req: IncomingMessage) => TrustPolicy) | null;
  readonly tenantHeader: string | null;
  readonly tenantFn: ((req: IncomingMessage) => string | undefined | null) | null;
  readonly tenantMax: number;
  readonly tenantKey: string;
  readonly timingHeader: string | null;
  readonly traceIdHeader: string | null;
  readonly traceResponseHeader: string | null;
  readonly anyHeader: boolean;
  readonly recordPath: boolean;
  readonly routeOf: ServerTracingOptions['routeOf'] | null;
  readonly reqHeaders: HeaderAllowlist;
  readonly resHeaders: HeaderAllowlist;
  readonly respondOnThrow: boolean;
  readonly serverAddress: string | null;
  readonly ignore: ((req: IncomingMessage) => boolean) | null;
  readonly attrs = new StartAttrs();
  readonly opts: SpanOptions;
  /** Last Host header seen and what it parsed to. */
  lastHost: string | undefined = undefined;
  lastAddress: string | null = null;
  lastPort = -1;
  /** Per-config listeners (not per request): `this` is the response. */
  readonly onClose: (this: Res) => void;
  readonly writeHead: (this: Res, statusCode: number, reason?: unknown, headers?: unknown) => ServerResponse;

  constructor(tracer: Tracer, o: ServerTracingOptions = {}) {
    this.tracer = tracer;
    const warn = (m: string): void => tracer.logger(m);
    this.trust = typeof o.trust === 'string' ? (POLICY[o.trust] ?? badPolicy(o.trust)) : 0;
    this.trustFn = typeof o.trust === 'function' ? o.trust : null;
    this.tenantHeader = typeof o.tenant === 'string' ? o.tenant.toLowerCase() : null;
    this.tenantFn = typeof o.tenant === 'function' ? o.tenant : null;
    this.tenantMax = typeof o.tenantMaxLength === 'number' && o.tenantMaxLength > 0 ? o.tenantMaxLength : 64;
    this.tenantKey = typeof o.tenantAttribute === 'string' && o.tenantAttribute.length > 0 ? o.tenantAttribute : 'tenant.id';
    this.attrs[this.tenantKey] = undefined; // the start attributes' shape is fixed here, not at the first request
    this.timingHeader = o.serverTimingHeader === false ? null : headerName(o.serverTimingHeader ?? 'server-timing', 'serverTimingHeader');
    this.traceIdHeader = o.traceIdHeader === false ? null : headerName(o.traceIdHeader ?? 'x-trace-id', 'traceIdHeader');
    this.traceResponseHeader = o.traceResponseHeader === true ? 'traceresponse' : typeof o.traceResponseHeader === 'string' ? headerName(o.traceResponseHeader, 'traceResponseHeader') : null;
    this.anyHeader = this.timingHeader !== null || this.traceIdHeader !== null || this.traceResponseHeader !== null;
    this.recordPath = o.recordPath !== false;
    this.routeOf = o.routeOf ?? null;
    this.reqHeaders = new HeaderAllowlist(o.requestHeaders, 'http.request.header.', warn);
    this.resHeaders = new HeaderAllowlist(o.responseHeaders, 'http.response.header.', warn);
    this.respondOnThrow = o.respondOnThrow === true;
    this.serverAddress = o.serverAddress ?? null;
    this.ignore = o.ignore ?? null;
    this.opts = { kind: SpanKind.SERVER, parent: null, attributes: this.attrs, links: undefined, sampleAsRoot: false };
    const cfg = this;
    this.onClose = function onClose(this: Res): void { finish(cfg, this); };
    this.writeHead = function writeHead(this: Res, statusCode: number, reason?: unknown, headers?: unknown): ServerResponse { return tracedWriteHead(cfg, this, statusCode, reason, headers); };
  }
}

/**
 * A response header name option, lower-cased; refused here when it is no HTTP token (RFC 9110 §5.1), since
 * Node's writeHead would otherwise throw ERR_INVALID_HTTP_TOKEN out of every response.
 */
function headerName(name: unknown, option: string): string {
  if (typeof name !== 'string' || !HTTP_TOKEN.test(name)) throw new TypeError(`tracewire/http: ${option} ${JSON.stringify(name)} is not an HTTP header name (letters, digits and !#$%&'*+.^_\`|~-)`);
  return name.toLowerCase();
}

function badPolicy(p: unknown): never {
  throw new TypeError(`tracewire/http: unknown trust policy ${JSON.stringify(p)} (preserve | preserve-ids | link | restart)`);
}

/** Start the SERVER span and set the response headers; undefined when the request is not traced. */
export function startRequest(cfg: ServerConfig, req: Req, res: Res): AnySpan | undefined {
  try {
    if (req[kSpan] !== undefined) return undefined; // already traced (a wrapped handler on a traced server): one span per request
    if (cfg.ignore !== null && cfg.ignore(req)) return undefined;
    const tracer = cfg.tracer;
    const policy = cfg.trustFn === null ? cfg.trust : (POLICY[cfg.trustFn(req)] ?? 0);
    const incoming: SpanContext | null = policy === 3 ? null : tracer.extract(req.headers);
    const method = normalizeMethod(req.method);
    const name = nameOfMethod(method);
    const a = cfg.attrs;
    a['http.request.method'] = method;
    a['http.request.method_original'] = method === '_OTHER' ? req.method : undefined;
    a['url.path'] = cfg.recordPath ? pathOf(req.url) : undefined;
    const socket = req.socket;
    a['url.scheme'] = socket !== null && (socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
    const host = req.headers.host;
    if (host === undefined || host !== cfg.lastHost) resolveHost(cfg, host);
    a['server.address'] = cfg.serverAddress ?? cfg.lastAddress ?? socket?.localAddress ?? '';
    a['server.port'] = cfg.lastPort > 0 ? cfg.lastPort : socket?.localPort ?? 0;
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
}

function tenantOf(cfg: ServerConfig, req: IncomingMessage): string | undefined {
  const v = cfg.tenantFn !== null ? cfg.tenantFn(req) : req.headers[cfg.tenantHeader!];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && isBoundedId(v, cfg.tenantMax)) return v;
  httpStats.tenantRejected++;
  return undefined;
}

/** A handler threw or its promise rejected: record it; answer 500 only when asked to. */
function handlerFailed(cfg: ServerConfig, span: AnySpan, res: Res, err: unknown): boolean {
  httpStats.handlerErrors++;
  span.recordError(err);
  if (!cfg.respondOnThrow) return false;
  try {
    if (!res.headersSent) { res.statusCode = 500; res.end(); } else res.destroy();
  } catch { /* the socket is gone */ }
  return true;
}

function callHandler(cfg: ServerConfig, span: AnySpan, handler: RequestHandler, self: unknown, req: Req, res: Res): unknown {
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

/**
 * Node >= 24 keeps async context in AsyncContextFrame (its AsyncLocalStorage has no async_hooks `_propagate`):
 * `req` 'data'/'end' events are emitted from the socket's frame, which enterWith in the handler no longer
 * reaches (on Node 20 it set the store on the parser's resource). There, `req` gets an own `emit` (one
 * shared function, no closure per request) that emits its events inside the request's span.
 */
const FRAME_CONTEXT = typeof (storage as unknown as { _propagate?: unknown })._propagate !== 'function';
/**
 * The span is active for the rest of this request: the handler, its continuations and its `req` events.
 * Not run(): on Node 20 it would lose the span in req 'data'/'end' listeners (emitted from the connection's
 * parser resource), where enterWith sets it on that resource.
 */
function enterRequest(req: Req, span: AnySpan): void {
  storage.enterWith(span);
  if (FRAME_CONTEXT) req.emit = emitInRequestSpan;
}

/**
 * An untraced request (ignored, or the adapter failed) must not run in the span that enterWith left on this
 * keep-alive connection for the request before it. A request already traced by an outer wrapper keeps its span.
 */
function leaveStale(req: Req): void {
  if (req[kSpan] === undefined && storage.getStore() !== undefined) storage.enterWith(undefined as unknown as AnySpan);
}

const PLAIN_EMIT = EventEmitter.prototype.emit;
function emitInRequestSpan(this: Req, event: string | symbol, ...args: unknown[]): boolean {
  const span = this[kSpan];
  // Every storage.run makes a new AsyncContextFrame (a Map copy): ~0.8 µs per request for a req's 'end', 'close'
  // and the rest (Node 24 CPU profile under load). An event nobody listens to, or one emitted inside the span
  // already, needs no frame; "nobody" only with the plain emit (a custom class's or a patch's emit is user code).
  const emit = (Object.getPrototypeOf(this) as IncomingMessage).emit;
  if (span === undefined || storage.getStore() === span || (emit === PLAIN_EMIT && this.listenerCount(event) === 0)) {
    return emit.call(this, event, ...args); // rest forwarded: no array (as emitOn's)
  }
  return storage.run(span, emitOn, this, event, args);
}
/** The inherited emit, looked up per call: a custom IncomingMessage class or a later patch of it is honoured. */
function emitOn(req: Req, event: string | symbol, args: unknown[]): boolean {
  return (Object.getPrototypeOf(req) as IncomingMessage).emit.call(req, event, ...args);
}

/**
 * Wrap a `(req, res)` handler for `http.createServer` / `https.createServer`. The span is active while the
 * handler runs and in its request-body listeners.
 */
export function withTracing(tracer: Tracer, handler: RequestHandler, options?: ServerTracingOptions): RequestHandler;
export function withTracing<S extends Server>(tracer: Tracer, server: S, options?: ServerTracingOptions): S;
export function withTracing(tracer: Tracer, target: RequestHandler | Server, options?: ServerTracingOptions): RequestHandler | Server {
  if (typeof target !== 'function') return traceServer(tracer, target, options);
  const cfg = new ServerConfig(tracer, options);
  return function tracedHandler(this: unknown, req: IncomingMessage, res: ServerResponse): unknown {
    const span = startRequest(cfg, req as Req, res as Res);
    if (span === undefined) { leaveStale(req as Req); return target.call(this, req, res); }
    enterRequest(req as Req, span);
    return callHandler(cfg, span, target, this, req as Req, res as Res);
  };
}

/** Trace every request of an existing `http.Server` / `https.Server` (its 'request' listeners run in the span). Returns the server. */
export function traceServer<S extends Server>(tracer: Tracer, server: S, options?: ServerTracingOptions): S {
  const s = server as unknown as Patched;
  if (s[kOrigEmit] !== undefined) untraceServer(server);
  const cfg = new ServerConfig(tracer, options);
  const own = Object.prototype.hasOwnProperty.call(s, 'emit');
  const orig = s.emit as (...a: unknown[]) => boolean;
  s[kOrigEmit] = own ? (orig as Server['emit']) : null;
  // Node answers an HTTP/1.1 request without Host 400 itself, with no event (parserOnIncoming, RFC 9112 §3.2):
  // no span, no trace headers, no count. The same answer is given here, to a traced request.
  const requireHost = s.requireHostHeader !== false;
  if (requireHost) { s.requireHostHeader = false; s[kRequireHost] = true; }
  s.emit = function tracedEmit(this: Server, event: string | symbol, req: Req, res: Res): boolean {
    // checkContinue / checkExpectation replace 'request' for `Expect:` requests when the server listens for them.
    if (event !== 'request' && event !== 'checkContinue' && event !== 'checkExpectation') {
      if (event === 'clientError') return onClientError(cfg, this, orig, req as unknown as Error, res as unknown as Socket);
      if (event === 'dropRequest') onDropRequest(cfg, req, res as unknown as Socket);
      return orig.apply(this, arguments as unknown as unknown[]);
    }
    const span = startRequest(cfg, req, res);
    if (requireHost && req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) return missingHost(res);
    if (span === undefined) { leaveStale(req); return orig.call(this, event, req, res); }
    enterRequest(req, span);
    try {
      return orig.call(this, event, req, res);
    } catch (err) {
      // Listeners' return values are dropped by emit, so only synchronous throws are seen here.
      if (handlerFailed(cfg, span, res, err)) return true;
      throw err;
    }
  } as Server['emit'];
  return server;
}

/**
 * Node's 'clientError' (lib/_http_server.js socketOnError; also its requestTimeout/headersTimeout check). Without
 * a listener Node writes a canned 400/408/413/431 on the raw socket and destroys it. When a traced request is in
 * flight (requestTimeout while its body is still coming, a malformed chunked body, a malformed pipelined request
 * behind it) that answer would bypass the response and its trace headers: we write the same bytes plus the trace
 * headers instead, and the span gets the status and `error.type`. No request in flight: counted, left to Node.
 */
function onClientError(cfg: ServerConfig, server: Server, orig: (...a: unknown[]) => boolean, err: Error, socket: Socket): boolean {
  const res = (socket as unknown as { _httpMessage?: Res | null } | null)?._httpMessage;
  const span = res?.req?.[kSpan];
  if (span === undefined) {
    // A parse error or timeout of a request that never became one (not a reset of an idle connection).
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code.startsWith('HPE_'))) httpStats.clientErrors++;
    return orig.call(server, 'clientError', err, socket);
  }
  const type = clientErrorType(err) ?? 'aborted';
  if (orig.call(server, 'clientError', err, socket)) { // the host's listener answers (or not): only the span learns why
    if (span.getAttribute('error.type') === undefined) span.setAttribute('error.type', type);
    return true;
  }
  let head: string | null = null;
  const status = clientErrorStatus((err as { code?: string })?.code ?? null);
  try {
    // Node's condition for answering: a writable socket and nothing of the in-flight response sent yet.
    if (socket.writable && !(res as unknown as { _headerSent?: boolean })._headerSent) head = cannedResponse(cfg, span, status);
  } catch (e) {
    reportInternal(cfg.tracer.logger, 'tracewire/http clientError', e);
    return false; // Node answers as it would without tracing
  }
  if (head !== null) {
    socket.write(head, 'latin1');
    res!.statusCode = status; // finish() reads it if the handler had called writeHead (headers not flushed yet)
    span.setAttribute('http.response.status_code', status);
  }
  if (span.getAttribute('error.type') === undefined) span.setAttribute('error.type', type);
  socket.destroy(err);
  return true;
}

/**
 * Past `server.maxRequestsPerSocket` Node answers 503 itself, with no 'request' event (lib/_http_server.js
 * parserOnIncoming). A request that holds the socket's response is traced like any (its 503 gets the trace
 * headers); one queued behind another (pipelined, the usual case) cannot be reached: counted.
 */
function onDropRequest(cfg: ServerConfig, req: Req, socket: Socket | null): void {
  const res = (socket as unknown as { _httpMessage?: Res | null } | null)?._httpMessage;
  if (res == null || res.req !== req || startRequest(cfg, req, res) === undefined) httpStats.clientErrors++;
}

/** Node's own answer to an HTTP/1.1 request without Host (lib/_http_server.js), the handler not called. */
function missingHost(res: Res): boolean {
  res.writeHead(400, ['Connection', 'close']); // a 4xx is the client's error, not the server span's (semconv)
  res.end();
  return true;
}

const kRequireHost = Symbol.for('tracewire.http.requireHost');
type Patched = { emit: Server['emit']; requireHostHeader?: boolean; [kOrigEmit]?: Server['emit'] | null; [kRequireHost]?: boolean };

/** Undo traceServer: the server's emit is exactly what it was. */
export function untraceServer(server: Server): void {
  const s = server as unknown as Patched;
  const orig = s[kOrigEmit];
  if (orig === undefined) return;
  if (orig === null) delete (s as Partial<Patched>).emit;
  else s.emit = orig;
  delete s[kOrigEmit];
  if (s[kRequireHost] === true) { if (s.requireHostHeader === false) s.requireHostHeader = true; delete s[kRequireHost]; }
}
