// Thread mode with many destinations (the config file allows 64 exporters, each a destination of the exporter
// thread's batcher): every destination's drops are readable in stats().destinations, as in-thread, and what a
// dead exporter thread had counted but not yet said for any of them, the first or the last, is said once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, type SpanExporter } from '../src/index.js';
import { BatchSpanProcessor } from '../src/batcher.js';
import { RingProcessor } from '../src/thread/processor.js';
import { Consumer } from '../src/thread/consumer.js';
import { readStats } from '../src/thread/stats.js';
import { threadProcessor } from '../src/thread/index.js';
import * as L from '../src/thread/layout.js';

const N = 64;
/** Destination i fails every export when i is in `failing`. */
function exporters(failing: ReadonlySet<number>): SpanExporter[] {
  return Array.from({ length: N }, (_, i) => ({
    name: `d${i}`,
    export: async () => (failing.has(i) ? { ok: false, error: new Error(`d${i} down`) } : { ok: true }),
  }));
}

test(`AC-007 thread mode with ${N} destinations: each one's drops are in stats().destinations, and those a dead exporter thread had not said are said once by its successor`, async () => {
  const failing = new Set([1, 16, N - 1]); // past the first, past the 16 blocks of earlier versions, the last
  const l = L.createLayout(1 << 20);
  const logs: string[] = [];
  const log = (m: string): void => { logs.push(m); };
  const batch = { scheduledDelayMillis: 1, reportIntervalMs: 60_000, logger: log };
  const b1 = new BatchSpanProcessor(exporters(failing), batch);
  const c1 = new Consumer(l, b1, { logger: log, reportIntervalMs: 60_000 });
  const tracer = createTracer({ service: 'many', processor: new RingProcessor(l) });
  const round = async (c: Consumer, b: BatchSpanProcessor, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) tracer.startSpan('op', { root: true }).end();
    c.drain();
    await b.forceFlush();
    c.publish();
  };
  await round(c1, b1, 3); // each failing destination says its first drops at once
  await round(c1, b1, 4); // these wait for the interval in the reports of this exporter thread...
  const st = readStats(l);
  assert.is(st.destinations.length, N, 'every destination listed');
  for (const i of failing) assert.is(st.destinations[i]!.dropped.exportFailed, 7, `d${i}: its failures readable`);
  assert.is(st.destinations[N - 2]!.exported, 7);
  // ...when it dies (as on an OOM: nothing more from it; its report timers are unref'd and 60 s away)
  b1.onReport = null;
  const b2 = new BatchSpanProcessor(exporters(new Set()), batch);
  new Consumer(l, b2, { logger: log, reportIntervalMs: 60_000 }); // its successor
  for (const i of failing) {
    const lines = logs.filter((m) => m.startsWith(`d${i}: dropped`));
    const said = lines.reduce((a, m) => a + Number(/export failed (\d+)/.exec(m)?.[1] ?? 0), 0);
    assert.is(said, 7, `d${i}: every failure said once\n${lines.join('\n')}`);
  }
  await b2.shutdown({ deadlineMs: 0 });
});

test('AC-007 more exporters than stats() can list in thread mode are warned about at start, naming the limit', async () => {
  const logs: string[] = [];
  const p = threadProcessor({ exporter: Array.from({ length: L.MAX_DESTS + 1 }, (_, i) => ({ type: 'console' as const, name: `c${i}` })), logger: (m) => logs.push(m) });
  await p.shutdown({ deadlineMs: 1000 });
  assert.ok(logs.some((m) => m.startsWith(`exportThread: ${L.MAX_DESTS + 1} exporters; stats().destinations lists the first ${L.MAX_DESTS}`)), logs.join('\n'));
});

test.run();
