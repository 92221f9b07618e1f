// Span limits at their edges (OTel SpanLimits): a count limit of 0 keeps nothing and counts every drop; links and
// events have their own limits; a limit that is not usable is warned about, never silently replaced.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, parseTraceparent, type Span } from '../src/index.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';
import { tracerFromConfig } from '../src/config/index.js';
import { CaptureProcessor } from './helpers/capture.js';
import type { AttributeLimitsOptions } from '../src/attributes.js';

const REMOTE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const mk = (attributes: AttributeLimitsOptions) => {
  const cap = new CaptureProcessor();
  const warnings: string[] = [];
  const tracer = createTracer({ service: 't', processor: cap, attributes, logger: (m) => warnings.push(m) });
  return { cap, tracer, warnings };
};

test('attributes.maxCount 0 keeps no attribute, each counted as dropped (span and OTLP droppedAttributesCount), as OTel AttributeCountLimit 0', () => {
  const { cap, tracer, warnings } = mk({ maxCount: 0 });
  assert.is(tracer.attrPolicy.maxCount, 0, 'not replaced by 128');
  const s = tracer.startSpan('x', { attributes: { a: 1, b: 'two' } }) as Span;
  s.setAttribute('c', 3).setAttributes({ d: true });
  s.recordError(new TypeError('boom'));
  s.end();
  assert.equal(s.attributes, {});
  assert.is(tracer.stats().attributes.dropped, 5);
  assert.is(s.rare!.droppedAttrs, 5);
  const j = JSON.parse(new TextDecoder().decode(new OtlpJsonEncoder().encode(cap.spans)));
  const span = j.resourceSpans[0].scopeSpans[0].spans[0];
  assert.is(span.attributes, undefined);
  assert.is(span.droppedAttributesCount, 5);
  assert.is(span.status.code, 2, 'the status is no attribute: still set');
  assert.equal(warnings, []);
});

test('count limits 0: an array value is counted once, as dropped, not also as truncated (span, event, link)', () => {
  const { tracer } = mk({ maxCount: 0, maxEventAttributes: 0, maxLinkAttributes: 0 });
  const s = tracer.startSpan('x', { attributes: { a: [1, 2] }, links: [parseTraceparent(REMOTE)!] }) as Span;
  s.setAttribute('b', ['x', 'y']);
  s.addEvent('e', { c: [true] });
  s.addLink(parseTraceparent(REMOTE)!, { d: [3] });
  s.end();
  assert.equal(tracer.stats().attributes, { dropped: 4, truncated: 0, rejected: 0, invalid: 0 });
  assert.equal([s.rare!.droppedAttrs, s.events[0]!.dropped, s.links[1]!.dropped], [2, 1, 1]);
});

test('maxLinks / maxEvents are their own limits (OTel LinkCountLimit / EventCountLimit, 128): maxCount 0 keeps links and events; 0 for them keeps none, counted', () => {
  const remote = parseTraceparent(REMOTE)!;
  const a = mk({ maxCount: 0 });
  const s = a.tracer.startSpan('x', { links: [remote] }) as Span;
  s.addEvent('e', { k: 1 });
  assert.is(s.links.length, 1);
  assert.is(s.events.length, 1);
  assert.equal(s.events[0]!.nAttr, 1, 'event attributes have their own limit (maxEventAttributes)');
  assert.is(a.tracer.stats().attributes.dropped, 0);
  const b = mk({ maxLinks: 0, maxEvents: 0 });
  const t = b.tracer.startSpan('y', { links: [remote, remote] }) as Span;
  t.addLink(remote); t.addEvent('e1'); t.addEvent('e2');
  t.setAttribute('kept', 1);
  assert.equal([t.links.length, t.events.length, t.rare!.droppedLinks, t.rare!.droppedEvents], [0, 0, 3, 2]);
  assert.equal([b.tracer.stats().linksDropped, b.tracer.stats().eventsDropped], [3, 2]);
  assert.equal(t.attributes, { kept: 1 });
  const c = mk({ maxCount: 1 }); // the defaults do not follow maxCount
  const u = c.tracer.startSpan('z') as Span;
  for (let i = 0; i < 3; i++) { u.addLink(remote); u.addEvent('e' + i); }
  assert.equal([u.links.length, u.events.length], [3, 3]);
  assert.equal([c.tracer.attrPolicy.maxLinks, c.tracer.attrPolicy.maxEvents], [128, 128]);
});

