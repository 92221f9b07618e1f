// A small JSON Schema (2020-12 subset) validator: the keywords schema/tracewire-config.schema.json uses,
// nothing more. Shared by test/config-schema.test.ts and test/k8s-examples.test.ts.
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';

export type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export const schema: Schema = JSON.parse(readFileSync(new URL('../schema/tracewire-config.schema.json', import.meta.url), 'utf8'));

export const deref = (s: Schema): Schema => {
  let cur = s;
  while (typeof cur.$ref === 'string') {
    const rest = { ...cur };
    delete rest.$ref;
    const target = cur.$ref.replace(/^#\/\$defs\//, '');
    assert.ok(schema.$defs[target], `unresolved $ref ${cur.$ref}`);
    cur = { ...schema.$defs[target], ...rest };
  }
  return cur;
};

export function schemaErrors(v: unknown, s0: Schema, path = '$', out: string[] = []): string[] {
  const s = deref(s0);
  const t = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' && Number.isInteger(v) ? 'integer' : typeof v;
  if (s.type !== undefined) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((x) => x === t || (x === 'number' && t === 'integer'))) { out.push(`${path}: type ${t} not ${types}`); return out; }
  }
  if ('const' in s && v !== s.const) out.push(`${path}: not const`);
  if (s.enum && !s.enum.includes(v)) out.push(`${path}: not in enum`);
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) out.push(`${path}: < minimum`);
    if (s.maximum !== undefined && v > s.maximum) out.push(`${path}: > maximum`);
  }
  if (typeof v === 'string') {
    // JSON Schema 2020-12 validation §6.3: a string's length is its number of characters (code points), as editors count
    const len = [...v].length;
    if (s.minLength !== undefined && len < s.minLength) out.push(`${path}: minLength`);
    if (s.maxLength !== undefined && len > s.maxLength) out.push(`${path}: maxLength`);
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) out.push(`${path}: pattern`);
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) out.push(`${path}: minItems`);
    if (s.maxItems !== undefined && v.length > s.maxItems) out.push(`${path}: maxItems`);
    if (s.uniqueItems && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) out.push(`${path}: uniqueItems`);
    if (s.items) v.forEach((x, i) => schemaErrors(x, s.items, `${path}[${i}]`, out));
  }
  if (t === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (s.maxProperties !== undefined && keys.length > s.maxProperties) out.push(`${path}: maxProperties`);
    for (const r of s.required ?? []) if (!Object.prototype.hasOwnProperty.call(o, r)) out.push(`${path}: required ${r}`);
    for (const k of keys) {
      if (s.propertyNames) schemaErrors(k, s.propertyNames, `${path}{${k}}`, out);
      if (s.properties && Object.prototype.hasOwnProperty.call(s.properties, k)) schemaErrors(o[k], s.properties[k], `${path}.${k}`, out);
      else if (s.additionalProperties === false) out.push(`${path}.${k}: additional property`);
      else if (typeof s.additionalProperties === 'object') schemaErrors(o[k], s.additionalProperties, `${path}.${k}`, out);
    }
  }
  if (s.oneOf) {
    const ok = s.oneOf.filter((alt: Schema) => schemaErrors(v, alt, path, []).length === 0).length;
    if (ok !== 1) out.push(`${path}: oneOf matched ${ok}`);
  }
  return out;
}
