import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { createTracer, SpanKind, type Tracer } from '../src/index.js';
import type { Span } from '../src/span.js';
import { OtlpJsonEncoder, groupSpans, unixNanoFromMs } from '../src/otlp-json.js';
import { CaptureProcessor } from './helpers/capture.js';

function tracer(service = 'enc-test', opts: Parameters<typeof createTracer>[0] = {}) {
  const cap = new CaptureProcessor();
  return { cap, t: createTracer({ service, processor: cap, scope: { name: 'scope-' + service, version: '2.0.0' }, env: {}, ...opts }) };
}
const parse = (b: Uint8Array) => JSON.parse(Buffer.from(b).toString('utf8'));
const spansOf = (j: any) => j.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans));
const remote = (t: Tracer) => t.extract({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' })!;

// ---- interop with @opentelemetry/otlp-transformer -------------------------------------------------
// Equivalent OTel ReadableSpans built from our spans (same IDs, times as hrTime, attributes as objects).
const hr = (nanos: string): [number, number] => { const n = BigInt(nanos); return [Number(n / 1000000000n), Number(n % 1000000000n)]; };
const flatObj = (a: readonly unknown[] | null, n: number) => { const o: Record<string, unknown> = {}; for (let i = 0; i < n; i++) o[a![2 * i] as string] = a![2 * i + 1]; return o; };
const resources = new Map<object, object>();
function toOtel(s: Span): unknown {
  const res = resources.get(s.tracer) ?? { attributes: s.tracer.resource };
  resources.set(s.tracer, res);
  const ts = s.traceState?.toString();
  return {
    name: s.name, kind: s.kind - 1,
    spanContext: () => ({ traceId: s.traceId, spanId: s.spanId, traceFlags: s.traceFlags, isRemote: false, traceState: ts ? { serialize: () => ts } : undefined }),
    parentSpanContext: s.hasParent ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: s.traceFlags, isRemote: s.parentIsRemote } : undefined,
    startTime: hr(s.startUnixNano), endTime: hr(s.endUnixNano), duration: [0, 0], ended: true,
    status: { code: s.status, message: s.statusMessage ?? undefined },
    attributes: flatObj(s.attrs, s.nAttr),
    links: s.links.map((l) => ({ context: { traceId: l.traceId, spanId: l.spanId, traceFlags: l.traceFlags, isRemote: l.isRemote, traceState: l.traceState?.toString() ? { serialize: () => l.traceState!.toString() } : undefined }, attributes: flatObj(l.attrs, l.nAttr), droppedAttributesCount: l.dropped })),
    events: s.events.map((e) => ({ name: e.name, time: hr(unixNanoFromMs(e.time)), attributes: flatObj(e.attrs, e.nAttr), droppedAttributesCount: e.dropped })),
    resource: res, instrumentationScope: { name: s.tracer.scope.name, version: s.tracer.scope.version },
    droppedAttributesCount: s.rare?.droppedAttrs ?? 0, droppedEventsCount: s.rare?.droppedEvents ?? 0, droppedLinksCount: s.rare?.droppedLinks ?? 0,
  };
}

/**
 * Known representation differences, each allowed by the OTLP JSON mapping (opentelemetry-proto
 * docs/specification.md "JSON Protobuf Encoding" = proto3 JSON):
 *  1. int64/fixed64 (intValue, *TimeUnixNano): we write decimal strings, OTel numbers for intValue;
 *     proto3 JSON encodes 64-bit integers as strings and decoders MUST accept both → compared as BigInt.
 *  2. Default values omitted: empty repeated fields ([]), zero counts (dropped*Count: 0), empty strings,
 *     status code 0 (UNSET): proto3 JSON omits fields at their default; a receiver reads absent = default.
 *  3. Undefined fields (traceState, schemaUrl, message) vanish in JSON.stringify: same as omitted.
 *  4. Number arrays: OTel types each element on its own ([1, 2.5] → intValue, doubleValue), a mixed array
 *     the attribute spec forbids; we write all doubleValue once one element is not an int64 → compared as doubles.
 * Not compared here (covered below): non-finite doubles, which OTel writes as null (value lost) and we
 * write as the proto3 JSON strings "NaN"/"Infinity"/"-Infinity".
 */
function normalize(v: any, key = ''): any {
  if (key === 'values' && Array.isArray(v) && v.some((x) => x?.doubleValue !== undefined)) v = v.map((x) => (x?.intValue !== undefined ? { doubleValue: Number(x.intValue) } : x));
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map((x) => normalize(x));
  if (v !== null && typeof v === 'object') {
    const o: any = {};
    for (const k of Object.keys(v)) { const n = normalize(v[k], k); if (n !== undefined) o[k] = n; }
    return Object.keys(o).length === 0 && key !== 'value' && key !== 'status' ? undefined : o;
  }
  if (/UnixNano$/.test(key) || key === 'intValue') return BigInt(v).toString();
  if ((key.startsWith('dropped') && v === 0) || v === '' || (key === 'code' && v === 0)) return undefined;
  return v;
}

function richSpans() {
  const { cap, t } = tracer('interop-a');
  const b = tracer('interop-b').t;
  b.processor = cap;
  const root = t.startSpan('GET /orders/{id}', { kind: SpanKind.SERVER, root: true, attributes: {
    'http.request.method': 'GET', 'url.path': '/orders/42', 'http.response.status_code': 200, 'server.port': 8080,
    ratio: 0.25, big: 2 ** 60, neg: -17, ok: true, no: false, tags: ['a', 'b', null], nums: [1, 2.5, -3], flags: [true, false],
    bytes: new Uint8Array([0, 1, 2, 250, 255]), quote: 'say "hi"\\ \n\t\u0001 é ✓ 😀', empty: '' } }) as Span;
  root.addEvent('cache miss', { key: 'orders:42', attempt: 2 }, Date.now() - 1.5);
  root.addEvent('no attrs');
  const child = t.startSpan('SELECT orders', { kind: SpanKind.CLIENT, parent: root, attributes: { 'db.system': 'postgresql' } }) as Span;
  child.addLink(root, { 'link.kind': 'follows' });
  child.setStatus(2, 'connection reset');
  child.end();
  const fromRemote = t.startSpan('consume', { kind: SpanKind.CONSUMER, parent: remote(t) }) as Span;
  fromRemote.addLink(remote(t));
  fromRemote.setStatus(1);
  fromRemote.end();
  const other = b.startSpan('other tracer', { kind: SpanKind.PRODUCER, root: true, attributes: { n: 1 } }) as Span;
  other.end();
  root.setStatus(1);
  root.end();
  const internal = t.startSpan('internal', { root: true }) as Span;
  internal.end();
  return cap.spans as Span[];
}

test('interop: same meaning as OTel JsonTraceSerializer.serializeRequest, field by field', () => {
  const spans = richSpans();
  const ours = parse(new OtlpJsonEncoder().encode(spans));
  const theirs = parse(JsonTraceSerializer.serializeRequest(spans.map(toOtel) as never)!);
  assert.is(ours.resourceSpans.length, 2, 'one resourceSpans per tracer resource');
  assert.equal(normalize(ours), normalize(theirs));
  // and per span, so a failure names the field
  const a = spansOf(ours), b = spansOf(theirs);
  for (let i = 0; i < a.length; i++) for (const k of new Set([...Object.keys(a[i]), ...Object.keys(b[i])])) assert.equal(normalize(a[i][k], k), normalize(b[i][k], k), `span ${i} field ${k}`);
});

test('wire rules: hex IDs, integer enums, int64 as strings, W3C flags + is-remote bits, omitted defaults', () => {
  const spans = richSpans();
  const all = spansOf(parse(new OtlpJsonEncoder().encode(spans)));
  const [child, fromRemote, root, internal, other] = all;
  assert.is(other.name, 'other tracer', 'grouped after tracer a');
  assert.match(root.traceId, /^[0-9a-f]{32}$/);
  assert.match(root.spanId, /^[0-9a-f]{16}$/);
  assert.is(root.parentSpanId, undefined);
  assert.is(child.parentSpanId, root.spanId);
  assert.is(root.kind, 2); assert.is(child.kind, 3); assert.is(fromRemote.kind, 5); assert.is(internal.kind, 1);
  assert.equal(child.status, { code: 2, message: 'connection reset' });
  assert.equal(root.status, { code: 1 });
  assert.equal(internal.status, {});
  assert.is(typeof root.startTimeUnixNano, 'string');
  assert.is(root.startTimeUnixNano, spans[3]!.startUnixNano);
  assert.is(root.endTimeUnixNano, spans[3]!.endUnixNano);
  assert.is(root.flags, 0x100 | 0x03, 'sampled + random, has-is-remote, parent not remote');
  assert.is(fromRemote.flags, 0x100 | 0x200 | 0x01, 'remote parent');
  assert.is(fromRemote.traceState, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  assert.is(fromRemote.links[0].flags, 0x301);
  assert.is(fromRemote.links[0].traceState, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  assert.is(child.links[0].flags, 0x103);
  assert.is(child.links[0].spanId, root.spanId);
  const attr = (s: any, k: string) => s.attributes.find((a: any) => a.key === k).value;
  assert.equal(attr(root, 'http.response.status_code'), { intValue: '200' });
  assert.equal(attr(root, 'big'), { intValue: '1152921504606846976' });
  assert.equal(attr(root, 'neg'), { intValue: '-17' });
  assert.equal(attr(root, 'ratio'), { doubleValue: 0.25 });
  assert.equal(attr(root, 'no'), { boolValue: false });
  assert.equal(attr(root, 'tags'), { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }, {}] } });
  assert.equal(attr(root, 'bytes'), { bytesValue: 'AAEC+v8=' });
  assert.equal(attr(root, 'quote'), { stringValue: 'say "hi"\\ \n\t\u0001 é ✓ 😀' });
  assert.equal(attr(root, 'empty'), { stringValue: '' });
  assert.is(root.events.length, 2);
  assert.is(root.events[1].attributes, undefined, 'empty arrays omitted');
  assert.is(internal.attributes, undefined);
  for (const k of ['droppedAttributesCount', 'droppedEventsCount', 'droppedLinksCount', 'events', 'links']) assert.is(internal[k], undefined, k);
});

