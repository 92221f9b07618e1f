// AC-005: a typo or wrong value in the Kubernetes config is an error that names the JSON path, the problem
// and what is allowed (never silently ignored), and never echoes a credential.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateConfig, ConfigError, ConfigErrorCode, isConfigError } from '../src/config/index.js';
import { parseConfig } from '../src/config/load.js';
import { closest, childPath, editDistance } from '../src/config/validate.js';
import { jsonErrorOffset } from '../src/config/json-scan.js';

const problems = (v: unknown): string[] => validateConfig(v).map((p) => `${p.path}: ${p.message}`);
const one = (v: unknown): string => {
  const p = problems(v);
  assert.is(p.length, 1, `expected one problem, got ${JSON.stringify(p)}`);
  return p[0]!;
};
const otlp = (extra: Record<string, unknown> = {}) => ({ type: 'otlp', url: 'http://collector:4318/v1/traces', ...extra });

test('AC-005 an empty object is a valid config (everything defaulted)', () => {
  assert.equal(validateConfig({}), []);
});

test('AC-005 unknown keys are errors with the closest known key suggested and the allowed keys listed', () => {
  const m = one({ routes: { tenant: { acme: [] } } });
  assert.match(m, /^\$\.routes\.tenant: unknown key; did you mean "tenants"\?/);
  assert.match(m, /allowed here: tenants, default, all/);
  assert.match(one({ exporters: { p: otlp({ endpiont: 'http://x:4318' }) } }), /\$\.exporters\.p\.endpiont: unknown key; did you mean "endpoint"\?/);
  assert.match(one({ batch: { scheduledDelayMillis: 5 } }), /did you mean "scheduledDelayMs"\?/);
  assert.match(one({ Sampler: {} }), /^\$\.Sampler: unknown key; did you mean "sampler"\?/);
  // nothing close: no suggestion, but the list of allowed keys
  const far = one({ zzzzzzzz: 1 });
  assert.not.match(far, /did you mean/);
  assert.match(far, /allowed here: \$schema, service, tenantAttribute/);
});

test('AC-005 wrong types and ranges name the path, what was given and what is allowed', () => {
  assert.is(one({ batch: { maxQueueSize: '2048' } }), '$.batch.maxQueueSize: expected an integer from 1 to 1000000, got "2048" (a string)');
  assert.is(one({ sampler: { probability: 1.5 } }), '$.sampler.probability: expected a number from 0 to 1, got 1.5');
  assert.is(one({ sampler: { tenants: { acme: -0.1 } } }), '$.sampler.tenants.acme: expected a number from 0 to 1, got -0.1');
  assert.is(one({ recordErrorMessages: 'yes' }), '$.recordErrorMessages: expected true or false, got "yes" (a string)');
  assert.is(one({ exporters: { p: otlp({ compression: 'zip' }) } }), '$.exporters.p.compression: expected one of "gzip", "none"; did you mean "gzip"?, got "zip" (a string)');
  assert.match(one({ exporters: { p: otlp({ timeoutMs: 1.5 }) } }), /^\$\.exporters\.p\.timeoutMs: expected an integer from 1 to 600000, got 1.5$/);
  assert.match(one({ exporters: { p: otlp({ idleTimeoutMs: -1 }) } }), /^\$\.exporters\.p\.idleTimeoutMs: expected an integer from 0 to 600000, got -1$/);
  assert.equal(problems({ exporters: { p: otlp({ idleTimeoutMs: 0 }) } }), []);
  assert.is(one([]), '$: expected an object, got a list');
  assert.is(one({ routes: { default: 'platform' } }), '$.routes.default: expected a list (each a name of 1-63 letters, digits, ".", "_" or "-" starting with a letter or digit), got "platform" (a string)');
});

test('AC-005 keys that are not identifiers are bracketed in paths; list items get their index', () => {
  assert.is(childPath('$.exporters', 'acme-backend'), '$.exporters["acme-backend"]');
  assert.is(childPath('$.a', 'ok_1'), '$.a.ok_1');
  assert.is(childPath('$.a', 3), '$.a[3]');
  assert.is(one({ exporters: { 'acme-backend': { type: 'file', path: 'relative.jsonl' } } }), '$.exporters["acme-backend"].path: expected an absolute file path, got "relative.jsonl" (a string)');
  assert.is(one({ exporters: { a: otlp() }, routes: { all: ['a', 'a'] } }), '$.routes.all[1]: duplicate "a" (a string) (already at [0])');
});

