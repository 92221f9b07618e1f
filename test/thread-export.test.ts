// Off-thread export end to end: the real exporter worker_thread, the real batcher and OTLP/HTTP exporter,
// a loopback OTLP receiver; host worker threads attached to the same ring; crashes, a dead backend,
// shutdown under load, and a process that must exit on its own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createTracer, SpanKind, type Span, type SpanProcessor, type Tracer, type TracerStats } from '../src/index.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';
import { threadProcessor, workerEntry, type ThreadProcessor, type ThreadStats } from '../src/thread/index.js';
import { startReceiver } from './helpers/otlp-receiver.js';

// A flush that cannot complete fails the test in seconds instead of the 30 s default (a loaded machine can be slow).
const FLUSH_MS = 10_000;
const src = new URL('../src/', import.meta.url).href;
const register = new URL('../scripts/register.mjs', import.meta.url).href;

// A host application's worker thread: attaches to the ring through the handle it got in workerData.
const HOST_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  await import(workerData.register);
  const { createTracer } = await import(workerData.src + 'index.ts');
  const { attachThreadProcessor } = await import(workerData.src + 'thread/index.ts');
  const tracer = createTracer({ service: workerData.service, processor: attachThreadProcessor(workerData.tracing) });
  let stop = false;
  parentPort.on('message', (m) => { if (m === 'stop') stop = true; });
  let n = 0;
  while (workerData.count === undefined ? !stop : n < workerData.count) {
    tracer.startSpan('worker-op', { root: true, attributes: { i: n, thread: workerData.id } }).end();
    if ((++n & 15) === 0) await new Promise((r) => setTimeout(r, workerData.count === undefined ? 1 : 0));
  }
  if (workerData.count !== undefined) await tracer.forceFlush();
  const st = tracer.stats();
  parentPort.postMessage({ ended: st.ended, producers: st.thread.producers, exported: st.exported });
  await tracer.shutdown();
})().catch((e) => { console.error(e); process.exit(1); });`;

function hostWorker(p: ThreadProcessor, data: Record<string, unknown>): Worker {
  return new Worker(HOST_WORKER, { eval: true, execArgv: [], workerData: { src, register, tracing: p.handle(), ...data } });
}

function reply(w: Worker): Promise<{ ended: number; producers: number; exported: number }> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`host worker exited (${code}) without answering`)));
  });
}

/** tracer.stats() with the thread processor's fields. */
function stats(t: Tracer): TracerStats & ThreadStats {
  return t.stats() as TracerStats & ThreadStats;
}

function dropsOf(st: { dropped: object }): number {
  let n = 0;
  for (const v of Object.values(st.dropped)) n += v as number;
  return n;
}

/** Keeps the in-thread OTLP encoding of every span, then hands it on. */
function tee(next: SpanProcessor, out: Map<string, unknown>): SpanProcessor {
  const enc = new OtlpJsonEncoder();
  return {
    onEnd(span: Span) { out.set(span.spanId, JSON.parse(enc.encode([span]).toString()).resourceSpans[0].scopeSpans[0].spans[0]); next.onEnd(span); },
    forceFlush: () => next.forceFlush(), shutdown: (o) => next.shutdown(o), stats: () => next.stats(),
  };
}

test('AC-005 the main thread and a host worker thread share one exporter thread: every span reaches the receiver once, as the in-thread encoder would write it', async () => {
  const r = await startReceiver();
  const p = threadProcessor({ exporter: { type: 'otlp', url: r.url }, batch: { scheduledDelayMillis: 20 }, flushTimeoutMs: FLUSH_MS });
  const mine = new Map<string, unknown>();
  const tracer = createTracer({ service: 'api', processor: tee(p, mine), recordErrorMessages: true, attributes: { maxCount: 4, maxEventAttributes: 4, maxLinkAttributes: 4 } });
  try {
    const w = hostWorker(p, { service: 'api', id: 1, count: 300 });
    const answer = reply(w);
    for (let i = 0; i < 300; i++) {
      const s = tracer.startSpan('GET /items/:id', { kind: SpanKind.SERVER, root: true, attributes: { 'http.response.status_code': 200 + (i % 3), i, 'url.path': '/items/' + i } });
      if (i % 10 === 0) { s.addEvent('cache-miss', { key: 'k' + i }); s.recordError(new Error('boom ' + i)); }
      // over maxEventAttributes / maxLinkAttributes: 2 dropped from the event, 1 from the link (each in its own droppedAttributesCount)
      if (i % 10 === 5) { s.addEvent('wide', { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }); s.addLink(s.spanContext(), { a: 1, b: 2, c: 3, d: 4, e: 5 }); }
      s.end();
    }
    const fromWorker = await answer;
    await tracer.forceFlush();
    const got = r.spans();
    const ids = new Set(got.map((s) => s.spanId));
    assert.is(got.length, 600, 'every span once');
    assert.is(ids.size, 600, 'no duplicates');
    for (const s of got) if (s.name !== 'worker-op') assert.equal(s, mine.get(s.spanId), 'same OTLP as the in-thread encoder');
    const wide = got.filter((s) => s.events?.[0]?.name === 'wide');
    assert.is(wide.length, 30);
    for (const s of wide) assert.equal([s.events[0].droppedAttributesCount, s.links[0].droppedAttributesCount], [2, 1]);
    assert.is(fromWorker.ended, 300);
    assert.is(fromWorker.producers, 2);
    for (const req of r.requests) assert.is(req.json.resourceSpans.length, 1, 'one resource for one service, whichever thread');
    const st = stats(tracer);
    assert.is(st.exported, 600);
    assert.is(st.thread.ended, 600);
    assert.is(st.ended + fromWorker.ended, st.exported + dropsOf(st) + st.queued);
    await w.terminate();
  } finally {
    await tracer.shutdown({ deadlineMs: 2000 });
    await r.close();
  }
});

// A host worker that never calls shutdown(): it ends spans, then returns (or waits to be terminated).
const LEAVING_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  await import(workerData.register);
  const { createTracer } = await import(workerData.src + 'index.ts');
  const { attachThreadProcessor } = await import(workerData.src + 'thread/index.ts');
  const tracer = createTracer({ service: 'leaving', processor: attachThreadProcessor(workerData.tracing) });
  for (let i = 0; i < workerData.count; i++) tracer.startSpan('leaving-' + workerData.how, { root: true, attributes: { i } }).end();
  parentPort.postMessage(tracer.stats().thread.producers);
  if (workerData.how === 'terminate') setInterval(() => {}, 1000); // until terminate()
  else if (workerData.how === 'exit') process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });`;

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  for (const t = Date.now(); !cond() && Date.now() - t < ms;) await new Promise((r) => setTimeout(r, 5));
}