test('non-finite doubles become the proto3 JSON strings; -0 is intValue "0"; |x| >= 2^63 is a double', () => {
  const { cap, t } = tracer();
  t.startSpan('n', { root: true, attributes: { nan: NaN, inf: Infinity, ninf: -Infinity, negz: -0, huge: 2 ** 63, nhuge: -(2 ** 64), tiny: 5e-324, arr: [NaN, 1] } }).end();
  const s = spansOf(parse(new OtlpJsonEncoder().encode(cap.spans)))[0];
  const v = Object.fromEntries(s.attributes.map((a: any) => [a.key, a.value]));
  assert.equal(v.nan, { doubleValue: 'NaN' });
  assert.equal(v.inf, { doubleValue: 'Infinity' });
  assert.equal(v.ninf, { doubleValue: '-Infinity' });
  assert.equal(v.negz, { intValue: '0' });
  assert.equal(v.huge, { doubleValue: 2 ** 63 });
  assert.equal(v.nhuge, { doubleValue: -(2 ** 64) });
  assert.equal(v.tiny, { doubleValue: 5e-324 });
  assert.equal(v.arr, { arrayValue: { values: [{ doubleValue: 'NaN' }, { doubleValue: 1 }] } }); // one type per array: see below
});

test('a number array is one OTLP type (attribute arrays MUST be homogeneous): all intValue, or all doubleValue as soon as one element is not an int64', () => {
  const { cap, t } = tracer();
  t.startSpan('n', { root: true, attributes: { ints: [1, -2, 2 ** 53 + 2], mixed: [0.5, 1, 2.25], late: [1, 2, 3.5], big: [1, 2 ** 63], inf: [Infinity, 0], holes: [1, null, 1.5] as number[], strs: ['a', 'b'] } }).end();
  const s = spansOf(parse(new OtlpJsonEncoder().encode(cap.spans)))[0];
  const v = Object.fromEntries(s.attributes.map((a: any) => [a.key, a.value.arrayValue.values]));
  assert.equal(v.ints, [{ intValue: '1' }, { intValue: '-2' }, { intValue: String(2n ** 53n + 2n) }]);
  assert.equal(v.mixed, [{ doubleValue: 0.5 }, { doubleValue: 1 }, { doubleValue: 2.25 }]);
  assert.equal(v.late, [{ doubleValue: 1 }, { doubleValue: 2 }, { doubleValue: 3.5 }]);
  assert.equal(v.big, [{ doubleValue: 1 }, { doubleValue: 2 ** 63 }]);
  assert.equal(v.inf, [{ doubleValue: 'Infinity' }, { doubleValue: 0 }]);
  assert.equal(v.holes, [{ doubleValue: 1 }, {}, { doubleValue: 1.5 }]);
  assert.equal(v.strs, [{ stringValue: 'a' }, { stringValue: 'b' }]);
});

