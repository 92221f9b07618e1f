// One rule for long names and status messages, in-thread and off-thread alike: a span or event name, or a
// status message, longer than the tracer's maxValueLength is exported cut to it (never splitting a surrogate
// pair), counted once in stats().attributes.truncated, however many destinations encode the span.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, formatSpan, type Span, type SpanExporter } from '../src/index.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';
import { BatchSpanProcessor } from '../src/batcher.js';
import { RingProcessor } from '../src/thread/processor.js';
import { RingReader } from '../src/thread/ring.js';
import { DictReader } from '../src/thread/dict.js';
import { ByteReader } from '../src/thread/codec.js';
import { decodeSpan } from '../src/thread/thread-span.js';
import * as L from '../src/thread/layout.js';

const LIMIT = 16;
const NAME = 'SELECT a, b, c FROM t WHERE x = 1'; // 33 chars
const EVENT = 'fifteen chars..\u{1F600}tail'; // a cut at 16 would split the pair: the pair stays out

interface Out { span: string; event: string }

function namesOf(json: string): Out {
  const s = JSON.parse(json).resourceSpans[0].scopeSpans[0].spans[0];
  return { span: s.name, event: s.events[0].name };
}

/** An exporter that writes each batch as OTLP JSON, as the otlp and file exporters do. */
function otlpCapture(name: string, out: string[]): SpanExporter {
  const enc = new OtlpJsonEncoder();
  return { name, export: async (spans) => { out.push(enc.encode(spans).toString()); return { ok: true }; } };
}

function end(tracer: ReturnType<typeof createTracer>): void {
  const s = tracer.startSpan(NAME, { root: true });
  s.addEvent(EVENT);
  s.end();
}

test('a name over maxValueLength is exported cut to it in-thread (two destinations) and off-thread, counted once in each mode', async () => {
  const a: string[] = [], b: string[] = [], lines: string[] = [];
  const console = { name: 'console', export: async (spans: readonly Span[]) => { for (const s of spans) lines.push(formatSpan(s)); return { ok: true }; } };
  const inThread = createTracer({ service: 'names', env: {}, attributes: { maxValueLength: LIMIT }, processor: new BatchSpanProcessor([otlpCapture('a', a), otlpCapture('b', b), console], { logger: () => {} }) });
  end(inThread);
  await inThread.forceFlush();

  const l = L.createLayout(1 << 16);
  const offThread = createTracer({ service: 'names', env: {}, attributes: { maxValueLength: LIMIT }, processor: new RingProcessor(l) });
  end(offThread);
  const reader = new RingReader(l, 5000);
  const d = decodeSpan(l.i32, new ByteReader(Buffer.from(l.sab)), reader.next(), new DictReader(l));
  const off = namesOf(new OtlpJsonEncoder().encode([d as unknown as Span]).toString());

  const want = { span: NAME.slice(0, LIMIT), event: 'fifteen chars..' };
  assert.equal(off, want, 'off-thread');
  assert.equal(namesOf(a[0]!), want, 'in-thread, first destination');
  assert.equal(namesOf(b[0]!), want, 'in-thread, second destination');
  assert.ok(lines[0]!.includes(JSON.stringify(want.span)) && !lines[0]!.includes(NAME), `console line: ${lines[0]}`);
  assert.is(offThread.stats().attributes.truncated, 2, 'off-thread: span and event name');
  assert.is(inThread.stats().attributes.truncated, 2, 'in-thread: span and event name, once whatever the destinations');
  await inThread.shutdown();
});

test('a name within maxValueLength is exported whole in both modes, nothing counted', async () => {
  const a: string[] = [];
  const tracer = createTracer({ service: 'names', env: {}, attributes: { maxValueLength: NAME.length }, processor: new BatchSpanProcessor([otlpCapture('a', a)], { logger: () => {} }) });
  tracer.startSpan(NAME, { root: true }).end();
  await tracer.forceFlush();
  assert.is(JSON.parse(a[0]!).resourceSpans[0].scopeSpans[0].spans[0].name, NAME);
  assert.is(tracer.stats().attributes.truncated, 0);
  await tracer.shutdown();
});

test('AC-003 a status message over maxValueLength is exported cut to it and counted as truncated, in-thread and off-thread alike (setStatus, OTel-style setStatus, recordError)', async () => {
  const MESSAGE = 'upstream refused: connection reset by peer'; // 42 chars
  const set = (tracer: ReturnType<typeof createTracer>): void => {
    const a = tracer.startSpan('a', { root: true }); a.setStatus(2, MESSAGE); a.end();
    const b = tracer.startSpan('b', { root: true }); b.setStatus({ code: 2, message: MESSAGE }); b.end();
    const c = tracer.startSpan('c', { root: true }); c.recordError(new Error(MESSAGE)); c.end();
    const d = tracer.startSpan('d', { root: true }); d.setStatus(2, MESSAGE.slice(0, LIMIT)); d.end(); // at the limit: whole, not counted
  };
  const messages = (json: string[]): string[] => json.flatMap((j) => JSON.parse(j).resourceSpans[0].scopeSpans[0].spans.map((s: { status: { message: string } }) => s.status.message));
  const a: string[] = [];
  const inThread = createTracer({ service: 'names', env: {}, recordErrorMessages: true, attributes: { maxValueLength: LIMIT }, processor: new BatchSpanProcessor([otlpCapture('a', a)], { logger: () => {} }) });
  set(inThread);
  await inThread.forceFlush();

  const l = L.createLayout(1 << 16);
  const offThread = createTracer({ service: 'names', env: {}, recordErrorMessages: true, attributes: { maxValueLength: LIMIT }, processor: new RingProcessor(l) });
  set(offThread);
  const reader = new RingReader(l, 5000);
  const br = new ByteReader(Buffer.from(l.sab)), dict = new DictReader(l);
  const decoded: Span[] = [];
  for (let at = reader.next(); at >= 0; at = reader.next()) decoded.push(decodeSpan(l.i32, br, at, dict) as unknown as Span);
  const off = [new OtlpJsonEncoder().encode(decoded).toString()];

  const cut = MESSAGE.slice(0, LIMIT);
  assert.equal(messages(a), [cut, cut, cut, cut], 'in-thread');
  assert.equal(messages(off), [cut, cut, cut, cut], 'off-thread');
  // recordError also records exception.message (an attribute, cut and counted as any): 3 messages + 1 attribute
  assert.is(inThread.stats().attributes.truncated, 4, 'in-thread: each cut message counted');
  assert.is(offThread.stats().attributes.truncated, inThread.stats().attributes.truncated, 'off-thread counts what in-thread counts');
  await inThread.shutdown();
});

test.run();