test('AC-005 a host worker that ends without shutdown() (returns, process.exit, terminate) is no longer counted as a producer; its spans are still exported', async () => {
  const r = await startReceiver();
  const p = threadProcessor({ exporter: { type: 'otlp', url: r.url }, batch: { scheduledDelayMillis: 20 }, flushTimeoutMs: FLUSH_MS });
  const tracer = createTracer({ service: 'owner', processor: p });
  try {
    assert.is(stats(tracer).thread.producers, 1);
    for (const how of ['return', 'exit', 'terminate']) {
      const w = new Worker(LEAVING_WORKER, { eval: true, execArgv: [], workerData: { src, register, tracing: p.handle(), count: 50, how } });
      const exited = new Promise((res) => w.once('exit', res));
      const seen = await new Promise<number>((res, rej) => { w.once('message', res); w.once('error', rej); });
      assert.is(seen, 2, `${how}: the worker is counted while it lives`);
      if (how === 'terminate') await w.terminate();
      await exited;
      await until(() => stats(tracer).thread.producers === 1);
      assert.is(stats(tracer).thread.producers, 1, `${how}: the ended worker is no longer counted`);
    }
    await tracer.forceFlush();
    const names = r.spans().map((s) => s.name);
    for (const how of ['return', 'exit', 'terminate']) assert.is(names.filter((n) => n === 'leaving-' + how).length, 50, `${how}: every span it ended is exported`);
    const st = stats(tracer);
    assert.is(st.exported, 150);
    assert.is(st.thread.ended, 150);
  } finally {
    await tracer.shutdown({ deadlineMs: 2000 });
    await r.close();
  }
  assert.is(stats(tracer).thread.producers, 0, 'the owner gave its slot back on shutdown');
});

