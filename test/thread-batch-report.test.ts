// Off-thread export: the exporter thread's batcher says its drops (queue full, export failed) in rate-limited lines,
// later ones held for the interval. An exporter thread that dies holding such a line (OOM, crash, terminated at the
// shutdown deadline) must not take it along: its successor, or the owner at shutdown, says the rest once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, type Tracer } from '../src/index.js';
import { threadProcessor, type ThreadProcessor, type ThreadStats } from '../src/thread/index.js';
import { readConsumer } from '../src/thread/stats.js';

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const module = (name: string, body: string) => ({ type: 'module' as const, name, module: 'data:text/javascript,' + encodeURIComponent(`export default () => ({ name: "x", export(spans) { ${body} } })`) });
const FAILS = module('t', "return { ok: false, error: 'backend said no' };");

function setup(o: Parameters<typeof threadProcessor>[0]): { p: ThreadProcessor; tracer: Tracer; logs: string[]; st: () => ThreadStats } {
  const logs: string[] = [];
  // a long interval: after a destination's first line, its drops wait (in the exporter thread) for the next one
  const p = threadProcessor({ flushTimeoutMs: 5000, pollMs: 10, logger: (m) => logs.push(m), ...o, batch: { scheduledDelayMillis: 10, exportTimeoutMillis: 60_000, reportIntervalMs: 60_000, ...o?.batch } });
  const tracer = createTracer({ service: 'batch-report', processor: p });
  return { p, tracer, logs, st: () => tracer.stats() as unknown as ThreadStats };
}

/** The destination's drop lines, as the batcher writes them. */
const linesOf = (logs: string[], dest: string): string[] => logs.filter((l) => l.startsWith(`${dest}: dropped `));
/** `kind` drops said in all lines (the destination's and the ring's). */
const said = (logs: string[], kind: string): number => logs.reduce((a, l) => a + Number(new RegExp(`${kind} (\\d+)`).exec(l)?.[1] ?? 0), 0);
const end = (t: Tracer, n: number, name = 'op'): void => { for (let i = 0; i < n; i++) t.startSpan(name, { root: true }).end(); };

test('AC-007 off-thread: export failures the exporter thread noted but had not yet said when it died are said once by its successor', async () => {
  const { p, tracer, logs, st } = setup({ exporter: FAILS, restartDelayMs: 10 });
  const lines = (): string[] => linesOf(logs, 't');
  try {
    end(tracer, 5);
    await until(() => lines().length === 1, 5000); // the first drop line goes out at once
    end(tracer, 7);
    await until(() => st().dropped.exportFailed === 12, 5000); // counted and published; its line waits for the interval
    assert.is(lines().length, 1);
    const restarted = (k: number) => () => st().thread.restarts === k && p.exportThread !== null;
    await p.exportThread!.terminate(); // dies holding the line (as on an OOM): the supervisor starts another
    await until(restarted(1), 5000);
    await until(() => lines().length === 2, 5000).catch(() => {}); // old code: no second line, ever
    assert.match(lines()[1] ?? '', /^t: dropped (\d+) spans \(export failed \1\); last error: backend said no; see tracer\.stats\(\)$/, logs.join('\n'));
    // the successor said it, then published that it did (a death between the two would say it twice rather than never)
    await until(() => readConsumer(p.layout).dests[0]?.saidExportFailed === 12, 5000);
    await p.exportThread!.terminate(); // its own successor must not say it again
    await until(restarted(2), 5000);
    await tracer.forceFlush();
  } finally {
    await tracer.shutdown({ deadlineMs: 300 });
  }
  assert.is(said(logs, 'export failed'), st().dropped.exportFailed, 'the lines add up to stats(), nothing said twice\n' + logs.join('\n'));
  assert.is(lines().length, 2, logs.join('\n'));
});

test('AC-007 off-thread: a destination\'s full queue noted but not yet said when the exporter thread died is said once by its successor, in that destination\'s line', async () => {
  // fan-out: 'slow' never settles an export, so its queue fills and drops while 'fast' keeps the ring moving
  const { p, tracer, logs, st } = setup({ exporter: [module('slow', 'return new Promise(() => {});'), module('fast', 'return { ok: true };')], restartDelayMs: 10, batch: { maxQueueSize: 16, maxExportBatchSize: 16 } });
  const lines = (): string[] => linesOf(logs, 'slow');
  try {
    await until(() => p.exportThread !== null, 5000);
    end(tracer, 96);
    // all taken: 'slow' holds 32 (one export in flight, a full queue), the rest dropped from its full queue
    await until(() => st().thread.inRing === 0 && st().queued + st().dropped.queueFull === 96, 5000);
    assert.ok(st().dropped.queueFull > 1, `queue-full drops: ${st().dropped.queueFull}`);
    assert.is(lines().length, 1, 'the first drop said at once, the rest held for the interval');
    await p.exportThread!.terminate();
    await until(() => lines().length === 2, 5000).catch(() => {}); // old code: no second line
    assert.match(lines()[1] ?? '', /^slow: dropped (\d+) spans \(queue full \1\); see tracer\.stats\(\)$/, logs.join('\n'));
    await tracer.forceFlush();
  } finally {
    await tracer.shutdown({ deadlineMs: 300 });
  }
  assert.is(said(logs, 'queue full'), st().dropped.queueFull, logs.join('\n'));
  assert.is(st().destinations[0]!.dropped.queueFull, st().dropped.queueFull);
});

test('AC-007 off-thread: export failures held in the report of an exporter thread terminated at the shutdown deadline are said by the owner', async () => {
  // fails every batch, but blocks its thread for 5 s on one holding a span named 'block' (the thread cannot honour the deadline)
  const exporter = module('t', "if (spans.some((s) => s.name === 'block')) { const t = Date.now(); while (Date.now() - t < 5000); } return { ok: false, error: 'backend said no' };");
  const { p, tracer, logs, st } = setup({ exporter });
  const lines = (): string[] => linesOf(logs, 't');
  await until(() => p.exportThread !== null, 5000);
  end(tracer, 5);
  await until(() => lines().length === 1, 5000);
  end(tracer, 7);
  await until(() => st().dropped.exportFailed === 12 && st().queued === 0, 5000); // published; the line is held
  end(tracer, 1, 'block');
  await until(() => st().thread.inRing === 0 && st().queued === 1, 5000); // taken; its export blocks the thread
  // the processor's own shutdown, which settles once the thread is terminated and its spans counted: the tracer's
  // wait (deadline + 250 ms, for processors that hang) can end first on a loaded machine (failed under load ~15)
  await p.shutdown({ deadlineMs: 200 });
  await tracer.shutdown({ deadlineMs: 200 });
  assert.ok(logs.some((l) => l.includes('was terminated')), logs.join('\n'));
  // old code: the 7 died with the thread, counted in stats() and never said
  assert.match(lines()[1] ?? '', /^t: dropped (\d+) spans \(export failed \1\); last error: backend said no; see tracer\.stats\(\)$/, logs.join('\n'));
  assert.is(lines().length, 2, logs.join('\n'));
  assert.is(said(logs, 'export failed'), st().dropped.exportFailed, logs.join('\n'));
  assert.is(said(logs, 'shutdown'), st().dropped.shutdown, logs.join('\n'));
});

test.run();
