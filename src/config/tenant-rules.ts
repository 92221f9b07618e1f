// Which tenants a span can carry: the tenant attribute, the attribute count and value length limits, and the http
// adapter's tenant header rule. A tenant of routes or sampler that no span can carry is misrouted in silence (its
// spans take the default route), so the validator checks them, against the values the tracer applies: code > file >
// OTEL_* at startup, and on a reload the startup ones (all read once, build.ts RESTART_ONLY), never a new file's own.
import { AttributePolicy, MAX_ATTRIBUTE_COUNT, mayBeCut, type AttributeLimitsOptions } from '../attributes.js';
import { DEFAULT_TENANT_MAX_LENGTH, isBoundedId } from '../bounded-id.js';
import { intVar } from '../otlp-env.js';
import { DEFAULT_TENANT_ATTRIBUTE } from './types.js';
import { charCount, childPath, type Walker } from './validate.js';

/** A limit and the setting it comes from (`note`: why a reload's own value does not count). */
export interface InForceLimit { value: number; name: string; note?: string }

export interface TenantRules {
  tenantAttribute: string;
  maxAttributes?: InForceLimit;
  maxAttributeValueLength?: InForceLimit;
  /** The http adapter's tenantMaxLength when it reads tenants from a header (http.tenant); null when code sets them. */
  header: InForceLimit | null;
}

/** In force instead of a file's own values: given those, what the tracer applies. */
export type RulesInForce = (own: TenantRules) => TenantRules;

type Shape = { tenantAttribute?: unknown; limits?: unknown; http?: unknown };

/** The rules a file sets for itself: a raw file or a loaded config (same keys). */
export function ownRules(c: Shape): TenantRules {
  const limits = (c.limits ?? {}) as Record<string, unknown>;
  const http = (c.http ?? {}) as Record<string, unknown>;
  const own = (name: string): InForceLimit | undefined => (typeof limits[name] === 'number' ? { value: limits[name] as number, name: `limits.${name}` } : undefined);
  return {
    tenantAttribute: typeof c.tenantAttribute === 'string' ? c.tenantAttribute : DEFAULT_TENANT_ATTRIBUTE,
    maxAttributes: own('maxAttributes'),
    maxAttributeValueLength: own('maxAttributeValueLength'),
    header: typeof http.tenant !== 'string' ? null : { value: typeof http.tenantMaxLength === 'number' ? http.tenantMaxLength : DEFAULT_TENANT_MAX_LENGTH, name: 'http.tenantMaxLength' },
  };
}

const quiet = (): void => {};

interface Picked { v: number | undefined; name: string }

function pick(code: number | undefined, codeName: string, file: number | undefined, fileName: string, env: NodeJS.ProcessEnv, vars: string[], zeroOk: boolean, warn: (m: string) => void, max = Infinity): Picked {
  if (code !== undefined) return { v: code, name: `attributes.${codeName} (set by the application)` };
  if (file !== undefined) return { v: file, name: fileName };
  for (const n of vars) { const v = intVar(env, n, warn, zeroOk, max); if (v !== undefined) return { v, name: n }; }
  return { v: undefined, name: `the default ${codeName}` };
}

/** Per limit: code > file `limits` > OTEL_SPAN_*_LIMIT > OTEL_ATTRIBUTE_*_LIMIT (the tracer's default when none is set). */
export function pickLimits(code: AttributeLimitsOptions | undefined, file: { maxAttributes?: number; maxAttributeValueLength?: number }, env: NodeJS.ProcessEnv, warn: (m: string) => void): { maxCount: Picked; maxValueLength: Picked } {
  return {
    // count limits of 0 are valid (nothing kept, each drop counted: OTel SpanLimits); a value length must be positive
    maxCount: pick(code?.maxCount, 'maxCount', file.maxAttributes, 'limits.maxAttributes', env, ['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'], true, warn, MAX_ATTRIBUTE_COUNT),
    maxValueLength: pick(code?.maxValueLength, 'maxValueLength', file.maxAttributeValueLength, 'limits.maxAttributeValueLength', env, ['OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'], false, warn),
  };
}

/** The rules with the limits the tracer applies (pickLimits, read as AttributePolicy reads them: a value it refuses is its default). */
export function limitsInForce(code: AttributeLimitsOptions | undefined, own: TenantRules, env: NodeJS.ProcessEnv): TenantRules {
  const l = pickLimits(code, { maxAttributes: own.maxAttributes?.value, maxAttributeValueLength: own.maxAttributeValueLength?.value }, env, quiet);
  const p = new AttributePolicy({ maxCount: l.maxCount.v, maxValueLength: l.maxValueLength.v });
  return { ...own, maxAttributes: { value: p.maxCount, name: l.maxCount.name }, maxAttributeValueLength: { value: p.maxValueLength, name: l.maxValueLength.name } };
}

