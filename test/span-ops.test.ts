// Span's write side against a model written from its documented rules. setAttribute, setStatus and end each
// have a small fast path and a full method (src/span.ts); any operation sequence must give the same
// attributes, status, counters and end as the rules, whichever path each call took.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createTracer, Span, NonRecordingSpan, parentBased, alwaysOn, alwaysOff, parseTraceparent, type SpanOptions } from '../src/index.js';
import { CaptureProcessor } from './helpers/capture.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const KEYS = ['a', 'b', 'bb', 'http.route', 'error.type', '', 'x.secret'];

type Op =
  | { op: 'attr'; key: unknown; value: unknown }
  | { op: 'status'; code: unknown; message?: unknown; object: boolean }
  | { op: 'end'; time?: number };

const value = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(), fc.double(), fc.boolean(),
  fc.constant(null), fc.constant(undefined),
  fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { maxLength: 3 }),
  fc.constant({ nested: 1 }),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('attr' as const), key: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.constant(7) }), value }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('status' as const), code: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(0, 1, 2) }, { weight: 1, arbitrary: fc.constantFrom(3, -1, '1') }), message: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }), object: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('end' as const), time: fc.option(fc.integer({ min: -2000, max: 5000 }), { nil: undefined }) }) },
);
const policyArb = fc.record({ maxCount: fc.integer({ min: 1, max: 5 }), maxValueLength: fc.integer({ min: 1, max: 8 }), allowlist: fc.boolean() });

test('span write side (fast paths and full methods) follows the documented rules for any call sequence', () => {
  fc.assert(fc.property(policyArb, fc.boolean(), fc.array(opArb, { maxLength: 25 }), (pol, withInitial, ops) => {
    const cap = new CaptureProcessor();
    const allow = pol.allowlist ? (k: string) => k !== 'x.secret' : undefined;
    const tracer = createTracer({ service: 's', processor: cap, attributes: { maxCount: pol.maxCount, maxValueLength: pol.maxValueLength, allow } });
    const span = tracer.startSpan('op', withInitial ? { attributes: { a: 'init' } } : undefined) as Span;
    const startMs = span.startTime;
    // the model
    const attrs = new Map<string, unknown>();
    const c = { dropped: 0, truncated: 0, rejected: 0, invalid: 0, afterEnd: 0, endedTwice: 0 };
    let status = 0;
    let statusMessage: string | null = null;
    let ended = false;
    let endAt: number | undefined;
    const clip = (s: string): string => { if (s.length > pol.maxValueLength) { c.truncated++; return s.slice(0, pol.maxValueLength); } return s; };
    if (withInitial) attrs.set('a', clip('init'));
    for (const o of ops) {
      if (o.op === 'attr') {
        span.setAttribute(o.key as string, o.value as never);
        if (ended) { c.afterEnd++; continue; }
        if (o.value === undefined || o.value === null) continue;
        if (typeof o.key !== 'string' || o.key === '') { c.invalid++; continue; }
        if (allow && !allow(o.key)) { c.rejected++; continue; }
        let v: unknown = o.value;
        const before = c.truncated;
        if (typeof v === 'string') v = clip(v);
        else if (Array.isArray(v)) {
          const n = Math.min(v.length, pol.maxCount);
          // OTel: an array attribute is homogeneous; a mixed one (in its kept part) is invalid, counted once
          if (new Set(v.slice(0, n).map((e) => typeof e)).size > 1) { c.invalid++; continue; }
          if (v.length > n) c.truncated++;
          v = v.slice(0, n).map((e) => (typeof e === 'string' ? clip(e) : e));
        } else if (typeof v !== 'number' && typeof v !== 'boolean') { c.invalid++; continue; }
        if (attrs.has(o.key)) { attrs.set(o.key, v); continue; }
        // a new key over the limit is counted once, as dropped: it was never recorded, so never truncated either
        if (attrs.size >= pol.maxCount) { c.truncated = before; c.dropped++; continue; }
        attrs.set(o.key, v);
      } else if (o.op === 'status') {
        if (o.object) span.setStatus({ code: o.code as number, message: o.message as string | undefined });
        else span.setStatus(o.code as number, o.message as string | undefined);
        if (ended) { c.afterEnd++; continue; }
        if (o.code !== 1 && o.code !== 2) continue; // UNSET is ignored (OTel trace API, Set Status), other codes too
        if (status === 1) continue; // OK is final
        status = o.code;
        if (o.code === 2 && typeof o.message === 'string' && o.message.length > 0) statusMessage = clip(o.message); // cut and counted, as names and values
      } else {
        span.end(o.time === undefined ? undefined : startMs + o.time);
        if (ended) { c.endedTwice++; continue; }
        ended = true;
        endAt = o.time === undefined ? undefined : Math.max(0, o.time); // an end before the start is clamped
      }
    }
    assert.equal(span.attributes, Object.fromEntries(attrs));
    assert.is(span.nAttr, attrs.size);
    assert.is(span.status, status);
    assert.is(span.statusMessage, statusMessage);
    assert.is(span.ended, ended);
    assert.is(cap.spans.length, ended ? 1 : 0);
    if (endAt !== undefined) assert.ok(Math.abs(span.duration - endAt) < 0.001, `duration ${span.duration} vs ${endAt}`);
    const st = tracer.stats();
    assert.equal(
      { dropped: st.attributes.dropped, truncated: st.attributes.truncated, rejected: st.attributes.rejected, invalid: st.attributes.invalid, afterEnd: st.afterEnd, endedTwice: st.endedTwice },
      c,
    );
  }), { numRuns: RUNS });
});