// A host worker that starts its own Worker before it has a processor ('after': it attaches later; 'never':
// it never does), hands it the ring, terminates it and reports.
const POOL_WORKER = `
const { Worker, parentPort, workerData } = require('node:worker_threads');
(async () => {
  await import(workerData.register);
  const { attachThreadProcessor } = await import(workerData.src + 'thread/index.ts');
  const child = new Worker(workerData.leaving, { eval: true, execArgv: [], workerData: { ...workerData, how: 'terminate', count: 5 } });
  const own = workerData.mode === 'after' ? attachThreadProcessor(workerData.tracing) : null;
  const seen = await new Promise((r) => child.once('message', r));
  await child.terminate();
  parentPort.postMessage(seen);
  setInterval(() => {}, 1000);
})().catch((e) => { console.error(e); process.exit(1); });`;

test('AC-005 a Worker started before its thread had a processor, or by a thread that never has one, is no longer counted once terminated', async () => {
  const r = await startReceiver();
  const p = threadProcessor({ exporter: { type: 'otlp', url: r.url }, flushTimeoutMs: FLUSH_MS });
  const tracer = createTracer({ service: 'owner', processor: p });
  const xs: Worker[] = [];
  try {
    for (const [mode, own] of [['after', 1], ['never', 0]] as const) {
      const x = new Worker(POOL_WORKER, { eval: true, execArgv: [], workerData: { src, register, tracing: p.handle(), leaving: LEAVING_WORKER, mode } });
      xs.push(x);
      const seen = await new Promise<number>((res, rej) => { x.once('message', res); x.once('error', rej); });
      assert.is(seen, 2 + own, `${mode}: the child is counted while it lives`);
      await until(() => stats(tracer).thread.producers === 1 + own);
      assert.is(stats(tracer).thread.producers, 1 + own, `${mode}: the terminated child is no longer counted`);
      await x.terminate();
      await until(() => stats(tracer).thread.producers === 1);
      assert.is(stats(tracer).thread.producers, 1, `${mode}: nor its parent once it is terminated`);
    }
    await tracer.forceFlush();
    assert.is(r.spans().length, 10, 'their spans are exported');
  } finally {
    await Promise.all(xs.map((x) => x.terminate()));
    await tracer.shutdown({ deadlineMs: 2000 });
    await r.close();
  }
});

