// Off-thread export timing uses the monotonic clock: a wall-clock step (NTP) must neither stretch a flush wait
// nor end it early.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as L from '../src/thread/layout.js';
import { requestFlush } from '../src/thread/processor.js';

test('requestFlush: a wall clock stepped back an hour while waiting still times out at the deadline (was: waited the hour)', async () => {
  const l = L.createLayout(1 << 16); // nobody serves the ticket
  const realNow = Date.now;
  let calls = 0;
  Date.now = () => realNow() - (calls++ > 0 ? 3_600_000 : 0); // the first reading sets the deadline, then the clock jumps back
  let watchdog: NodeJS.Timeout | undefined;
  try {
    const r = await Promise.race([
      requestFlush(l, 200),
      new Promise<string>((res) => { watchdog = setTimeout(() => res('still waiting after 3 s'), 3000); }),
    ]);
    assert.is(r, false, 'timed out by the monotonic clock');
  } finally {
    Date.now = realNow;
    clearTimeout(watchdog);
  }
});

test('requestFlush: a wall clock stepped forward an hour does not end the wait before the exporter thread answers', async () => {
  const l = L.createLayout(1 << 16);
  const realNow = Date.now;
  let calls = 0;
  Date.now = () => realNow() + (calls++ > 0 ? 3_600_000 : 0);
  try {
    const p = requestFlush(l, 2000);
    // the exporter thread serves the ticket 50 ms later
    setTimeout(() => { Atomics.add(l.i32, L.FLUSH_DONE, 1); Atomics.notify(l.i32, L.FLUSH_DONE); }, 50);
    assert.is(await p, true);
  } finally {
    Date.now = realNow;
  }
});

test.run();
