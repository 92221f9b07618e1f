// The stalled-record skip with two producers, driven step by step: A reserved and died before marking its
// record (all zero, length unknown), B reserved right after A and is between its WRITE CAS and its first
// mark when the consumer gives A up. B's span must be read once or counted as dropped, never lost, and the
// counters must balance: ended = exported + dropped + queued, nothing left in the ring.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer } from '../src/index.js';
import { BatchSpanProcessor } from '../src/batcher.js';
import { memoryExporter } from '../src/exporters-local.js';
import { RingProcessor } from '../src/thread/processor.js';
import { Consumer } from '../src/thread/consumer.js';
import { readStats } from '../src/thread/stats.js';
import type { RingWriter } from '../src/thread/ring.js';
import * as L from '../src/thread/layout.js';

function sumDrops(d: object): number {
  let n = 0;
  for (const v of Object.values(d)) n += v as number;
  return n;
}

/** Runs `during` once, when the next mark CAS from 0 into the ring of `l` is about to happen (B's first mark). */
function atFirstMark(l: L.Layout, during: () => void, body: () => void): void {
  const cas = Atomics.compareExchange;
  let armed = true;
  (Atomics as { compareExchange: typeof cas }).compareExchange = ((a: Int32Array, i: number, e: number, v: number) => {
    if (armed && a === l.i32 && i >= l.base >> 2 && e === 0) { armed = false; during(); }
    return cas(a, i, e, v);
  }) as typeof cas;
  try { body(); } finally { (Atomics as { compareExchange: typeof cas }).compareExchange = cas; }
  assert.not.ok(armed, 'the stop happened');
}

// 'skip only': the consumer gives A up (and the region it cannot tell from A's) but has not freed it yet when B
// marks; 'skip and free': it gave up and freed before B marks (B descheduled a little longer).
for (const when of ['skip only', 'skip and free'] as const) {
  for (const padded of [false, true]) {
    test(`AC-007 a dead writer's skipped record never swallows the record of a writer reserved right after it (${when}${padded ? ', B behind a pad' : ''}): read once or counted, counters balance`, async () => {
      const l = L.createLayout(4096);
      const mem = memoryExporter();
      const batcher = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
      const consumer = new Consumer(l, batcher, { stallMs: 0 }); // gives up on an uncommitted record at its second look
      const tracer = createTracer({ service: 'b', processor: new RingProcessor(l) });
      let sent = 0;
      const one = (name: string): void => { tracer.startSpan(name, { root: true, attributes: { i: sent++ } }).end(); };
      // B's record must not fit the tail after A: fill up to 360 bytes short of the end, A takes 256 of them
      if (padded) while ((Atomics.load(l.i32, L.WRITE) >>> 0) < l.ringBytes - 600) { one('fill'); consumer.drain(); }
      // A: reserved (WRITE CAS, ENQ) and terminated before marking its length: its bytes stay zero
      Atomics.add(l.i32, L.ENQ, 1);
      Atomics.add(l.i32, L.WRITE, padded ? l.ringBytes - (Atomics.load(l.i32, L.WRITE) >>> 0) - 104 : 256);
      consumer.drain(); // first look at A: the stall clock starts
      const r = consumer.reader;
      atFirstMark(l, () => {
        if (when === 'skip only') { assert.ok(r.next() < 0, 'A skipped, B not committed'); assert.is(r.abandoned, 1); }
        else { consumer.drain(); assert.is(r.abandoned, 1); }
      }, () => one('B'));
      one('after');
      for (let k = 0; k < 4; k++) consumer.drain();
      await batcher.forceFlush();
      consumer.publish();
      const names = mem.spans.map((s) => s.name).filter((n) => n !== 'fill');
      const st = readStats(l);
      const bRead = names.filter((n) => n === 'B').length;
      assert.ok(bRead === 1 || st.dropped.abandoned === 2, `B read once (${bRead}) or counted with A as abandoned (${st.dropped.abandoned})`);
      assert.is(bRead + st.dropped.abandoned, 2, 'A abandoned; B either read or abandoned, not both');
      assert.is(Number(Atomics.load(l.i64, L.C_SWEPT)), 1, 'B counted itself: the consumer counted A only');
      assert.is(st.thread.lateWrites, 1, 'B saw it had been skipped');
      assert.ok(names.includes('after'), 'the ring keeps flowing');
      assert.is(st.thread.inRing, 0, 'no record left counted in the ring');
      assert.is(st.queued, 0);
      assert.is(st.thread.ended, sent + 1, 'every reservation: the spans ended here, and A');
      assert.is(st.thread.ended, st.exported + sumDrops(st.dropped) + st.queued);
      const ts = tracer.stats();
      assert.is(ts.enqueued, st.exported + sumDrops(st.dropped), 'tracer.stats(): what was enqueued is exported or dropped');
      await batcher.shutdown();
    });
  }
}

test('AC-007 a writer that marked its record before the consumer gave up the dead writer before it is not skipped: read once', async () => {
  const l = L.createLayout(4096);
  const mem = memoryExporter();
  const batcher = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
  const consumer = new Consumer(l, batcher, { stallMs: 0 });
  const p = new RingProcessor(l);
  const tracer = createTracer({ service: 'b', processor: p });
  Atomics.add(l.i32, L.ENQ, 1);
  Atomics.add(l.i32, L.WRITE, 256); // A: reserved, never marked
  consumer.drain();
  const ring = (p as unknown as { ring: RingWriter }).ring;
  const commit = ring.commit.bind(ring);
  ring.commit = ((at: number, total: number, type: number) => { consumer.drain(); return commit(at, total, type); }) as typeof ring.commit;
  tracer.startSpan('B', { root: true }).end(); // marked, stopped before its commit while the consumer gives A up
  for (let k = 0; k < 3; k++) consumer.drain();
  await batcher.forceFlush();
  consumer.publish();
  const st = readStats(l);
  assert.equal(mem.spans.map((s) => s.name), ['B']);
  assert.is(st.dropped.abandoned, 1);
  assert.is(st.thread.lateWrites, 0);
  assert.is(st.thread.inRing, 0);
  assert.is(st.thread.ended, st.exported + sumDrops(st.dropped) + st.queued);
  await batcher.shutdown();
});

test.run();