test('AC-007 the exporter thread dying mid-batch (throw, then process.exit) is restarted: nothing duplicated, every span exported or counted', async () => {
  const r = await startReceiver();
  const logs: string[] = [];
  const p = threadProcessor({ exporter: { type: 'otlp', url: r.url }, batch: { scheduledDelayMillis: 20, maxExportBatchSize: 16 }, restartDelayMs: 20, flushTimeoutMs: FLUSH_MS, logger: (m) => logs.push(m) });
  const tracer = createTracer({ service: 'crashy', processor: p });
  try {
    await tracer.forceFlush(); // the first exporter thread is up
    p.crashExporterForTest(40, 'throw');
    for (let i = 0; i < 200; i++) tracer.startSpan('a', { root: true, attributes: { i } }).end();
    await tracer.forceFlush();
    p.crashExporterForTest(25, 'exit');
    for (let i = 0; i < 100; i++) tracer.startSpan('b', { root: true, attributes: { i } }).end();
    await tracer.forceFlush();
    const st = stats(tracer);
    const got = r.spans();
    assert.is(new Set(got.map((s) => s.spanId)).size, got.length, 'no span exported twice');
    assert.is(st.thread.restarts, 2);
    assert.is(st.exported, got.length);
    assert.is(st.ended, 300);
    assert.is(st.ended, st.exported + dropsOf(st) + st.queued);
    assert.is(st.queued, 0);
    assert.ok(st.exported >= 300 - 2 * 40, `most spans still exported (${st.exported}, lost ${st.dropped.exporterLost})`);
    assert.ok(logs.some((m) => m.includes('export thread stopped') && m.includes('test hook')), logs.join('\n'));
  } finally {
    await tracer.shutdown({ deadlineMs: 2000 });
    await r.close();
  }
});

test('AC-007 an exporter thread that cannot be started (new Worker() throws: EAGAIN) is retried with a doubling delay, not every restartDelayMs forever', async () => {
  // The retries' delays are read where they are scheduled (no clock in the assertion).
  const delays: number[] = [];
  const real = globalThis.setTimeout;
  globalThis.setTimeout = ((fn: () => void, ms?: number, ...args: unknown[]) => {
    if (String(fn).includes('spawn')) delays.push(ms!);
    return (real as (...a: unknown[]) => NodeJS.Timeout)(fn, ms, ...args);
  }) as typeof setTimeout;
  const logs: string[] = [];
  let p: ThreadProcessor | null = null;
  try {
    // a 1 PB thread stack: pthread_create fails, new Worker() throws ERR_WORKER_INIT_FAILED (EAGAIN) at once
    p = threadProcessor({ exporter: { type: 'console' }, resourceLimits: { stackSizeMb: 1e9 }, restartDelayMs: 1, logger: (m) => logs.push(m) });
    for (let i = 0; i < 200 && delays.length < 6; i++) await new Promise((r) => real(r, 20));
  } finally {
    globalThis.setTimeout = real;
  }
  assert.match(String(p!.lastError), /^spawn failed/);
  assert.equal(delays.slice(0, 6), [1, 2, 4, 8, 16, 32], logs.join('\n'));
  await p!.shutdown({ deadlineMs: 100 });
});

test('AC-007 non-blocking when the backend is down: end() never throws, failures are counted, shutdown cuts a hung flush at its deadline', async () => {
  const r = await startReceiver({ mode: 'refuse' });
  const p = threadProcessor({ exporter: { type: 'otlp', url: r.url, retry: false, timeoutMs: 60_000 }, batch: { scheduledDelayMillis: 10, maxExportBatchSize: 50 }, flushTimeoutMs: FLUSH_MS, logger: () => {} });
  const tracer = createTracer({ service: 'down', processor: p });
  try {
    for (let i = 0; i < 50; i++) tracer.startSpan('refused', { root: true }).end();
    await tracer.forceFlush();
    let st = stats(tracer);
    assert.is(st.dropped.exportFailed, 50, 'connection refused: counted, not thrown');
    await r.setMode('hang'); // accepts the request, never answers: only the deadline ends this
    for (let i = 0; i < 100; i++) tracer.startSpan('hung', { root: true }).end();
    const flushing = tracer.forceFlush();
    await r.waitForRequests(1);
    const t0 = Date.now();
    await tracer.shutdown({ deadlineMs: 300 });
    await flushing;
    assert.ok(Date.now() - t0 < 3000, `shutdown and the pending flush end by the deadline (${Date.now() - t0} ms)`);
    tracer.startSpan('late', { root: true }).end();
    st = stats(tracer);
    assert.is(st.thread.stopped, true);
    assert.is(st.queued, 0);
    assert.is(st.exported, 0);
    assert.is(st.dropped.shutdown, 101, 'the hung batch and the late span');
    assert.is(st.ended, 151);
    assert.is(st.ended, st.exported + dropsOf(st) + st.queued);
  } finally {
    await r.close();
  }
});

