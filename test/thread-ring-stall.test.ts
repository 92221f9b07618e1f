// The stalled-record skip with two producers, driven step by step: A reserved and died before marking its
// record (all zero, length unknown), B reserved right after A and is between its WRITE CAS and its first
// mark when the consumer gives A up. B's span must be read once or counted as dropped, never lost, and the
// counters must balance: ended = exported + dropped + queued, nothing left in the ring.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer } from '../src/index.js';
import { BatchSpanProcessor } from '../src/batcher.js';
import { memoryExporter } from '../src/exporters-local.js';
import { RingProcessor } from '../src/thread/processor.js';
import { Consumer } from '../src/thread/consumer.js';
import { readStats } from '../src/thread/stats.js';
import { RingReader, RingWriter } from '../src/thread/ring.js';
import * as L from '../src/thread/layout.js';
import { atFirstMark, settle, sumDrops } from './helpers/ring-stop.js';


// 'skip only': the consumer gives A up (and the region it cannot tell from A's) but has not freed it yet when B
// marks; 'skip and free': it gave up and freed before B marks (B descheduled a little longer).
for (const when of ['skip only', 'skip and free'] as const) {
  for (const padded of [false, true]) {
    test(`AC-007 a dead writer's skipped record never swallows the record of a writer reserved right after it (${when}${padded ? ', B behind a pad' : ''}): read once or counted, counters balance`, async () => {
      const l = L.createLayout(4096);
      const mem = memoryExporter();
      const batcher = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
      const consumer = new Consumer(l, batcher, { stallMs: 0 }); // gives up on an uncommitted record at its second look
      const tracer = createTracer({ service: 'b', processor: new RingProcessor(l) });
      let sent = 0;
      const one = (name: string): void => { tracer.startSpan(name, { root: true, attributes: { i: sent++ } }).end(); };
      // B's record must not fit the tail after A: fill up to 360 bytes short of the end, A takes 256 of them
      if (padded) while ((Atomics.load(l.i32, L.WRITE) >>> 0) < l.ringBytes - 600) { one('fill'); consumer.drain(); }
      // A: reserved (WRITE CAS, ENQ) and terminated before marking its length: its bytes stay zero
      Atomics.add(l.i32, L.ENQ, 1);
      Atomics.add(l.i32, L.WRITE, padded ? l.ringBytes - (Atomics.load(l.i32, L.WRITE) >>> 0) - 104 : 256);
      consumer.drain(); // first look at A: the stall clock starts
      const r = consumer.reader;
      atFirstMark(l, () => {
        if (when === 'skip only') { assert.ok(r.next() < 0, 'A skipped, B not committed'); assert.is(r.abandoned, 1); }
        else { consumer.drain(); assert.is(r.abandoned, 2, 'A, and B (reserved, passed unmarked: counted at the publish)'); }
      }, () => one('B'));
      one('after');
      for (let k = 0; k < 4; k++) consumer.drain();
      await batcher.forceFlush();
      consumer.publish();
      const names = mem.spans.map((s) => s.name).filter((n) => n !== 'fill');
      const st = readStats(l);
      const bRead = names.filter((n) => n === 'B').length;
      assert.ok(bRead === 1 || st.dropped.abandoned === 2, `B read once (${bRead}) or counted with A as abandoned (${st.dropped.abandoned})`);
      assert.is(bRead + st.dropped.abandoned, 2, 'A abandoned; B either read or abandoned, not both');
      assert.is(st.thread.lateWrites, 1, 'B saw it had been skipped');
      assert.ok(names.includes('after'), 'the ring keeps flowing');
      assert.is(st.thread.inRing, 0, 'no record left counted in the ring');
      assert.is(st.queued, 0);
      assert.is(st.thread.ended, sent + 1, 'every reservation: the spans ended here, and A');
      assert.is(st.thread.ended, st.exported + sumDrops(st.dropped) + st.queued);
      const ts = tracer.stats();
      assert.is(ts.enqueued, st.exported + sumDrops(st.dropped), 'tracer.stats(): what was enqueued is exported or dropped');
      await batcher.shutdown();
    });
  }
}

