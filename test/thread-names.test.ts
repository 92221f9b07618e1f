// One rule for long names, in-thread and off-thread alike: a span or event name longer than the tracer's
// maxValueLength is exported cut to it (never splitting a surrogate pair), counted once in
// stats().attributes.truncated, however many destinations encode the span.
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

test.run();