test('AC-005 exporter type is required and checked; each type has its own keys', () => {
  assert.is(one({ exporters: { a: {} } }), '$.exporters.a: missing required key "type" (one of "otlp", "file", "console")');
  assert.match(one({ exporters: { a: { type: 'otlphttp', url: 'http://x' } } }), /^\$\.exporters\.a\.type: unknown type "otlphttp" \(a string\); did you mean "otlp"\?/);
  assert.match(one({ exporters: { a: { type: 'console', url: 'http://x' } } }), /^\$\.exporters\.a\.url: unknown key \(allowed here: type, batch\)$/);
  assert.is(one({ exporters: { a: { type: 'file' } } }), '$.exporters.a: missing required key "path" (an absolute file path)');
  assert.is(one({ exporters: { 'bad name': { type: 'console' } } }), '$.exporters["bad name"]: invalid key: expected a name of 1-63 letters, digits, ".", "_" or "-" starting with a letter or digit, got "bad name" (a string)');
});

test('AC-005 otlp needs exactly one of url / endpoint', () => {
  assert.match(one({ exporters: { a: { type: 'otlp' } } }), /^\$\.exporters\.a: missing "url" .* or "endpoint"/);
  assert.match(one({ exporters: { a: otlp({ endpoint: 'http://x:4318' }) } }), /^\$\.exporters\.a: set either "url" .* or "endpoint" .*not both$/);
  assert.match(one({ exporters: { a: { type: 'otlp', url: 'ftp://x/v1/traces' } } }), /scheme "ftp:" is not supported/);
  assert.match(one({ exporters: { a: { type: 'otlp', url: 'not a url' } } }), /not a valid absolute URL/);
});

test('AC-005 routes may only name defined exporters (typo suggested); tenants may map to an empty list', () => {
  const m = one({ exporters: { platform: otlp(), 'acme-backend': otlp() }, routes: { tenants: { acme: ['acme-backnd'] }, default: ['platform'] } });
  assert.is(m, '$.routes.tenants.acme[0]: unknown exporter "acme-backnd"; did you mean "acme-backend"? (defined in $.exporters: "platform", "acme-backend")');
  assert.match(one({ routes: { all: ['platform'] } }), /^\$\.routes\.all\[0\]: unknown exporter "platform" \(defined in \$\.exporters: \(none\)\)$/);
  assert.equal(validateConfig({ exporters: { p: otlp() }, routes: { tenants: { noisy: [] }, all: ['p'] } }), []);
});

test('AC-005 batch: maxExportBatchSize may not exceed maxQueueSize, also across global and per-exporter settings', () => {
  assert.is(one({ batch: { maxQueueSize: 100, maxExportBatchSize: 200 } }), '$.batch.maxExportBatchSize: must not exceed maxQueueSize (100), got 200');
  assert.is(one({ batch: { maxQueueSize: 100 }, exporters: { a: otlp({ batch: { maxExportBatchSize: 200 } }) } }), '$.exporters.a.batch.maxExportBatchSize: must not exceed maxQueueSize (100), got 200');
});

test('AC-005 http section: trust policy or per-network trust, header names, false to switch a header off', () => {
  assert.equal(validateConfig({ http: { trust: 'preserve-ids', traceIdHeader: false, serverTimingHeader: 'server-timing', traceResponseHeader: true, tenant: 'x-tenant-id', requestHeaders: ['x-request-id'] } }), []);
  assert.equal(validateConfig({ http: { trust: { networks: ['10.0.0.0/8', 'fd00::/8'], outside: 'link' } } }), []);
  assert.match(one({ http: { trust: 'presrve' } }), /^\$\.http\.trust: expected one of "preserve", .*; did you mean "preserve"\?/);
  assert.is(one({ http: { traceIdHeader: true } }), '$.http.traceIdHeader: expected false, got true');
  assert.is(one({ http: { trust: { networks: ['10.0.0.0/33'] } } }), '$.http.trust.networks[0]: expected an IPv4 or IPv6 network in CIDR notation (e.g. 10.0.0.0/8), got "10.0.0.0/33" (a string)');
  assert.is(one({ http: { trust: { networks: [] } } }), '$.http.trust.networks: expected at least 1 item(s), got none');
  assert.match(one({ http: { trust: { inside: 'preserve' } } }), /^\$\.http\.trust: missing required key "networks"/);
  assert.match(one({ http: { requestHeaders: ['x bad'] } }), /^\$\.http\.requestHeaders\[0\]: expected an HTTP header name/);
});

