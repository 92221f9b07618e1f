// stats().destinations in off-thread export: the exporter thread's per-destination counters reach every
// thread's stats() through the SharedArrayBuffer, as the in-thread batcher reports them, across restarts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, otlpExporter, type Tracer, type TracerStats } from '../src/index.js';
import type { DestinationStats } from '../src/batcher.js';
import { threadProcessor, type ThreadStats } from '../src/thread/index.js';
import { ConsumerTotals, readConsumer, readStats } from '../src/thread/stats.js';
import { DestTotals, unsaid } from '../src/thread/dest-stats.js';
import * as L from '../src/thread/layout.js';
import { createLayout, openLayout } from '../src/thread/layout.js';
import { startReceiver } from './helpers/otlp-receiver.js';

const FLUSH_MS = 10_000;
const stats = (t: Tracer) => t.stats() as TracerStats & ThreadStats;
const dropsOf = (d: { dropped: object }) => Object.values(d.dropped).reduce((a: number, v) => a + (v as number), 0);
/** What must be equal between the modes (export request counts depend on how batches were cut). */
const shape = (d: DestinationStats) => ({ name: d.name, ended: d.ended, exported: d.exported, queued: d.queued, exportFailed: d.dropped.exportFailed, failing: d.lastError !== null });

test('AC-007 stats().destinations in thread mode: per destination exported, failed and dropped as in-thread, with one backend down; totals survive an exporter thread restart', async () => {
  const good = await startReceiver();
  const down = await startReceiver({ mode: 'refuse' });
  const exporters = [{ url: good.url }, { url: down.url, retry: false as const }];
  const batch = { scheduledDelayMillis: 10, maxExportBatchSize: 16 };
  const p = threadProcessor({ exporter: exporters.map((e) => ({ type: 'otlp' as const, ...e })), batch, restartDelayMs: 20, flushTimeoutMs: FLUSH_MS, logger: () => {} });
  const tracer = createTracer({ service: 'two', processor: p });
  const inThread = createTracer({ service: 'two', exporter: exporters.map((e) => otlpExporter({ ...e, logger: () => {} })), batch, logger: () => {} });
  try {
    for (const t of [tracer, inThread]) { for (let i = 0; i < 40; i++) t.startSpan('op', { root: true, attributes: { i } }).end(); await t.forceFlush(); }
    const st = stats(tracer);
    assert.is(st.destinations.length, 2);
    assert.equal(st.destinations.map(shape), stats(inThread).destinations!.map(shape), 'the same per-destination view as in-thread');
    const [ok, bad] = st.destinations;
    assert.is(ok!.exported, 40);
    assert.is(bad!.dropped.exportFailed, 40);
    assert.ok(bad!.exports.failed > 0 && ok!.exports.ok > 0 && ok!.exports.failed === 0);
    assert.match(bad!.lastError!, /ECONNREFUSED|refused/i);
    assert.equal(readStats(openLayout(p.handle().sab)).destinations, st.destinations, 'any thread reads the same from the ring');

    p.crashExporterForTest(5, 'exit'); // dies with 5 spans taken off the ring and not yet published
    for (let i = 0; i < 20; i++) tracer.startSpan('op', { root: true, attributes: { i } }).end();
    await tracer.forceFlush();
    const after = stats(tracer);
    assert.is(after.thread.restarts, 1);
    assert.equal(after.destinations.map((d) => d.name), st.destinations.map((d) => d.name));
    for (const d of after.destinations) {
      assert.is(d.ended, 60, `${d.name}: the first thread's totals are kept`);
      assert.is(d.ended, d.exported + dropsOf(d) + d.queued, `${d.name}: ended = exported + dropped + queued`);
    }
    assert.is(after.destinations[0]!.exported + after.destinations[0]!.dropped.exporterLost, 60);
    assert.is(after.destinations[1]!.dropped.exportFailed + after.destinations[1]!.dropped.exporterLost, 60);
    assert.is(after.exported + 40, good.spans().length, 'the top-level counts are the first destination\'s, as in-thread (40: the in-thread tracer\'s)');

    await tracer.shutdown({ deadlineMs: 2000 });
    const end = stats(tracer);
    assert.ok(end.thread.stopped);
    for (const d of end.destinations) assert.is(d.queued, 0);
  } finally {
    await tracer.shutdown({ deadlineMs: 1000 });
    await inThread.shutdown({ deadlineMs: 1000 });
    await good.close();
    await down.close();
  }
});

