// Property of the binary span record (src/thread/record.ts) over sequences of spans: the record writer keeps
// per-position state between spans (remembered keys, and values whose bytes are still in its scratch
// buffer), so what one span writes must never leak into the next. Spans drawn from small pools (names, keys,
// values repeat, as from one call site) with varying shapes: every record decodes to the same OTLP JSON as
// the span it came from, and a tracestate (the span's, a link's) arrives absent, empty or as it was, as the
// in-thread span held it (a custom exporter in the exporter thread reads it). Runs: FUZZ_RUNS (default 200).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createTracer, parseTracestate, SpanContext, type Span } from '../src/index.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';
import type { SpanProcessor } from '../src/processor.js';
import { RingProcessor } from '../src/thread/processor.js';
import { RingReader } from '../src/thread/ring.js';
import { DictReader } from '../src/thread/dict.js';
import { ByteReader } from '../src/thread/codec.js';
import { decodeSpan } from '../src/thread/thread-span.js';
import * as L from '../src/thread/layout.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

/** A span's tracestate, then each link's: null when absent, else the header (EMPTY_TRACESTATE is ''). */
function states(s: { rare: Span['rare'] }): (string | null)[] {
  const out = [s.rare?.traceState?.toString() ?? null];
  for (const l of s.rare?.links ?? []) out.push(l.traceState === null ? null : l.traceState.toString());
  return out;
}

class Tee implements SpanProcessor {
  readonly enc = new OtlpJsonEncoder();
  readonly json: string[] = [];
  readonly states: (string | null)[][] = [];
  constructor(readonly next: RingProcessor) {}
  onEnd(span: Span): void { this.json.push(this.enc.encode([span]).toString()); this.states.push(states(span)); this.next.onEnd(span); }
  forceFlush() { return this.next.forceFlush(); }
  shutdown() { return this.next.shutdown(); }
  stats() { return this.next.stats(); }
}

const name = fc.constantFrom('a', 'op', 'GET /x', 'a-much-longer-span-name-here', 'q'.repeat(10010)); // the last over maxValueLength: cut alike
const key = fc.constantFrom('k', 'http.route', 'url.path', 'x');
const value = fc.oneof(
  fc.constantFrom('v', 'GET', '/api/items', '', 'ü', true, false, 0, 7, 300, -0, 1.5),
  fc.string({ maxLength: 8 }),
  fc.string({ minLength: 120, maxLength: 140 }), // around the 128-char inline limit
  fc.integer({ min: 2000, max: 9000 }).map((n) => 'y'.repeat(n)), // grows the writer's scratch buffer
);
// absent, the empty list (a `tracestate:` header with no members), members
const traceState = fc.constantFrom(null, '', ' , ', 'a=b', 'k1=v1,k2=v2').map((h) => (h === null ? null : parseTracestate(h)));
const spanSpec = fc.record({
  name,
  parentState: fc.option(traceState, { nil: undefined }), // undefined: a root span
  linkStates: fc.array(traceState, { maxLength: 3 }),
  attrs: fc.array(fc.tuple(key, value), { maxLength: 6 }),
  later: fc.array(fc.tuple(key, value), { maxLength: 2 }),
  events: fc.array(fc.tuple(name, fc.array(fc.tuple(key, value), { maxLength: 4 })), { maxLength: 2 }),
});
const maxCount = fc.constantFrom(2, 128); // 2: span, event and link attributes over the limit (dropped counts in the record)

test('consecutive records from repeating call sites decode to the same OTLP as their spans', () => {
  fc.assert(fc.property(fc.array(spanSpec, { minLength: 1, maxLength: 40 }), maxCount, (specs, max) => {
    const l = L.createLayout(1 << 20);
    const tee = new Tee(new RingProcessor(l));
    const tracer = createTracer({ service: 'rec', processor: tee, env: {}, attributes: { maxValueLength: 10000, maxCount: max, maxEventAttributes: max, maxLinkAttributes: max } });
    for (const sp of specs) {
      const parent = sp.parentState === undefined ? null : new SpanContext(1, 2, 3, 4, 5, 6, 1, true, sp.parentState);
      const s = tracer.startSpan(sp.name, { parent, root: parent === null, attributes: Object.fromEntries(sp.attrs) });
      for (const [k, v] of sp.later) s.setAttribute(k, v);
      for (const [n, a] of sp.events) { s.addEvent(n, Object.fromEntries(a)); s.addLink(s.spanContext(), Object.fromEntries(a)); }
      for (const ts of sp.linkStates) s.addLink(new SpanContext(7, 8, 9, 10, 11, 12, 0, false, ts));
      s.end();
    }
    const reader = new RingReader(l, 5000);
    const dict = new DictReader(l);
    const br = new ByteReader(Buffer.from(l.sab));
    const enc = new OtlpJsonEncoder();
    let k = 0;
    for (let at = reader.next(); at >= 0; at = reader.next(), k++) {
      const d = decodeSpan(l.i32, br, at, dict);
      assert.is(enc.encode([d as unknown as Span]).toString(), tee.json[k], `span ${k} of ${specs.length}`);
      assert.equal(states(d as unknown as Span), tee.states[k], `span ${k}: tracestates (span, links)`);
    }
    reader.free();
    assert.is(k, specs.length);
  }), { numRuns: RUNS });
});

test.run();
