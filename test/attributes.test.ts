import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, compileAllowlist, parseTraceparent, SpanStatusCode, type Span } from '../src/index.js';
import type { SpanProcessor } from '../src/processor.js';
import { AttributePolicy, AttributeStats, flattenAttributes } from '../src/attributes.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';
import { RingProcessor } from '../src/thread/processor.js';
import { RingReader } from '../src/thread/ring.js';
import { DictReader } from '../src/thread/dict.js';
import { ByteReader, ByteWriter } from '../src/thread/codec.js';
import { decodeSpan } from '../src/thread/thread-span.js';
import * as L from '../src/thread/layout.js';
import { CaptureProcessor } from './helpers/capture.js';

const mk = (attributes: Parameters<typeof createTracer>[0] extends infer O ? O extends { attributes?: infer A } ? A : never : never) =>
  createTracer({ service: 't', processor: new CaptureProcessor(), attributes });

test('count limit drops extra attributes and counts them', () => {
  const t = mk({ maxCount: 3 });
  const s = t.startSpan('x', { attributes: { a: 1, b: 2, c: 3, d: 4 } }) as Span;
  s.setAttribute('e', 5);
  s.setAttribute('a', 10); // overwrite of an existing key is not a new attribute
  assert.equal(s.attributes, { a: 10, b: 2, c: 3 });
  assert.is(t.stats().attributes.dropped, 2);
});

test('value length limit truncates strings and array elements, counted', () => {
  const t = mk({ maxValueLength: 4 });
  const s = t.startSpan('x', { attributes: { s: 'abcdefgh' } }) as Span;
  s.setAttribute('arr', ['abcdef', 'ab', null]);
  s.setAttribute('bytes', new Uint8Array([1, 2, 3, 4, 5, 6]));
  assert.is(s.getAttribute('s'), 'abcd');
  assert.equal(s.getAttribute('arr'), ['abcd', 'ab', null] as never);
  assert.is((s.getAttribute('bytes') as Uint8Array).length, 4);
  assert.is(t.stats().attributes.truncated, 3);
});

test('truncation at the length limit never splits a surrogate pair (the encoded value stays well-formed text)', () => {
  const t = mk({ maxValueLength: 5 });
  const s = t.startSpan('x', { attributes: { a: 'abcd\u{1F600}xyz', arr: ['abcd\u{1F600}', 'abc\u{1F600}'], ok: 'abc\u{1F600}z' } }) as Span;
  s.setAttribute('b', 'abcd\u{1F600}');
  assert.equal(s.attributes, { a: 'abcd', arr: ['abcd', 'abc\u{1F600}'], ok: 'abc\u{1F600}', b: 'abcd' });
  assert.is(t.stats().attributes.truncated, 4);
  s.setStatus(SpanStatusCode.ERROR, 'xyzw\u{1F600}!'); // the status description is cut the same way
  assert.is(s.statusMessage, 'xyzw');
  s.end();
  const json = new OtlpJsonEncoder().encode([s]).toString('latin1');
  assert.not.match(json, /\\ud83d/i, 'a lone high surrogate was written');
});

test('AC-007 allowlist: keys outside it are never stored and are counted', () => {
  const t = mk({ allow: ['http.request.method', 'http.response.status_code', 'url.path', 'server.*'] });
  const s = t.startSpan('x', { attributes: { 'http.request.method': 'GET', 'http.request.header.authorization': 'Bearer secret', 'server.address': 'api' } }) as Span;
  s.setAttribute('url.query', 'token=abc');
  s.setAttribute('url.path', '/orders');
  s.setAttributes({ 'user.email': 'bob@example.com', 'server.port': 443 });
  assert.equal(s.attributes, { 'http.request.method': 'GET', 'server.address': 'api', 'url.path': '/orders', 'server.port': 443 });
  assert.is(t.stats().attributes.rejected, 3);
  assert.not.ok(JSON.stringify(s.attributes).includes('secret'));
});

test('allowlist as a predicate; compileAllowlist handles exact, prefix and *', () => {
  const t = mk({ allow: (k) => k.startsWith('ok.') });
  const s = t.startSpan('x', { attributes: { 'ok.a': 1, 'no.b': 2 } }) as Span;
  assert.equal(s.attributes, { 'ok.a': 1 });
  const f = compileAllowlist(['a', 'b.*', '', 5 as never]);
  assert.ok(f('a')); assert.ok(f('b.c')); assert.not.ok(f('ab')); assert.not.ok(f('c'));
  assert.ok(compileAllowlist(['x', '*'])('anything'));
  assert.ok(compileAllowlist(['x'])('x'));
});

