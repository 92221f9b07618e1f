import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import { createTracer, activeContext, runWithContext, type Span } from '../src/index.js';
import { CaptureProcessor } from './helpers/capture.js';

test('AC-002 context survives await, timers, promise chains and event emitters created inside', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ processor: cap });
  const root = tracer.startSpan('root') as Span;
  await tracer.withSpan(root, async () => {
    await new Promise((r) => setImmediate(r));
    assert.is(activeContext(), root);
    await new Promise<void>((r) => setTimeout(() => { assert.is(activeContext(), root); r(); }, 1));
    const ee = new EventEmitter();
    const got = new Promise((r) => ee.on('x', () => r(activeContext())));
    queueMicrotask(() => ee.emit('x'));
    assert.is(await got, root);
  });
  assert.is(activeContext(), undefined);
});

test('concurrent requests never see each other\'s span', async () => {
  const tracer = createTracer({ processor: new CaptureProcessor() });
  const seen: boolean[] = [];
  await Promise.all(Array.from({ length: 50 }, (_, i) => {
    const s = tracer.startSpan('req ' + i, { root: true });
    return tracer.withSpan(s, async () => {
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      const child = tracer.startSpan('child') as Span;
      seen.push(child.traceId === s.traceId && child.parentSpanId === s.spanId);
      child.end();
    });
  }));
  assert.is(seen.length, 50);
  assert.ok(seen.every(Boolean));
});

test('runWithContext passes arguments without a closure and restores the outer context', () => {
  const tracer = createTracer({ processor: new CaptureProcessor() });
  const a = tracer.startSpan('a');
  const out = runWithContext(a, (x: number, y: number) => (activeContext() === a ? x + y : -1), 2, 3);
  assert.is(out, 5);
  assert.is(activeContext(), undefined);
});

test.run();
