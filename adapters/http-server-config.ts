// Ingress options resolved once: trust policy, tenant rule, trace-header names (checked as HTTP tokens),
// header allowlists, and the per-config start attributes, span options and response listeners that every
// request of this config reuses. Nothing here is built per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Tracer } from '../src/tracer.js';
import { SpanKind, type SpanOptions } from '../src/span.js';
import { finish, tracedWriteHead, type Res } from './http-response.js';
import { HeaderAllowlist, HTTP_TOKEN } from './http-headers.js';
import { DEFAULT_TENANT_MAX_LENGTH } from '../src/bounded-id.js';

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

const POLICY: Record<TrustPolicy, number> = { preserve: 0, 'preserve-ids': 1, link: 2, restart: 3 };

/** The policy's number, or -1 for anything else ('toString' included: not read through the prototype). */
export function policyOf(p: unknown): number {
  return typeof p === 'string' && Object.prototype.hasOwnProperty.call(POLICY, p) ? POLICY[p as TrustPolicy] : -1;
}

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
  /** lastHost is no RFC 9110 Host, or names no usable port: counted per request (httpStats.hostRejected) */
  lastHostBad = false;
  /** Per-config listeners (not per request): `this` is the response. */
  readonly onClose: (this: Res) => void;
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

function checkedPolicy(p: unknown): number {
  const n = policyOf(p);
  if (n < 0) throw new TypeError(`tracewire/http: unknown trust policy ${JSON.stringify(p)} (preserve | preserve-ids | link | restart)`);
  return n;
}
