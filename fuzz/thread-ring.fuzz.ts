// Concurrency properties of the SharedArrayBuffer ring (fast-check): N producer threads x M spans of random
// sizes through a small ring, a direct consumer in this thread that pauses, restarts and checkpoints at
// random. Every committed record is read exactly once, intact, in per-producer order, or counted as dropped.
// Some runs add writers that die right after reserving (0-3 in a row, while the producers write): each of them, and
// each producer record given up with them, is counted once as abandoned (no more: the producers count what they lost).
// Runs: FUZZ_RUNS (default 20; capped at 500: each run spins real threads).
import { test } from 'uvu';
import fc from 'fast-check';
import { RingReader } from '../src/thread/ring.js';
import { DictReader } from '../src/thread/dict.js';
import { ByteReader } from '../src/thread/codec.js';
import { decodeSpan } from '../src/thread/thread-span.js';
import { readStats } from '../src/thread/stats.js';
import * as L from '../src/thread/layout.js';
import { startProducers, produce, expectedPayload } from '../test/helpers/ring-producer.js';

const RUNS = Math.min(Number(process.env.FUZZ_RUNS ?? 20), 500);
const POOL = 4;

const SUFFIX = 'ü€';
const serviceOf = (producer: number): string => 'fuzz-' + (producer % 2); // two tracers in the dictionary

interface Params { ringBytes: number; producers: number; count: number; maxPayload: number; napEvery: number; readBurst: number; restartEvery: number; dead: number; deadAt: number; seed: number }

const params = fc.record<Params>({
  ringBytes: fc.constantFrom(4096, 8192, 16384),
  producers: fc.integer({ min: 1, max: POOL }),
  count: fc.integer({ min: 1, max: 600 }),
  maxPayload: fc.integer({ min: 0, max: 1500 }), // past a 4 KiB ring's 1 KiB record limit: trimmed records too
  napEvery: fc.constantFrom(0, 8, 64),
  readBurst: fc.integer({ min: 1, max: 64 }),
  restartEvery: fc.integer({ min: 0, max: 20 }),
  dead: fc.constantFrom(0, 0, 1, 2, 3),
  deadAt: fc.integer({ min: 0, max: 40 }), // the consumer pass they die at
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
});

/** A writer that reserves `total` bytes as ring.ts reserve() does (a pad first if it does not fit the tail) and dies before marking them. False: the ring is full. */
function reserveDead(l: L.Layout, total: number): boolean {
  const i32 = l.i32, cap = l.ringBytes;
  for (;;) {
    const r = Atomics.load(i32, L.READ), w = Atomics.load(i32, L.WRITE);
    const tail = cap - (w & (cap - 1));
    const pad = total > tail ? tail : 0;
    if (((w - r) >>> 0) + pad + total > cap) return false;
    if (Atomics.compareExchange(i32, L.WRITE, w, (w + pad + total) | 0) === w) { Atomics.add(i32, L.ENQ, 1); return true; }
  }
}

test(`ring: every committed record is read exactly once, intact, in order, or counted as dropped (${RUNS} runs)`, async () => {
  const pool = await startProducers(POOL);
  try {
    await fc.assert(fc.asyncProperty(params, async (pr) => {
      const l = L.createLayout(pr.ringBytes, 4096);
      const handle = { kind: 'tracewire.thread', version: 1, sab: l.sab };
      let done = 0;
      const finished = Promise.all(pool.slice(0, pr.producers).map((w, p) => produce(w, {
        handle, producer: p, count: pr.count, seed: pr.seed + p, maxPayload: pr.maxPayload,
        service: serviceOf(p), suffix: SUFFIX, payloadAtStart: false, eventsEvery: 4, napEvery: pr.napEvery,
      }).then(() => { done++; })));
      const br = new ByteReader(Buffer.from(l.sab));
      // Dead writers are given up past stallMs; without them no record may be (a producer napping is slow, not dead).
      // Not much shorter: a producer thread descheduled by the OS between its ownership check and its stores for longer
      // than stallMs writes into space given up and reused (a limit of the design: V8 itself stops a thread only at a
      // call or a loop back-edge); with 0 that tore records on a loaded 2-core machine, with or without this check.
      const stallMs = pr.dead > 0 ? 250 : 60_000;
      let reader = new RingReader(l, stallMs);
      let dict = new DictReader(l);
      const last = new Array<number>(pr.producers).fill(-1);
      let received = 0, passes = 0, deadLeft = pr.dead;
      let abandonedBefore = 0; // by the readers before a restart (checkpointed: accounted)
      for (;;) {
        const allDone = done === pr.producers;
        if (deadLeft > 0 && (passes >= pr.deadAt || allDone)) {
          while (deadLeft > 0 && reserveDead(l, 8 * (4 + ((pr.seed + deadLeft) % 24)))) deadLeft--;
        }
        let n = 0;
        for (let at = reader.next(); at >= 0; at = reader.next()) {
          const s = decodeSpan(l.i32, br, at, dict);
          const p = s.attributes.p as number, i = s.attributes.i as number, len = s.attributes.len as number;
          if (s.name !== 'p' + p || !(i > last[p]!)) return false; // duplicate, reordered or torn
          last[p] = i;
          const payload = s.attributes.payload;
          if (payload !== undefined && payload !== expectedPayload(p, i, len, SUFFIX)) return false;
          if (payload === undefined && s.rare?.droppedAttrs !== 1) return false; // trimmed to fit, and counted
          if (s.tracer.resource['service.name'] !== serviceOf(p)) return false;
          received++;
          if (++n >= pr.readBurst) break;
        }
        passes++;
        // as Consumer.publish(): what this pass passed inside a region given up past a dead writer is counted now
        const claimed = reader.settle(received + abandonedBefore + reader.abandoned);
        if (pr.dead === 0 && claimed !== 0) return false; // nothing given up: nothing to count
        // (a new reader starts its stall clock again: not while it waits for one, or a dead writer would stay for good)
        if (pr.restartEvery > 0 && passes % pr.restartEvery === 0 && (pr.dead === 0 || n > 0)) {
          // A consumer that accounted its records (checkpoint) and died before freeing them: the next one resumes after them.
          reader.checkpoint();
          abandonedBefore += reader.abandoned;
          reader = new RingReader(l, stallMs);
          dict = new DictReader(l);
        } else reader.free();
        if (allDone && deadLeft === 0 && reader.empty) break;
        if (n < pr.readBurst) await new Promise((r) => setImmediate(r));
      }
      await finished;
      reader.settle(received + abandonedBefore + reader.abandoned); // every writer has counted ENQ: exact now
      const abandoned = abandonedBefore + reader.abandoned;
      const st = readStats(l); // nothing published: the producers' counters, and ENQ
      if (received + st.dropped.queueFull + abandoned !== pr.producers * pr.count + pr.dead) return false;
      if (st.enqueued !== received + abandoned || st.dropped.tooLarge !== 0) return false;
      if (pr.dead === 0 && abandoned !== 0) return false;
      // each producer record given up (with a dead writer's, or stopped past stallMs) was seen by its writer: once
      if (st.thread.lateWrites !== abandoned - pr.dead) return false;
      return true;
    }), { numRuns: RUNS });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
});

test.run();