test('AC-007 with two exporters, a backend that hangs does not stop the other one: the export thread keeps taking spans from the ring, the hung destination drops from its own queue', async () => {
  const good = await startReceiver();
  const hung = await startReceiver({ mode: 'hang' });
  const p = threadProcessor({
    exporter: [{ type: 'otlp', url: good.url }, { type: 'otlp', url: hung.url, retry: false, timeoutMs: 60_000 }],
    batch: { scheduledDelayMillis: 10, maxQueueSize: 64, maxExportBatchSize: 16, exportTimeoutMillis: 60_000 },
    ringBytes: 1 << 14, flushTimeoutMs: FLUSH_MS, logger: () => {},
  });
  const tracer = createTracer({ service: 'fan', processor: p });
  try {
    let sent = 0;
    for (let round = 0; round < 12; round++) { // 600 spans: far more than the hung queue and the ring hold
      for (let i = 0; i < 50; i++) tracer.startSpan('fan', { root: true, attributes: { i: sent++ } }).end();
      await until(() => good.spans().length === sent, 5000);
    }
    assert.is(good.spans().length, 600, 'the healthy backend got every span');
    assert.is(stats(tracer).dropped.queueFull, 0, 'nothing dropped at the ring');
  } finally {
    await tracer.shutdown({ deadlineMs: 300 });
    await good.close();
    await hung.close();
  }
});

test('AC-007 shutdown({ deadlineMs: Infinity }) waits for a slow backend instead of cutting the export at once', async () => {
  const r = await startReceiver({ mode: 'slow', delayMs: 300 });
  const p = threadProcessor({ exporter: { type: 'otlp', url: r.url, retry: false }, batch: { scheduledDelayMillis: 10 }, flushTimeoutMs: FLUSH_MS, logger: () => {} });
  const tracer = createTracer({ service: 'patient', processor: p });
  try {
    for (let i = 0; i < 20; i++) tracer.startSpan('slow', { root: true }).end();
    await tracer.shutdown({ deadlineMs: Infinity });
    const st = stats(tracer);
    assert.is(st.exported, 20, JSON.stringify(st.dropped));
    assert.is(r.spans().length, 20);
  } finally {
    await r.close();
  }
});

test('AC-007 shutdown while worker threads are still writing: the ring is drained, later spans are counted, totals add up across threads', async () => {
  const r = await startReceiver();
  const p = threadProcessor({ exporter: { type: 'otlp', url: r.url }, batch: { scheduledDelayMillis: 20 }, ringBytes: 1 << 16, flushTimeoutMs: FLUSH_MS });
  const tracer = createTracer({ service: 'busy', processor: p });
  const workers = [1, 2].map((id) => hostWorker(p, { service: 'busy', id }));
  try {
    await tracer.forceFlush();
    for (let i = 0; i < 100; i++) tracer.startSpan('main', { root: true }).end();
    await new Promise((res) => setTimeout(res, 150)); // the workers are producing
    await tracer.shutdown({ deadlineMs: 2000 });
    const answers = workers.map(reply);
    for (const w of workers) w.postMessage('stop');
    const ended = (await Promise.all(answers)).reduce((n, a) => n + a.ended, 0) + tracer.stats().ended;
    const st = stats(tracer);
    assert.ok(ended > 100, 'the workers produced');
    assert.is(st.thread.ended, ended, 'every span of every thread is accounted');
    assert.is(st.queued, 0);
    // at least once: a batch the receiver took just before the exporter thread was stopped at the deadline is
    // counted as a shutdown drop (no answer came back), never the other way round
    assert.ok(st.exported <= r.spans().length, `exported ${st.exported} <= received ${r.spans().length}`);
    assert.ok(r.spans().length <= st.exported + st.dropped.shutdown, 'whatever was received was exported or counted as a shutdown drop');
    assert.ok(st.dropped.shutdown > 0, 'spans ended after shutdown are counted');
    assert.is(st.exported + dropsOf(st), ended);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    await r.close();
  }
});