/** The startup rules, as a reload sees them: every one of them is read once. */
export function sinceStartup(r: TenantRules): RulesInForce {
  const note = 'in force since startup; a changed value applies at the next restart';
  const keep = (l: InForceLimit | undefined): InForceLimit | undefined => (l === undefined ? undefined : { ...l, note });
  const fixed: TenantRules = { tenantAttribute: r.tenantAttribute, maxAttributes: keep(r.maxAttributes), maxAttributeValueLength: keep(r.maxAttributeValueLength), header: r.header === null ? null : keep(r.header)! };
  return () => fixed;
}

const shown = (l: InForceLimit): string => `${l.name} (${l.value}${l.note ? '; ' + l.note : ''})`;

/** A length as a reader counts it, and in UTF-16 code units when that differs (astral characters). */
function lengthOf(t: string): string {
  const chars = charCount(t);
  return chars === t.length ? `${t.length} chars` : `${t.length} UTF-16 code units long (${chars} characters)`;
}

/** Why a tenant key a cut value can equal is refused (mayBeCut): the cut that makes it, and what it costs this tenant. */
function cutMessage(t: string, attr: string, len: InForceLimit): string {
  const max = len.value;
  const how = t.length === max
    ? `is ${lengthOf(t)}, the length of ${shown(len)}: a longer ${attr} is cut to ${max} UTF-16 code units on spans`
    : `is ${lengthOf(t)}, 1 under ${shown(len)}: a longer ${attr} whose next character takes 2 UTF-16 code units (an emoji) is cut before it, to ${max - 1} units, on spans`;
  return `${how} and could equal this tenant, so routes and sampler rates take any ${attr} of this length for no tenant, this tenant's own spans included (another tenant's spans must not reach this one's route): ${max > 2 ? `use tenants of at most ${max - 2} UTF-16 code units or raise` : 'raise'} the limit to ${t.length + 2} or more`;
}

export function tenantChecks(root: Record<string, unknown>, r: TenantRules, w: Walker): void {
  const lists: [string, Record<string, unknown>][] = [
    ['$.routes.tenants', ((root.routes as Record<string, unknown> | undefined)?.tenants ?? {}) as Record<string, unknown>],
    ['$.sampler.tenants', ((root.sampler as Record<string, unknown> | undefined)?.tenants ?? {}) as Record<string, unknown>],
  ];
  const attr = r.tenantAttribute;
  const count = r.maxAttributes;
  if (count?.value === 0) {
    const used = lists.find(([, t]) => Object.keys(t).length > 0);
    if (used === undefined) return;
    if (count.name === 'limits.maxAttributes' && count.note === undefined) w.add('$.limits.maxAttributes', `0 keeps no attribute, so no span carries ${attr} and the tenants of routes / sampler never match: raise it or remove the tenants`);
    else w.add(used[0], `the attribute count limit ${count.note === undefined ? 'in force' : 'in force since startup'} is 0 (${count.name}): it keeps no attribute, so no span carries ${attr} and these tenants never match${count.note === undefined ? '' : '; a changed limit applies at the next restart'}`);
    return;
  }
  const len = r.maxAttributeValueLength;
  const header = r.header;
  for (const [path, tenants] of lists) for (const t of Object.keys(tenants)) {
    const at = childPath(path, t);
    // the tracer cuts values by UTF-16 code units (attributes.ts truncate), not characters: an emoji is 2
    if (len !== undefined && t.length > len.value) w.add(at, `is ${lengthOf(t)}, over ${shown(len)}${t.length === charCount(t) ? '' : ', which counts UTF-16 code units'}: ${attr} is cut to that length on spans, so this tenant never matches`);
    // a longer value is cut to the limit (one unit fewer before a surrogate pair): `acme-shadow` cut to 4 is `acme`, so
    // another tenant's spans would take this tenant's route and rate; routes and samplers treat such values as no tenant
    else if (len !== undefined && mayBeCut(t, len.value)) w.add(at, cutMessage(t, attr, len));
    // the http adapter's rule: other values are dropped and counted as tenantRejected
    else if (header !== null && !isBoundedId(t, header.value)) w.add(at, t.length > header.value ? `is ${t.length} chars, over ${shown(header)}: the header's value is rejected, so this tenant never matches` : `has characters the http adapter rejects in a tenant header (allowed: letters, digits and . _ : @ -), so this tenant never matches`);
  }
}