test('dropped counts are written only when non-zero', () => {
  const { cap, t } = tracer('drops', { attributes: { maxCount: 2, maxEvents: 2, maxLinks: 2 } });
  const s = t.startSpan('d', { root: true, attributes: { a: 1, b: 2 } });
  s.setAttribute('c', 3);
  for (let i = 0; i < 3; i++) { s.addEvent('e' + i); s.addLink(remote(t)); }
  s.end();
  const j = spansOf(parse(new OtlpJsonEncoder().encode(cap.spans)))[0];
  assert.is(j.droppedAttributesCount, 1);
  assert.is(j.droppedEventsCount, 1);
  assert.is(j.droppedLinksCount, 1);
  assert.is(j.events.length, 2);
});

test('an event\'s or link\'s attributes over their count limits are in its own droppedAttributesCount (OTLP Span.Event/Span.Link), as OTel writes it', () => {
  const { cap, t } = tracer('drops-ev', { attributes: { maxCount: 2, maxEventAttributes: 2, maxLinkAttributes: 2 } });
  const s = t.startSpan('d', { root: true }) as Span;
  s.addEvent('over', { a: 1, b: 2, c: 3, d: 4, e: 5 });
  s.addEvent('within', { a: 1 });
  s.addLink(remote(t), { a: 1, b: 2, c: 3 });
  s.addLink(remote(t));
  s.end();
  const ours = parse(new OtlpJsonEncoder().encode(cap.spans));
  const j = spansOf(ours)[0];
  assert.is(j.events[0].droppedAttributesCount, 3);
  assert.is(j.events[0].attributes.length, 2);
  assert.is(j.events[1].droppedAttributesCount, undefined, 'zero is not written');
  assert.is(j.links[0].droppedAttributesCount, 1);
  assert.is(j.links[1].droppedAttributesCount, undefined);
  assert.is(j.droppedAttributesCount, undefined, 'the span\'s own count is not touched');
  const theirs = parse(JsonTraceSerializer.serializeRequest((cap.spans as Span[]).map(toOtel) as never)!);
  assert.equal(normalize(ours), normalize(theirs));
});