test('AC-007 a custom exporter runs in the exporter thread; a broken exporter spec is reported and its spans counted', async () => {
  const mod = 'data:text/javascript,' + encodeURIComponent(`export default (o) => { const bc = new BroadcastChannel(o.channel);
    return { name: 'bc', export: async (spans) => { bc.postMessage(spans.map((s) => s.name + ':' + s.attributes.n + ':' + s.tracer.resource['service.name'])); return { ok: true }; }, shutdown: async () => bc.close() }; }`);
  const bc = new BroadcastChannel('tw-thread-test');
  const seen: string[] = [];
  bc.onmessage = (e) => seen.push(...(e as MessageEvent).data);
  const logs: string[] = [];
  const file = join(mkdtempSync(join(tmpdir(), 'tw-thread-')), 'spans.jsonl');
  const good = threadProcessor({ exporter: [{ type: 'module', module: mod, options: { channel: 'tw-thread-test' } }, { type: 'file', path: file }], batch: { scheduledDelayMillis: 10 }, flushTimeoutMs: FLUSH_MS });
  const bad = threadProcessor({ exporter: [{ type: 'module', module: 'data:text/javascript,export default 42' }, { type: 'carrier-pigeon' } as never], flushTimeoutMs: FLUSH_MS, logger: (m) => logs.push(m) });
  const t1 = createTracer({ service: 'custom', processor: good });
  const t2 = createTracer({ service: 'broken', processor: bad });
  try {
    for (let n = 0; n < 5; n++) t1.startSpan('c', { root: true, attributes: { n } }).end();
    t2.startSpan('lost', { root: true }).end();
    await Promise.all([t1.forceFlush(), t2.forceFlush()]);
    for (let i = 0; i < 100 && seen.length < 5; i++) await new Promise((res) => setTimeout(res, 10));
    assert.equal(seen.sort(), ['c:0:custom', 'c:1:custom', 'c:2:custom', 'c:3:custom', 'c:4:custom']);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.is(lines.flatMap((l) => l.resourceSpans[0].scopeSpans[0].spans).length, 5, 'the file exporter got the same spans');
    assert.is(t2.stats().dropped.noExporter, 1);
    assert.ok(logs.some((m) => m.includes('cannot build the module exporter')), logs.join('\n'));
    assert.ok(logs.some((m) => m.includes('unknown exporter type "carrier-pigeon"')), logs.join('\n'));
  } finally {
    bc.close();
    await Promise.all([t1.shutdown({ deadlineMs: 1000 }), t2.shutdown({ deadlineMs: 1000 })]);
    rmSync(dirname(file), { recursive: true, force: true });
  }
});