test('invalid values are counted and ignored; null/undefined ignored silently', () => {
  const t = mk({});
  const s = t.startSpan('x') as Span;
  s.setAttribute('obj', { a: 1 } as never);
  s.setAttribute('fn', (() => 1) as never);
  s.setAttribute('arr', [{}] as never);
  s.setAttribute('', 'empty key');
  s.setAttribute('n', null);
  s.setAttribute('u', undefined);
  s.setAttribute('big', 12n as never);
  s.setAttribute('huge', (2n ** 70n) as never);
  s.setAttribute('holes', ['a', null, 'b']);
  assert.equal(s.attributes, { big: 12n, holes: ['a', null, 'b'] } as never);
  assert.is(t.stats().attributes.invalid, 5);
});

test('AC-003 array attributes are homogeneous (OTel common spec): a mixed-type array is dropped as invalid, counted once; null holes are kept', () => {
  const t = mk({ maxValueLength: 3, maxCount: 4 });
  const s = t.startSpan('x', { attributes: { mixed: [1, 'x', true] as never, holes: [1, null, 2, undefined], nulls: [null, null] } }) as Span;
  s.setAttribute('mixed2', ['abcdef', 1] as never); // the long string is not also counted as truncated
  s.setAttribute('bools', [true, null, false]);
  s.setAttribute('late', ['a', 'b', 'c', 'd', 1] as never); // the mixed element is past maxCount: the kept part is homogeneous
  s.addEvent('ev', { mixed: [false, 0] as never });
  assert.equal(s.attributes, { holes: [1, null, 2, null], nulls: [null, null], bools: [true, null, false], late: ['a', 'b', 'c', 'd'] } as never);
  assert.equal(s.events[0]!.attrs, null);
  assert.equal(t.stats().attributes, { dropped: 0, truncated: 1, rejected: 0, invalid: 3 });
});