test('AC-007 a writer that marked its record before the consumer gave up the dead writer before it is not skipped: read once', async () => {
  const l = L.createLayout(4096);
  const mem = memoryExporter();
  const batcher = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
  const consumer = new Consumer(l, batcher, { stallMs: 0 });
  const p = new RingProcessor(l);
  const tracer = createTracer({ service: 'b', processor: p });
  Atomics.add(l.i32, L.ENQ, 1);
  Atomics.add(l.i32, L.WRITE, 256); // A: reserved, never marked
  consumer.drain();
  const ring = (p as unknown as { ring: RingWriter }).ring;
  const commit = ring.commit.bind(ring);
  ring.commit = ((at: number, total: number, type: number) => { consumer.drain(); return commit(at, total, type); }) as typeof ring.commit;
  tracer.startSpan('B', { root: true }).end(); // marked, stopped before its commit while the consumer gives A up
  for (let k = 0; k < 3; k++) consumer.drain();
  await batcher.forceFlush();
  consumer.publish();
  const st = readStats(l);
  assert.equal(mem.spans.map((s) => s.name), ['B']);
  assert.is(st.dropped.abandoned, 1);
  assert.is(st.thread.lateWrites, 0);
  assert.is(st.thread.inRing, 0);
  assert.is(st.thread.ended, st.exported + sumDrops(st.dropped) + st.queued);
  await batcher.shutdown();
});

test('AC-007 a writer stopped before its mark across two dead-writer skips is counted once: the second skip does not hide the first (its space freed, or lapped over)', async () => {
  for (const after of ['freed', 'lapped over'] as const) {
    const l = L.createLayout(4096);
    const mem = memoryExporter();
    const batcher = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
    const consumer = new Consumer(l, batcher, { stallMs: 0 });
    const tracer = createTracer({ service: 'b', processor: new RingProcessor(l) });
    let sent = 0;
    const one = (name: string): void => { tracer.startSpan(name, { root: true, attributes: { i: sent++ } }).end(); };
    const dead = (): void => { Atomics.add(l.i32, L.ENQ, 1); Atomics.add(l.i32, L.WRITE, 256); }; // reserved, died before marking
    dead(); // A1
    consumer.drain(); // first look at A1: the stall clock starts
    let filler = 0;
    atFirstMark(l, () => {
      // B is between its WRITE CAS and its first mark: A1 is given up, B's space swept with it and freed
      consumer.drain();
      assert.is(consumer.reader.abandoned, 2, 'A1, and B');
      dead(); // A2, reserved after B
      consumer.drain(); consumer.drain(); // a second skip, past A2
      assert.is(consumer.reader.abandoned, 3);
      if (after === 'lapped over') {
        // a later lap's record covers B's first word (a body word, not zero): B's mark CAS fails on it
        const w = new RingWriter(l);
        for (const size of [l.ringBytes - (Atomics.load(l.i32, L.WRITE) & (l.ringBytes - 1)), 512]) { // the tail, then [0, 512): B starts at 256
          const at = w.reserve(size);
          assert.ok(at >= 0);
          new Int32Array(l.sab, at + 4, (size >> 2) - 1).fill(0x01010101);
          assert.ok(w.commit(at, size, L.T_PAD)); // skipped by the consumer: not a span
          filler++;
        }
      }
    }, () => one('B'));
    Atomics.sub(l.i32, L.ENQ, filler); // the filler is no span reservation
    consumer.drain(); // room for one more
    one('after');
    const st = await settle(consumer, batcher);
    const names = mem.spans.map((s) => s.name);
    assert.equal(names, ['after'], `${after}: B was given up, the ring flows`);
    assert.is(st.thread.lateWrites, 1, `${after}: B saw it had been skipped`);
    assert.is(st.dropped.abandoned, 3, `${after}: A1, A2 and B, each once`);
    assert.is(st.thread.inRing, 0, `${after}: nothing left counted in the ring`);
    assert.is(st.thread.ended, sent + 2);
    assert.is(st.thread.ended, st.exported + sumDrops(st.dropped) + st.queued);
    await batcher.shutdown();
  }
});

