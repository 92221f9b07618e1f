// Why an OTLP request failed, in words for the ExportError message: the google.rpc.Status message of an error
// body, a network error by its code, the TLS and protocol failures that no retry can heal (said with what to change),
// and where a redirect pointed.
// The caller scrubs secrets from these and decides the error code; nothing here reads configuration.
import { redactUrl } from './otlp-env.js';

/** The message of a google.rpc.Status error body, uncut (the caller scrubs, then cuts it). */
export function statusDetail(body: Buffer | null): string {
  if (body === null || body.length === 0 || body.length > 65536) return '';
  try {
    const j = JSON.parse(body.toString('utf8'));
    return typeof j?.message === 'string' ? j.message : '';
  } catch { return ''; }
}

// Certificate verification failures (OpenSSL's X509 verify codes, node:tls's host check): no retry can heal them.
const TLS_CERT_CODES = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'INVALID_CA', 'INVALID_PURPOSE', 'PATH_LENGTH_EXCEEDED']);

/**
 * A TLS failure that happens the same way on every attempt (an untrusted or mismatched certificate, TLS spoken to a
 * plain-HTTP port), described by its code only; null for anything else (ECONNRESET, handshake timeouts: retried).
 * OTel JS retries only a list of transient network codes, for the same reason.
 */
export function tlsFailure(e: unknown): string | null {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string') return null;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') return `TLS: the backend's certificate does not name this host (${code})`;
  if (TLS_CERT_CODES.has(code) || code.startsWith('CERT_')) return `TLS: the backend's certificate is not trusted (${code}); give its CA as tls.ca / OTEL_EXPORTER_OTLP_CERTIFICATE`;
  // The backend's alert about our side (RFC 8446 §6.2): certificate_required (116), bad_certificate, unknown_ca, ...
  if (/ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED)$/.test(code)) return `TLS: the backend refused the client certificate or wants one (${code}); set tls.cert/tls.key or OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE/_CLIENT_KEY`;
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) return `TLS handshake failed (${code}): is the port plain HTTP (then use http://)?`;
  return null;
}

/**
 * An answer node:http could not parse as HTTP/1.1 before any status line (llhttp's HPE_* codes): the endpoint speaks
 * something else, most often OTLP/gRPC (HTTP/2 only, port 4317: the OTLP/HTTP port is 4318). Every attempt meets it
 * again, so it is not retried (OTel JS retries only a list of transient network codes too); null for anything else.
 */
export function protocolFailure(e: unknown): string | null {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('HPE_')) return null;
  return `the endpoint does not answer in HTTP/1.1 (${code}): an OTLP/gRPC port (4317) or another protocol? tracewire sends OTLP/HTTP, usually port 4318`;
}

/** Where a 3xx pointed (origin and path: no credentials, no query), read against `base`, for the user to set as the endpoint. */
export function redirectDetail(location: string | undefined, base: string): string {
  if (location === undefined) return '';
  let to: string;
  try { to = redactUrl(new URL(location, base).href); } catch { to = '<invalid url>'; }
  return `, a redirect to ${to.slice(0, 200)}: not followed, set the endpoint to it`;
}

/** A network error by its code (ECONNREFUSED…), else its message cut to 200 characters. */
export function describeNet(e: unknown, what = 'network error'): string {
  const code = (e as { code?: unknown })?.code;
  const msg = (e as { message?: unknown })?.message;
  return typeof code === 'string' ? `${what} ${code}` : `${what}: ${String(msg ?? e).slice(0, 200)}`;
}