test('spans of several tracers are grouped by resource then scope, order kept within a group', () => {
  const a = tracer('svc-a'), b = tracer('svc-b');
  const all: Span[] = [];
  for (let i = 0; i < 6; i++) { const tr = i % 2 ? b.t : a.t; const s = tr.startSpan('s' + i, { root: true }) as Span; s.end(); all.push(s); }
  const j = parse(new OtlpJsonEncoder().encode(all));
  assert.is(j.resourceSpans.length, 2);
  const names = j.resourceSpans.map((rs: any) => [rs.resource.attributes.find((x: any) => x.key === 'service.name').value.stringValue, rs.scopeSpans[0].scope, rs.scopeSpans[0].spans.map((s: any) => s.name)]);
  assert.equal(names, [['svc-a', { name: 'scope-svc-a', version: '2.0.0' }, ['s0', 's2', 's4']], ['svc-b', { name: 'scope-svc-b', version: '2.0.0' }, ['s1', 's3', 's5']]]);
  assert.is(groupSpans(a.cap.spans as Span[]), a.cap.spans, 'single tracer: no copy');
});

test('slices (begin/add/end) give the same bytes as encode()', () => {
  const spans = richSpans();
  const enc = new OtlpJsonEncoder();
  const whole = Buffer.from(enc.encode(spans));
  const g = groupSpans(spans);
  enc.begin();
  for (let i = 0; i < g.length; i += 2) enc.add(g, i, Math.min(g.length, i + 2));
  assert.is(Buffer.from(enc.end()).toString(), whole.toString());
  assert.is(enc.count, spans.length);
});