test('AC-007 an exporter thread that dies in the middle of skipping a dead writer\'s record: its successor finishes the skip, counted once, and a writer stopped in the skipped space is counted once', async () => {
  // dies after 1, 5 or 40 CASes of the skip (B's first word is the 33rd); once every word is marked, at its first store
  // into the ring after them (the region's length); or after that, when it closes the region (SWEEP_OPEN back to 0)
  for (const dies of [1, 5, 40, 'marked', 'closing'] as const) {
    const l = L.createLayout(4096);
    const mem = memoryExporter();
    const tracer = createTracer({ service: 'b', processor: new RingProcessor(l) });
    let sent = 0;
    const one = (name: string): void => { tracer.startSpan(name, { root: true, attributes: { i: sent++ } }).end(); };
    const b1 = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
    const c1 = new Consumer(l, b1, { stallMs: 0 });
    Atomics.add(l.i32, L.ENQ, 1); Atomics.add(l.i32, L.WRITE, 256); // A: reserved, died before marking
    c1.drain(); // first look at A
    const b2 = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
    let c2: Consumer | null = null;
    atFirstMark(l, () => {
      // B is between its WRITE CAS and its mark. c1 skips A (and B's space with it) and its thread is terminated
      // after `dies` CASes of that skip, before it published anything; a new exporter thread takes over
      const cas = Atomics.compareExchange, store = Atomics.store;
      let n = 0;
      const A = Atomics as unknown as { compareExchange: typeof cas; store: typeof store };
      A.compareExchange = ((a: Int32Array, i: number, e: number, v: number) => {
        if (a === l.i32 && i >= l.base >> 2 && e === 0 && typeof dies === 'number' && ++n > dies) throw new Error('exporter thread terminated');
        return cas(a, i, e, v);
      }) as typeof cas;
      A.store = ((a: Int32Array, i: number, v: number) => {
        if (a === l.i32 && (dies === 'marked' ? i >= l.base >> 2 : dies === 'closing' && i === L.SWEEP_OPEN && v === 0)) throw new Error('exporter thread terminated');
        return store(a as never, i, v as never);
      }) as unknown as typeof store;
      try { assert.throws(() => c1.drain(), /terminated/); } finally { A.compareExchange = cas; A.store = store; }
      c2 = new Consumer(l, b2, { stallMs: 0 });
      c2.drain(); c2.drain();
    }, () => one('B'));
    one('after');
    const st = await settle(c2!, b2);
    const names = mem.spans.map((s) => s.name);
    assert.equal(names, ['after'], `dies after ${dies}: the ring flows`);
    assert.is(st.dropped.abandoned, 2, `dies after ${dies}: A and B, each once`);
    assert.is(st.thread.lateWrites, 1, `dies after ${dies}: B saw it had been skipped`);
    assert.is(st.thread.inRing, 0, `dies after ${dies}: nothing left counted in the ring`);
    assert.is(st.thread.ended, sent + 1);
    assert.is(st.thread.ended, st.exported + sumDrops(st.dropped) + st.queued);
    await b1.shutdown(); await b2.shutdown();
  }
});

