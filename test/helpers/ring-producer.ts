// Producer threads for the SharedArrayBuffer ring tests (test/thread-ring.test.ts, fuzz/thread-ring.fuzz.ts):
// eval workers that register the TypeScript loader themselves, then, per job, create a tracer on the thread
// handle and write `count` root spans named 'p' + producer with attributes { p, i, len } and a payload.
import { Worker } from 'node:worker_threads';

/** One run of one producer thread. The random draws per span, in order: len, the event (if eventsEvery > 0), the nap (if napEvery > 0). */
export interface ProducerJob {
  /** The thread handle ({ kind: 'tracewire.thread', version: 1, sab }). */
  handle: unknown;
  producer: number;
  count: number;
  seed: number;
  /** Payload length: rand(maxPayload + 1) characters, plus the suffix on every 3rd span. */
  maxPayload: number;
  service: string;
  /** Appended to the payload of spans i % 3 === 0 (multi-byte characters: UTF-8 lengths differ from string lengths). */
  suffix: string;
  /** true: the payload is a start attribute (after p, i, len); false: set by setAttribute after start (and after the event). */
  payloadAtStart: boolean;
  /** 0: no events; else an event 'ev' { i } when rand(eventsEvery) === 0. */
  eventsEvery: number;
  /** 0: never pause; else a 1 ms pause when rand(napEvery) === 0 (lets the consumer catch up now and then). */
  napEvery: number;
}

const SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  await import(workerData.register);
  const { createTracer } = await import(workerData.src + 'index.ts');
  const { attachThreadProcessor } = await import(workerData.src + 'thread/processor.ts');
  const nap = new Int32Array(new SharedArrayBuffer(4));
  parentPort.on('message', (job) => {
    const tracer = createTracer({ service: job.service, processor: attachThreadProcessor(job.handle) });
    let rnd = job.seed >>> 0;
    // The high 24 bits: an LCG's low bits cycle (bit 0 every 2 draws, rand(4) every 4), which made events all-or-none per seed.
    const rand = (n) => (((rnd = (Math.imul(rnd, 1664525) + 1013904223) >>> 0) >>> 8) % n);
    const ch = String.fromCharCode(97 + job.producer);
    for (let i = 0; i < job.count; i++) {
      const len = rand(job.maxPayload + 1);
      const payload = ch.repeat(len) + (i % 3 === 0 ? job.suffix : '');
      const attributes = { p: job.producer, i, len };
      if (job.payloadAtStart) attributes.payload = payload;
      const s = tracer.startSpan('p' + job.producer, { root: true, attributes });
      if (job.eventsEvery > 0 && rand(job.eventsEvery) === 0) s.addEvent('ev', { i });
      if (!job.payloadAtStart) s.setAttribute('payload', payload);
      s.end();
      if (job.napEvery > 0 && rand(job.napEvery) === 0) Atomics.wait(nap, 0, 0, 1);
    }
    parentPort.postMessage({ done: job.producer });
  });
  parentPort.postMessage({ ready: true });
})().catch((e) => { console.error(e); process.exit(1); });`;

/** `n` producer threads, each ready for jobs (the caller terminates them). Rejects, all terminated, if one fails to start. */
export async function startProducers(n: number): Promise<Worker[]> {
  const src = new URL('../../src/', import.meta.url).href;
  const register = new URL('../../scripts/register.mjs', import.meta.url).href;
  const workers = Array.from({ length: n }, () => new Worker(SCRIPT, { eval: true, workerData: { src, register }, execArgv: [] }));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      // Listens only until ready: later errors stay uncaught (they fail the test file) rather than swallowed here.
      const ready = (): void => { w.off('error', failed).off('exit', exited); resolve(); };
      const failed = (e: Error): void => { w.off('message', ready).off('exit', exited); reject(e); };
      const exited = (code: number): void => { w.off('message', ready).off('error', failed); reject(new Error(`producer thread exited (${code}) before it was ready`)); };
      w.once('message', ready).once('error', failed).once('exit', exited);
    })));
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  return workers;
}

/** Hands `job` to a ready producer thread; resolves when it has ended all its spans. */
export function produce(worker: Worker, job: ProducerJob): Promise<void> {
  return new Promise<void>((resolve) => {
    worker.once('message', () => resolve());
    worker.postMessage(job);
  });
}

/**
 * What the consumer must read as the payload of span `i` of `producer`, given the `len` attribute of that span.
 * Written out on its own (not shared with the script above) so that the check is independent of the producer.
 */
export function expectedPayload(producer: number, i: number, len: number, suffix: string): string {
  return String.fromCharCode(97 + producer).repeat(len) + (i % 3 === 0 ? suffix : '');
}
