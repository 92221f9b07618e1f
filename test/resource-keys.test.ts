// Resource keys that are also Object.prototype names (`__proto__`, `constructor`, `toString`) are ordinary
// attribute keys: kept from OTEL_RESOURCE_ATTRIBUTES and the `resource` option all the way into OTLP, in
// process and through the export thread's dictionary.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer } from '../src/index.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';
import { RingProcessor } from '../src/thread/processor.js';
import { RingReader } from '../src/thread/ring.js';
import { DictReader } from '../src/thread/dict.js';
import { ByteReader } from '../src/thread/codec.js';
import { decodeSpan } from '../src/thread/thread-span.js';
import * as L from '../src/thread/layout.js';
import { CaptureProcessor } from './helpers/capture.js';

type KV = { key: string; value: { stringValue?: string } };
const resourceOf = (spans: unknown[]): Record<string, string> => {
  const j = JSON.parse(new OtlpJsonEncoder().encode(spans as never).toString());
  const out: Record<string, string> = Object.create(null);
  for (const a of j.resourceSpans[0].resource.attributes as KV[]) out[a.key] = a.value.stringValue!;
  return out;
};
const ENV = { OTEL_RESOURCE_ATTRIBUTES: '__proto__=x,service.name=a,constructor=c,toString=t,hasOwnProperty=h' };

test('OTEL_RESOURCE_ATTRIBUTES with __proto__ / constructor / toString keys: each an ordinary attribute in the OTLP resource', () => {
  const cap = new CaptureProcessor();
  const t = createTracer({ processor: cap, env: ENV });
  assert.is(t.service, 'a');
  t.startSpan('x').end();
  const r = resourceOf(cap.spans);
  assert.is(r['__proto__'], 'x');
  assert.is(r['constructor'], 'c');
  assert.is(r['toString'], 't');
  assert.is(r['hasOwnProperty'], 'h');
  assert.is(r['service.name'], 'a');
  assert.equal(Object.keys(t.resource).sort(), ['__proto__', 'constructor', 'hasOwnProperty', 'service.name', 'telemetry.sdk.language', 'telemetry.sdk.name', 'telemetry.sdk.version', 'toString']);
  assert.is(Object.getPrototypeOf(t.resource), null);
});

test('the resource option keeps an own __proto__ key (JSON.parse makes one) and overrides the environment\'s', () => {
  const cap = new CaptureProcessor();
  const t = createTracer({ processor: cap, env: ENV, resource: JSON.parse('{"__proto__":"opt","valueOf":"v"}') });
  t.startSpan('x').end();
  const r = resourceOf(cap.spans);
  assert.is(r['__proto__'], 'opt');
  assert.is(r['valueOf'], 'v');
  assert.is(r['constructor'], 'c');
});

test('through the export thread\'s dictionary: the decoded resource still has __proto__ as a key', () => {
  const l = L.createLayout(1 << 16);
  const t = createTracer({ processor: new RingProcessor(l), env: ENV });
  t.startSpan('x', { root: true }).end();
  const reader = new RingReader(l, 5000);
  const dict = new DictReader(l);
  const br = new ByteReader(Buffer.from(l.sab));
  const spans = [];
  for (let at = reader.next(); at >= 0; at = reader.next()) spans.push(decodeSpan(l.i32, br, at, dict));
  reader.free();
  assert.is(spans.length, 1);
  const r = resourceOf(spans);
  assert.is(r['__proto__'], 'x');
  assert.is(r['toString'], 't');
  assert.is(r['service.name'], 'a');
});

test.run();