test('AC-007 an exporter spec that cannot be sent to a thread (a function in its options) is reported and left out; the other exporters export, the thread starts', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tw-thread-')), 'spans.jsonl');
  const logs: string[] = [];
  const mod = 'data:text/javascript,' + encodeURIComponent('export default () => ({ name: "m", export: async () => ({ ok: true }) })');
  const p = threadProcessor({ exporter: [{ type: 'module', module: mod, options: { filter: (s: unknown) => s !== null } }, { type: 'file', path: file }], batch: { scheduledDelayMillis: 10 }, flushTimeoutMs: FLUSH_MS, logger: (m) => logs.push(m) });
  const tracer = createTracer({ service: 'clone', processor: p });
  try {
    for (let i = 0; i < 3; i++) tracer.startSpan('c', { root: true }).end();
    await tracer.forceFlush();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.is(lines.flatMap((l) => l.resourceSpans[0].scopeSpans[0].spans).length, 3, 'the file exporter got the spans');
    assert.is(p.lastError, null, 'the exporter thread started');
    assert.is(stats(tracer).thread.restarts, 0);
    assert.ok(logs.some((m) => /exporter #0 \(module\).*cannot be sent to the export thread.*its spans are not exported/.test(m)), logs.join('\n'));
  } finally {
    await tracer.shutdown({ deadlineMs: 1000 });
    rmSync(dirname(file), { recursive: true, force: true });
  }
});

test('AC-007 the exporter thread never keeps the process alive', () => {
  const code = `import { createTracer } from '${fileURLToPath(src)}index.ts';
    import { threadProcessor } from '${fileURLToPath(src)}thread/index.ts';
    const tracer = createTracer({ service: 'exit', processor: threadProcessor({ exporter: { type: 'otlp', url: 'http://127.0.0.1:9/v1/traces' } }) });
    for (let i = 0; i < 10; i++) tracer.startSpan('x', { root: true }).end();
    console.log('ended ' + tracer.stats().ended);`;
  const res = spawnSync(process.execPath, ['--import', fileURLToPath(register), '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20_000 });
  assert.is(res.signal, null, 'exited by itself, not killed by the timeout');
  assert.is(res.status, 0, res.stderr);
  assert.match(res.stdout, /ended 10/);
});

test('AC-007 a host preload that makes a thread processor (NODE_OPTIONS=--import) runs in the export thread too: it starts no export thread there', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-preload-'));
  try {
    const preload = join(dir, 'tracing.mjs');
    writeFileSync(preload, `import { threadId } from 'node:worker_threads';
      const { createTracer } = await import('${fileURLToPath(src)}index.ts');
      const { threadProcessor } = await import('${fileURLToPath(src)}thread/index.ts');
      const p = threadProcessor({ exporter: { type: 'otlp', url: 'http://127.0.0.1:9/v1/traces' }, logger: () => {} });
      globalThis.tracer = createTracer({ service: 'preloaded', processor: p });
      if (threadId !== 0) new BroadcastChannel('tw-preload').postMessage({ threadId, spawned: p.exportThread !== null });`);
    const code = `const bc = new BroadcastChannel('tw-preload');
      const seen = await new Promise((r) => { bc.onmessage = (e) => r(e.data); setTimeout(() => r(null), 10000).unref(); });
      bc.close();
      await globalThis.tracer.shutdown({ deadlineMs: 200 });
      console.log(JSON.stringify(seen));`;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000,
      env: { ...process.env, NODE_OPTIONS: `--import ${fileURLToPath(register)} --import ${preload}` } });
    assert.is(res.status, 0, res.stderr);
    const seen = JSON.parse(res.stdout.trim().split('\n').pop()!) as { threadId: number; spawned: boolean } | null;
    assert.ok(seen !== null, 'the preload ran in the export thread');
    assert.is(seen!.spawned, false, 'no export thread started from the export thread');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the exporter thread entry is found in dev (TypeScript + loader) and in both builds', () => {
  const dev = workerEntry('file:///app/node_modules/tracewire/src/thread/supervisor.ts');
  assert.is(dev.url.href, 'file:///app/node_modules/tracewire/src/thread/worker.ts');
  assert.equal(dev.execArgv, ['--import', '/app/node_modules/tracewire/scripts/register.mjs']);
  const esm = workerEntry('file:///app/node_modules/tracewire/dist/esm/src/thread/supervisor.js');
  assert.is(esm.url.href, 'file:///app/node_modules/tracewire/dist/esm/src/thread/worker.js');
  assert.is(esm.execArgv, undefined);
  assert.is(workerEntry('file:///x/dist/cjs/src/thread/supervisor.cjs').url.href, 'file:///x/dist/cjs/src/thread/worker.cjs');
});

test.run();