test('the size cap: spans that do not fit are left out, the output stays valid JSON, count says how many fit', () => {
  const { cap, t } = tracer();
  for (let i = 0; i < 50; i++) t.startSpan('span-' + i, { root: true, attributes: { pad: 'x'.repeat(200) } }).end();
  const enc = new OtlpJsonEncoder({ maxBytes: 4096, initialBytes: 256 });
  const out = enc.encode(cap.spans);
  assert.ok(out.length <= 4096);
  assert.ok(enc.count > 0 && enc.count < 50, String(enc.count));
  assert.is(spansOf(parse(out)).length, enc.count);
  const tooBig = new OtlpJsonEncoder({ maxBytes: 1024 });
  const { cap: c2, t: t2 } = tracer();
  t2.startSpan('huge', { root: true, attributes: { pad: 'y'.repeat(3000) } }).end();
  const o2 = tooBig.encode(c2.spans);
  assert.is(tooBig.count, 0);
  assert.equal(parse(o2), { resourceSpans: [] });
});

test('the buffer grows for a big batch and shrinks back after 32 small ones', () => {
  const { cap, t } = tracer();
  for (let i = 0; i < 400; i++) t.startSpan('s', { root: true, attributes: { pad: 'z'.repeat(500) } }).end();
  const enc = new OtlpJsonEncoder({ initialBytes: 1024 });
  enc.encode(cap.spans);
  const big = enc.capacity;
  assert.ok(big >= 200_000, String(big));
  const one = cap.spans.slice(0, 1);
  for (let i = 0; i < 40; i++) enc.encode(one);
  assert.ok(enc.capacity < big, `${enc.capacity} < ${big}`);
  assert.is(spansOf(parse(enc.encode(one))).length, 1);
});

test('repeated values hit the per-key cache and still encode correctly when they change', () => {
  const { cap, t } = tracer();
  const methods = ['GET', 'POST', 'GET', 'PUT', 'PUT', 'GET', 'DELETE'];
  for (let i = 0; i < 200; i++) t.startSpan('s', { root: true, attributes: { m: methods[i % methods.length]!, id: `/u/${i}`, code: i % 3 === 0 ? 500 : 200 } }).end();
  const enc = new OtlpJsonEncoder();
  for (let round = 0; round < 2; round++) {
    const got = spansOf(parse(enc.encode(cap.spans)));
    got.forEach((s: any, i: number) => {
      assert.equal(s.attributes, [
        { key: 'm', value: { stringValue: methods[i % methods.length] } },
        { key: 'id', value: { stringValue: `/u/${i}` } },
        { key: 'code', value: { intValue: i % 3 === 0 ? '500' : '200' } },
      ]);
    });
  }
});

test('AC-007 long span names (SQL text...) are not cached as name templates: distinct ones cannot pin memory; short ones still are', () => {
  const { cap, t } = tracer();
  const long = (i: number) => `SELECT /* ${i} */ ` + 'col, '.repeat(60); // > 256 chars, all distinct
  for (let i = 0; i < 50; i++) t.startSpan(long(i), { root: true, kind: SpanKind.CLIENT, attributes: { i } }).end();
  t.startSpan('GET /short', { root: true, kind: SpanKind.SERVER }).end();
  const enc = new OtlpJsonEncoder();
  const got = spansOf(parse(enc.encode(cap.spans)));
  const names = (enc as unknown as { names: Map<string, unknown> }).names;
  assert.equal([...names.keys()], ['GET /short']);
  got.forEach((s: any, i: number) => {
    const src = cap.spans[i] as Span;
    assert.is(s.name, src.name);
    assert.is(s.kind, src.kind);
    assert.is(s.startTimeUnixNano, src.startUnixNano);
    assert.is(s.endTimeUnixNano, src.endUnixNano);
  });
  assert.equal(got[0].attributes, [{ key: 'i', value: { intValue: '0' } }]);
  assert.is(got[50].attributes, undefined);
});