test('AC-007 a writer paused inside its copy (a debugger pause) longer than stallMs while the ring laps writes no more of it: the later records are read intact, its span counted (abandoned, lateWrites)', async () => {
  const l = L.createLayout(4096);
  const mem = memoryExporter();
  const batcher = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
  const consumer = new Consumer(l, batcher, { stallMs: 0 }); // gives up on an uncommitted record at its second look
  const slowP = new RingProcessor(l);
  const slow = createTracer({ service: 'slow', processor: slowP });
  const other = createTracer({ service: 'other', processor: new RingProcessor(l) });
  let sent = 0;
  let slowTotal = 0;
  // The pause: the consumer gives the slow record up and frees it, another thread fills the ring a whole lap over
  // the same bytes (committed, not read yet).
  const pause = (): void => {
    consumer.drain(); consumer.drain();
    assert.is(consumer.reader.abandoned, 1, 'given up');
    while ((Atomics.load(l.i32, L.WRITE) >>> 0) < l.ringBytes + slowTotal + 64) {
      other.startSpan('other', { root: true, attributes: { i: sent++, pad: 'o'.repeat(40) } }).end();
      if ((Atomics.load(l.i32, L.WRITE) >>> 0) < l.ringBytes) consumer.drain(); // room for the first lap only
    }
    lapped = ring8().slice();
  };
  const ring8 = (): Uint8Array => new Uint8Array(l.sab, l.base, l.ringBytes);
  let lapped: Uint8Array | null = null;
  // White-box: a pause lands where V8 can stop a thread, a call or a loop back-edge: here the copy's back-edge
  // after its first 16 body words. Whichever comes first: the next ownership check (a call), or the read of
  // the 17th word (a copy loop without that check reads it next).
  const ring = (slowP as unknown as { ring: RingWriter }).ring;
  const rec = (slowP as unknown as { rec: { words: Int32Array } }).rec;
  let paused = false, owned = 0;
  const once = (): void => { if (!paused) { paused = true; pause(); } };
  const owns = ring.owns.bind(ring), reserve = ring.reserve.bind(ring);
  ring.reserve = (total: number) => { slowTotal = total; return reserve(total); };
  ring.owns = (at: number, total: number) => { if (++owned === 2) once(); return owns(at, total); };
  const words = rec.words;
  rec.words = new Proxy(words, { get: (t, k) => { if (k === '17') once(); return Reflect.get(t, k); }, set: (t, k, v) => Reflect.set(t, k, v) });
  assert.is(Atomics.load(l.i32, L.WRITE), 0, 'the slow record is the first: offset 0');
  slow.startSpan('slow', { root: true, attributes: { blob: 's'.repeat(300) } }).end();
  rec.words = words;
  assert.ok(paused, 'the pause happened');
  assert.ok(Buffer.from(ring8()).equals(Buffer.from(lapped!)), 'the paused writer wrote nothing into the ring once back'); // (else the reads below could loop on garbage)
  for (let k = 0; k < 4; k++) consumer.drain(); // (not drainAll: a desynchronised ring would wait on garbage)
  await batcher.forceFlush();
  consumer.publish();
  const got = mem.spans.map((s) => `${s.name}:${String(s.attributes.i ?? '')}:${String(s.attributes.pad ?? s.attributes.blob).length}`);
  assert.equal(got, Array.from({ length: sent }, (_, i) => `other:${i}:40`), 'every other record intact, in order, once; the slow span not delivered');
  const st = readStats(l);
  assert.is(st.dropped.abandoned, 1);
  assert.is(st.dropped.decodeError, 0);
  assert.is(st.thread.lateWrites, 1, 'the writer saw it had been given up');
  assert.is(st.thread.ended, sent + 1);
  assert.is(st.thread.ended, st.exported + sumDrops(st.dropped) + st.queued);
  assert.is(st.thread.inRing, 0);
  await batcher.shutdown();
});

test('AC-007 a writer paused before its commit while the ring laps, back when a later writer holds the same bytes with the same length, does not publish that writer\'s half-written record', () => {
  const l = L.createLayout(4096);
  const a = new RingWriter(l), b = new RingWriter(l);
  const r = new RingReader(l, 0);
  const at = a.reserve(256);
  assert.is(at, l.base, 'a at offset 0');
  new Int32Array(l.sab, at + 4, 63).fill(7); // a's body written; a stops before its commit
  assert.is(r.next(), -1, 'first look');
  assert.is(r.next(), -1, 'a given up');
  r.free();
  const rest = b.reserve(l.ringBytes - 256); // the rest of the lap
  assert.ok(b.commit(rest, l.ringBytes - 256, L.T_PAD));
  assert.is(r.next(), -1);
  r.free();
  const at2 = b.reserve(256); // the next lap: the same bytes, the same length, b's mark where a's was
  assert.is(at2, at);
  new Int32Array(l.sab, at2 + 4, 10).fill(9); // b is half way through its body
  assert.not.ok(a.commit(at, 256, L.T_SPAN), 'a\'s late commit publishes nothing');
  assert.is(r.next(), -1, 'nothing committed to read');
  assert.ok(b.commit(at2, 256, L.T_SPAN), 'b commits its own record');
  assert.is(r.next(), at2);
  assert.is(r.abandoned, 1);
});

test.run();
