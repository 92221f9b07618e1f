import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, type Tracer } from '../src/index.js';
import type { Span } from '../src/span.js';
import { BatchSpanProcessor, type BatchOptions, type DestinationStats } from '../src/batcher.js';
import { memoryExporter, type MemoryExporter } from '../src/exporters-local.js';
import type { SpanExporter } from '../src/exporter.js';
import { spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { startReceiver } from './helpers/otlp-receiver.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (e) => unhandled.push(e));

function setup(exporter: SpanExporter | SpanExporter[], batch: BatchOptions = {}, env: Record<string, string> = {}) {
  const logs: string[] = [];
  const tracer = createTracer({ service: 'batch-test', exporter, batch: { scheduledDelayMillis: 60_000, reportIntervalMs: 60_000, ...batch }, env, logger: (m) => logs.push(m) });
  return { tracer, logs, proc: tracer.processor as BatchSpanProcessor };
}

function endSpans(t: Tracer, n: number, attrs = true): void {
  for (let i = 0; i < n; i++) t.startSpan('op ' + (i % 3), { root: true, attributes: attrs ? { i, k: 'v' } : undefined }).end();
}

const dests = (s: object) => (s as { destinations: DestinationStats[] }).destinations;

/** ended = exported + dropped (every reason) + queued, checked on the tracer's merged stats. */
function balanced(t: Tracer, where = ''): ReturnType<Tracer['stats']> {
  const s = t.stats();
  const d = s.dropped as Record<string, number>;
  const dropped = Object.values(d).reduce((a, b) => a + b, 0);
  assert.is(s.ended, s.exported + dropped + s.queued, `${where} ${JSON.stringify({ ended: s.ended, exported: s.exported, queued: s.queued, dropped: d })}`);
  return s;
}

async function waitFor(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 2));
  }
}

test('defaults follow OpenTelemetry (queue 2048, batch 512, delay 5000, timeout 30000)', () => {
  const p = new BatchSpanProcessor(memoryExporter(), { env: {} });
  assert.equal([p.maxQueueSize, p.maxExportBatchSize, p.scheduledDelayMillis, p.exportTimeoutMillis], [2048, 512, 5000, 30000]);
});

test('a bad scheduledDelayMs / exportTimeoutMs (the names the README gives) is warned about under that name, not its alias', () => {
  const logs: string[] = [];
  const p = new BatchSpanProcessor(memoryExporter(), { logger: (m) => logs.push(m), scheduledDelayMs: 'x' as unknown as number, exportTimeoutMs: -1, env: {} });
  assert.equal([p.scheduledDelayMillis, p.exportTimeoutMillis], [5000, 30000]);
  assert.is(logs.length, 2, logs.join('\n'));
  assert.match(logs[0]!, /option scheduledDelayMs=x /);
  assert.match(logs[1]!, /option exportTimeoutMs=-1 /);
  logs.length = 0;
  new BatchSpanProcessor(memoryExporter(), { logger: (m) => logs.push(m), scheduledDelayMillis: -2, env: {} });
  assert.match(logs.join(), /option scheduledDelayMillis=-2 /);
});

