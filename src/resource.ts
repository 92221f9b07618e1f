// Resource attributes, resolved once per tracer (OTel resource SDK spec: OTEL_SERVICE_NAME wins over
// service.name in OTEL_RESOURCE_ATTRIBUTES; a decode error discards the whole variable).
import { VERSION } from './version.js';
import { envValue } from './env-value.js';
import { AttributePolicy, AttributeStats, sanitizeValue, type Attributes, type AttributeValue } from './attributes.js';

export interface ResourceInput {
  service?: string;
  serviceVersion?: string;
  attributes?: Attributes;
  env?: NodeJS.ProcessEnv;
  warn?: (msg: string) => void;
}

/** A null-prototype record: `__proto__`, `constructor`, `toString` are ordinary keys there (`{}` would drop `__proto__`). */
function record<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

export function parseResourceAttributesEnv(v: string | undefined, warn: (m: string) => void): Record<string, string> {
  const out = record<string>();
  if (!v || !v.trim()) return out;
  try {
    for (const pair of v.split(',')) {
      if (!pair.trim()) continue;
      const i = pair.indexOf('=');
      // the spec's one error class: a member that is not `key=value` with ',' and '=' percent-encoded (OTel JS discards too)
      if (i < 0) throw new Error(`missing '=' in ${JSON.stringify(pair.trim().slice(0, 40))}`);
      if (pair.indexOf('=', i + 1) >= 0) throw new Error(`unencoded '=' in the entry for ${JSON.stringify(pair.slice(0, i).trim().slice(0, 40))} (write it as %3D)`);
      const key = pair.slice(0, i).trim();
      if (key === '') throw new Error('an entry with an empty key');
      out[decodeURIComponent(key)] = decodeURIComponent(pair.slice(i + 1).trim());
    }
  } catch (e) {
    warn(`OTEL_RESOURCE_ATTRIBUTES ignored: ${(e as Error).message}`);
    return record<string>();
  }
  return out;
}

/** Explicit options > environment > defaults. */
export function buildResource(o: ResourceInput): Record<string, AttributeValue> {
  const env = o.env ?? process.env;
  const warn = o.warn ?? (() => {});
  // null prototype: Object.assign sets keys with [[Set]], so `__proto__` from the environment would hit the setter
  const res = record<AttributeValue>();
  res['service.name'] = 'unknown_service:node';
  res['telemetry.sdk.name'] = 'tracewire';
  res['telemetry.sdk.language'] = 'nodejs';
  res['telemetry.sdk.version'] = VERSION;
  Object.assign(res, parseResourceAttributesEnv(envValue(env, 'OTEL_RESOURCE_ATTRIBUTES'), warn));
  const envName = envValue(env, 'OTEL_SERVICE_NAME');
  if (envName !== undefined) res['service.name'] = envName;
  if (o.attributes) Object.assign(res, resourceOption(o.attributes, warn));
  if (o.service) res['service.name'] = o.service;
  if (o.serviceVersion) res['service.version'] = o.serviceVersion;
  // `service.name=` (an unset variable in a template) names no service: the SDK default applies (OTel resource semconv)
  if (typeof res['service.name'] === 'string' && res['service.name'].trim() === '') res['service.name'] = 'unknown_service:node';
  return res;
}

/**
 * Resource attributes get no per-span limits (OTel: resources are exempt), only the value rules; sanitizeArray
 * bounds an array by maxCount, so the resource takes the largest one there is (longer arrays cut, warned).
 */
const RESOURCE_POLICY = new AttributePolicy({ maxValueLength: Number.MAX_SAFE_INTEGER, maxCount: Number.MAX_SAFE_INTEGER });

/**
 * The `resource` option, checked once: a value spans could not carry (an object, a function, a mixed-type
 * array, a bigint outside int64) is left out with a warning, since every export batch repeats the resource
 * (an out-of-int64 intValue makes a collector reject the whole request).
 */
function resourceOption(attrs: Attributes, warn: (m: string) => void): Record<string, AttributeValue> {
  const out = record<AttributeValue>();
  for (const k in attrs) {
    if (!Object.hasOwn(attrs, k)) continue; // inherited: not an attribute of this object (Object.entries, as OTel)
    let v: unknown;
    try { v = attrs[k]; } catch { v = Symbol(); } // a throwing getter: invalid
    if (v == null) continue;
    const stats = new AttributeStats();
    const s = sanitizeValue(v, RESOURCE_POLICY, stats);
    if (s === undefined || k.length === 0) warn(`resource attribute ${JSON.stringify(k.slice(0, 60))} ignored: not a string, number, boolean, int64 bigint, homogeneous array or bytes`);
    else {
      out[k] = s;
      if (stats.truncated > 0) warn(`resource attribute ${JSON.stringify(k.slice(0, 60))}: array cut to its first ${RESOURCE_POLICY.maxCount} elements`);
    }
  }
  return out;
}