test('AC-003 limits: a long value that arrives at maxCount is counted once, as dropped, never also as truncated (setAttribute, startSpan, events, links)', () => {
  const t = mk({ maxCount: 1, maxEventAttributes: 1, maxLinkAttributes: 1, maxValueLength: 4 });
  const long = 'abcdefgh';
  const s = t.startSpan('x', { attributes: { a: 1, b: long, c: [long], d: new Uint8Array(8) as never } }) as Span;
  s.setAttribute('e', long);
  s.setAttribute('f', ['ab', long]);
  s.setAttribute('g', new Uint8Array(8) as never);
  s.setAttributes({ h: long });
  assert.equal(t.stats().attributes, { dropped: 7, truncated: 0, rejected: 0, invalid: 0 });
  assert.is(s.rare!.droppedAttrs, 7);
  s.addEvent('ev', { k: 1, l: long, m: [long] });
  s.addLink(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')!, { k: 1, l: long });
  assert.equal([s.events[0]!.dropped, s.links[0]!.dropped], [2, 1]);
  assert.equal(t.stats().attributes, { dropped: 10, truncated: 0, rejected: 0, invalid: 0 });
  // recorded truncated: an existing key overwritten at the limit is kept, so its cut is counted
  s.setAttribute('a', long);
  assert.is(s.getAttribute('a'), 'abcd');
  assert.equal(t.stats().attributes, { dropped: 10, truncated: 1, rejected: 0, invalid: 0 });
  // an unusable value at the limit is still what it was: invalid, not dropped
  s.setAttribute('z', { no: 1 } as never);
  s.setAttribute('y', (2n ** 70n) as never);
  assert.equal(t.stats().attributes, { dropped: 10, truncated: 1, rejected: 0, invalid: 2 });
});

test('AC-007 an array attribute whose elements throw when read (a Proxy, a getter) is invalid and counted, never an exception in the host', () => {
  const t = mk({});
  const s = t.startSpan('x') as Span;
  const trap = new Proxy([1, 2], { get(o, k) { if (k === '1') throw new Error('trap'); return Reflect.get(o, k); } });
  const getter = Object.defineProperty([1, 2], 1, { get() { throw new Error('getter'); } });
  s.setAttribute('p', trap as never);
  s.setAttribute('g', getter as never);
  s.setAttribute('ok', [1, 2]);
  const c = t.startSpan('y', { attributes: { p: trap as never, ok: 'v' } }) as Span;
  assert.equal(s.attributes, { ok: [1, 2] });
  assert.equal(c.attributes, { ok: 'v' });
  assert.is(t.stats().attributes.invalid, 3);
});

test('bigint attributes keep their exact int64 value (intValue past 2^53, INT64_MAX/MIN), in-thread and through the off-thread record codec', () => {
  const MAX = 9223372036854775807n, MIN = -9223372036854775808n;
  const l = L.createLayout(1 << 16);
  const ring = new RingProcessor(l);
  const inThread: string[] = [];
  const enc = new OtlpJsonEncoder();
  const tee: SpanProcessor = { onEnd(span: Span) { inThread.push(enc.encode([span]).toString()); ring.onEnd(span); }, forceFlush: () => ring.forceFlush(), shutdown: () => ring.shutdown(), stats: () => ring.stats() } as SpanProcessor;
  const t = createTracer({ service: 'big', processor: tee, env: {} });
  const s = t.startSpan('x', { root: true, attributes: { a: 9007199254740993n as never, max: MAX as never } }) as Span;
  s.setAttribute('min', MIN as never);
  s.setAttribute('neg', -9007199254740993n as never);
  s.setAttribute('small', 12n as never);
  s.setAttribute('over', (MAX + 1n) as never); // no exact int64: dropped, counted (as before)
  s.end();
  assert.is(t.stats().attributes.invalid, 1);
  const want = [['a', '9007199254740993'], ['max', String(MAX)], ['min', String(MIN)], ['neg', '-9007199254740993'], ['small', '12']].map(([key, v]) => ({ key, value: { intValue: v } }));
  const attrsOf = (json: string) => JSON.parse(json).resourceSpans[0].scopeSpans[0].spans[0].attributes;
  assert.equal(attrsOf(inThread[0]!), want);
  // the exporter thread's side: record -> ThreadSpan -> the same encoder, the same bytes
  const reader = new RingReader(l, 5000);
  const at = reader.next();
  assert.ok(at >= 0, 'a record was written');
  const decoded = decodeSpan(l.i32, new ByteReader(Buffer.from(l.sab)), at, new DictReader(l));
  assert.is(decoded.attributes.max, MAX);
  assert.is(new OtlpJsonEncoder().encode([decoded as never]).toString(), inThread[0]);
  const w = new ByteWriter(64);
  for (const v of [MAX, MIN, 0n, -1n]) w.value(v);
  const r = new ByteReader(w.buf);
  assert.equal([r.value(), r.value(), r.value(), r.value()], [MAX, MIN, 0n, -1n]);
});

test('arrays are copied: mutating the caller array later does not change the span', () => {
  const t = mk({});
  const arr = ['a', 'b'];
  const s = t.startSpan('x', { attributes: { arr } }) as Span;
  arr.push('c');
  assert.equal(s.getAttribute('arr'), ['a', 'b']);
});

test('initial attributes are copied: mutating the object after startSpan does not change the span', () => {
  const t = mk({});
  const attrs: Record<string, string> = { a: '1' };
  const s = t.startSpan('x', { attributes: attrs }) as Span;
  attrs.a = '2'; attrs.b = '3';
  assert.equal(s.attributes, { a: '1' });
});

test('maxCount is capped at 16383 (the width of the count in Span.bits): a span never holds more, the rest are counted', () => {
  const cap = new CaptureProcessor();
  const warned: string[] = [];
  const t = createTracer({ service: 's', processor: cap, attributes: { maxCount: 100_000 }, logger: (m) => warned.push(m) });
  assert.is(t.attrPolicy.maxCount, 16383);
  assert.equal(warned, ['attributes.maxCount=100000 is above 16383, the most a span holds; using 16383']);
  const s = t.startSpan('x') as Span;
  for (let i = 0; i < 16390; i++) s.setAttribute('k' + i, i);
  assert.is(s.nAttr, 16383);
  assert.is(s.getAttribute('k16382'), 16382);
  assert.is(s.getAttribute('k16383'), undefined);
  assert.is(t.stats().attributes.dropped, 7);
  s.setAttribute('k0', 'again'); // an existing key is still overwritten at the limit
  assert.is(s.getAttribute('k0'), 'again');
  s.end();
  assert.ok(s.ended && s.nAttr === 16383, 'the count survives end');
  assert.is(cap.spans.length, 1);
});

test('flattenAttributes (link and event attributes): the span policy applies with the given count limit, every skip is counted once in the given stats', () => {
  const policy = new AttributePolicy({ maxCount: 9, maxValueLength: 3, allow: (k) => k !== 'deny' });
  const stats = new AttributeStats();
  const attrs: Record<string, unknown> = { a: 'abcdef', none: null, '': 1, deny: 1, b: 2, over: 'xyzxyz' };
  Object.defineProperty(attrs, 'boom', { enumerable: true, get() { throw new Error('getter'); } });
  assert.equal(flattenAttributes(attrs as never, policy, stats, 2), ['a', 'abc', 'b', 2]);
  // 'abcdef' cut (truncated 1); '' and the throwing getter invalid; 'deny' rejected; 'over' dropped, its cut not counted
  assert.equal({ ...stats }, { dropped: 1, truncated: 1, rejected: 1, invalid: 2 });
  assert.is(flattenAttributes({ none: undefined }, policy, stats, 2), null, 'nothing kept: null, not []');
});


test('AC-007 only an attribute object\'s own keys are recorded (Object.entries, as OTel): inherited keys on a prototype are not, on start, setAttributes, events and links', () => {
  const cap = new CaptureProcessor();
  const t = createTracer({ service: 't', processor: cap });
  const secret = Object.create({ 'user.email': 'a@b.c' }) as Record<string, string>;
  secret['http.route'] = '/x';
  const s = t.startSpan('op', { attributes: secret, links: [{ context: parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')!, attributes: secret }] });
  s.setAttributes(Object.assign(Object.create({ 'user.id': 7 }), { 'k': 1 }));
  s.addEvent('e', secret);
  s.end();
  const sp = cap.spans[0] as Span;
  assert.equal(Object.keys(sp.attributes).sort(), ['http.route', 'k']);
  assert.equal(sp.links[0]!.attrs, ['http.route', '/x']);
  assert.equal(sp.events[0]!.attrs, ['http.route', '/x']);
  const r = createTracer({ service: 't', resource: Object.assign(Object.create({ 'user.email': 'a@b.c' }), { 'deployment.environment.name': 'prod' }), processor: new CaptureProcessor() });
  assert.is(r.resource['user.email'], undefined, 'resource option: own keys only');
  assert.is(r.resource['deployment.environment.name'], 'prod');
  // object literals and null-prototype objects: every key, as before
  const np = Object.assign(Object.create(null), { a: 1 });
  const s2 = t.startSpan('op2', { attributes: np }) as Span;
  s2.setAttributes({ b: 2 });
  assert.equal(s2.attributes, { a: 1, b: 2 });
});

test('start attributes: an own key named __proto__ is recorded (object literal or null prototype), and a chain without Object.prototype gives only own keys', () => {
  const cap = new CaptureProcessor();
  const t = createTracer({ service: 't', processor: cap });
  // copyInitial reads `attributes.__proto__` for its own-keys test: an own "__proto__" answers instead of the prototype
  t.startSpan('lit', { attributes: { ['__proto__']: 'v', a: 1 } as never }).end();
  const np = Object.create(null) as Record<string, unknown>;
  Object.defineProperty(np, '__proto__', { value: 'w', enumerable: true });
  np.b = 2;
  t.startSpan('np', { attributes: np as never }).end();
  const chain = Object.create(Object.assign(Object.create(null), { 'user.email': 'a@b.c' })) as Record<string, unknown>;
  chain.k = 3;
  t.startSpan('chain', { attributes: chain as never }).end();
  const attrs = (cap.spans as Span[]).map((s) => s.attributes);
  assert.equal(attrs.map((o) => Object.getOwnPropertyDescriptor(o, '__proto__')?.value), ['v', 'w', undefined]);
  assert.equal(attrs.map((o) => Object.keys(o).sort()), [['__proto__', 'a'], ['__proto__', 'b'], ['k']]);
});

test('span.attributes shows a key named __proto__ as a key (a valid attribute key; it was dropped from the view object)', () => {
  const t = createTracer({ service: 't', processor: new CaptureProcessor() });
  const s = t.startSpan('op') as Span;
  s.setAttribute('__proto__', 'v');
  const o = s.attributes;
  assert.is(Object.getOwnPropertyDescriptor(o, '__proto__')?.value, 'v');
  assert.is(Object.getPrototypeOf(o), Object.prototype);
});

test('AC-007 an attributes Proxy whose getPrototypeOf or ownKeys trap throws never throws into the host: counted invalid, on start, setAttributes and events', () => {
  const t = createTracer({ service: 't', processor: new CaptureProcessor() });
  const boom = () => { throw new Error('trap'); };
  const noProto = new Proxy({ a: 1 }, { getPrototypeOf: boom });
  const noKeys = new Proxy(Object.create({ x: 1 }), { ownKeys: boom });
  const before = t.stats().attributes.invalid;
  const s = t.startSpan('op', { attributes: noProto }) as Span;
  t.startSpan('op2', { attributes: noKeys });
  s.setAttributes(noProto);
  s.setAttributes(noKeys);
  s.addEvent('e', noKeys);
  s.end();
  assert.is(t.stats().attributes.invalid - before, 5);
});

test.run();
