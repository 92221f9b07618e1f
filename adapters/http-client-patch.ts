// traceHttpClient: the node:http / node:https request and get functions replaced by wrappers that start a CLIENT
// span (http-client) for each request they create, with the port Node connects to, read from their arguments;
// the undo puts the originals back exactly.
import http, { type ClientRequest } from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import type { Tracer } from '../src/tracer.js';
import { isNoTrace } from '../src/suppress.js';
import { ClientConfig, traceRequest, type ClientTracingOptions, type Req } from './http-client.js';
import { httpStats } from './http-stats.js';
import { portAt } from './http-host.js';

type RequestFn = (...args: unknown[]) => ClientRequest;
interface Patch { mod: Record<string, unknown>; key: string; orig: RequestFn; wrapped: RequestFn }

let active: { cfg: ClientConfig; patches: Patch[] } | null = null;

function wrapRequest(cfg: ClientConfig, orig: RequestFn): RequestFn {
  return function tracedRequest(this: unknown, ...args: unknown[]): ClientRequest {
    // The brand may sit on the options (or URL) object, which the ClientRequest does not keep.
    const branded = isNoTrace(args[0]) || isNoTrace(args[1]);
    const req = orig.apply(this, args);
    if (branded) httpStats.noTraceSkipped++;
    else if (active !== null && active.cfg === cfg) traceRequest(cfg, req as Req, portOfArgs(args[0], args[1], req as Req));
    return req;
  };
}

type PortOptions = { port?: unknown; defaultPort?: unknown; agent?: { defaultPort?: unknown } | false | null };

/**
 * The port http.request connects to, resolved from its arguments as Node does (options over the URL, then
 * defaultPort, the agent's, the scheme's): a Host header set by the caller may name another (semconv server.port).
 */
function portOfArgs(a0: unknown, a1: unknown, req: Req): number {
  const o = a1 !== null && typeof a1 === 'object' && !(a1 instanceof URL) ? (a1 as PortOptions) : null;
  let port = o?.port;
  let def = o?.defaultPort;
  if (typeof a0 === 'string' || a0 instanceof URL) {
    if (port == null || port === '') port = urlPort(typeof a0 === 'string' ? a0 : a0.href);
  } else if (a0 !== null && typeof a0 === 'object') {
    const x = a0 as PortOptions;
    if (port == null || port === '') port = x.port;
    def ??= x.defaultPort;
  }
  let n = Number(port);
  if (port == null || port === '' || !(n > 0)) {
    const agent = (req as unknown as { agent?: PortOptions['agent'] }).agent;
    n = Number(def ?? (agent ? agent.defaultPort : undefined));
  }
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : -1;
}

/** The explicit port of an absolute URL string, or undefined (no URL object built per request). */
function urlPort(url: string): number | undefined {
  const s = url.indexOf('://');
  if (s < 0) return undefined;
  let e = s + 3;
  for (let c = 0; e < url.length && (c = url.charCodeAt(e)) !== 47 && c !== 63 && c !== 35; e++);
  // Only the port: Node's URL parser takes hosts no Host header can hold as written (an IDN, a tab it strips).
  const c = url.lastIndexOf(':', e - 1);
  const p = c > s && c > url.lastIndexOf(']', e - 1) ? portAt(url.slice(0, e), c + 1) : -1;
  return p > 0 ? p : undefined;
}

/** http.get is request() + end(); ours must inject between the two, so it cannot call the original get. */
function wrapGet(request: RequestFn): RequestFn {
  return function tracedGet(this: unknown, ...args: unknown[]): ClientRequest {
    const req = request.apply(this, args);
    req.end();
    return req;
  };
}

/**
 * Trace outgoing requests of node:http and node:https. Spans are made by the tracer of the active span
 * when there is one (several services in one process keep their own), else by `tracer`. Installing
 * again replaces the previous installation. Returns the undo function.
 */
export function traceHttpClient(tracer: Tracer, options?: ClientTracingOptions): () => void {
  if (active !== null) untraceHttpClient();
  const cfg = new ClientConfig(tracer, options);
  const patches: Patch[] = [];
  for (const mod of [http, https] as unknown as Record<string, unknown>[]) {
    const request = wrapRequest(cfg, mod.request as RequestFn);
    patches.push({ mod, key: 'request', orig: mod.request as RequestFn, wrapped: request });
    patches.push({ mod, key: 'get', orig: mod.get as RequestFn, wrapped: wrapGet(request) });
  }
  for (const p of patches) p.mod[p.key] = p.wrapped;
  active = { cfg, patches };
  syncBuiltinESMExports(); // so `import { request } from 'node:http'` sees the patch too
  const mine = active;
  return () => { if (active === mine) untraceHttpClient(); };
}

/** Put http.request/get and https.request/get back as they were. */
export function untraceHttpClient(): void {
  const a = active;
  if (a === null) return;
  active = null;
  // Someone wrapped on top of us: leave their wrapper; ours is now a pass-through (active !== cfg).
  for (const p of a.patches) if (p.mod[p.key] === p.wrapped) p.mod[p.key] = p.orig;
  syncBuiltinESMExports();
}
