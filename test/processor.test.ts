import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, type Tracer } from '../src/index.js';
import { emptyDrops, type SpanProcessor } from '../src/processor.js';
import type { SpanExporter } from '../src/exporter.js';

const stats = () => ({ enqueued: 0, exported: 0, queued: 0, dropped: emptyDrops() });
const never = new Promise<void>(() => {});

/** The call's result, or 'hung' if it has not settled within 5 s (the deadline asked for is 30 ms: a hang is the failure tested). */
async function within(p: Promise<void>): Promise<'settled' | 'hung'> {
  let t: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((r) => { t = setTimeout(r, 5000, 'hung'); });
  const r = await Promise.race([p.then(() => 'settled' as const), hung]);
  clearTimeout(t);
  return r;
}

function tracerWith(processor: SpanProcessor): { tracer: Tracer; logs: string[] } {
  const logs: string[] = [];
  return { tracer: createTracer({ service: 'p', processor, logger: (m) => logs.push(m) }), logs };
}

test('a processor whose shutdown / forceFlush never settles: the tracer stops waiting at the deadline, counts it in stats().processorTimeouts, says it once', async () => {
  const { tracer, logs } = tracerWith({ onEnd() {}, stats, forceFlush: () => never, shutdown: () => never });
  assert.is(await within(tracer.forceFlush({ deadlineMs: 30 })), 'settled');
  assert.is(tracer.stats().processorTimeouts, 1);
  assert.is(await within(tracer.shutdown({ deadlineMs: 30 })), 'settled');
  assert.is(await within(tracer.shutdown({ deadlineMs: 30 })), 'settled');
  assert.is(tracer.stats().processorTimeouts, 3);
  assert.is(logs.length, 1, 'said once, not per call');
  assert.match(logs[0]!, /processorTimeouts/);
});

test('a thenable that never calls back (not a promise) is bounded the same way', async () => {
  const thenable = { then() {} } as unknown as Promise<void>;
  const { tracer } = tracerWith({ onEnd() {}, stats, forceFlush: () => thenable, shutdown: () => thenable });
  assert.is(await within(tracer.shutdown({ deadlineMs: 30 })), 'settled');
  assert.is(await within(tracer.forceFlush({ deadlineMs: 30 })), 'settled');
  assert.is(tracer.stats().processorTimeouts, 2);
});

test('a processor that settles, throws or returns no promise is no timeout', async () => {
  for (const f of [() => Promise.resolve(), () => { throw new Error('sync'); }, () => undefined, () => Promise.reject(new Error('no'))]) {
    const { tracer } = tracerWith({ onEnd() {}, stats, forceFlush: f as () => Promise<void>, shutdown: f as () => Promise<void> });
    assert.is(await within(tracer.forceFlush({ deadlineMs: 30 })), 'settled');
    assert.is(await within(tracer.shutdown({ deadlineMs: 30 })), 'settled');
    assert.is(tracer.stats().processorTimeouts, 0);
  }
});

test('our batcher with a hung exporter stops at the deadline itself: its drops are counted as shutdown, no processor timeout on top', async () => {
  const hung: SpanExporter = { export: () => never, shutdown: () => never, forceFlush: () => never };
  const logs: string[] = [];
  const tracer = createTracer({ service: 'p', exporter: hung, batch: { maxExportBatchSize: 2, scheduledDelayMillis: 60_000 }, env: {}, logger: (m) => logs.push(m) });
  for (let i = 0; i < 5; i++) tracer.startSpan('s').end();
  assert.is(await within(tracer.shutdown({ deadlineMs: 30 })), 'settled');
  const s = tracer.stats();
  assert.is(s.processorTimeouts, 0);
  assert.is(s.dropped.shutdown, 5);
  assert.is(s.ended, s.exported + s.dropped.shutdown + s.queued);
});

test('a processor without stats(), or whose stats() throws, never makes tracer.stats() throw: its part reads 0, counted in processorStatsErrors', () => {
  const bare = { onEnd() {}, forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() } as unknown as SpanProcessor;
  const throwing = { ...bare, stats() { throw new Error('stats'); } } as unknown as SpanProcessor;
  for (const p of [bare, throwing]) {
    const { tracer } = tracerWith(p);
    tracer.startSpan('s').end();
    const s = tracer.stats();
    assert.is(s.ended, 1);
    assert.is(s.exported, 0);
    assert.is(s.processorStatsErrors, 1);
    assert.is(tracer.stats().processorStatsErrors, 2, 'counted per call');
  }
  const { tracer } = tracerWith({ onEnd() {}, stats, forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() });
  assert.is(tracer.stats().processorStatsErrors, 0);
});

test.run();
