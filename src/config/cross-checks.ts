// What the schema tables cannot say: references between sections (routes to exporters, tenants that spans can
// carry, the export thread's limits) and pairs of keys that go together. Run once the walk found no problem.
import { routeConflict, threadSettings } from './thread-settings.js';
import { childPath, hasOwn, listOf, suggest, type Walker } from './validate.js';
import { ownRules, tenantChecks, type RulesInForce } from './tenant-rules.js';
import { BODY_HEADERS } from '../otlp-env.js';

/** `inForce`: the tenant rules the tracer applies instead of the file's own (tenant-rules.ts); without it, the file's. */
export function crossChecks(root: Record<string, unknown>, w: Walker, inForce?: RulesInForce): void {
  const exporters = (root.exporters ?? {}) as Record<string, Record<string, unknown>>;
  const names = Object.keys(exporters);
  const globalBatch = (root.batch ?? {}) as Record<string, number>;
  checkBatch(globalBatch, {}, '$.batch', w);
  for (const name of names) {
    const e = exporters[name]!;
    const p = childPath('$.exporters', name);
    if (e.type === 'otlp') {
      if (e.url !== undefined && e.endpoint !== undefined) w.add(p, 'set either "url" (the full traces URL, used as-is) or "endpoint" (a base URL; /v1/traces is appended), not both');
      else if (e.url === undefined && e.endpoint === undefined) w.add(p, 'missing "url" (the full traces URL, e.g. http://collector:4318/v1/traces) or "endpoint" (a base URL, e.g. http://collector:4318)');
      const tls = e.tls as Record<string, string> | undefined;
      if (tls !== undefined) {
        const target = (e.url ?? e.endpoint) as string | undefined;
        if (target !== undefined && !target.startsWith('https://')) w.add(childPath(p, 'tls'), `applies to an https:// ${e.url !== undefined ? 'url' : 'endpoint'} only (this one is plain http://): use https:// or remove tls`);
        if ((tls.cert === undefined) !== (tls.key === undefined)) w.add(childPath(p, 'tls'), `"cert" and "key" go together (the client certificate and its private key, for mTLS): missing "${tls.cert === undefined ? 'cert' : 'key'}"`);
        else if (tls.passphrase !== undefined && tls.key === undefined) w.add(childPath(p, 'tls'), '"passphrase" decrypts the client key: it needs "key" (and "cert")');
      }
      const seen = new Map<string, string>();
      for (const h of Object.keys((e.headers ?? {}) as object)) {
        const prev = seen.get(h.toLowerCase());
        if (prev !== undefined) w.add(childPath(childPath(p, 'headers'), h), `same header as "${prev}" (header names are case-insensitive)`);
        else seen.set(h.toLowerCase(), h);
        const lower = h.toLowerCase();
        if (BODY_HEADERS.has(lower)) w.add(childPath(childPath(p, 'headers'), h), `is written by the exporter from the body it sends: remove it${lower === 'content-encoding' ? ' (set "compression": "gzip" to compress)' : ''}`);
      }
    }
    checkBatch((e.batch ?? {}) as Record<string, number>, globalBatch, childPath(p, 'batch'), w);
  }
  const routes = root.routes as Record<string, unknown> | undefined;
  if (routes !== undefined) {
    const ref = (list: unknown, path: string): void => {
      (list as string[]).forEach((n, i) => {
        if (!hasOwn(exporters, n)) w.add(childPath(path, i), `unknown exporter "${n}"${suggest(n, names)} (defined in $.exporters: ${listOf(names)})`);
      });
    };
    const tenants = (routes.tenants ?? {}) as Record<string, unknown>;
    for (const t of Object.keys(tenants)) ref(tenants[t], childPath('$.routes.tenants', t));
    if (routes.default !== undefined) ref(routes.default, '$.routes.default');
    if (routes.all !== undefined) ref(routes.all, '$.routes.all');
  }
  if (threadSettings(root.exportThread) !== null) threadChecks(exporters, routes, w);
  const own = ownRules(root);
  tenantChecks(root, inForce === undefined ? own : inForce(own), w);
}

/** The export thread has one batcher ($.batch) and sends every span to every exporter of its route. */
function threadChecks(exporters: Record<string, Record<string, unknown>>, routes: Record<string, unknown> | undefined, w: Walker): void {
  for (const n of Object.keys(exporters)) {
    if (exporters[n]!.batch !== undefined) w.add(childPath(childPath('$.exporters', n), 'batch'), 'a per-exporter batch is not supported with exportThread (one batcher in the export thread serves every exporter): set $.batch instead');
  }
  const c = routes === undefined ? null : routeConflict({ tenants: (routes.tenants ?? {}) as Record<string, string[]>, default: (routes.default ?? []) as string[], all: (routes.all ?? []) as string[] });
  if (c !== null) w.add(childPath('$.routes.tenants', c.tenant), `routes that send tenants to different exporters are not supported with exportThread (the export thread sends every span to every exporter): tenant ${JSON.stringify(c.tenant)} → [${c.route.join(', ')}], other spans → [${c.fallback.join(', ')}]; route every tenant to the same exporters, or set "exportThread": false`);
}

/** OTEL_BSP rule: the export batch is at most the queue (OTel SDK env spec). */
function checkBatch(b: Record<string, number>, parent: Record<string, number>, path: string, w: Walker): void {
  const q = b.maxQueueSize ?? parent.maxQueueSize;
  const n = b.maxExportBatchSize ?? parent.maxExportBatchSize;
  if (q !== undefined && n !== undefined && n > q) w.add(childPath(path, 'maxExportBatchSize'), `must not exceed maxQueueSize (${q}), got ${n}`);
}
