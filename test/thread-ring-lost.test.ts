// Every reservation a dead or stopped writer leaves unmarked is counted once in dropped.abandoned (tracer.stats()),
// however many writers died in one skipped region, however many skips a stopped writer stays away for, and also
// while the ring never runs empty. Driven step by step: a "dead writer" moved WRITE and ENQ as reserve() does and
// never marked its record; the consumer (stallMs 0) gives an unmarked record up at its second look.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer } from '../src/index.js';
import { BatchSpanProcessor } from '../src/batcher.js';
import { memoryExporter } from '../src/exporters-local.js';
import { RingProcessor } from '../src/thread/processor.js';
import { Consumer } from '../src/thread/consumer.js';
import { readStats } from '../src/thread/stats.js';
import * as L from '../src/thread/layout.js';
import { atFirstMark, deadWriter, settle, sumDrops } from './helpers/ring-stop.js';

function setup(ringBytes = 4096) {
  const l = L.createLayout(ringBytes);
  const mem = memoryExporter();
  const batcher = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
  const consumer = new Consumer(l, batcher, { stallMs: 0 });
  const tracer = createTracer({ service: 'b', processor: new RingProcessor(l) });
  const sent = { n: 0 };
  const one = (name: string): void => { tracer.startSpan(name, { root: true, attributes: { i: sent.n++ } }).end(); };
  return { l, mem, batcher, consumer, tracer, sent, one };
}

/** Lengths of the regions the consumer gives up past an unmarked record while `fn` runs (its -length | T_SWEEP store). */
function regions(l: L.Layout, fn: () => void): number[] {
  const store = Atomics.store;
  const out: number[] = [];
  (Atomics as unknown as { store: typeof store }).store = ((a: Int32Array, i: number, v: number) => {
    if (a === l.i32 && i >= l.base >> 2 && v < 0 && (v & L.TYPE_MASK) === L.T_SWEEP) out.push(-(v & ~L.TYPE_MASK));
    return store(a as never, i, v as never);
  }) as unknown as typeof store;
  try { fn(); } finally { (Atomics as unknown as { store: typeof store }).store = store; }
  return out;
}

for (const dead of [2, 3]) {
  test(`AC-007 ${dead} writers that died one after the other before marking, given up in one skipped region, are each counted in dropped.abandoned (tracer.stats())`, async () => {
    const { l, mem, batcher, consumer, tracer, sent, one } = setup();
    one('before');
    for (let k = 0; k < dead; k++) deadWriter(l, 256);
    const given = regions(l, () => { consumer.drain(); consumer.drain(); }); // 'before' read, first look; given up
    assert.equal(given, [dead * 256], 'one region covers them all: the consumer cannot tell where one ends');
    one('after');
    const st = await settle(consumer, batcher);
    assert.equal(mem.spans.map((s) => s.name), ['before', 'after'], 'the ring flows');
    assert.is(st.dropped.abandoned, dead, 'each dead writer once');
    assert.is(st.thread.inRing, 0, 'nothing left counted in the ring');
    assert.is(st.queued, 0);
    assert.is(st.thread.lateWrites, 0);
    assert.is(st.thread.ended, sent.n + dead);
    assert.is(st.thread.ended, st.exported + sumDrops(st.dropped) + st.queued);
    const ts = tracer.stats();
    assert.is(ts.dropped.abandoned, dead, 'readable in tracer.stats()');
    assert.is(ts.enqueued, ts.exported + sumDrops(ts.dropped), 'tracer.stats(): what was enqueued is exported or dropped');
    await batcher.shutdown();
  });
}

test('AC-007 writers that died in one skipped region are counted while the ring never runs empty (the consumer is always one record behind)', async () => {
  const { l, mem, batcher, consumer, sent, one } = setup();
  one('before');
  deadWriter(l, 256); deadWriter(l, 256);
  one('c0'); // marked right after them: the region ends there
  consumer.drain(1); // 'before'
  for (let k = 1; k <= 8; k++) {
    one('c' + k);
    consumer.drain(1); // first look at the dead ones, then the skip and one record per pass
    assert.ok(consumer.reader.pos !== Atomics.load(l.i32, L.WRITE), 'never caught up');
    await batcher.forceFlush();
  }
  consumer.publish();
  const mid = readStats(l);
  assert.ok(mid.thread.inRing >= 1, 'records still in the ring');
  assert.is(mid.dropped.abandoned, 2, 'both dead writers counted already');
  assert.is(mid.thread.ended, mid.exported + sumDrops(mid.dropped) + mid.queued);
  const st = await settle(consumer, batcher);
  assert.equal(mem.spans.map((s) => s.name), ['before', ...Array.from({ length: 9 }, (_, k) => 'c' + k)]);
  assert.is(st.dropped.abandoned, 2);
  assert.is(st.thread.inRing, 0);
  assert.is(st.thread.ended, sent.n + 2);
  assert.is(st.thread.ended, st.exported + sumDrops(st.dropped) + st.queued);
  await batcher.shutdown();
});

// 64: the most the twr5 region log held. The writer is back after its space was freed (one lap: its stray mark is taken back).
for (const skips of [64, 65, 200]) {
  test(`AC-007 a writer stopped before its mark through ${skips} dead-writer skips (the first one its own region's) is counted once, in dropped.abandoned`, async () => {
    const { l, mem, batcher, consumer, tracer, sent, one } = setup(16384);
    deadWriter(l, 256); // A1
    consumer.drain(); // first look at A1: the stall clock starts
    atFirstMark(l, () => {
      // B is between its WRITE CAS and its first mark: A1 is given up, B's space swept with it and freed
      consumer.drain();
      for (let k = 1; k < skips; k++) { deadWriter(l, 64); consumer.drain(); consumer.drain(); }
      assert.ok(((Atomics.load(l.i32, L.WRITE) - l.ringBytes) | 0) < 0, 'one lap');
    }, () => one('B'));
    consumer.drain();
    one('after');
    const st = await settle(consumer, batcher);
    assert.equal(mem.spans.map((s) => s.name), ['after'], 'B was given up, the ring flows');
    assert.is(st.thread.lateWrites, 1, 'B saw it had been skipped');
    assert.is(st.dropped.abandoned, skips + 1, 'each dead writer and B, once');
    assert.is(st.thread.inRing, 0, 'nothing left counted in the ring');
    assert.is(st.thread.ended, sent.n + skips);
    assert.is(st.thread.ended, st.exported + sumDrops(st.dropped) + st.queued);
    assert.is(tracer.stats().dropped.abandoned, skips + 1, 'readable in tracer.stats()');
    await batcher.shutdown();
  });
}

test.run();
