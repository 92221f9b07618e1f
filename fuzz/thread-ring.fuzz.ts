// Concurrency properties of the SharedArrayBuffer ring (fast-check): N producer threads x M spans of random
// sizes through a small ring, a direct consumer in this thread that pauses, restarts and checkpoints at
// random. Every committed record is read exactly once, intact, in per-producer order, or counted as dropped.
// Runs: FUZZ_RUNS (default 20; capped at 500: each run spins real threads).
import { test } from 'uvu';
import fc from 'fast-check';
import { Worker } from 'node:worker_threads';
import { RingReader } from '../src/thread/ring.js';
import { DictReader } from '../src/thread/dict.js';
import { ByteReader } from '../src/thread/codec.js';
import { decodeSpan } from '../src/thread/thread-span.js';
import { readStats } from '../src/thread/stats.js';
import * as L from '../src/thread/layout.js';

const RUNS = Math.min(Number(process.env.FUZZ_RUNS ?? 20), 500);
const POOL = 4;

const PRODUCER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  await import(workerData.register);
  const { createTracer } = await import(workerData.src + 'index.ts');
  const { attachThreadProcessor } = await import(workerData.src + 'thread/processor.ts');
  const nap = new Int32Array(new SharedArrayBuffer(4));
  parentPort.on('message', (job) => {
    const tracer = createTracer({ service: 'fuzz-' + (job.producer % 2), processor: attachThreadProcessor(job.handle) });
    let rnd = job.seed >>> 0;
    const rand = (n) => ((rnd = (Math.imul(rnd, 1664525) + 1013904223) >>> 0) % n);
    const ch = String.fromCharCode(97 + job.producer);
    for (let i = 0; i < job.count; i++) {
      const len = rand(job.maxPayload + 1);
      const s = tracer.startSpan('p' + job.producer, { root: true, attributes: { p: job.producer, i, len } });
      if (rand(4) === 0) s.addEvent('ev', { i });
      s.setAttribute('payload', ch.repeat(len) + (i % 3 === 0 ? 'ü€' : ''));
      s.end();
      if (job.napEvery > 0 && rand(job.napEvery) === 0) Atomics.wait(nap, 0, 0, 1);
    }
    parentPort.postMessage({ done: job.producer });
  });
  parentPort.postMessage({ ready: true });
})().catch((e) => { console.error(e); process.exit(1); });`;

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
  const src = new URL('../src/', import.meta.url).href;
  const register = new URL('../scripts/register.mjs', import.meta.url).href;
  const pool = Array.from({ length: POOL }, () => new Worker(PRODUCER, { eval: true, workerData: { src, register }, execArgv: [] }));
  try {
    await Promise.all(pool.map((w) => new Promise((r) => w.once('message', r))));
    await fc.assert(fc.asyncProperty(params, async (pr) => {
      const l = L.createLayout(pr.ringBytes, 4096);
      const handle = { kind: 'tracewire.thread', version: 1, sab: l.sab };
      let done = 0;
      const finished = Promise.all(pool.slice(0, pr.producers).map((w, p) => new Promise<void>((r) => {
        w.once('message', () => { done++; r(); });
        w.postMessage({ handle, producer: p, count: pr.count, seed: pr.seed + p, maxPayload: pr.maxPayload, napEvery: pr.napEvery });
      })));
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
          if (payload !== undefined && payload !== String.fromCharCode(97 + p).repeat(len) + (i % 3 === 0 ? 'ü€' : '')) return false;
          if (payload === undefined && s.rare?.droppedAttrs !== 1) return false; // trimmed to fit, and counted
          if (s.tracer.resource['service.name'] !== 'fuzz-' + (p % 2)) return false;
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
