// startValue (src/attributes.ts), which per-tenant sampling reads, against what the span it predicts holds
// (Tracer.copyInitial): routes read the ended span, so for any start attributes and limits both must name the
// same tenant, cut or dropped alike (AC-005).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { startValue } from '../src/attributes.js';
import { createTracer, alwaysOn, type Span } from '../src/index.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const KEY = 'tenant.id';

const value = fc.oneof(
  fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 }), fc.integer(), fc.double(), fc.boolean(),
  fc.constant(null), fc.constant(undefined), fc.bigInt(), fc.array(fc.string({ maxLength: 6 }), { maxLength: 4 }),
  fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 3 }), fc.constant({ nested: 1 }), fc.constant(new Uint8Array(5)),
);
const key = fc.constantFrom(KEY, 'a', 'b', 'c', 'http.route', '', 'deny');
/** What callers pass: a literal, a class instance (the http adapter's start attributes), an object with inherited keys. */
class Attrs { [k: string]: unknown }
const holder = fc.constantFrom('literal', 'instance', 'inherits', 'null-proto');
const attrs = fc.tuple(fc.array(fc.tuple(key, value), { maxLength: 8 }), holder, fc.array(fc.tuple(key, value), { maxLength: 3 })).map(([kv, h, inherited]) => {
  const proto = h === 'inherits' ? Object.fromEntries(inherited) : h === 'instance' ? Attrs.prototype : h === 'null-proto' ? null : Object.prototype;
  const o = Object.create(proto) as Record<string, unknown>;
  for (const [k, v] of kv) o[k] = v;
  return o;
});
const limits = fc.record({
  maxCount: fc.integer({ min: 0, max: 5 }),
  maxValueLength: fc.integer({ min: 1, max: 6 }),
  allow: fc.constantFrom(null, ['tenant.id', 'a', 'b', ''], (k: string) => k !== 'deny'),
});

test('startValue names the tenant value the started span holds, for any start attributes and limits', () => {
  fc.assert(fc.property(attrs, limits, (a, l) => {
    const t = createTracer({ service: 's', sampler: alwaysOn, attributes: l, env: {}, logger: () => {} });
    const span = t.startSpan('op', { attributes: a as never }) as Span;
    assert.equal(startValue(a as never, KEY, t.attrPolicy), span.getAttribute(KEY), JSON.stringify([a, l], (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  }), { numRuns: RUNS });
});

test.run();