test('AC-007 header values and URL credentials are never echoed in problems', () => {
  const token = 'sk_live_0123456789abcdef';
  const ps = problems({
    exporters: {
      a: otlp({ headers: { authorization: `Bearer ${token}\n`, 'x-key': 12345678 } }),
      b: { type: 'otlp', url: `https://user:${token}@collector/v1/traces` },
    },
  });
  assert.is(ps.length, 3, JSON.stringify(ps));
  assert.ok(ps.every((p) => !p.includes(token) && !p.includes('12345678')), JSON.stringify(ps));
  assert.match(ps.join('\n'), /headers\.authorization: expected a header value on one line/);
  assert.match(ps.join('\n'), /headers\["x-key"\]: expected a header value on one line \(.*\) or an object like \{ "valueFrom": .* got a number$/m);
  assert.match(ps.join('\n'), /b\.url: .*contains user:password@/);
});

test('AC-007 nothing under a header value is echoed: valueFrom as a string or number, file, prefix, keys', () => {
  const token = 'glc_eyJrIjoiTOPSECRET';
  const cases: Array<[unknown, RegExp]> = [
    [{ valueFrom: `Bearer ${token}` }, /^\$\.exporters\.a\.headers\.authorization\.valueFrom: expected an object like \{ "file": .*\}, got a string$/],
    [{ valueFrom: 31337 }, /^\$\.exporters\.a\.headers\.authorization\.valueFrom: expected an object like .*, got a number$/],
    [{ valueFrom: [token] }, /valueFrom: expected an object like .*, got a list$/],
    [{ valueFrom: { file: token } }, /^\$\.exporters\.a\.headers\.authorization\.valueFrom\.file: expected an absolute file path$/],
    [{ valueFrom: { file: '/s/t', prefix: `Bearer ${token}\n` } }, /^\$\.exporters\.a\.headers\.authorization\.valueFrom\.prefix: expected a header value on one line \(tab, printable ASCII and Latin-1 characters only\)$/],
    [{ valueFrom: { file: '/s/t', prefix: 31337 } }, /valueFrom\.prefix: expected a header value on one line \(.*\), got a number$/],
    [{ valueFrom: { file: '/s/t', prefix: token.repeat(20) } }, /valueFrom\.prefix: expected at most 256 characters$/],
    [{ valueFrom: { file: '/s/t', [token]: 1 } }, /valueFrom: unknown key \(not shown: it is inside a header value\) \(allowed here: file, prefix\)$/],
    [{ [token]: '/x', valueFrom: { file: '/s/t' } }, /authorization: unknown key \(not shown: it is inside a header value\) \(allowed here: valueFrom\)$/],
  ];
  for (const [value, want] of cases) {
    const m = one({ exporters: { a: otlp({ headers: { authorization: value } }) } });
    assert.not.ok(m.includes('TOPSECRET') || m.includes('31337'), m);
    assert.match(m, want);
  }
});

test('AC-005 header names are case-insensitive: a duplicate differing in case is an error', () => {
  assert.match(one({ exporters: { a: otlp({ headers: { Authorization: 'x', authorization: 'y' } }) } }), /headers\.authorization: same header as "Authorization"/);
});

test('AC-005 headers that describe the body are the exporter\'s: content-encoding, content-length, content-type, transfer-encoding are errors', () => {
  assert.match(one({ exporters: { a: otlp({ headers: { 'Content-Encoding': 'gzip' } }) } }), /headers\["Content-Encoding"\]: is written by the exporter from the body it sends: remove it \(set "compression": "gzip" to compress\)/);
  for (const h of ['content-length', 'content-type', 'transfer-encoding']) assert.match(one({ exporters: { a: otlp({ headers: { [h]: 'x' } }) } }), /is written by the exporter/, h);
  assert.equal(validateConfig({ exporters: { a: otlp({ headers: { 'content-language': 'x', 'x-content-type': 'y' } }) } }), [], 'only those four');
});

test('AC-005 a tenant of routes or sampler that no span can carry is an error (its spans would take the default route in silence)', () => {
  const ex = { a: otlp(), b: otlp() };
  const routes = { tenants: { acme: ['b'], 'globex-corporation-europe': ['b'] }, default: ['a'] };
  assert.match(one({ exporters: ex, routes, limits: { maxAttributes: 0 } }), /^\$\.limits\.maxAttributes: 0 keeps no attribute, so no span carries tenant\.id/);
  assert.match(one({ exporters: ex, routes, limits: { maxAttributeValueLength: 10 } }), /^\$\.routes\.tenants\["globex-corporation-europe"\]: is 25 chars, over limits\.maxAttributeValueLength \(10\)/);
  assert.match(one({ exporters: ex, routes, http: { tenant: 'x-tenant-id', tenantMaxLength: 8 } }), /globex-corporation-europe"\]: is 25 chars, over http\.tenantMaxLength \(8\)/);
  assert.match(one({ sampler: { tenants: { 'acme corp': 0.5 } }, http: { tenant: 'x-tenant-id' } }), /^\$\.sampler\.tenants\["acme corp"\]: has characters the http adapter rejects/);
  // 25 chars under a limit of 25 (or 26) is kept whole, but a longer value is cut to it: another tenant's spans would match (config-tenant-cut.test.ts)
  assert.match(one({ exporters: ex, routes, limits: { maxAttributeValueLength: 25 } }), /^\$\.routes\.tenants\["globex-corporation-europe"\]: is 25 chars, the length of limits\.maxAttributeValueLength \(25\): a longer tenant\.id is cut to 25/);
  // reachable: no limits, or limits that let them through (2 units over the tenant); a tenant set by code (no http.tenant) may use any characters
  for (const ok of [{ exporters: ex, routes }, { exporters: ex, routes, limits: { maxAttributeValueLength: 27, maxAttributes: 1 } }, { sampler: { tenants: { 'acme corp': 0.5 } } }, { limits: { maxAttributes: 0 } }]) assert.equal(validateConfig(ok), [], JSON.stringify(ok));
});

test('AC-005 valueFrom needs an absolute file; unknown keys inside are errors too (named by their parent only)', () => {
  assert.is(one({ exporters: { a: otlp({ headers: { authorization: { valueFrom: { file: 'token' } } } }) } }), '$.exporters.a.headers.authorization.valueFrom.file: expected an absolute file path');
  const ps = problems({ exporters: { a: otlp({ headers: { authorization: { valueFrom: { path: '/x' } } } }) } });
  assert.equal(ps, ['$.exporters.a.headers.authorization.valueFrom: unknown key (not shown: it is inside a header value) (allowed here: file, prefix)', '$.exporters.a.headers.authorization.valueFrom: missing required key "file" (an absolute file path)']);
  assert.match(problems({ exporters: { a: otlp({ headers: { authorization: { valueFrom: { flie: '/x' } } } }) } })[0]!, /valueFrom: unknown key .*; did you mean "file"\?/);
  assert.match(problems({ exporters: { a: otlp({ headers: { authorization: { valueFrom: {} } } }) } }).join(), /valueFrom: missing required key "file"/);
  assert.equal(problems({ exporters: { a: otlp({ headers: { authorization: { secretRef: '/x' } } }) } }), [
    '$.exporters.a.headers.authorization: unknown key (not shown: it is inside a header value) (allowed here: valueFrom)',
    '$.exporters.a.headers.authorization: missing required key "valueFrom" (an object like { "file": "/etc/tracewire/secrets/token", "prefix": "Bearer " })',
  ]);
});

test('AC-005 attribute allowlist patterns: keys or prefixes ending in *', () => {
  assert.equal(validateConfig({ attributes: { allow: ['app.*', 'tenant.id', '*'] } }), []);
  assert.match(one({ attributes: { allow: ['a*b'] } }), /expected an attribute key, or a prefix ending in "\*"/);
});

test('AC-005 the number of problems is bounded, each with a path starting at $', () => {
  const big: Record<string, unknown> = {};
  for (let i = 0; i < 500; i++) big['k' + i] = i;
  const ps = validateConfig(big);
  assert.is(ps.length, 50);
  assert.ok(ps.every((p) => p.path.startsWith('$.k')));
});

test('AC-005 __proto__ and constructor in the file are plain unknown keys, not prototype lookups', () => {
  const v = JSON.parse('{"__proto__": {"x": 1}, "service": {"constructor": 1}}');
  const ps = problems(v);
  assert.is(ps.length, 2, JSON.stringify(ps));
  assert.match(ps[0]!, /^\$\.__proto__: unknown key/);
  assert.match(ps[1]!, /^\$\.service\.constructor: unknown key/);
});

test('AC-005 parse errors give line and column, never the surrounding text; codes are stable', () => {
  const secret = 'tok_abcdef';
  try {
    parseConfig(`{\n  "exporters": {\n    "a": { "headers": { "authorization": "${secret}" }, }\n  }\n}`, '/etc/tracewire/config.json');
    assert.unreachable();
  } catch (e) {
    assert.ok(isConfigError(e));
    assert.ok(e instanceof ConfigError);
    assert.is((e as ConfigError).code, ConfigErrorCode.PARSE);
    assert.match((e as Error).message, /^\/etc\/tracewire\/config\.json: not valid JSON \(line 3 column \d+\)/);
    assert.not.match((e as Error).message, new RegExp(secret));
  }
  for (const [text, code] of [['', 'TW_CONFIG_PARSE'], ['{"a":', 'TW_CONFIG_PARSE'], ['{"a": 1}', 'TW_CONFIG_INVALID'], ['\ufeff{}', null]] as const) {
    let got: string | null = null;
    try { parseConfig(text, null); } catch (e) { got = (e as ConfigError).code; }
    assert.is(got, code, JSON.stringify(text));
  }
});

test('AC-005 parse errors that V8 reports without a position (Node 20 "Unexpected token") still give the line and column of the bad token', () => {
  const where = (text: string): string => {
    try { parseConfig(text, '/c.json'); } catch (e) {
      assert.is((e as ConfigError).code, 'TW_CONFIG_PARSE');
      return /not valid JSON \((.*?)\)/.exec((e as Error).message)![1]!;
    }
    throw new Error('parsed: ' + text);
  };
  assert.is(where('{"a": tru}'), 'line 1 column 7');
  assert.is(where('{\n  "routes": {\n    "default": ["a",]\n  }\n}'), 'line 3 column 21');
  assert.is(where('{\n  "recordErrorMessages": yes\n}'), 'line 2 column 26');
  assert.is(where('{"a": 1'), 'unexpected end of input at line 1 column 8');
  assert.is(where('{\n  "a": [1, 2'), 'unexpected end of input at line 2 column 13');
});

test('the JSON scanner agrees with V8 wherever V8 gives a position, and finds the others', () => {
  const texts = ['{"a" 1}', '{"a": 01}', '{"a": "\\x"}', '[-]', '{,}', '{"a":1,}', '{"a": 1} x', '"abc', '{"a": 1.}', '[1e]', '{"a": "\\u12G4"}', '{a: 1}', '[1 2]', '[1,2]]', '{"a":1 "b":2}', '"\u0001"', '[tru', '[[[', '-', '0x1'];
  for (const t of texts) {
    let v8 = -2;
    try { JSON.parse(t); } catch (e) { const m = /position (\d+)/.exec((e as Error).message); v8 = m ? Number(m[1]) : -3; }
    if (v8 >= 0) assert.is(jsonErrorOffset(t), v8, t);
    else assert.ok(jsonErrorOffset(t) >= 0, t);
  }
  assert.is(jsonErrorOffset('[1,]'), 3);
  assert.is(jsonErrorOffset('nul'), 0);
  for (const ok of ['{}', '[]', ' {"a" : [1, -0.5e+3, true, null, {"b": "\\u00e9\\n"}] } ', '0']) assert.is(jsonErrorOffset(ok), -1, ok);
  assert.is(jsonErrorOffset('['.repeat(100_000)), 100_000); // iterative: deep nesting does not overflow the stack
});

test('AC-005 the invalid-config error lists problems in its message (capped) and all in .problems', () => {
  const big: Record<string, unknown> = {};
  for (let i = 0; i < 12; i++) big['k' + i] = i;
  try { parseConfig(JSON.stringify(big), '/c.json'); assert.unreachable(); } catch (e) {
    const err = e as ConfigError;
    assert.is(err.code, 'TW_CONFIG_INVALID');
    assert.is(err.problems.length, 12);
    assert.match(err.message, /^\/c\.json: 12 problems: \$\.k0: unknown key/);
    assert.match(err.message, /; and 2 more$/);
  }
});

test('suggestions: transpositions, case and containment count as typos; distant words do not', () => {
  assert.is(editDistance('endpiont', 'endpoint'), 1);
  assert.is(closest('MAXQUEUESIZE', ['maxQueueSize']), 'maxQueueSize');
  assert.is(closest('otlphttp', ['otlp', 'file', 'console']), 'otlp');
  assert.is(closest('banana', ['otlp', 'file', 'console']), undefined);
});

test.run();
