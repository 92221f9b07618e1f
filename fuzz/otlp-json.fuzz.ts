// Property: any attribute key/value the encoder can meet yields valid JSON that parses back to the
// same value, or to the documented replacement (src/otlp-json.ts header): NaN/±Infinity → the proto3
// JSON strings, -0 → intValue "0", null/undefined/other → {}, a lone surrogate → U+FFFD; a number array
// is all doubleValue once one element is not an int64. Runs: FUZZ_RUNS (default 200).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createTracer } from '../src/index.js';
import type { Span } from '../src/span.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';
import { CaptureProcessor } from '../test/helpers/capture.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const cap = new CaptureProcessor();
const tracer = createTracer({ service: 'fuzz', processor: cap, env: {} });
const enc = new OtlpJsonEncoder();

const nasty = fc.constantFrom('"', '\\', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', '\udfff', '\ud83d\ude00', 'é', '\n', '/', '</script>');
const str = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.array(fc.oneof(nasty, fc.string({ maxLength: 4 })), { maxLength: 20 }).map((a) => a.join('')),
  fc.string({ unit: 'grapheme-ascii', minLength: 30, maxLength: 200 }), // the native (long string) path
);
const num = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(Number),
  fc.constantFrom(-0, NaN, Infinity, -Infinity, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 2 ** 64, Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON, 1e21, -1e-7),
);
const scalar = fc.oneof(str, num, fc.boolean());
const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(fc.oneof(scalar, fc.constant(null)), { maxLength: 8 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, {}, () => 1) },
);

/** A string as it must come back: lone surrogates replaced by U+FFFD (proto strings are UTF-8). */
const wf = (s: string): string => (s as unknown as { toWellFormed(): string }).toWellFormed();

function asDouble(x: number): unknown {
  return { doubleValue: Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : Object.is(x, -0) ? 0 : x };
}

/** What a value must decode to (AnyValue as parsed JSON). */
function expected(v: unknown): unknown {
  if (typeof v === 'string') return { stringValue: wf(v) };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v < 2 ** 63 && v >= -(2 ** 63)) return { intValue: BigInt(v).toString() };
    if (Number.isNaN(v)) return { doubleValue: 'NaN' };
    if (v === Infinity) return { doubleValue: 'Infinity' };
    if (v === -Infinity) return { doubleValue: '-Infinity' };
    return { doubleValue: v };
  }
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) {
    // one type per number array: all doubleValue once one element is not an int64
    const dbl = v.some((x) => typeof x === 'number' && !(Number.isInteger(x) && x < 2 ** 63 && x >= -(2 ** 63)));
    return { arrayValue: { values: v.map((x) => (x === null || x === undefined || typeof x === 'object' ? {} : dbl && typeof x === 'number' ? asDouble(x) : expected(x))) } };
  }
  return {};
}

function span(pairs: [string, unknown][], name: string): Span {
  const s = tracer.startSpan(name, { root: true }) as Span;
  const flat: unknown[] = [];
  for (const [k, v] of pairs) flat.push(k, v);
  s.setAttrs(flat, pairs.length); // straight in: the encoder must cope with values the sanitizer would never let through
  s.end();
  return s;
}

test('any attribute value round-trips through the OTLP JSON (or its documented replacement)', () => {
  fc.assert(fc.property(fc.array(fc.tuple(str, value), { maxLength: 6 }), str, (pairs, name) => {
    cap.spans.length = 0;
    const s = span(pairs, name);
    const text = Buffer.from(enc.encode([s])).toString('utf8');
    const j = JSON.parse(text); // throws on invalid JSON
    const out = j.resourceSpans[0].scopeSpans[0].spans[0];
    assert.is(out.name, wf(name));
    const attrs = out.attributes ?? [];
    assert.is(attrs.length, pairs.length);
    pairs.forEach(([k, v], i) => {
      assert.is(attrs[i].key, wf(k));
      assert.equal(attrs[i].value, expected(v));
      if (typeof v === 'number' && attrs[i].value.intValue !== undefined) assert.ok(BigInt(attrs[i].value.intValue) === BigInt(v), 'exact int64');
    });
  }), { numRuns: RUNS });
});

test('batches of such spans stay valid JSON and keep every span', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.array(fc.tuple(str, value), { maxLength: 3 }), str), { minLength: 1, maxLength: 20 }), (specs) => {
    const spans = specs.map(([pairs, name]) => span(pairs, name));
    const j = JSON.parse(Buffer.from(enc.encode(spans)).toString('utf8'));
    const got = j.resourceSpans[0].scopeSpans[0].spans;
    assert.is(got.length, spans.length);
    got.forEach((o: any, i: number) => assert.is(o.name, wf(specs[i]![1])));
  }), { numRuns: Math.max(20, RUNS >> 2) });
});

test.run();
