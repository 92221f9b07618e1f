// Resource attributes, resolved once per tracer (OTel resource SDK spec: OTEL_SERVICE_NAME wins over
// service.name in OTEL_RESOURCE_ATTRIBUTES; a decode error discards the whole variable).
import type { Attributes, AttributeValue } from './attributes.js';

export interface ResourceInput {
  service?: string;
  serviceVersion?: string;
  attributes?: Attributes;
  env?: NodeJS.ProcessEnv;
  warn?: (msg: string) => void;
}

export function parseResourceAttributesEnv(v: string | undefined, warn: (m: string) => void): Record<string, string> {
  const out: Record<string, string> = {};
  if (!v || !v.trim()) return out;
  try {
    for (const pair of v.split(',')) {
      if (!pair.trim()) continue;
      const i = pair.indexOf('=');
      if (i <= 0) throw new Error(`missing '=' in ${JSON.stringify(pair.trim().slice(0, 40))}`);
      out[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
    }
  } catch (e) {
    warn(`OTEL_RESOURCE_ATTRIBUTES ignored: ${(e as Error).message}`);
    return {};
  }
  return out;
}

/** Explicit options > environment > defaults. */
export function buildResource(o: ResourceInput): Record<string, AttributeValue> {
  const env = o.env ?? process.env;
  const warn = o.warn ?? (() => {});
  const res: Record<string, AttributeValue> = { 'service.name': 'unknown_service:node', 'telemetry.sdk.name': 'tracewire', 'telemetry.sdk.language': 'nodejs' };
  Object.assign(res, parseResourceAttributesEnv(env.OTEL_RESOURCE_ATTRIBUTES, warn));
  if (env.OTEL_SERVICE_NAME && env.OTEL_SERVICE_NAME.trim()) res['service.name'] = env.OTEL_SERVICE_NAME.trim();
  if (o.attributes) for (const k in o.attributes) { const v = o.attributes[k]; if (v != null) res[k] = v; }
  if (o.service) res['service.name'] = o.service;
  if (o.serviceVersion) res['service.version'] = o.serviceVersion;
  return res;
}
