// HTTP/2 compatibility-API requests (node:http2 createServer / createSecureServer handlers, allowHTTP1 or not), on
// the ingress path's cold branch (`httpVersionMajor === 2`; an HTTP/1 request never enters this module). The
// response headers need nothing here: every compat path (end, write, flushHeaders, writeHead) goes through
// `res.writeHead` (lib/internal/http2/compat.js, Node 20 and 24), where ours are added as for HTTP/1, and none of
// ours is connection-specific (RFC 9113 §8.2.2). What differs:
// - the authority is the `:authority` pseudo-header (RFC 9113 §8.3.1); Host when the client sent that instead;
// - `network.protocol.version` is '2';
// - the span ends at the request's 'close': the compat response emits no 'close' for a HEAD stream reset before
//   res.end() (onStreamCloseResponse compares headRequest flags), and a reset stream reads writableFinished true;
//   the status is the one the stream sent (a handler may answer through the core API, past the compat response);
// - body events: all streams of a session are emitted from the session's async context, where Node 20's
//   enterWith leaves the last handler's span; the request's own emit runs them in its span (as on Node 24).
import type { Http2ServerResponse } from 'node:http2';
import type { AnySpan } from '../src/span.js';
import type { ServerConfig } from './http-server-config.js';
import { finishLate, kSpan, recordRoute, recordStatus, type Req, type Res } from './http-response.js';
import { emitInRequestSpan } from './http-request-context.js';
import { reportInternal } from './http-stats.js';

const kRes = Symbol('tracewire.http2.res');
type H2Req = Req & { [kRes]?: Res };

/** The authority of a request without a Host header: HTTP/2's `:authority`; undefined for HTTP/1 (1.0 may send none). */
export function authorityOf(req: Req): string | undefined {
  if (req.httpVersionMajor !== 2) return undefined;
  const a = req.headers[':authority'];
  return typeof a === 'string' ? a : undefined;
}

/** After the SERVER span of an HTTP/2 request started (its response headers set as for HTTP/1). */
export function startHttp2(cfg: ServerConfig, req: Req, res: Res, span: AnySpan): void {
  if (span.isRecording()) span.setAttribute('network.protocol.version', '2');
  (req as H2Req)[kRes] = res;
  // The span's only end: the compat response's 'close' (HTTP/1's end) is not heard, it may come first with
  // HTTP/1's reading of the response (res.end() on a reset HEAD stream emits it; writableFinished reads true).
  req.on('close', cfg.onHttp2Close);
  // Reset already: a handler called late (after an outer listener's await); its request's 'close' may be past.
  // Ended after the handler's synchronous part (its route); if the 'close' is still to come, whichever is first.
  if ((res as unknown as Http2ServerResponse).stream.destroyed) process.nextTick(finishLate, cfg, res);
  req.emit = emitInRequestSpan;
}

type H2Stream = { rstCode?: number; aborted?: boolean; headersSent?: boolean; sentHeaders?: Record<string, unknown> };

/**
 * The request's stream closed: route, then the status the stream sent (the compat response's, or one the handler
 * sent through the core API: res.stream.respond(), respondWithFile()), then whether the response was cut short.
 */
export function finishHttp2(cfg: ServerConfig, req: H2Req): void {
  const res = req[kRes];
  const span = req[kSpan];
  if (res === undefined || span === undefined || span.ended) return;
  req[kRes] = undefined;
  try {
    if (span.isRecording()) {
      recordRoute(cfg, span, req, res);
      const stream = (res as unknown as Http2ServerResponse).stream as H2Stream | undefined;
      const sent = stream?.headersSent === true ? stream.sentHeaders : undefined;
      const code = sent?.[':status']; // a number: node:http2 coerces it before sending
      if (typeof code === 'number') {
        recordStatus(span, code);
        if (cfg.resHeaders.names.length > 0) cfg.resHeaders.record(span, sent!);
      }
      // The client got no whole response: nothing sent, a reset (RST_STREAM by the client, res.destroy(); a stream
      // closed normally has rstCode NGHTTP2_NO_ERROR, 0), or an answer never ended, reset with NO_ERROR (node:http2's
      // stream.close() default): Node marks the stream `aborted` when it closes before its writable side ended, the
      // core API's (respond(), write()) as the compat response's; the compat tell (its writeHead puts :status in its
      // own headers, unended) is kept beside it.
      const cut = (stream?.rstCode ?? 0) !== 0 || typeof code !== 'number' || stream?.aborted === true
        || (!res.writableEnded && res.getHeader(':status') !== undefined);
      if (cut && span.getAttribute('error.type') === undefined) span.setAttribute('error.type', 'aborted');
    }
  } catch (err) {
    reportInternal(cfg.tracer.logger, 'tracewire/http2 finish', err);
  }
  span.end();
}
