// Off-thread drops that only the exporter side counts (dropped.exporterLost, dropped.abandoned, dropped.decodeError)
// are said in the log by the owner in the main thread: the first of each kind at once, in a line naming its counter,
// later ones only in the rate-limited summary ('export thread: dropped N spans (...)'), however often the thread restarts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, type Tracer } from '../src/index.js';
import { threadProcessor, type ThreadProcessor, type ThreadStats } from '../src/thread/index.js';
import { RingWriter } from '../src/thread/ring.js';
import * as L from '../src/thread/layout.js';

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const exporter = (body: string) => ({ type: 'module' as const, module: 'data:text/javascript,' + encodeURIComponent(`export default () => ({ name: "t", export() { ${body} } })`) });
// an export that never settles: the exporter thread holds its spans (stats().queued) until it dies
const HANGS = exporter('return new Promise(() => {});');
const DISCARDS = exporter('return { ok: true };');

function setup(o: Parameters<typeof threadProcessor>[0]): { p: ThreadProcessor; tracer: Tracer; logs: string[]; st: () => ThreadStats } {
  const logs: string[] = [];
  // a long interval: nothing but the first line may appear before shutdown flushes the summary
  const p = threadProcessor({ batch: { scheduledDelayMillis: 10, exportTimeoutMillis: 60_000, reportIntervalMs: 60_000 }, flushTimeoutMs: 5000, logger: (m) => logs.push(m), ...o });
  const tracer = createTracer({ service: 'loss', processor: p });
  return { p, tracer, logs, st: () => tracer.stats() as unknown as ThreadStats };
}

/** The first line names the counter; the rest of the count is in the summary said at shutdown; the lines add up to stats(). */
function assertSaidOnce(logs: string[], counter: string, part: string, first: number, total: number): void {
  const named = logs.filter((l) => l.includes(`(dropped.${counter})`));
  assert.is(named.length, 1, `one line names dropped.${counter}:\n${logs.join('\n')}`);
  assert.match(named[0]!, new RegExp(`\\b${first} `), named[0]);
  const summary = logs.filter((l) => l.startsWith('export thread: dropped '));
  assert.is(summary.length, 1, logs.join('\n'));
  assert.match(summary[0]!, new RegExp(`^export thread: dropped ${total - first} spans?( in the last \\d+s)? \\(${part} ${total - first}\\); see tracer\\.stats\\(\\)$`));
}

test('AC-007 off-thread: spans held by an exporter thread that died (dropped.exporterLost) are said once, a second death only in the summary', async () => {
  const { p, tracer, logs, st } = setup({ exporter: HANGS, restartDelayMs: 10 });
  try {
    for (let i = 0; i < 20; i++) tracer.startSpan('op', { root: true }).end();
    await until(() => p.exportThread !== null && st().thread.inRing === 0 && st().queued === 20, 5000); // taken, export pending
    await p.exportThread!.terminate(); // dies holding them (as on an OOM): the supervisor starts another
    await until(() => logs.some((l) => l.includes('dropped.exporterLost')), 5000);
    assert.is(st().dropped.exporterLost, 20);
    for (let i = 0; i < 7; i++) tracer.startSpan('op', { root: true }).end();
    await until(() => p.exportThread !== null && st().thread.inRing === 0 && st().queued === 7, 5000);
    await p.exportThread!.terminate();
    await until(() => st().dropped.exporterLost === 27, 5000); // the successor took over (and asked the owner to say it)
    await tracer.forceFlush();
  } finally {
    await tracer.shutdown({ deadlineMs: 300 });
  }
  assertSaidOnce(logs, 'exporterLost', 'exporter lost', 20, st().dropped.exporterLost);
});

test('AC-007 off-thread: a record its writer never finished (dropped.abandoned) is said once, a second one only in the summary', async () => {
  const { p, tracer, logs, st } = setup({ exporter: DISCARDS, stallMs: 20 });
  try {
    const dead = new RingWriter(p.layout); // a writer that reserves, then dies mid-write (as thread-ring.test.ts does)
    assert.ok(dead.reserve(64) >= 0);
    tracer.startSpan('after', { root: true }).end();
    await tracer.forceFlush(); // the exporter thread skips it after stallMs
    await until(() => logs.some((l) => l.includes('dropped.abandoned')), 5000);
    assert.ok(dead.reserve(64) >= 0);
    tracer.startSpan('after', { root: true }).end();
    await tracer.forceFlush();
    assert.is(st().dropped.abandoned, 2);
  } finally {
    await tracer.shutdown({ deadlineMs: 300 });
  }
  assertSaidOnce(logs, 'abandoned', 'abandoned', 1, st().dropped.abandoned);
  assert.is(st().exported, 2);
});

test('AC-007 off-thread: a record that cannot be decoded (dropped.decodeError) is said once, a second one only in the summary', async () => {
  const { p, tracer, logs, st } = setup({ exporter: DISCARDS });
  const poison = (): void => { // a committed record naming a tracer no dictionary entry holds: decodeSpan throws
    const w = new RingWriter(p.layout);
    const at = w.reserve(96);
    assert.ok(at >= 0);
    p.layout.i32[(at >> 2) + 1] = -8;
    assert.ok(w.commit(at, 96, L.T_SPAN));
  };
  try {
    poison();
    tracer.startSpan('after', { root: true }).end();
    await tracer.forceFlush();
    await until(() => logs.some((l) => l.includes('dropped.decodeError')), 5000);
    poison();
    tracer.startSpan('after', { root: true }).end();
    await tracer.forceFlush();
    assert.is(st().dropped.decodeError, 2);
  } finally {
    await tracer.shutdown({ deadlineMs: 300 });
  }
  assertSaidOnce(logs, 'decodeError', 'decode error', 1, st().dropped.decodeError);
  assert.is(st().exported, 2);
});

test('AC-007 off-thread: a loss an exporter thread published just before it died, without asking the owner to say it, is said when it exits', async () => {
  // The first exporter thread publishes dropped.abandoned 1 and exits before its 'loss' message (as an OOM between the
  // two would): its successor takes the total over as already published, so it has nothing new to ask about.
  const dies = 'data:text/javascript,' + encodeURIComponent(`import { workerData } from 'node:worker_threads';
    export default () => {
      const i32 = new Int32Array(workerData.sab), i64 = new BigInt64Array(workerData.sab, ${L.CTRL_BYTES}, ${L.COUNTER_BYTES >> 3});
      if (Atomics.load(i32, ${L.GEN}) === 0) setTimeout(() => {
        Atomics.add(i32, ${L.SEQ}, 1); Atomics.add(i64, ${L.C_ABANDONED}, 1n); Atomics.add(i32, ${L.SEQ}, 1);
        process.exit(1);
      }, 20);
      return { name: 't', export() { return { ok: true }; } };
    };`);
  const { p, tracer, logs, st } = setup({ exporter: { type: 'module', module: dies }, restartDelayMs: 10 });
  try {
    await until(() => st().thread.restarts === 1 && p.exportThread !== null, 5000);
    await tracer.forceFlush(); // the successor runs
    assert.is(st().dropped.abandoned, 1);
    // old code: said only by shutdown, so never in a process that ends without it
    assert.ok(logs.some((l) => l.includes('(dropped.abandoned)')), logs.join('\n'));
  } finally {
    await tracer.shutdown({ deadlineMs: 300 });
  }
  assert.is(logs.filter((l) => l.includes('abandoned')).length, 1, 'said once: not again by the successor or at shutdown\n' + logs.join('\n'));
});

test.run();
