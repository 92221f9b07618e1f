// The HTTP/fetch adapters' counters (every drop or skip is counted) and their rate-limited reports.

/** Counters of the HTTP/fetch adapters (process-wide; every drop or skip is counted here). */
export class HttpAdapterStats {
  /** tenant values that failed validation and were dropped */
  tenantRejected = 0;
  /** Host headers that are no RFC 9110 Host, or name no port in 1..65535: server.address / server.port are the socket's */
  hostRejected = 0;
  /** errors inside the adapters themselves, caught; the request went on untraced */
  internalErrors = 0;
  /**
   * Your `ignore`, `trust` or `tenant` function threw, or `trust` returned no policy: the request is still
   * traced (not ignored; `preserve-ids`, so no caller can force sampling; no tenant)
   */
  callbackErrors = 0;
  /** outgoing requests whose headers were already sent, so traceparent could not be added */
  injectSkipped = 0;
  /** outgoing requests skipped because they carry the no-trace brand (the exporter's own) */
  noTraceSkipped = 0;
  /** fetch requests the explicit wrapper had already traced (or, on undici 5, that carried any traceparent) */
  alreadyPropagated = 0;
  /** fetch requests whose caller-set traceparent/tracestate was replaced by the CLIENT span's */
  traceHeadersReplaced = 0;
  /** duplicate `undici:request:create` events for a request already handled */
  duplicateCreate = 0;
  /**
   * fetch redirects answered beyond 64 in one turn of the event loop: the oldest is forgotten, and its next hop
   * (if fetch follows it) is traced as a request of its own, in a trace of its own when no span is active
   */
  redirectHopsDropped = 0;
  /** handlers that threw or rejected */
  handlerErrors = 0;
  /**
   * Requests Node refused before a request object existed (malformed request line or headers, headers over
   * maxHeaderSize, headersTimeout/requestTimeout before the headers were complete): Node answers 400/431/408
   * itself, with no span and no trace headers; and requests past `maxRequestsPerSocket` that were not traced
   * (ignored, or the adapter failed: a traced one gets a span and its 503 the trace headers). Counted under
   * `traceServer` only (a handler never sees them).
   */
  clientErrors = 0;
}

export const httpStats = new HttpAdapterStats();

/** Snapshot of the adapters' counters. */
export function adapterStats(): HttpAdapterStats {
  return { ...httpStats };
}

let lastReport = 0;
/** Report an internal adapter error: counted always, logged at most once a minute. */
export function reportInternal(logger: (m: string) => void, where: string, err: unknown): void {
  httpStats.internalErrors++;
  const t = Date.now();
  if (t - lastReport < 60_000) return;
  lastReport = t;
  try { logger(`${where}: ${(err as Error)?.message ?? String(err)} (request continued untraced; count in adapterStats().internalErrors)`); } catch { /* never throw into the host */ }
}

let lastCallbackReport = 0;
/** A user callback failed (see HttpAdapterStats.callbackErrors): counted always, logged at most once a minute. */
export function reportCallback(logger: (m: string) => void, what: string, fallback: string, err?: unknown): void {
  httpStats.callbackErrors++;
  const t = Date.now();
  if (t - lastCallbackReport < 60_000) return;
  lastCallbackReport = t;
  const why = err === undefined ? what : `${what} threw (${(err as Error)?.message ?? String(err)})`;
  try { logger(`tracewire/http server: ${why}; ${fallback}; the request is traced anyway (count in adapterStats().callbackErrors)`); } catch { /* never throw into the host */ }
}
