// The file's `http` section as the http adapter's options. `trust: { networks, inside, outside }`
// becomes a function of the peer address (net.BlockList), built once; behind a mesh sidecar every peer
// is 127.0.0.1, so list the networks the adapter actually sees.
import { BlockList, isIP } from 'node:net';
import type { HttpConfig, PeerRequest, TrustPolicyName } from './types.js';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated shape

/** A trust function from CIDRs; JSON.stringify shows its settings (a function has no JSON otherwise). */
export function trustByNetwork(networks: readonly string[], inside: TrustPolicyName, outside: TrustPolicyName): (req: PeerRequest) => TrustPolicyName {
  const list = new BlockList();
  for (const n of networks) {
    const i = n.indexOf('/');
    const addr = n.slice(0, i);
    list.addSubnet(addr, Number(n.slice(i + 1)), isIP(addr) === 6 ? 'ipv6' : 'ipv4');
  }
  const fn = (req: PeerRequest): TrustPolicyName => {
    let a = req.socket?.remoteAddress;
    if (typeof a !== 'string') return outside;
    if (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4) a = a.slice(7); // IPv4-mapped peer on a dual-stack socket
    const family = isIP(a);
    return family !== 0 && list.check(a, family === 6 ? 'ipv6' : 'ipv4') ? inside : outside;
  };
  return Object.assign(fn, { toJSON: () => ({ networks, inside, outside }) });
}

/** `tenantAttribute`: the file's top-level key, so the tenant the adapter records is the one routes and sampling read. */
export function httpConfig(h: Raw | undefined, tenantAttribute?: string): HttpConfig {
  const out: HttpConfig = {};
  if (h === undefined) return out;
  if (h.tenant !== undefined && tenantAttribute !== undefined) out.tenantAttribute = tenantAttribute;
  if (typeof h.trust === 'string') out.trust = h.trust as TrustPolicyName;
  else if (h.trust !== undefined) out.trust = trustByNetwork(h.trust.networks, h.trust.inside ?? 'preserve', h.trust.outside ?? 'link');
  const lower = (v: unknown): unknown => (typeof v === 'string' ? v.toLowerCase() : v);
  if (h.tenant !== undefined) out.tenant = h.tenant.toLowerCase();
  if (h.tenantMaxLength !== undefined) out.tenantMaxLength = h.tenantMaxLength;
  if (h.serverTimingHeader !== undefined) out.serverTimingHeader = lower(h.serverTimingHeader) as string | false;
  if (h.traceIdHeader !== undefined) out.traceIdHeader = lower(h.traceIdHeader) as string | false;
  if (h.traceResponseHeader !== undefined) out.traceResponseHeader = lower(h.traceResponseHeader) as string | boolean;
  if (h.recordPath !== undefined) out.recordPath = h.recordPath;
  if (h.requestHeaders !== undefined) out.requestHeaders = h.requestHeaders.map((x: string) => x.toLowerCase());
  if (h.responseHeaders !== undefined) out.responseHeaders = h.responseHeaders.map((x: string) => x.toLowerCase());
  return out;
}
