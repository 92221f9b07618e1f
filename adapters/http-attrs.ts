// HTTP semantic-convention attribute values shared by the server, client and fetch adapters: method
// normalisation and span names, error.type and status of Node's own answers, a CLIENT span's start attributes.
import { urlFull } from './http-url.js';

/** Semconv HTTP known methods (RFC 9110 §9 + PATCH); anything else is `_OTHER`. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** `http.request.method` value: the method if known, else `_OTHER` (semconv http-spans §method). */
export function normalizeMethod(method: string | undefined): string {
  if (method === undefined) return 'GET'; // node:http default for requests without a method
  return KNOWN_METHODS.has(method) ? method : '_OTHER';
}

/** Span name prefix: the method, or `HTTP` for unknown methods (semconv: name MUST NOT be `_OTHER`). */
export function nameOfMethod(normalized: string): string {
  return normalized === '_OTHER' ? 'HTTP' : normalized;
}

/**
 * `error.type` of a request whose connection Node ended with this error (its 'clientError'), or null for a
 * client that went away (connection reset, or closed mid-request: HPE_INVALID_EOF_STATE), which is 'aborted'.
 * ERR_HTTP_REQUEST_TIMEOUT: Node's requestTimeout (408); HPE_*: llhttp parse errors (400, 413, 431).
 */
export function clientErrorType(err: unknown): string | null {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== 'string') return null;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return code;
  return code.startsWith('HPE_') && code !== 'HPE_INVALID_EOF_STATE' ? code : null;
}

/** The status of the answer Node writes itself on a client error (lib/_http_server.js socketOnError, Node 20 and 24 alike). */
export function clientErrorStatus(code: string | null): number {
  return code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413 : 400;
}

/** Start attributes of a CLIENT span (fetch and node:http), one reusable object per config: every key present. */
export interface StartAttrs {
  [key: string]: string | number | undefined;
  'http.request.method': string;
  'http.request.method_original': string | undefined;
  'server.address': string;
  'server.port': number | undefined;
  'url.full': string;
  'http.request.resend_count': number | undefined;
  'network.transport': string | undefined;
}

/**
 * A plain object literal, not a class instance: startSpan reads an attributes object whose prototype is not
 * Object.prototype through a rare own-keys copy (inherited keys are no attributes), per request.
 */
export function clientStartAttrs(): StartAttrs {
  return { 'http.request.method': '', 'http.request.method_original': undefined, 'server.address': '', 'server.port': 0, 'url.full': '', 'http.request.resend_count': undefined, 'network.transport': undefined };
}

/** Fill a CLIENT span's start attributes (node:http and fetch alike); returns the normalized method for the span name. */
export function fillClientAttrs(a: StartAttrs, rawMethod: string | undefined, scheme: string, host: string, port: number, path: string, resend: number): string {
  const method = normalizeMethod(rawMethod);
  a['http.request.method'] = method;
  a['http.request.method_original'] = method === '_OTHER' ? rawMethod : undefined;
  a['server.address'] = host;
  a['server.port'] = port;
  a['url.full'] = urlFull(scheme, host, port, path);
  a['http.request.resend_count'] = resend > 0 ? resend : undefined;
  a['network.transport'] = undefined; // TCP: not recorded (a server.port says it); fillSocketAttrs sets it
  return method;
}

/**
 * A request sent over a local socket (node:http's `socketPath`) rather than TCP: `server.address` is the socket's
 * name (semconv: "IP address or Unix domain socket name"), `network.transport` `unix` or `pipe`, and no
 * `server.port`. url.full keeps the URI the request names (scheme://<Host authority>/path): the socket is how it
 * was reached, not part of its URI.
 */
export function fillSocketAttrs(a: StartAttrs, socketPath: string): void {
  a['server.address'] = socketName(socketPath);
  a['server.port'] = undefined;
  a['network.transport'] = isNamedPipe(socketPath) ? 'pipe' : 'unix';
}

/** A socket path as an attribute value: a Linux abstract socket (leading NUL) is written `@name`, as `ss` shows it. */
export function socketName(socketPath: string): string {
  return socketPath.charCodeAt(0) === 0 ? '@' + socketPath.slice(1) : socketPath;
}

/** A Windows named pipe (`\\.\pipe\name` or `\\?\pipe\name`), which node:net takes as a socketPath too. */
export function isNamedPipe(p: string): boolean {
  return p.length > 9 && p.charCodeAt(0) === 92 && p.charCodeAt(1) === 92 && (p[2] === '.' || p[2] === '?') && p.charCodeAt(3) === 92 &&
    p.slice(4, 9).toLowerCase() === 'pipe\\';
}
