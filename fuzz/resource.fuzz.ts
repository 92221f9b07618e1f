// Properties of OTEL_RESOURCE_ATTRIBUTES (src/resource.ts) against an oracle from the OTel resource SDK spec
// (comma-separated key=value, ',' and '=' percent-encoded, any decoding error discards the whole variable), with
// its own percent-decoder (RFC 3986 §2.1, UTF-8 via a fatal TextDecoder); an encode → parse round trip; and the
// precedence of buildResource (options > OTEL_SERVICE_NAME > the variable > defaults).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { parseResourceAttributesEnv, buildResource } from '../src/resource.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const WS = /^\s+|\s+$/g; // ECMAScript WhiteSpace + LineTerminator, what trimming an env value strips
/** Each run of %XX escapes is UTF-8 (fatal); every other character stays as it is, a lone surrogate too. */
function pctDecode(s: string): string | null {
  let out = '';
  for (let i = 0; i < s.length;) {
    if (s[i] !== '%') { out += s[i++]; continue; }
    const bytes: number[] = [];
    while (s[i] === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) return null;
      bytes.push(parseInt(h, 16));
      i += 3;
    }
    try { out += new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(bytes)); } catch { return null; }
  }
  return out;
}
/** The attributes, or null when the variable is discarded. */
function oracle(v: string): [string, string][] | null {
  const out = new Map<string, string>();
  for (const m of v.split(',')) {
    if (m.replace(WS, '') === '') continue;
    const kv = m.split('=');
    if (kv.length !== 2) return null; // no '=', or an unencoded second one
    const rawKey = kv[0]!.replace(WS, '');
    if (rawKey === '') return null;
    const k = pctDecode(rawKey), val = pctDecode(kv[1]!.replace(WS, ''));
    if (k === null || val === null) return null;
    out.set(k, val);
  }
  return [...out];
}

/** Object key order puts integer-like keys first: compare as sets of entries. */
const sorted = (es: [string, string][]) => [...es].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

const piece = fc.constantFrom('a', 'service.name', 'k8s.pod', '=', ' ', '\t', '%20', '%3D', '%2C', '%', '%zz', '%C3%A9', '%E2%82', '%ff', 'é',
  '\u00a0', '\ud83d\ude00', '\ud800', '__proto__', 'constructor', 'toString', ';', '"', '/');
const member = fc.array(piece, { maxLength: 5 }).map((xs) => xs.join(''));
const list = fc.array(member, { maxLength: 6 }).map((ms) => ms.join(','));
const anyText = fc.oneof(list, list, fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));

test('OTEL_RESOURCE_ATTRIBUTES ⇔ the oracle: the same keys and values (last wins), or all discarded with one warning; never throws', () => {
  fc.assert(fc.property(anyText, (v) => {
    const warns: string[] = [];
    const got = parseResourceAttributesEnv(v, (m) => warns.push(m));
    const want = oracle(v);
    assert.equal(sorted(Object.entries(got)), sorted(want ?? []), JSON.stringify(v));
    assert.is(warns.length, want === null ? 1 : 0, JSON.stringify([v, warns]));
  }), { numRuns: RUNS * 3 });
});

// fast-check strings hold no lone surrogates, which encodeURIComponent refuses
const key = fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'service.name', 'a=b', 'x,y', ' sp '));
const val = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom('', '=', ',', ' v ', '%'));
const ows = fc.constantFrom('', ' ', '\t ');

test('round trip: any string → string map, percent-encoded and joined with OWS, parses back to the same map', () => {
  fc.assert(fc.property(fc.array(fc.tuple(key, val, ows, ows), { maxLength: 8 }), (es) => {
    const text = es.map(([k, v, a, b]) => a + encodeURIComponent(k) + b + '=' + b + encodeURIComponent(v) + a).join(',');
    const want = new Map<string, string>();
    for (const [k, v] of es) want.set(k, v);
    const warns: string[] = [];
    const got = parseResourceAttributesEnv(text, (m) => warns.push(m));
    assert.equal(sorted(Object.entries(got)), sorted([...want]), text);
    assert.equal(warns, []);
  }), { numRuns: RUNS });
});

test('buildResource: service option > OTEL_SERVICE_NAME > service.name in the variable > unknown_service:node; other keys kept', () => {
  const name = fc.constantFrom(undefined, '', '  ', 'svc', ' spaced ');
  fc.assert(fc.property(name, name, fc.constantFrom(undefined, 'pay', 'x'), fc.array(fc.tuple(key, val), { maxLength: 4 }), (attrName, envName, opt, extra) => {
    const entries: [string, string][] = [...extra.filter(([k]) => k !== 'service.name'), ...(attrName === undefined ? [] : [['service.name', attrName] as [string, string]])];
    const text = entries.map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join(',');
    const res = buildResource({ service: opt, env: { OTEL_RESOURCE_ATTRIBUTES: text, OTEL_SERVICE_NAME: envName }, warn: () => {} });
    const parsed = oracle(text) ?? [];
    const fromVar = new Map(parsed).get('service.name');
    const want = opt ?? (envName !== undefined && envName.trim() !== '' ? envName.trim() : fromVar !== undefined && fromVar.trim() !== '' ? fromVar : 'unknown_service:node');
    assert.is(res['service.name'], want, JSON.stringify([text, envName, opt]));
    for (const [k, v] of parsed) if (k !== 'service.name' && !k.startsWith('telemetry.sdk.')) assert.is(res[k], v, k);
  }), { numRuns: RUNS });
});

test.run();