test('AC-007 thread-mode destinations keep their totals across a restart when two share a name (two exporters to one URL) or a name is longer than its 126-byte slot', async () => {
  const good = await startReceiver();
  const long = good.url + '/' + 'p'.repeat(200); // the name is cut in the SAB: both long ones store the same 126 bytes
  const exporters = [{ url: long + 'a' }, { url: long + 'b' }, { url: good.url }, { url: good.url }];
  const p = threadProcessor({ exporter: exporters.map((e) => ({ type: 'otlp' as const, ...e })), batch: { scheduledDelayMillis: 10 }, restartDelayMs: 20, flushTimeoutMs: FLUSH_MS, logger: () => {} });
  const tracer = createTracer({ service: 'same', processor: p });
  try {
    for (let i = 0; i < 40; i++) tracer.startSpan('op', { root: true }).end();
    await tracer.forceFlush();
    const before = stats(tracer).destinations;
    assert.is(before.length, 4);
    assert.is(before[0]!.name, before[1]!.name, 'cut to one slot name');
    p.crashExporterForTest(5, 'exit');
    for (let i = 0; i < 20; i++) tracer.startSpan('op', { root: true }).end();
    await tracer.forceFlush();
    const after = stats(tracer);
    assert.is(after.thread.restarts, 1);
    assert.equal(after.destinations.map((d) => d.name), before.map((d) => d.name), 'one entry per destination, none added by the restart');
    for (const d of after.destinations) {
      assert.is(d.ended, 60, `${d.name.slice(0, 50)}: the first thread's 40 are kept`);
      assert.is(d.ended, d.exported + dropsOf(d) + d.queued, 'ended = exported + dropped + queued');
    }
  } finally {
    await tracer.shutdown({ deadlineMs: 1000 });
    await good.close();
  }
});

test('AC-007 thread-mode stats(): a publish stuck half-written (odd seqlock) shows the last consistent totals, never a torn mix, and does not hang', async () => {
  const layout = createLayout();
  const t = new ConsumerTotals();
  t.consumed = 10; t.exported = 7; t.queued = 3;
  t.publish(layout, 0);
  const before = readStats(layout);
  assert.is(before.exported, 7);
  // the exporter thread paused (or died) inside publish(): SEQ odd, half the counters rewritten
  Atomics.add(layout.i32, L.SEQ, 1);
  Atomics.store(layout.i64, L.C_EXPORTED, 1000n);
  const t0 = performance.now();
  const during = readStats(layout);
  assert.ok(performance.now() - t0 < 1000, 'bounded');
  assert.is(during.exported, 7, 'not the half-written 1000');
  assert.is(during.ended, before.ended, 'ended = exported + dropped + queued still adds up to the same');
  Atomics.store(layout.i64, L.C_CONSUMED, 1010n);
  Atomics.store(layout.i64, L.C_W_QUEUED, 10n);
  Atomics.add(layout.i32, L.SEQ, 1); // publish completes
  assert.is(readStats(layout).exported, 1000);
});

test('AC-007 thread-mode stats(): a destination block keeps what its drop lines said beside a last error at its longest (cut, never overwriting them)', () => {
  const layout = createLayout();
  const t = new ConsumerTotals();
  const d = new DestTotals();
  d.name = 'n'; d.queueFull = 3; d.exportFailed = 9; d.shutdown = 2;
  d.saidQueueFull = 3; d.saidExportFailed = 4; d.saidShutdown = 1;
  d.lastError = 'e'.repeat(400);
  t.dests = [d];
  t.publish(layout, 0);
  const r = readConsumer(layout).dests[0]!;
  assert.equal([r.saidQueueFull, r.saidExportFailed, r.saidShutdown], [3, 4, 1]);
  assert.ok(r.lastError!.length > 200 && r.lastError!.length < 254 && /^e+$/.test(r.lastError!), String(r.lastError?.length));
  assert.equal(unsaid(r), { queueFull: 0, exportFailed: 5, shutdown: 1 });
});

test.run();
