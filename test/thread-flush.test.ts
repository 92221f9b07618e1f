// forceFlush() in thread mode waits for the exporter thread to serve its flush ticket. Many concurrent calls
// (a flush per request, per worker, at shutdown) share one wait: one timer and one Atomics.waitAsync for all of
// them, each call still resolved at its own ticket or deadline, and nothing left armed once they have settled.
// Driven by hand: nobody serves the tickets until the test stores FLUSH_DONE, as the exporter thread does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as L from '../src/thread/layout.js';
import { RingProcessor, requestFlush } from '../src/thread/processor.js';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** What the exporter thread does once it has drained: every ticket taken so far is served. */
function serve(l: L.Layout): void {
  Atomics.store(l.i32, L.FLUSH_DONE, Atomics.load(l.i32, L.FLUSH_REQ));
  Atomics.notify(l.i32, L.FLUSH_DONE);
}

test('AC-007 concurrent forceFlush() calls share one poll: one timer however many wait, none left once they resolve', async () => {
  const l = L.createLayout(4096);
  const p = new RingProcessor(l);
  const before = timers();
  const settled: number[] = [];
  const real = globalThis.setTimeout;
  let armed = 0;
  globalThis.setTimeout = ((...a: Parameters<typeof setTimeout>) => { armed++; return real(...a); }) as typeof setTimeout;
  let all: Promise<void>[];
  try {
    all = Array.from({ length: 50 }, (_, i) => p.forceFlush(10_000).then(() => { settled.push(i); }));
    await new Promise((r) => setImmediate(r));
  } finally {
    globalThis.setTimeout = real;
  }
  assert.is(armed, 1, 'one timer for 50 waiting calls');
  assert.is(settled.length, 0, 'nobody served yet: all still waiting');
  serve(l);
  await Promise.all(all);
  assert.is(settled.length, 50);
  assert.ok(timers() <= before, 'nothing left armed');
});

test('AC-007 a shared flush wait still resolves each call at its own ticket and deadline', async () => {
  const l = L.createLayout(4096);
  const long1 = requestFlush(l, 10_000);
  const short = requestFlush(l, 30);
  const before = timers();
  assert.is(await short, false, 'the short deadline passes while the long waits go on');
  let doneLong = false;
  void long1.then(() => { doneLong = true; });
  await new Promise((r) => setImmediate(r));
  assert.not.ok(doneLong, 'the long wait is not ended by the short one');
  // a ticket taken after the exporter thread read FLUSH_REQ is not served by that answer
  const first = Atomics.load(l.i32, L.FLUSH_REQ);
  const late = requestFlush(l, 10_000);
  Atomics.store(l.i32, L.FLUSH_DONE, first);
  Atomics.notify(l.i32, L.FLUSH_DONE);
  assert.is(await long1, true);
  let doneLate = false;
  void late.then(() => { doneLate = true; });
  await new Promise((r) => setTimeout(r, 20));
  assert.not.ok(doneLate, 'a later ticket waits for its own answer');
  serve(l);
  assert.is(await late, true);
  await new Promise((r) => setImmediate(r));
  assert.ok(timers() <= before, 'nothing left armed');
});

test('AC-007 flush waits that all time out leave nothing armed; a stopped exporter thread ends them at once', async () => {
  const l = L.createLayout(4096);
  const before = timers();
  const r = await Promise.all([requestFlush(l, 20), requestFlush(l, 40), requestFlush(l, 30)]);
  assert.equal(r, [false, false, false]);
  assert.ok(timers() <= before, 'no timer left after the last deadline');
  const w = [requestFlush(l, 10_000), requestFlush(l, 10_000)];
  Atomics.store(l.i32, L.STOPPED, 1);
  Atomics.notify(l.i32, L.FLUSH_DONE); // as stop() does after STOPPED
  assert.equal(await Promise.all(w), [false, false]);
  assert.ok(timers() <= before);
});

test.run();
