// Stopping a ring writer at a chosen point, for the dead/stalled-writer tests (test/thread-ring-stall.test.ts,
// test/thread-ring-lost.test.ts): the hook runs inside the writer's own call, as if its thread were descheduled there.
import * as assert from 'uvu/assert';
import type { BatchSpanProcessor } from '../../src/batcher.js';
import type { Consumer } from '../../src/thread/consumer.js';
import { readStats } from '../../src/thread/stats.js';
import * as L from '../../src/thread/layout.js';

export function sumDrops(d: object): number {
  let n = 0;
  for (const v of Object.values(d)) n += v as number;
  return n;
}

/**
 * Runs `during` once, when the next mark CAS from 0 into the ring of `l` is about to happen (the writer's first mark).
 * What `during` throws (a failed assertion) is thrown again after `body`: inside span.end() it would be caught and counted.
 */
export function atFirstMark(l: L.Layout, during: () => void, body: () => void): void {
  const cas = Atomics.compareExchange;
  let armed = true;
  let failed: { e: unknown } | null = null;
  (Atomics as { compareExchange: typeof cas }).compareExchange = ((a: Int32Array, i: number, e: number, v: number) => {
    if (armed && a === l.i32 && i >= l.base >> 2 && e === 0) {
      armed = false;
      try { during(); } catch (err) { failed = { e: err }; }
    }
    return cas(a, i, e, v);
  }) as typeof cas;
  try { body(); } finally { (Atomics as { compareExchange: typeof cas }).compareExchange = cas; }
  if (failed !== null) throw (failed as { e: unknown }).e;
  assert.not.ok(armed, 'the stop happened');
}

/** A writer that reserved `bytes` (WRITE moved, ENQ counted, as reserve() does) and died before marking anything. */
export function deadWriter(l: L.Layout, bytes = 256): void {
  Atomics.add(l.i32, L.ENQ, 1);
  Atomics.add(l.i32, L.WRITE, bytes);
}

/** The world after the hook: drains, flushes, publishes and reads the shared totals. */
export async function settle(consumer: Consumer, batcher: BatchSpanProcessor): Promise<ReturnType<typeof readStats>> {
  for (let k = 0; k < 4; k++) consumer.drain();
  await batcher.forceFlush();
  consumer.publish();
  return readStats(consumer.l);
}
