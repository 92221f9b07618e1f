// setThenableDeadline and the unsettled count: a deadline set later applies to the thenables handed back while it
// was Infinity (weakly held meanwhile: a dropped one is not kept), and a span the handler ended itself is no
// unsettled span: its never-awaited thenable is counted apart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createTracer } from '../src/index.js';
import { consumeMessage, queueStats, setThenableDeadline } from '../adapters/queue.js';
import { DEFAULT_DEADLINE_MS, held, watching } from '../adapters/queue-unsettled.js';
import { CaptureProcessor } from './helpers/capture.js';
import { setup, OneShot } from './helpers/queue-wrappers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const Q = { system: 'nats', destination: 'q' };

/** setTimeout calls made while `fn` runs. */
function timersDuring(fn: () => void): number {
  const real = globalThis.setTimeout;
  let n = 0;
  (globalThis as { setTimeout: unknown }).setTimeout = (...a: Parameters<typeof setTimeout>) => { n++; return real(...a); };
  try { fn(); } finally { globalThis.setTimeout = real; }
  return n;
}

test('AC-007 thenables handed back while the deadline was Infinity are watched once a finite deadline is set (from their own hand-back, one shared timer); one awaited meanwhile is not', async () => {
  const cap = new CaptureProcessor();
  const logs: string[] = [];
  const tracer = createTracer({ service: 'svc', processor: cap, logger: (m) => logs.push(m) });
  try {
    const before = queueStats().thenablesUnsettled;
    let dropped: OneShot<number>[] = [];
    const awaited = new OneShot({ value: 2 });
    assert.is(timersDuring(() => {
      setThenableDeadline(Infinity);
      dropped = [1, 3, 4].map((v) => consumeMessage(tracer, null, Q, () => new OneShot({ value: v })));
      consumeMessage(tracer, null, Q, () => awaited);
    }), 0, 'no timer while the deadline is off');
    assert.is(watching(), 4, 'waiting');
    assert.is(await awaited, 2);
    assert.is(cap.spans.length, 1, 'the awaited one ended as it settled');
    assert.is(watching(), 3, 'it left at once');
    await sleep(40);
    assert.is(cap.spans.length, 1, 'the others still open: no deadline');
    assert.is(timersDuring(() => setThenableDeadline(30)), 1, 'one timer for the three');
    assert.is(watching(), 3);
    await sleep(30);
    assert.is(cap.spans.length, 4, 'waiting longer than the new deadline already: ended at its first turn');
    const unsettled = cap.spans.filter((s) => s.getAttribute('tracewire.queue.unsettled') === true);
    assert.is(unsettled.length, 3);
    for (const s of unsettled) assert.ok(s.duration < 30, `ended at the handler's return (${s.duration} ms)`);
    assert.is(cap.spans[0]!.getAttribute('tracewire.queue.unsettled'), undefined, 'the awaited one is not');
    assert.is(queueStats().thenablesUnsettled, before + 3);
    assert.equal(dropped.map((t) => t.calls), [0, 0, 0], 'never started behind the application\'s back');
    assert.ok(dropped.every((t) => Object.getOwnPropertyDescriptor(t, 'then') === undefined), 'put back as they were');
    assert.is(logs.filter((m) => m.includes('thenablesUnsettled')).length, 1, 'reported once');
    assert.is(watching(), 0);
  } finally {
    setThenableDeadline(DEFAULT_DEADLINE_MS);
  }
});

test('AC-007 off, then on again: thenables handed back before and while the deadline was off expire in hand-back order, each at its own time', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'svc', processor: cap, logger: () => {} });
  try {
    setThenableDeadline(150);
    consumeMessage(tracer, null, { ...Q, destination: 'a' }, () => new OneShot({ value: 1 }));
    setThenableDeadline(Infinity);
    await sleep(100);
    consumeMessage(tracer, null, { ...Q, destination: 'b' }, () => new OneShot({ value: 2 }));
    await sleep(60);
    assert.is(cap.spans.length, 0, 'off: none ended, not even the one past its old deadline');
    setThenableDeadline(150); // a has waited 160 ms: due now; b 60: due in 90
    await sleep(30);
    assert.equal(cap.spans.map((s) => s.name), ['process a'], 'a ended, b not yet');
    await sleep(150);
    assert.equal(cap.spans.map((s) => s.name), ['process a', 'process b']);
    assert.is(watching(), 0);
  } finally {
    setThenableDeadline(DEFAULT_DEADLINE_MS);
  }
});

test('AC-007 while the deadline is Infinity a dropped thenable is not kept (its span neither): held weakly, and the dead are let go as more are handed back', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { tracer } = setup();
  setThenableDeadline(Infinity);
  try {
    const start = held();
    const batch = (): void => { for (let i = 0; i < 3000; i++) consumeMessage(tracer, null, Q, () => new OneShot({ value: i })); };
    batch();
    assert.ok(held() >= start + 3000, 'waiting (weakly)');
    for (let i = 0; i < 3; i++) { await sleep(0); gc(); }
    batch();
    batch();
    assert.ok(held() <= start + 6000, `the first 3000, collected, are no longer held (${held() - start})`);
    for (let i = 0; i < 3; i++) { await sleep(0); gc(); }
    assert.is(timersDuring(() => setThenableDeadline(30)), 0, 'none alive: nothing to watch');
    assert.is(watching(), 0);
    assert.is(held(), 0);
  } finally {
    setThenableDeadline(DEFAULT_DEADLINE_MS);
  }
});

test('AC-007 a handler that ended its span itself and returned a thenable nothing awaits: not counted in thenablesUnsettled (no span was held open nor marked), counted in thenablesUnsettledSpanEnded, not reported, not ended twice', async () => {
  const cap = new CaptureProcessor();
  const logs: string[] = [];
  const tracer = createTracer({ service: 'svc', processor: cap, logger: (m) => logs.push(m) });
  setThenableDeadline(30);
  try {
    const before = queueStats();
    const t = new OneShot({ value: 1 });
    assert.is(consumeMessage(tracer, null, Q, (span) => { span.setAttribute('app', 'done'); span.end(); return t; }), t);
    assert.is(cap.spans.length, 1, 'ended by the handler');
    await sleep(80);
    const after = queueStats();
    assert.is(after.thenablesUnsettled, before.thenablesUnsettled, 'no span ended unsettled');
    assert.is(after.thenablesUnsettledSpanEnded, before.thenablesUnsettledSpanEnded + 1, 'the never-awaited thenable counted apart');
    assert.is(cap.spans.length, 1);
    assert.is(cap.spans[0]!.getAttribute('tracewire.queue.unsettled'), undefined, 'not marked: its end was the handler\'s');
    assert.is(cap.spans[0]!.getAttribute('app'), 'done');
    assert.equal(logs, [], 'nothing to report: no span of the application was touched');
    assert.is(tracer.stats().endedTwice, 0);
    assert.is(Object.getOwnPropertyDescriptor(t, 'then'), undefined, 'put back as it was');
    assert.is(watching(), 0);
    // one the handler ends after returning, before the deadline: the same
    let span: { end(): void } | undefined;
    consumeMessage(tracer, null, Q, (s) => { span = s; return new OneShot({ value: 2 }); });
    span!.end();
    await sleep(80);
    assert.is(queueStats().thenablesUnsettled, before.thenablesUnsettled);
    assert.is(queueStats().thenablesUnsettledSpanEnded, before.thenablesUnsettledSpanEnded + 2);
  } finally {
    setThenableDeadline(DEFAULT_DEADLINE_MS);
  }
});

test.run();
