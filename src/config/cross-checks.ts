// What the schema tables cannot say: references between sections (routes to exporters, tenants that spans can
// carry, the export thread's limits) and pairs of keys that go together. Run once the walk found no problem.
import { routeConflict, threadSettings } from './thread-settings.js';
import { charCount, childPath, hasOwn, listOf, suggest, type Walker } from './validate.js';
import { DEFAULT_TENANT_MAX_LENGTH, isBoundedId } from '../bounded-id.js';
import { BODY_HEADERS } from '../otlp-env.js';

export function crossChecks(root: Record<string, unknown>, w: Walker): void {
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
  tenantChecks(root, w);
}

/**
 * A tenant named in routes or sampler that no span can carry is misrouted in silence (its spans take the
 * default route: another tenant's or the shared backend): the file's own limits and header rule must let it through.
 */
function tenantChecks(root: Record<string, unknown>, w: Walker): void {
  const lists: [string, Record<string, unknown>][] = [
    ['$.routes.tenants', ((root.routes as Record<string, unknown> | undefined)?.tenants ?? {}) as Record<string, unknown>],
    ['$.sampler.tenants', ((root.sampler as Record<string, unknown> | undefined)?.tenants ?? {}) as Record<string, unknown>],
  ];
  const limits = (root.limits ?? {}) as Record<string, number>;
  const http = root.http as Record<string, unknown> | undefined;
  const attr = typeof root.tenantAttribute === 'string' ? root.tenantAttribute : 'tenant.id';
  if (limits.maxAttributes === 0 && lists.some(([, t]) => Object.keys(t).length > 0)) {
    w.add('$.limits.maxAttributes', `0 keeps no attribute, so no span carries ${attr} and the tenants of routes / sampler never match: raise it or remove the tenants`);
    return;
  }
  const fromHeader = typeof http?.tenant === 'string';
  const headerMax = typeof http?.tenantMaxLength === 'number' ? http.tenantMaxLength : DEFAULT_TENANT_MAX_LENGTH;
  for (const [path, tenants] of lists) for (const t of Object.keys(tenants)) {
    const at = childPath(path, t);
    // the tracer cuts values by UTF-16 code units (attributes.ts truncate), not characters: an emoji is 2
    if (limits.maxAttributeValueLength !== undefined && t.length > limits.maxAttributeValueLength) w.add(at, `is ${unitsOf(t)}, over limits.maxAttributeValueLength (${limits.maxAttributeValueLength})${t.length === charCount(t) ? '' : ', which counts UTF-16 code units'}: ${attr} is cut to that length on spans, so this tenant never matches`);
    // the http adapter's rule: other values are dropped and counted as tenantRejected
    else if (fromHeader && !isBoundedId(t, headerMax)) w.add(at, t.length > headerMax ? `is ${t.length} chars, over http.tenantMaxLength (${headerMax}): the header's value is rejected, so this tenant never matches` : `has characters the http adapter rejects in a tenant header (allowed: letters, digits and . _ : @ -), so this tenant never matches`);
  }
}

/** A length as a reader counts it, and in UTF-16 code units when that differs (astral characters). */
function unitsOf(t: string): string {
  const chars = charCount(t);
  return chars === t.length ? `${t.length} chars` : `${t.length} UTF-16 code units long (${chars} characters)`;
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
