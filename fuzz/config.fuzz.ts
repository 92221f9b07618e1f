// AC-005 / AC-007: whatever JSON lands in the ConfigMap, the validator returns problems with a JSON path
// (never throws), and whatever it accepts the normaliser can build; parse errors never echo the text.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { validateConfig, ConfigError } from '../src/config/index.js';
import { parseConfigText } from '../src/config/load.js';
import { normalizeConfig, resolveConfig, secretFiles } from '../src/config/normalize.js';

const RUNS = Math.max(2000, Math.floor(Number(process.env.FUZZ_RUNS ?? 0) / 20));

const example = {
  service: { name: 'checkout', attributes: { env: 'prod', n: 3, b: true } },
  tenantAttribute: 'tenant.id',
  sampler: { parentBased: true, probability: 0.5, tenants: { acme: 1 } },
  batch: { maxQueueSize: 100, maxExportBatchSize: 10, scheduledDelayMs: 5, exportTimeoutMs: 1000 },
  exporters: {
    p: { type: 'otlp', endpoint: 'http://c:4318', compression: 'gzip', timeoutMs: 100, headers: { authorization: { valueFrom: { file: '/s/token', prefix: 'Bearer ' } }, 'x-a': 'v' } },
    f: { type: 'file', path: '/tmp/x.jsonl', batch: { maxQueueSize: 50 } },
    c: { type: 'console' },
  },
  routes: { tenants: { acme: ['p', 'f'], none: [] }, default: ['c'], all: ['p'] },
  http: { trust: { networks: ['10.0.0.0/8'], outside: 'link' }, tenant: 'x-tenant-id', traceIdHeader: false, traceResponseHeader: true, requestHeaders: ['x-request-id'] },
  attributes: { allow: ['app.*'] },
  limits: { maxAttributes: 10, maxAttributeValueLength: 100 },
  recordErrorMessages: true,
};

function wellFormed(problems: ReturnType<typeof validateConfig>): void {
  for (const p of problems) {
    if (typeof p.path !== 'string' || !p.path.startsWith('$') || typeof p.message !== 'string' || p.message.length === 0) {
      assert.unreachable('malformed problem ' + JSON.stringify(p));
    }
  }
}

/** What the loader does after validation; must not throw for anything validateConfig accepted. */
function build(v: unknown): void {
  const pending = normalizeConfig(v as Record<string, unknown>, '/fuzz.json');
  const contents = new Map(secretFiles(pending).map((f) => [f, { ok: true as const, value: 'tok' }]));
  const c = resolveConfig(pending, { secrets: contents, pems: new Map(), passphrases: new Map() });
  JSON.stringify(c);
}

test(`validator: arbitrary JSON never throws and every problem has a path (${RUNS} runs)`, () => {
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
    const ps = validateConfig(v);
    wellFormed(ps);
    if (ps.length === 0) build(v);
  }), { numRuns: RUNS });
});

/** Replace the value at a random path of the example by arbitrary JSON, delete it, or add a stray key. */
const mutated = fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('replace', 'delete', 'add'), fc.string({ maxLength: 12 })).map(([picks, value, op, key]) => {
  const root = JSON.parse(JSON.stringify(example)) as Record<string, unknown>;
  let cur: Record<string, unknown> = root;
  for (let i = 0; i < picks.length; i++) {
    const keys = Object.keys(cur);
    if (keys.length === 0) break;
    const k = keys[picks[i]! % keys.length]!;
    const next = cur[k];
    const last = i === picks.length - 1 || next === null || typeof next !== 'object';
    if (last) {
      if (op === 'delete') delete cur[k];
      // An array gets an extra element: a stray key such as 'length' on an array would throw in this generator, not in the validator.
      else if (op === 'add') { if (Array.isArray(cur)) (cur as unknown[]).push(value); else cur[key] = value; }
      else cur[k] = value;
      break;
    }
    cur = next as Record<string, unknown>;
  }
  return root;
});

test(`validator: mutations of a full config never throw; what it accepts always builds (${RUNS} runs)`, () => {
  let accepted = 0;
  fc.assert(fc.property(mutated, (v) => {
    const ps = validateConfig(v);
    wellFormed(ps);
    if (ps.length === 0) { accepted++; build(v); }
  }), { numRuns: RUNS });
  assert.ok(accepted > 0, 'some mutations stay valid (the property is not vacuous)');
});

test(`parser: any text is a value or TW_CONFIG_PARSE, and the message never quotes the text (${RUNS} runs)`, () => {
  fc.assert(fc.property(fc.string({ minLength: 0, maxLength: 200 }), (text) => {
    try {
      parseConfigText(text, '/f.json');
    } catch (e) {
      if (!(e instanceof ConfigError) || e.code !== 'TW_CONFIG_PARSE') throw e;
      const t = text.trim();
      if (t.length >= 12 && e.message.includes(t)) assert.unreachable('parse error quotes the input');
    }
  }), { numRuns: RUNS });
});

test.run();