test('timestamps outside 2001..2286 take the generic path and stay exact', () => {
  const { cap, t } = tracer();
  const start = Date.UTC(1995, 4, 17, 12, 0, 0) + 0.25;
  const s = t.startSpan('old', { root: true, startTime: start }) as Span;
  s.end(start + 1000.5);
  t.startSpan('now', { root: true }).end();
  const [old, now] = spansOf(parse(new OtlpJsonEncoder().encode(cap.spans)));
  assert.is(old.startTimeUnixNano, s.startUnixNano);
  assert.is(old.endTimeUnixNano, s.endUnixNano);
  assert.is(BigInt(old.endTimeUnixNano) - BigInt(old.startTimeUnixNano), 1000500000n);
  assert.is(old.kind, 1);
  assert.is(now.startTimeUnixNano, (cap.spans[1] as Span).startUnixNano);
});

test('unixNanoFromMs keeps sub-millisecond precision without ms * 1e6 in a double', () => {
  assert.is(unixNanoFromMs(1.5), '1500000');
  assert.is(unixNanoFromMs(1700000000000.25), '1700000000000250000');
  assert.is(unixNanoFromMs(1700000000123.999999), '1700000000124000000');
  assert.is(unixNanoFromMs(0), '0');
  assert.is(unixNanoFromMs(NaN), '0');
  const ms = 1765432109876.5;
  assert.is(unixNanoFromMs(ms), (BigInt(Math.floor(ms)) * 1000000n + 500000n).toString());
});

test('lone UTF-16 surrogates leave as U+FFFD (proto strings are UTF-8: Go protojson and serde_json refuse a \\udXXX escape, failing the whole request); pairs stay', () => {
  const lone = 'a\ud800b', lone2 = 'x\udfff', pair = 'ok \ud83d\ude00';
  const long = 'l'.repeat(40) + '\udbff'; // 32+ characters: the native string path
  const { cap, t } = tracer('svc' + lone, { resource: { ['res' + lone2]: long } });
  const s = t.startSpan('name' + lone, { root: true, attributes: { ['k' + lone]: lone2, pair, long, arr: [lone, pair] } }) as Span;
  s.addEvent('ev' + lone2, { e: lone });
  s.setStatus(2, 'msg' + lone);
  s.end();
  const text = Buffer.from(new OtlpJsonEncoder().encode(cap.spans)).toString('utf8');
  assert.not.match(text, /\\ud[89a-f][0-9a-f]{2}/i, 'a surrogate escape was written');
  const j = JSON.parse(text);
  const walk = (v: unknown): void => {
    if (typeof v === 'string') assert.ok(!/[\ud800-\udfff]/.test(v.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')), `lone surrogate in ${JSON.stringify(v)}`);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(j);
  const [o] = spansOf(j);
  assert.is(o.name, 'name' + 'a\ufffdb');
  const attrs = Object.fromEntries(o.attributes.map((a: any) => [a.key, a.value]));
  assert.equal(attrs['ka\ufffdb'], { stringValue: 'x\ufffd' });
  assert.equal(attrs.pair, { stringValue: pair });
  assert.equal(attrs.long, { stringValue: 'l'.repeat(40) + '\ufffd' });
  assert.equal(attrs.arr, { arrayValue: { values: [{ stringValue: 'a\ufffdb' }, { stringValue: pair }] } });
  assert.is(o.events[0].name, 'evx\ufffd');
  assert.is(o.status.message, 'msga\ufffdb');
  const res = Object.fromEntries(j.resourceSpans[0].resource.attributes.map((a: any) => [a.key, a.value.stringValue]));
  assert.is(res['service.name'], 'svca\ufffdb');
  assert.is(res['resx\ufffd'], 'l'.repeat(40) + '\ufffd');
});

test.run();
