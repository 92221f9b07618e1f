// Ingress options resolved once: trust policy, tenant rule, trace-header names (checked as HTTP tokens),
// header allowlists, and the per-config start attributes, span options and response listeners that every
// request of this config reuses. Nothing here is built per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Tracer } from '../src/tracer.js';
import { SpanKind, type SpanOptions } from '../src/span.js';
import { finish, tracedWriteHead, type Req, type Res } from './http-response.js';
import { finishHttp2 } from './http2-compat.js';
import { HeaderAllowlist, HTTP_TOKEN } from './http-headers.js';
import { DEFAULT_TENANT_MAX_LENGTH } from '../src/bounded-id.js';
import type { TrustPolicy, ServerTracingOptions } from '../src/http-server-options.js';

export type { TrustPolicy, ServerTracingOptions } from '../src/http-server-options.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

const POLICY: Record<TrustPolicy, number> = { preserve: 0, 'preserve-ids': 1, link: 2, restart: 3 };

/** The policy's number, or -1 for anything else ('toString' included: not read through the prototype). */
export function policyOf(p: unknown): number {
  return typeof p === 'string' && Object.prototype.hasOwnProperty.call(POLICY, p) ? POLICY[p as TrustPolicy] : -1;
}

/** Start attributes, one reused object per config: startSpan copies them synchronously. */
interface StartAttrs {
  [key: string]: string | number | undefined;
  'http.request.method': string;
  'http.request.method_original': string | undefined;
  'url.path': string | undefined;
  'url.scheme': string;
  'server.address': string;
  'server.port': number | undefined;
  'network.transport': string | undefined;
  'tenant.id': string | undefined;
}

/** A plain object literal (Object.prototype), which startSpan reads in place; a class instance it would copy first. */
function startAttrs(): StartAttrs {
  return { 'http.request.method': '', 'http.request.method_original': undefined, 'url.path': undefined, 'url.scheme': '', 'server.address': '', 'server.port': 0, 'network.transport': undefined, 'tenant.id': undefined };
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
  readonly attrs = startAttrs();
  readonly opts: SpanOptions;
  /** Last Host header seen and what it parsed to. */
  lastHost: string | undefined = undefined;
  lastAddress: string | null = null;
  lastPort = -1;
  /** lastHost is no RFC 9110 Host, or names no usable port: counted per request (httpStats.hostRejected) */
  lastHostBad = false;
  /** The listener of the last request's socket (`socket.server`; null before any) and what it listens on. */
  lastServer: unknown = null;
  /** Its socket name when it listens on a Unix socket or named pipe (`@name` for a Linux abstract one), else null (TCP). */
  lastPipe: string | null = null;
  /** `network.transport` of its requests: 'unix', 'pipe', or undefined for TCP (the default, not recorded). */
  lastTransport: string | undefined = undefined;
  /** Per-config listeners (not per request): `this` is the response. */
  readonly onClose: (this: Res) => void;
  /** HTTP/2 compat requests only: their span ends at the request's 'close' (http2-compat). */
  readonly onHttp2Close: (this: Req) => void;
  readonly writeHead: (this: Res, statusCode: number, reason?: unknown, headers?: unknown) => ServerResponse;

  constructor(tracer: Tracer, o: ServerTracingOptions = {}) {
    this.tracer = tracer;
    const warn = (m: string): void => tracer.logger(m);
    this.trust = o.trust == null || typeof o.trust === 'function' ? 0 : checkedPolicy(o.trust);
    this.trustFn = typeof o.trust === 'function' ? o.trust : null;
    this.tenantHeader = typeof o.tenant === 'string' ? o.tenant.toLowerCase() : null;
    this.tenantFn = typeof o.tenant === 'function' ? o.tenant : null;
    this.tenantMax = typeof o.tenantMaxLength === 'number' && o.tenantMaxLength > 0 ? o.tenantMaxLength : DEFAULT_TENANT_MAX_LENGTH;
    this.tenantKey = typeof o.tenantAttribute === 'string' && o.tenantAttribute.length > 0 ? o.tenantAttribute : 'tenant.id';
    this.attrs[this.tenantKey] = undefined; // the start attributes' shape is fixed here, not at the first request
    this.timingHeader = o.serverTimingHeader === false ? null : headerName(o.serverTimingHeader ?? 'server-timing', 'serverTimingHeader');
    this.traceIdHeader = o.traceIdHeader === false ? null : headerName(o.traceIdHeader ?? 'x-trace-id', 'traceIdHeader');
    this.traceResponseHeader = o.traceResponseHeader === true ? 'traceresponse' : typeof o.traceResponseHeader === 'string' ? headerName(o.traceResponseHeader, 'traceResponseHeader') : null;
    // OTEL_SDK_DISABLED: no span of this service to name; the IDs at hand are the caller's own (README, Environment variables)
    if (tracer.disabled === true) this.timingHeader = this.traceIdHeader = this.traceResponseHeader = null;
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
    this.onHttp2Close = function onHttp2Close(this: Req): void { finishHttp2(cfg, this); };
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

function checkedPolicy(p: unknown): number {
  const n = policyOf(p);
  if (n < 0) throw new TypeError(`tracewire/http: unknown trust policy ${JSON.stringify(p)} (preserve | preserve-ids | link | restart)`);
  return n;
}