test('OTEL_BSP_*: read, empty = unset, unparsable warned and ignored, batch clamped to queue, options win', () => {
  const logs: string[] = [];
  const logger = (m: string) => logs.push(m);
  let p = new BatchSpanProcessor(memoryExporter(), { logger, env: { OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10', OTEL_BSP_SCHEDULE_DELAY: '250', OTEL_BSP_EXPORT_TIMEOUT: '999' } });
  assert.equal([p.maxQueueSize, p.maxExportBatchSize, p.scheduledDelayMillis, p.exportTimeoutMillis], [100, 10, 250, 999]);
  assert.is(logs.length, 0);
  p = new BatchSpanProcessor(memoryExporter(), { logger, env: { OTEL_BSP_MAX_QUEUE_SIZE: '', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '  ', OTEL_BSP_SCHEDULE_DELAY: 'soon', OTEL_BSP_EXPORT_TIMEOUT: '-5' } });
  assert.equal([p.maxQueueSize, p.maxExportBatchSize, p.scheduledDelayMillis, p.exportTimeoutMillis], [2048, 512, 5000, 30000]);
  assert.is(logs.length, 2, logs.join('\n'));
  assert.match(logs[0]!, 'OTEL_BSP_SCHEDULE_DELAY');
  assert.match(logs[1]!, 'OTEL_BSP_EXPORT_TIMEOUT');
  logs.length = 0;
  p = new BatchSpanProcessor(memoryExporter(), { logger, env: { OTEL_BSP_MAX_QUEUE_SIZE: '64', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512' } });
  assert.is(p.maxExportBatchSize, 64);
  assert.match(logs.join(), 'above maxQueueSize');
  p = new BatchSpanProcessor(memoryExporter(), { logger, maxQueueSize: 32, maxExportBatchSize: 8, scheduledDelayMillis: 0, env: { OTEL_BSP_MAX_QUEUE_SIZE: '64', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '16', OTEL_BSP_SCHEDULE_DELAY: '7' } });
  assert.equal([p.maxQueueSize, p.maxExportBatchSize, p.scheduledDelayMillis], [32, 8, 0]);
  logs.length = 0;
  p = new BatchSpanProcessor(memoryExporter(), { logger, maxQueueSize: -1 as number, env: {} });
  assert.is(p.maxQueueSize, 2048);
  assert.match(logs.join(), 'maxQueueSize');
  // above the ring's 2^20 slots: said and capped, and the setting reads what the ring holds
  logs.length = 0;
  p = new BatchSpanProcessor(memoryExporter(), { logger, maxQueueSize: 5_000_000, env: {} });
  assert.is(p.maxQueueSize, 2 ** 20);
  assert.match(logs.join(), 'maxQueueSize=5000000 is above 1048576');
  p = new BatchSpanProcessor(memoryExporter(), { logger, env: { OTEL_BSP_MAX_QUEUE_SIZE: '3000000' } });
  assert.is(p.maxQueueSize, 2 ** 20);
  assert.match(logs.join(), 'OTEL_BSP_MAX_QUEUE_SIZE="3000000" is above 1048576');
});

test('a full batch is exported without waiting for the timer; export never runs inside span.end()', async () => {
  const mem = memoryExporter();
  const { tracer } = setup(mem, { maxQueueSize: 64, maxExportBatchSize: 4 });
  endSpans(tracer, 8);
  assert.is(mem.calls, 0, 'nothing exported synchronously from end()');
  balanced(tracer, 'after end');
  await waitFor(() => mem.spans.length === 8, 'two batches');
  assert.is(mem.calls, 2);
  const s = balanced(tracer, 'after export');
  assert.is(s.exported, 8);
  assert.is(s.queued, 0);
  await tracer.shutdown({ deadlineMs: 100 });
});

test('the scheduled delay exports a partial batch (unref\'d timer)', async () => {
  const mem = memoryExporter();
  const { tracer } = setup(mem, { maxQueueSize: 64, maxExportBatchSize: 32, scheduledDelayMillis: 10 });
  endSpans(tracer, 3);
  await waitFor(() => mem.spans.length === 3, 'timer export');
  assert.is(mem.calls, 1);
  endSpans(tracer, 2);
  await waitFor(() => mem.spans.length === 5, 'timer re-armed');
  balanced(tracer);
  await tracer.shutdown({ deadlineMs: 100 });
});

test('forceFlush exports everything queued, in batches, and resolves after it settled', async () => {
  const mem = memoryExporter({ delayMs: 1 });
  const { tracer } = setup(mem, { maxQueueSize: 100, maxExportBatchSize: 8 });
  endSpans(tracer, 20);
  await tracer.forceFlush();
  assert.is(mem.spans.length, 20);
  assert.is(mem.calls, 3);
  const s = balanced(tracer);
  assert.is(s.exported, 20);
  await tracer.forceFlush(); // nothing queued: resolves at once
  await tracer.shutdown({ deadlineMs: 100 });
});

test('forceFlush resolves once what was queued at the call settled, even while new spans keep every batch full (it used to wait for the export loop to go idle)', async () => {
  // Each export ends a full batch more, as steady traffic does: the ring is never below the batch size when an export settles.
  let tracer!: Tracer;
  const mem = memoryExporter({ delayMs: 1 });
  const exportSpans = mem.export.bind(mem);
  const calls = { n: 0 };
  mem.export = (spans, signal) => { if (++calls.n < 40) endSpans(tracer, 4); return exportSpans(spans, signal); };
  tracer = setup(mem, { maxQueueSize: 64, maxExportBatchSize: 4 }).tracer;
  endSpans(tracer, 6); // one full batch, two more: the flush needs 2 exports
  await tracer.forceFlush();
  const at = calls.n;
  assert.ok(at <= 3, `forceFlush resolved only after ${at} exports`);
  assert.ok(mem.spans.length >= 6);
  await tracer.shutdown({ deadlineMs: 5000 });
  balanced(tracer);
});

test('one export in flight per destination; the ring keeps filling meanwhile', async () => {
  const mem = memoryExporter({ delayMs: 15 });
  const { tracer } = setup(mem, { maxQueueSize: 1000, maxExportBatchSize: 5 });
  endSpans(tracer, 5);
  await waitFor(() => mem.concurrent === 1, 'first export started');
  endSpans(tracer, 30);
  const s = balanced(tracer, 'while in flight');
  assert.is(s.inFlight as number, 5);
  assert.is(s.queued, 35);
  await tracer.forceFlush();
  assert.is(mem.maxConcurrent, 1);
  assert.is(mem.spans.length, 35);
  balanced(tracer);
  await tracer.shutdown({ deadlineMs: 100 });
});

test('a full ring drops, counts by reason and logs one rate-limited line, not one per span', async () => {
  const mem = memoryExporter({ fail: 'never' });
  const { tracer, logs, proc } = setup(mem, { maxQueueSize: 16, maxExportBatchSize: 8, reportIntervalMs: 40, exportTimeoutMillis: 60_000 });
  endSpans(tracer, 1000);
  let s = balanced(tracer, 'flood');
  assert.is(s.dropped.queueFull, 1000 - 16);
  assert.is(s.queued, 16);
  assert.is(logs.length, 1, 'first drop reported at once');
  assert.match(logs[0]!, 'memory: dropped 1 span');
  endSpans(tracer, 500);
  assert.is(logs.length, 1, 'later drops wait for the interval');
  await waitFor(() => logs.length === 2, 'the interval line');
  assert.match(logs[1]!, 'dropped 1483 spans in the last'); // 983 left from the flood + 500
  assert.match(logs[1]!, 'queue full 1483');
  s = balanced(tracer);
  assert.ok(s.queued <= proc.maxQueueSize + proc.maxExportBatchSize, 'memory bounded by the ring');
  await tracer.shutdown({ deadlineMs: 20 });
  s = balanced(tracer, 'after shutdown');
  assert.is(s.queued, 0);
});

for (const mode of ['throw', 'reject', 'result'] as const) {
  test(`an exporter that fails by '${mode}' is isolated: counted exportFailed, nothing reaches the host`, async () => {
    const mem = memoryExporter({ fail: mode });
    const { tracer, logs } = setup(mem, { maxQueueSize: 64, maxExportBatchSize: 4 });
    endSpans(tracer, 10);
    await tracer.forceFlush();
    const s = balanced(tracer);
    assert.is(s.dropped.exportFailed, 10);
    assert.is(s.exported, 0);
    assert.is(dests(s)[0]!.exports.failed, 3);
    assert.match(logs.join('\n'), 'memory: dropped 4 spans (export failed 4); last error: memory exporter: forced');
    mem.fail(null);
    endSpans(tracer, 4);
    await tracer.forceFlush();
    assert.is(balanced(tracer).exported, 4, 'recovers when the exporter does');
    await tracer.shutdown({ deadlineMs: 100 });
    assert.equal(unhandled, []);
  });
}

test('partial success: rejected spans count as exportFailed, the rest as exported', async () => {
  const mem = memoryExporter({ fail: 'partial', rejected: 3 });
  const { tracer } = setup(mem, { maxQueueSize: 64, maxExportBatchSize: 10 });
  endSpans(tracer, 10);
  await tracer.forceFlush();
  const s = balanced(tracer);
  assert.is(s.exported, 7);
  assert.is(s.dropped.exportFailed, 3);
  await tracer.shutdown({ deadlineMs: 100 });
});

for (const mode of ['hang', 'never'] as const) {
  test(`an export that ${mode === 'hang' ? 'hangs until aborted' : 'never settles (callback never called)'} times out, is counted, and the next batch goes out`, async () => {
    const mem = memoryExporter({ fail: mode });
    const { tracer } = setup(mem, { maxQueueSize: 64, maxExportBatchSize: 4, exportTimeoutMillis: 20 });
    endSpans(tracer, 4);
    await tracer.forceFlush();
    let s = balanced(tracer);
    assert.is(s.dropped.exportFailed, 4);
    assert.is(dests(s)[0]!.exports.timedOut, 1);
    assert.is(dests(s)[0]!.exports.abandoned, mode === 'never' ? 1 : 0);
    mem.fail(null);
    endSpans(tracer, 4);
    await tracer.forceFlush();
    s = balanced(tracer);
    assert.is(s.exported, 4);
    await tracer.shutdown({ deadlineMs: 50 });
    assert.equal(unhandled, []);
  });
}

test('AC-007 an exporter that reports progress then fails: the delivered spans are exported, the rest exportFailed; a bogus progress is clamped, never thrown', async () => {
  let mode: 'reject' | 'result' | 'bogus' | 'throwing' = 'reject';
  const ex: SpanExporter = {
    name: 'pieces',
    export: async (_spans, _signal, progress) => {
      if (mode === 'bogus') { progress!.delivered = 1e9; progress!.rejected = -3; throw new Error('gone'); }
      if (mode === 'throwing') { Object.defineProperty(progress, 'delivered', { get() { throw new Error('trap'); } }); return { ok: false }; }
      progress!.delivered += 3;
      progress!.rejected += 1;
      if (mode === 'reject') throw new Error('connection lost after 3');
      return { ok: false, error: 'refused the rest' };
    },
  };
  const { tracer } = setup(ex, { maxQueueSize: 64, maxExportBatchSize: 8 });
  endSpans(tracer, 8);
  await tracer.forceFlush();
  let s = balanced(tracer, 'reject');
  assert.is(s.exported, 2);
  assert.is(s.dropped.exportFailed, 6);
  mode = 'result';
  endSpans(tracer, 8);
  await tracer.forceFlush();
  s = balanced(tracer, 'result');
  assert.is(s.exported, 4);
  mode = 'bogus';
  endSpans(tracer, 8);
  await tracer.forceFlush();
  s = balanced(tracer, 'bogus');
  assert.is(s.exported, 12, 'delivered clamped to the batch');
  mode = 'throwing';
  endSpans(tracer, 8);
  await tracer.forceFlush();
  s = balanced(tracer, 'throwing');
  assert.is(s.exported, 12, 'unreadable progress: nothing delivered');
  assert.is(s.dropped.exportFailed, 20);
  await tracer.shutdown({ deadlineMs: 50 });
  assert.equal(unhandled, []);
});

test('an export that never settles does not pin its spans: memory stays at the ring plus one batch', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // Keeps every pending promise (as a hung HTTP client keeps its requests) but not the spans.
  const pending: Promise<never>[] = [];
  const stuck: SpanExporter = { name: 'stuck', export: () => { const p = new Promise<never>(() => {}); pending.push(p); return p; } };
  const { tracer } = setup(stuck, { maxQueueSize: 8, maxExportBatchSize: 4, exportTimeoutMillis: 10 });
  const refs = ((): WeakRef<object>[] => {
    const out: WeakRef<object>[] = [];
    for (let i = 0; i < 4; i++) { const s = tracer.startSpan('leak?', { root: true }); out.push(new WeakRef(s)); s.end(); }
    return out;
  })();
  await tracer.forceFlush();
  assert.is(dests(tracer.stats())[0]!.exports.abandoned, 1);
  for (let i = 0; i < 3; i++) { await new Promise((r) => setTimeout(r, 0)); gc(); }
  assert.ok(refs.every((r) => r.deref() === undefined), 'spans of the abandoned export were collected');
  assert.is(pending.length, 1);
  await tracer.shutdown({ deadlineMs: 20 });
});

test('shutdown({ deadlineMs }) returns by the deadline whatever the exporter does, and drops what is left', async () => {
  const mem = memoryExporter({ fail: 'never' });
  const { tracer, proc } = setup(mem, { maxQueueSize: 64, maxExportBatchSize: 4 });
  endSpans(tracer, 10);
  const t0 = Date.now();
  const p = proc.shutdown({ deadlineMs: 30 });
  assert.is(proc.shutdown({ deadlineMs: 30_000 }), p, 'idempotent');
  await p;
  assert.ok(Date.now() - t0 < 5000);
  let s = balanced(tracer, 'after shutdown');
  assert.is(s.queued, 0);
  assert.is(s.dropped.shutdown, 10);
  endSpans(tracer, 3);
  s = balanced(tracer, 'ended after shutdown');
  assert.is(s.dropped.shutdown, 13);
  await tracer.forceFlush();
  assert.ok(mem.shutdownCalled, 'exporter.shutdown() called');
});

test('forceFlush() while shutdown drains resolves only once the drain settled (not with spans still queued)', async () => {
  const mem = memoryExporter({ delayMs: 20 });
  const { tracer } = setup(mem, { maxQueueSize: 64, maxExportBatchSize: 4 });
  endSpans(tracer, 6);
  const closing = tracer.shutdown({ deadlineMs: 5000 });
  await tracer.forceFlush();
  const s = balanced(tracer, 'after forceFlush');
  assert.is(s.queued, 0);
  assert.is(mem.spans.length, 6);
  await closing;
});

test('shutdown drains everything when the backend keeps up', async () => {
  const mem = memoryExporter({ delayMs: 1 });
  const { tracer } = setup(mem, { maxQueueSize: 256, maxExportBatchSize: 16 });
  endSpans(tracer, 100);
  await tracer.shutdown({ deadlineMs: 5000 });
  const s = balanced(tracer);
  assert.is(s.exported, 100);
  assert.is(mem.spans.length, 100);
});

test('delays past setTimeout\'s 2^31-1 ms never fire after 1 ms: deadlineMs Infinity waits for the export; OTEL_BSP_* and options above it are clamped, warned', async () => {
  const overflow: string[] = [];
  const onWarning = (w: Error) => overflow.push(w.name);
  process.on('warning', onWarning);
  const MAX = 2 ** 31 - 1;
  const slow = (): MemoryExporter => memoryExporter({ delayMs: 30 });
  try {
    const a = setup(slow(), { maxQueueSize: 64, maxExportBatchSize: 64 });
    endSpans(a.tracer, 10);
    await a.tracer.shutdown({ deadlineMs: Infinity });
    let s = balanced(a.tracer, 'Infinity');
    assert.equal([s.exported, s.dropped.shutdown], [10, 0]);
    const b = setup(slow(), { scheduledDelayMillis: undefined }, { OTEL_BSP_EXPORT_TIMEOUT: '2147483648', OTEL_BSP_SCHEDULE_DELAY: '99999999999999999999' });
    assert.equal([b.proc.exportTimeoutMillis, b.proc.scheduledDelayMillis], [MAX, MAX]);
    assert.is(b.logs.length, 2, b.logs.join('\n'));
    assert.match(b.logs.join(), 'OTEL_BSP_EXPORT_TIMEOUT');
    endSpans(b.tracer, 10);
    await b.tracer.forceFlush();
    s = balanced(b.tracer, 'env');
    assert.equal([s.exported, dests(s)[0]!.exports.timedOut], [10, 0]);
    const c = setup(slow(), { exportTimeoutMillis: Infinity, reportIntervalMs: 2 ** 40 });
    assert.is(c.proc.exportTimeoutMillis, MAX);
    assert.match(c.logs.join(), 'exportTimeoutMillis');
    endSpans(c.tracer, 10);
    await c.tracer.forceFlush();
    assert.is(balanced(c.tracer, 'option').exported, 10);
    await b.tracer.shutdown({ deadlineMs: 1000 }); await c.tracer.shutdown({ deadlineMs: 1000 });
    await new Promise(setImmediate);
    assert.not.ok(overflow.includes('TimeoutOverflowWarning'), overflow.join());
  } finally { process.off('warning', onWarning); }
});

test('fan-out: each destination has its own queue; a stuck one never delays the other', async () => {
  const slow = memoryExporter({ fail: 'never' });
  const fast = memoryExporter();
  const { tracer } = setup([slow, fast], { maxQueueSize: 32, maxExportBatchSize: 8, exportTimeoutMillis: 60_000 });
  endSpans(tracer, 100);
  await waitFor(() => fast.spans.length >= 32, 'fast destination');
  const s = tracer.stats();
  assert.is(dests(s).length, 2);
  for (const d of dests(s)) assert.is(d.ended, d.exported + d.queued + d.dropped.queueFull + d.dropped.exportFailed + d.dropped.shutdown, d.name);
  balanced(tracer, 'top level = the primary destination');
  assert.is(dests(s)[0]!.exported, 0);
  assert.is(dests(s)[0]!.inFlight, 8);
  assert.ok(dests(s)[1]!.exported >= 32);
  assert.is(fast.spans[0], slow.calls > 0 ? fast.spans[0] : undefined, 'span objects shared');
  await tracer.shutdown({ deadlineMs: 30 });
  for (const d of dests(tracer.stats())) assert.is(d.queued, 0);
  balanced(tracer, 'after shutdown');
});

test('attribute arrays are recycled after a settled export (single destination), kept for memory exporters', async () => {
  const seen: number[] = [];
  const custom: SpanExporter = { name: 'custom', async export(spans) { for (const s of spans) seen.push(s.nAttr); } };
  const { tracer } = setup(custom, { maxQueueSize: 16, maxExportBatchSize: 4 });
  const spans: Span[] = [];
  for (let i = 0; i < 4; i++) { const s = tracer.startSpan('x', { root: true, attributes: { a: 1, b: 'two' } }) as Span; spans.push(s); s.end(); }
  await tracer.forceFlush();
  assert.equal(seen, [2, 2, 2, 2], 'the exporter saw the attributes');
  assert.ok(spans.every((s) => s.attrs === null), 'released afterwards');
  const mem = memoryExporter();
  const t2 = setup(mem, { maxQueueSize: 16, maxExportBatchSize: 4 }).tracer;
  endSpans(t2, 4);
  await t2.forceFlush();
  assert.ok(mem.spans.every((s) => s.nAttr === 2), 'memory exporter spans keep their attributes');
  await tracer.shutdown({ deadlineMs: 50 });
  await t2.shutdown({ deadlineMs: 50 });
});

test('full batch arrays are reused after a settled export (no 4 KiB garbage per batch), never while an export may still read them', async () => {
  const arrays: (readonly Span[])[] = [];
  const names: string[][] = [];
  let mode: 'ok' | 'hang' = 'ok';
  const custom: SpanExporter = {
    name: 'custom',
    export(spans, signal) {
      arrays.push(spans);
      names.push(spans.map((x) => x.name));
      if (mode === 'hang') return new Promise((r) => signal.addEventListener('abort', () => r({ ok: false }), { once: true }));
      return Promise.resolve({ ok: true });
    },
  };
  const { tracer } = setup(custom, { maxQueueSize: 16, maxExportBatchSize: 4, exportTimeoutMillis: 30 });
  const batch = async (tag: string, n = 4) => { for (let i = 0; i < n; i++) tracer.startSpan(tag + i, { root: true }).end(); await tracer.forceFlush(); };
  await batch('a');
  await batch('b');
  assert.is(arrays.length, 2);
  assert.ok(arrays[1] === arrays[0], 'the second full batch travels in the first one\'s array');
  assert.equal(names[1], ['b0', 'b1', 'b2', 'b3'], 'with the new spans in it');
  assert.ok(arrays[0]!.every((x) => x === undefined), 'a spare array pins no spans once settled');
  await batch('c', 3); // a partial batch gets an array of its own length
  assert.is(arrays[2]!.length, 3);
  assert.ok(arrays[2] !== arrays[0]);
  mode = 'hang';
  await batch('d'); // times out: the exporter may still be reading that array
  mode = 'ok';
  await batch('e');
  assert.ok(arrays[4] !== arrays[3], 'an abandoned export\'s array is never handed out again');
  assert.equal(names[4], ['e0', 'e1', 'e2', 'e3']);
  assert.equal(arrays[3]!.map((x) => x.name), ['d0', 'd1', 'd2', 'd3'], 'and is left as the exporter saw it');
  await tracer.shutdown({ deadlineMs: 50 });
  // keepsSpans: every batch is the exporter's to keep
  const kept: (readonly Span[])[] = [];
  const t2 = setup({ keepsSpans: true, async export(spans) { kept.push(spans); } }, { maxQueueSize: 16, maxExportBatchSize: 4 }).tracer;
  for (let k = 0; k < 2; k++) { endSpans(t2, 4); await t2.forceFlush(); }
  assert.ok(kept.length === 2 && kept[0] !== kept[1] && kept[0]!.every((x) => x !== undefined));
  await t2.shutdown({ deadlineMs: 50 });
});

test('an exporter resolving undefined counts as success; a throwing logger is contained', async () => {
  const exp: SpanExporter = { export: async () => undefined };
  const tracer = createTracer({ exporter: [exp], batch: { maxQueueSize: 4, maxExportBatchSize: 4, reportIntervalMs: 0 }, env: {}, logger: () => { throw new Error('logger down'); } });
  endSpans(tracer, 10);
  await tracer.forceFlush();
  const s = balanced(tracer);
  assert.ok(s.exported >= 4);
  assert.is(dests(s)[0]!.name, 'exporter#0');
  await tracer.shutdown({ deadlineMs: 50 });
});

test('exporter.forceFlush/shutdown are called, and one that throws or hangs cannot block or break ours', async () => {
  const calls: string[] = [];
  const bad: SpanExporter = {
    name: 'bad', export: async () => ({ ok: true }),
    forceFlush: () => { calls.push('flush'); return new Promise(() => {}); },
    shutdown: () => { calls.push('shutdown'); throw new Error('boom'); },
  };
  const { tracer } = setup(bad, { maxQueueSize: 16, maxExportBatchSize: 4, exportTimeoutMillis: 20 });
  endSpans(tracer, 3);
  await tracer.forceFlush();
  assert.is(balanced(tracer).exported, 3);
  await tracer.shutdown({ deadlineMs: 50 });
  assert.equal(calls, ['flush', 'shutdown']);
});

test('no exporter in the list: spans are counted as noExporter', async () => {
  const tracer = createTracer({ exporter: [], env: {} });
  endSpans(tracer, 3);
  const s = balanced(tracer);
  assert.is(s.dropped.noExporter, 3);
  await tracer.shutdown({ deadlineMs: 10 });
});

// ---- installShutdownHook: SIGTERM in a child process ------------------------------------------
const root = fileURLToPath(new URL('..', import.meta.url));
function child(url: string, ownListener: boolean): Promise<{ code: number | null; signal: string | null; out: string }> {
  const src = `
    import { createTracer } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};
    import { otlpExporter } from ${JSON.stringify(new URL('../src/otlp-http.ts', import.meta.url).href)};
    import { installShutdownHook } from ${JSON.stringify(new URL('../src/shutdown-hook.ts', import.meta.url).href)};
    const tracer = createTracer({ service: 'hook', exporter: otlpExporter({ url: ${JSON.stringify(url)}, env: {} }), env: {} });
    installShutdownHook(tracer, { deadlineMs: 3000, logger: (m) => console.log(m) });
    ${ownListener ? "process.on('SIGTERM', () => setTimeout(() => process.exit(7), 300));" : ''}
    for (let i = 0; i < 25; i++) tracer.startSpan('work ' + i, { root: true }).end();
    setInterval(() => {}, 1000);
    console.log('ready');`;
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', fileURLToPath(new URL('../scripts/register.mjs', import.meta.url)), '--input-type=module', '-e', src], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; if (out.includes('ready') && !p.killed) p.kill('SIGTERM'); });
    p.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

test('installShutdownHook: SIGTERM flushes the spans, then the process dies of SIGTERM as before', async () => {
  const r = await startReceiver();
  const res = await child(r.url, false);
  assert.is(res.signal, 'SIGTERM', JSON.stringify(res));
  assert.match(res.out, 'SIGTERM: spans flushed');
  assert.is(r.spans().length, 25);
  await r.close();
});

test('installShutdownHook: with the app\'s own SIGTERM listener it only flushes; the app decides the exit', async () => {
  const r = await startReceiver();
  const res = await child(r.url, true);
  assert.is(res.code, 7, JSON.stringify(res));
  assert.is(r.spans().length, 25);
  await r.close();
});

test('installShutdownHook returns an uninstaller; the hook flushes through tracer.shutdown', async () => {
  const { installShutdownHook } = await import('../src/shutdown-hook.js');
  const before = process.listenerCount('SIGUSR2');
  let calls = 0;
  const off = installShutdownHook({ shutdown: async () => { calls++; } }, { signals: ['SIGUSR2'] });
  assert.is(process.listenerCount('SIGUSR2'), before + 1);
  const mine = () => {}; // an app listener too, so the hook does not re-raise in this process
  process.on('SIGUSR2', mine);
  process.emit('SIGUSR2', 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 10));
  assert.is(calls, 1);
  off();
  process.off('SIGUSR2', mine);
  assert.is(process.listenerCount('SIGUSR2'), before);
});

test('no unhandled rejections anywhere in this file', () => {
  assert.equal(unhandled, []);
});

test.run();