test('maxEventAttributes / maxLinkAttributes are their own limits (OTel EventAttributeCountLimit / LinkAttributeCountLimit, 128), not the span\'s maxCount; drops counted', () => {
  const remote = parseTraceparent(REMOTE)!;
  const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => ['k' + i, i]));
  // the span limit does not reach events and links
  const a = mk({ maxCount: 1 });
  assert.equal([a.tracer.attrPolicy.maxEventAttributes, a.tracer.attrPolicy.maxLinkAttributes], [128, 128]);
  const s = a.tracer.startSpan('x', { links: [{ context: remote, attributes: many(3) }] }) as Span;
  s.addEvent('e', many(3));
  assert.equal([s.events[0]!.nAttr, s.links[0]!.nAttr, s.events[0]!.dropped, s.links[0]!.dropped], [3, 3, 0, 0]);
  assert.is(a.tracer.stats().attributes.dropped, 0);
  // their own limits: extra attributes dropped, counted in stats and in the event's / link's droppedAttributesCount
  const cap = new CaptureProcessor();
  const b = createTracer({ service: 't', processor: cap, attributes: { maxCount: 0, maxEventAttributes: 2, maxLinkAttributes: 1 }, logger: () => {} });
  const t = b.startSpan('y', { links: [{ context: remote, attributes: many(3) }] }) as Span;
  t.addEvent('e', many(5));
  t.addLink(remote, { only: 1 });
  t.end();
  assert.equal([t.events[0]!.nAttr, t.events[0]!.dropped, t.links[0]!.nAttr, t.links[0]!.dropped, t.links[1]!.nAttr], [2, 3, 1, 2, 1]);
  assert.is(b.stats().attributes.dropped, 5);
  const j = JSON.parse(new TextDecoder().decode(new OtlpJsonEncoder().encode(cap.spans)));
  const span = j.resourceSpans[0].scopeSpans[0].spans[0];
  assert.equal([span.events[0].attributes.length, span.events[0].droppedAttributesCount, span.links[0].attributes.length, span.links[0].droppedAttributesCount], [2, 3, 1, 2]);
  // 0 keeps none; an unusable value is warned about and 128 used
  const c = mk({ maxEventAttributes: 0, maxLinkAttributes: -2 });
  assert.equal([c.tracer.attrPolicy.maxEventAttributes, c.tracer.attrPolicy.maxLinkAttributes], [0, 128]);
  assert.is(c.warnings.length, 1);
  assert.match(c.warnings[0]!, /attributes\.maxLinkAttributes=-2 is not an integer >= 0; using 128/);
});

test('maxValueLength 0 (and negative or fractional limits) are warned about and the default used (OTel JS: a value length limit <= 0 is ignored, warned)', () => {
  const { tracer, warnings } = mk({ maxValueLength: 0, maxCount: -1, maxLinks: 1.5, maxEvents: Number.NaN });
  assert.equal([tracer.attrPolicy.maxValueLength, tracer.attrPolicy.maxCount, tracer.attrPolicy.maxLinks, tracer.attrPolicy.maxEvents], [4096, 128, 128, 128]);
  assert.is(warnings.length, 4);
  assert.match(warnings[0]!, /attributes\.maxCount=-1 is not an integer >= 0; using 128/);
  assert.match(warnings[1]!, /attributes\.maxValueLength=0 is not an integer >= 1; using 4096/);
  const s = tracer.startSpan('x') as Span;
  s.setAttribute('v', 'abc');
  assert.equal(s.attributes, { v: 'abc' }, 'values are not blanked');
});

test('config: OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT=0 and the link / event count variables reach the tracer', () => {
  const env = { OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '0', OTEL_SPAN_LINK_COUNT_LIMIT: '0', OTEL_SPAN_EVENT_COUNT_LIMIT: '2' };
  const warnings: string[] = [];
  const t = tracerFromConfig({ path: '/nonexistent/tracewire.json', env, logger: (m) => warnings.push(m), processor: new CaptureProcessor() });
  try {
    assert.equal([t.attrPolicy.maxCount, t.attrPolicy.maxLinks, t.attrPolicy.maxEvents], [0, 0, 2]);
    assert.equal(warnings.filter((w) => /LIMIT/.test(w)), []);
  } finally { void t.shutdown(); }
});

test.run();
