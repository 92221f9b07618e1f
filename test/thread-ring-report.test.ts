// Off-thread export: spans dropped at the shared ring (counted by the producing threads) are also said in the
// rate-limited log line, by the exporter thread, as the in-thread batcher says its full queue (found by bench/soak.ts:
// 21k ring-full drops, stats() right, not one line in the log).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer } from '../src/index.js';
import { threadProcessor, type ThreadStats } from '../src/thread/index.js';
import { startReceiver } from './helpers/otlp-receiver.js';

/** Ring-full drops said in the log: the exporter thread's 'export ring: …' lines, and the supervisor's line when it had to terminate that thread. */
function saidQueueFull(logs: string[]): number {
  return logs.filter((l) => l.includes('export ring: dropped')).reduce((a, l) => a + Number(/queue full (\d+)/.exec(l)?.[1] ?? 0), 0);
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('AC-007 off-thread: spans dropped because the export ring is full are reported in one rate-limited log line, with their count', async () => {
  const r = await startReceiver({ mode: 'hang' });
  const logs: string[] = [];
  const p = threadProcessor({
    exporter: { type: 'otlp', url: r.url, retry: false, timeoutMs: 60_000 },
    batch: { maxQueueSize: 16, maxExportBatchSize: 16, exportTimeoutMillis: 60_000, reportIntervalMs: 60_000 },
    ringBytes: 4096, flushTimeoutMs: 5000, logger: (m) => logs.push(m),
  });
  const tracer = createTracer({ service: 'full', processor: p });
  try {
    // Ended before the exporter thread has even started: those drops are reported too.
    for (let i = 0; i < 2000; i++) tracer.startSpan('op', { root: true }).end();
    const full = (tracer.stats() as unknown as ThreadStats).dropped.queueFull;
    assert.ok(full > 1000, `ring-full drops: ${full}`);
    const ring = (): string[] => logs.filter((l) => l.startsWith('export ring:'));
    await until(() => ring().length > 0, 5000);
    const m = /^export ring: dropped (\d+) spans \(queue full (\d+)\); see tracer\.stats\(\)$/.exec(ring()[0]!);
    assert.ok(m, ring()[0]);
    assert.is(m![1], m![2]);
    assert.ok(Number(m![2]) > 0 && Number(m![2]) <= full, 'the line counts the drops so far');
    for (let i = 0; i < 500; i++) tracer.startSpan('op', { root: true }).end();
    await new Promise((r) => setTimeout(r, 300)); // several passes of the exporter thread
    assert.is(ring().length, 1, 'rate-limited: one line per interval, not one per pass');
    await tracer.shutdown({ deadlineMs: 300 }); // Node delivers a worker's messages before its 'exit': every line is in by now
    assert.is(saidQueueFull(logs), (tracer.stats() as unknown as ThreadStats).dropped.queueFull, 'the lines add up to every ring-full drop (the rest is said at shutdown)\n' + logs.join('\n'));
  } finally {
    await tracer.shutdown({ deadlineMs: 300 });
    await r.close();
  }
});

test('AC-007 off-thread: spans still in the ring when shutdown cuts the drain are said in the log as shutdown drops, as many as stats() counts', async () => {
  const r = await startReceiver({ mode: 'hang' });
  const logs: string[] = [];
  const p = threadProcessor({
    exporter: { type: 'otlp', url: r.url, retry: false, timeoutMs: 60_000 },
    batch: { maxQueueSize: 16, maxExportBatchSize: 16, exportTimeoutMillis: 60_000, reportIntervalMs: 60_000 },
    ringBytes: 1 << 16, flushTimeoutMs: 5000, logger: (m) => logs.push(m),
  });
  const tracer = createTracer({ service: 'cut', processor: p });
  try {
    for (let i = 0; i < 200; i++) tracer.startSpan('op', { root: true }).end(); // fits the ring; 16 leave it, then the backend hangs
    await until(() => r.requests.length > 0, 5000);
    await tracer.shutdown({ deadlineMs: 300 });
    const st = tracer.stats() as unknown as ThreadStats;
    assert.ok(st.dropped.shutdown > 16, `shutdown drops: ${st.dropped.shutdown}`);
    const said = logs.reduce((a, l) => a + Number(/shutdown (\d+)/.exec(l)?.[1] ?? 0), 0);
    assert.is(said, st.dropped.shutdown, logs.join('\n'));
  } finally {
    await r.close();
  }
});

test('AC-007 off-thread: ring drops noted but not yet said when the exporter thread dies are said by its successor (the lines still add up to stats())', async () => {
  const r = await startReceiver({ mode: 'hang' });
  const logs: string[] = [];
  const p = threadProcessor({
    exporter: { type: 'otlp', url: r.url, retry: false, timeoutMs: 60_000 },
    batch: { maxQueueSize: 16, maxExportBatchSize: 16, exportTimeoutMillis: 60_000, reportIntervalMs: 60_000 },
    ringBytes: 4096, flushTimeoutMs: 5000, restartDelayMs: 10, logger: (m) => logs.push(m),
  });
  const tracer = createTracer({ service: 'restart', processor: p });
  const ring = (): string[] => logs.filter((l) => l.startsWith('export ring:'));
  try {
    await until(() => p.exportThread !== null, 5000);
    for (let i = 0; i < 2000; i++) tracer.startSpan('op', { root: true }).end();
    await until(() => ring().length > 0, 5000); // the first line goes out at once; the next drops wait for the interval
    for (let i = 0; i < 500; i++) tracer.startSpan('op', { root: true }).end();
    await new Promise((res) => setTimeout(res, 300)); // noted by the exporter thread, pending in its report
    assert.is(ring().length, 1);
    const first = p.exportThread!;
    await first.terminate(); // the exporter thread dies (as on an OOM): the supervisor starts another
    // the successor says what its predecessor noted but never wrote (old code: no second line, ever)
    await until(() => ring().length >= 2, 10_000).catch(() => {});
    await tracer.shutdown({ deadlineMs: 300 });
    assert.is(saidQueueFull(logs), (tracer.stats() as unknown as ThreadStats).dropped.queueFull, logs.join('\n'));
  } finally {
    await tracer.shutdown({ deadlineMs: 300 });
    await r.close();
  }
});

test('AC-007 off-thread: an exporter thread stuck past the shutdown deadline is terminated, and the spans it still held are said as shutdown drops', async () => {
  // an exporter that blocks its thread: the export thread cannot honour the deadline itself, so shutdown terminates it
  const mod = 'data:text/javascript,' + encodeURIComponent('export default () => ({ name: "stuck", export() { const t = Date.now(); while (Date.now() - t < 5000); return { ok: true }; } })');
  const logs: string[] = [];
  const p = threadProcessor({ exporter: { type: 'module', module: mod }, batch: { scheduledDelayMillis: 10 }, flushTimeoutMs: 5000, logger: (m) => logs.push(m) });
  const tracer = createTracer({ service: 'stuck', processor: p });
  for (let i = 0; i < 20; i++) tracer.startSpan('op', { root: true }).end();
  const st = (): ThreadStats => tracer.stats() as unknown as ThreadStats;
  await until(() => st().thread.inRing === 0 && st().queued === 20, 5000); // taken by the exporter thread, now stuck in export
  // the processor's own shutdown, which settles once the thread is terminated and its spans counted: the tracer's
  // wait (deadline + 250 ms, for processors that hang) can end first on a loaded machine (failed under load ~15)
  await p.shutdown({ deadlineMs: 200 });
  await tracer.shutdown({ deadlineMs: 200 });
  assert.is(st().dropped.shutdown, 20);
  const line = logs.find((l) => l.includes('was terminated'));
  assert.ok(line, logs.join('\n'));
  assert.match(line!, /export ring: dropped 20 spans \(shutdown 20\)$/);
});

test('AC-007 off-thread: an exporter thread that dies during the shutdown drain has the spans it held and those left in the ring said as shutdown drops', async () => {
  const hangs = 'data:text/javascript,' + encodeURIComponent('export default () => ({ name: "t", export() { return new Promise(() => {}); } })');
  const logs: string[] = [];
  // pollMs: the exporter thread sleeps until shutdown wakes it, so it takes the last 5 spans in its shutdown drain
  const p = threadProcessor({ exporter: { type: 'module', module: hangs }, pollMs: 60_000, batch: { scheduledDelayMillis: 10, exportTimeoutMillis: 60_000, reportIntervalMs: 60_000 }, flushTimeoutMs: 5000, logger: (m) => logs.push(m) });
  const tracer = createTracer({ service: 'died', processor: p });
  const st = (): ThreadStats => tracer.stats() as unknown as ThreadStats;
  for (let i = 0; i < 20; i++) tracer.startSpan('op', { root: true }).end();
  await p.forceFlush(200); // wakes it: it takes the 20, their export never settles
  await until(() => st().thread.inRing === 0 && st().queued === 20, 5000);
  p.crashExporterForTest(1, 'exit'); // it dies (as on an OOM) in the drain, holding 21
  for (let i = 0; i < 5; i++) tracer.startSpan('op', { root: true }).end();
  await tracer.shutdown({ deadlineMs: 2000 });
  assert.is(st().dropped.shutdown, 25);
  assert.is(p.lastError, 'exit code 1');
  // old code: it exited before the deadline, so shutdown took it for a clean stop and said nothing
  const said = logs.reduce((a, l) => a + Number(/shutdown (\d+)/.exec(l)?.[1] ?? 0), 0);
  assert.is(said, 25, logs.join('\n'));
});

test('AC-007 off-thread: when no exporter thread can be started to drain the ring at shutdown, what the dead one held is said as shutdown drops', async () => {
  const hangs = 'data:text/javascript,' + encodeURIComponent('export default () => ({ name: "t", export() { return new Promise(() => {}); } })');
  const logs: string[] = [];
  const p = threadProcessor({ exporter: { type: 'module', module: hangs }, restartDelayMs: 60_000, batch: { scheduledDelayMillis: 10, exportTimeoutMillis: 60_000, reportIntervalMs: 60_000 }, flushTimeoutMs: 5000, logger: (m) => logs.push(m) });
  const tracer = createTracer({ service: 'nospawn', processor: p });
  const st = (): ThreadStats => tracer.stats() as unknown as ThreadStats;
  for (let i = 0; i < 20; i++) tracer.startSpan('op', { root: true }).end();
  await until(() => st().thread.inRing === 0 && st().queued === 20, 5000);
  (p as unknown as { entry: { execArgv: string[] } }).entry.execArgv = ['--no-such-node-flag']; // new Worker() throws from now on
  await p.exportThread!.terminate(); // dies holding 20; the restart is 60 s away, so shutdown starts one itself
  await tracer.shutdown({ deadlineMs: 300 });
  assert.match(String(p.lastError), /^spawn failed/);
  assert.is(st().dropped.shutdown, 20);
  const said = logs.reduce((a, l) => a + Number(/shutdown (\d+)/.exec(l)?.[1] ?? 0), 0);
  assert.is(said, 20, logs.join('\n')); // old code: not a word about them
});

test('AC-007 off-thread: an exporter thread that finished its shutdown drain but had not exited by the deadline is terminated without saying its drops a second time', async () => {
  // the export hangs (spans stay in the ring, said by the thread's own stop()), and an 'exit' handler holds the thread
  // 1.5 s past its process.exit: the owner's deadline passes after the thread said everything (old code: said twice)
  const mod = 'data:text/javascript,' + encodeURIComponent('export default () => { process.on("exit", () => { const t = Date.now(); while (Date.now() - t < 1500); }); return { name: "slow-exit", export() { return new Promise(() => {}); } }; }');
  const logs: string[] = [];
  const p = threadProcessor({ exporter: { type: 'module', module: mod }, batch: { maxQueueSize: 16, maxExportBatchSize: 16, scheduledDelayMillis: 10, exportTimeoutMillis: 60_000, reportIntervalMs: 60_000 }, ringBytes: 1 << 16, flushTimeoutMs: 5000, logger: (m) => logs.push(m) });
  const tracer = createTracer({ service: 'slow-exit', processor: p });
  for (let i = 0; i < 100; i++) tracer.startSpan('op', { root: true }).end();
  await until(() => (tracer.stats() as unknown as ThreadStats).queued > 0 && (tracer.stats() as unknown as ThreadStats).thread.inRing < 100, 5000);
  await p.shutdown({ deadlineMs: 200 });
  await tracer.shutdown({ deadlineMs: 200 });
  const st = tracer.stats() as unknown as ThreadStats;
  assert.is(st.dropped.shutdown, 100, 'every span is a shutdown drop');
  assert.ok(logs.some((l) => l.includes('had not exited by the deadline and was terminated')), logs.join('\n'));
  const said = logs.reduce((a, l) => a + Number(/shutdown (\d+)/.exec(l)?.[1] ?? 0), 0);
  assert.is(said, st.dropped.shutdown, 'said once\n' + logs.join('\n'));
});

test.run();
