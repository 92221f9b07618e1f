// The exporter thread publishes its totals (and the ring position they account for) into shared memory. One that
// dies or stops inside a publish must leave every reader, and its successor, a consistent set: never a torn mix
// (a successor that took one over counted records twice: inRing wrapped to ~2^32).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer } from '../src/index.js';
import { BatchSpanProcessor } from '../src/batcher.js';
import { memoryExporter } from '../src/exporters-local.js';
import { RingProcessor } from '../src/thread/processor.js';
import { Consumer } from '../src/thread/consumer.js';
import { readStats } from '../src/thread/stats.js';
import * as L from '../src/thread/layout.js';

function sumDrops(d: object): number {
  let n = 0;
  for (const v of Object.values(d)) n += v as number;
  return n;
}

const store = Atomics.store, add = Atomics.add;
/** Runs fn with the k-th atomic write into l's shared memory throwing (the thread dies there); true if it did. */
function dieAt(l: L.Layout, k: number, fn: () => void): boolean {
  let n = 0;
  const hook = <F extends (...a: never[]) => unknown>(f: F): F => ((a: { buffer: unknown }, ...rest: unknown[]) => {
    if (a.buffer === l.sab && ++n === k) throw new Error('exporter thread died');
    return (f as unknown as (...x: unknown[]) => unknown)(a, ...rest);
  }) as unknown as F;
  (Atomics as { store: typeof store }).store = hook(store);
  (Atomics as { add: typeof add }).add = hook(add);
  try { fn(); return false; } catch { return true; } finally { (Atomics as { store: typeof store }).store = store; (Atomics as { add: typeof add }).add = add; }
}

test('AC-007 an exporter thread that dies at any point of a publish leaves its successor consistent totals: every span counted once, inRing back to 0', async () => {
  let cuts = 0;
  for (let k = 1; ; k++) {
    const l = L.createLayout(1 << 16);
    const b1 = new BatchSpanProcessor([memoryExporter(), memoryExporter()], { scheduledDelayMillis: 60_000, logger: () => {} });
    const c1 = new Consumer(l, b1);
    const tracer = createTracer({ service: 'x', processor: new RingProcessor(l) });
    for (let i = 0; i < 10; i++) tracer.startSpan('a', { root: true }).end();
    c1.drain();
    for (let i = 0; i < 5; i++) tracer.startSpan('b', { root: true }).end();
    if (!dieAt(l, k, () => c1.drain())) break; // past the last write of the pass: every cut tried
    cuts++;
    const mid = readStats(L.openLayout(l.sab)); // a thread that never read before (no earlier snapshot to fall back on)
    assert.ok(mid.thread.inRing <= 15 && mid.queued <= 15, `cut ${k}: a reader sees no torn totals (inRing ${mid.thread.inRing}, queued ${mid.queued})`);
    assert.is(mid.thread.ended, 15, `cut ${k}: every span ended so far, while the publish is unfinished`);
    assert.is(mid.thread.ended, mid.exported + sumDrops(mid.dropped) + mid.queued, `cut ${k}: balanced while the publish is unfinished`);
    const b2 = new BatchSpanProcessor([memoryExporter(), memoryExporter()], { scheduledDelayMillis: 1, logger: () => {} });
    const c2 = new Consumer(l, b2);
    c2.drain();
    await b2.forceFlush();
    c2.publish();
    const st = readStats(l);
    assert.is(st.thread.inRing, 0, `cut ${k}: nothing left counted in the ring`);
    assert.is(st.queued, 0, `cut ${k}`);
    assert.is(st.thread.ended, 15, `cut ${k}: every span counted once`);
    assert.is(st.thread.ended, st.exported + sumDrops(st.dropped) + st.queued, `cut ${k}`);
    for (const d of st.destinations) assert.is(d.ended, d.exported + sumDrops(d.dropped) + d.queued, `cut ${k}: ${d.name} balanced`);
    await b2.shutdown();
  }
  assert.ok(cuts > 20, `cuts tried: ${cuts}`);
});

test.run();
