// The ingress options' types: what traceServer/withTracing take and what the config file's `http` section picks
// from (src/config/types.ts), kept in the core so config never imports an adapter (adapters import the core).
import type { IncomingMessage, ServerResponse } from 'node:http';

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
