// Concurrency properties of the SharedArrayBuffer ring (fast-check): N producer threads x M spans of random
// sizes through a small ring, a direct consumer in this thread that pauses, restarts and checkpoints at
// random. Every committed record is read exactly once, intact, in per-producer order, or counted as dropped.
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

interface Params { ringBytes: number; producers: number; count: number; maxPayload: number; napEvery: number; readBurst: number; restartEvery: number; seed: number }

const params = fc.record<Params>({
  ringBytes: fc.constantFrom(4096, 8192, 16384),
  producers: fc.integer({ min: 1, max: POOL }),
  count: fc.integer({ min: 1, max: 600 }),
  maxPayload: fc.integer({ min: 0, max: 1500 }), // past a 4 KiB ring's 1 KiB record limit: trimmed records too
  napEvery: fc.constantFrom(0, 8, 64),
  readBurst: fc.integer({ min: 1, max: 64 }),
  restartEvery: fc.integer({ min: 0, max: 20 }),
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
});

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
      let reader = new RingReader(l, 60_000);
      let dict = new DictReader(l);
      const last = new Array<number>(pr.producers).fill(-1);
      let received = 0, passes = 0;
      for (;;) {
        const allDone = done === pr.producers;
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
        if (pr.restartEvery > 0 && passes % pr.restartEvery === 0) {
          // A consumer that accounted its records (checkpoint) and died before freeing them: the next one resumes after them.
          reader.checkpoint();
          reader = new RingReader(l, 60_000);
          dict = new DictReader(l);
        } else reader.free();
        if (allDone && reader.empty) break;
        if (n < pr.readBurst) await new Promise((r) => setImmediate(r));
      }
      await finished;
      const st = readStats(l);
      if (received + st.dropped.queueFull !== pr.producers * pr.count) return false;
      if (st.enqueued !== received || st.dropped.tooLarge !== 0 || st.dropped.abandoned !== 0) return false;
      return true;
    }), { numRuns: RUNS });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
});

test.run();