// startSpan against the documented rules, written out here as an oracle: which parent (root > explicit
// parent, null included > active span), whether an unsampled parent is reused, what the sampler decides
// (sampleAsRoot: the root sampler, without the parent's flag), and what the span inherits. `links: []`
// must change nothing.
test('startSpan: parent, reuse and sampling follow the documented rules for any parent, sampler and options', () => {
  const tp = (flags: string) => parseTraceparent(`00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-${flags}`)!;
  fc.assert(fc.property(
    fc.constantFrom('on', 'off', 'parent-on', 'parent-off'),
    fc.constantFrom('none', 'sampled-span', 'unsampled-span', 'remote-sampled', 'remote-unsampled', 'null'),
    fc.constantFrom('none', 'sampled-span', 'unsampled-span'),
    fc.option(fc.constantFrom(1, 2, 3, 4, 5), { nil: undefined }),
    fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(),
    (samplerName, explicit, active, kind, withAttrs, root, asRoot, withLinks) => {
      const parentBasedSampler = samplerName.startsWith('parent-');
      const rootOn = samplerName === 'on' || samplerName === 'parent-on';
      const sampler = samplerName === 'on' ? alwaysOn : samplerName === 'off' ? alwaysOff : parentBased(rootOn ? alwaysOn : alwaysOff);
      const tracer = createTracer({ service: 's', processor: { onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} } as never, sampler });
      const sampledSpan = createTracer({ service: 's', processor: { onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} } as never }).startSpan('p');
      const unsampledSpan = createTracer({ service: 's', sampler: alwaysOff }).startSpan('p');
      const pick = (x: string) => x === 'sampled-span' ? sampledSpan : x === 'unsampled-span' ? unsampledSpan : x === 'remote-sampled' ? tp('01') : x === 'remote-unsampled' ? tp('00') : x === 'null' ? null : undefined;
      const opts: SpanOptions = {};
      const p = pick(explicit);
      if (p !== undefined) opts.parent = p;
      if (kind !== undefined) opts.kind = kind;
      if (withAttrs) opts.attributes = { 'http.route': '/x' };
      if (root) opts.root = true;
      if (asRoot) opts.sampleAsRoot = true;
      if (withLinks) opts.links = [];
      const run = (o: SpanOptions) => tracer.withSpan(pick(active) ?? undefined, () => tracer.startSpan('op', o));
      const before = tracer.counters.unsampled;
      const a = run(opts);

      // the oracle
      const parent = root ? null : p !== undefined ? p : (pick(active) ?? null);
      const parentSampled = parent !== null && (parent.traceFlags & 1) === 1;
      // a sampler that follows the parent (parent-based, or one that never samples) would decide "unsampled" again
      const reuse = parent !== null && parent === unsampledSpan && (parentBasedSampler || samplerName === 'off') && !asRoot;
      const sampled = asRoot || parent === null ? rootOn : parentBasedSampler ? parentSampled : rootOn;
      if (reuse) {
        assert.is(a, parent, 'the unsampled parent is reused');
        assert.is(tracer.counters.unsampled, before + 1, 'and counted');
        return;
      }
      assert.is.not(a, parent);
      assert.is(a instanceof Span, sampled, 'recording iff sampled');
      assert.is((a.traceFlags & 1) === 1, sampled, 'sampled flag');
      if (parent !== null) assert.is(a.traceId, parent.traceId, 'same trace as the parent');
      else assert.is.not(a.traceId, sampledSpan.traceId);
      if (a instanceof Span) {
        assert.is(a.hasParent, parent !== null);
        assert.is(a.parentSpanId, parent === null ? '' : parent.spanId);
        assert.is(a.parentIsRemote, parent !== null && parent.isRemote);
        assert.is(a.kind, kind ?? 1);
        assert.equal(a.attributes, withAttrs ? { 'http.route': '/x' } : {});
      } else assert.is(tracer.counters.unsampled, before + 1, 'a non-recording span is counted');
    }), { numRuns: Math.min(RUNS, 300) });
});

test('a span ended without a time gets a non-negative duration from the clock', () => {
  const tracer = createTracer({ service: 's', processor: new CaptureProcessor() });
  const span = tracer.startSpan('op') as Span;
  span.end();
  assert.ok(span.ended);
  assert.ok(span.duration >= 0 && span.duration < 60_000, String(span.duration));
  assert.ok(span.endTime >= span.startTime);
});

test.run();
