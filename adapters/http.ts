// tracewire/http: node:http / node:https server (ingress) and client instrumentation, plus retry().
export {
  withTracing, traceServer, untraceServer, setRoute, getRequestSpan, startRequest, ServerConfig,
  type ServerTracingOptions, type TrustPolicy, type RequestHandler, type Http2RequestHandler,
} from './http-server.js';
export { traceRequest, ClientConfig, type ClientTracingOptions } from './http-client.js';
export { traceHttpClient, untraceHttpClient } from './http-client-patch.js';
export { retry, AttemptContext, resendCountOf, type RetryPolicy } from './retry.js';
export { normalizeMethod } from './http-attrs.js';
export { pathOf } from './http-url.js';
export { adapterStats, type HttpAdapterStats } from './http-stats.js';
