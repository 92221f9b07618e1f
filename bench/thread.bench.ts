// Main-thread cost per span with off-thread export vs the in-thread batcher, on the baseline's unit of
// work (twSpan: startSpan(4 attrs) + 2 setAttribute + setStatus + end, values rotated over 8 sets so the record
// writer's same-value skip and the encoder's value cache see a service's mix, not one span), batches of 100 spans.
// - thread mode: span work + onEnd (encode a binary record, CAS-reserve, copy, commit). The ring is drained
//   by a bare consumer thread that only frees records, so the ring does not fill and spans do not take the
//   cheaper drop path (checked after the run: at most 1% dropped).
// - in-thread: span work + batcher enqueue + the OTLP JSON encoding the exporter does on the main thread,
//   forced inside the sample with forceFlush() on an exporter that encodes and discards.
// - span work only: in-thread batcher with a no-op exporter (encoding never happens): the floor.
import { Worker } from 'node:worker_threads';
import { createTracer, SpanStatusCode, type Span, type Tracer, type AnySpan, type SpanContextLike } from '../src/index.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';
import { RingProcessor } from '../src/thread/processor.js';
import { createLayout, SHUTDOWN, FLUSH_REQ } from '../src/thread/layout.js';
import { runTasks, sink, check } from './util.js';
import { makeTw, twSpan } from './tw-setup.js';
import { ATTR_SETS, USERS } from './span-fixture.js';

const B = 100;
const dir = new URL('../src/thread/', import.meta.url).href;
const register = new URL('../scripts/register.mjs', import.meta.url).href;

// A consumer that frees records without decoding them: isolates the producer's cost.
const FREE_ONLY = `
const { workerData } = require('node:worker_threads');
(async () => {
  await import(workerData.register); // eval workers do not get --import hooks in time: register them here
  const { openLayout } = await import(workerData.dir + 'layout.ts');
  const { RingReader } = await import(workerData.dir + 'ring.ts');
  const l = openLayout(workerData.sab);
  const r = new RingReader(l, 5000);
  for (;;) {
    let n = 0;
    while (r.next() >= 0) n++;
    r.free();
    if (Atomics.load(l.i32, ${SHUTDOWN}) !== 0) return;
    if (n === 0) await new Promise((res) => setTimeout(res, 1));
  }
})().catch((e) => { console.error('bench drainer:', e); process.exit(1); });`;

const layout = createLayout(Number(process.env.RING_BYTES ?? 64 << 20)); // ~400k records: the drainer catches up between samples
const ringProc = new RingProcessor(layout);
const drainer = new Worker(FREE_ONLY, { eval: true, workerData: { dir, sab: layout.sab, register }, execArgv: [] });
const threaded = createTracer({ service: 'tw-bench', processor: ringProc });
const tParent = threaded.startSpan('parent', { root: true });

class EncodeOnly {
  readonly name = 'encode-only';
  private readonly enc = new OtlpJsonEncoder();
  bytes = 0;
  exportedSpans = 0;
  async export(spans: readonly Span[]) { this.bytes += this.enc.encode(spans).length; this.exportedSpans += spans.length; return { ok: true }; }
}
const encodeOnly = new EncodeOnly();
const inThread = createTracer({ service: 'tw-bench', exporter: encodeOnly as never, batch: { maxExportBatchSize: B, scheduledDelayMillis: 60_000 } });
const iParent = inThread.startSpan('parent', { root: true });
const floor = makeTw();

let k = 0;
/**
 * twSpan without its forceFlush stand-in: the ring needs no export turn (its consumer drains on its own), and
 * this drainer serves no flush tickets, so every 512th span left a flush waiter (a waitAsync and a timer re-armed
 * every 250 ms for 30 s) charged to this row: thousands by the end of a run, and the process hung 30 s after it.
 */
function ringSpan(tracer: Tracer, parent: SpanContextLike): AnySpan {
  const i = k++ & 7;
  const span = tracer.startSpan('op', { attributes: ATTR_SETS[i]!, parent });
  span.setAttribute('app.user_id', USERS[i]!);
  span.setAttribute('app.cache_hit', (i & 1) === 0);
  span.setStatus(SpanStatusCode.OK);
  span.end();
  return span;
}

{ // preflight: records reach the ring and are consumed; encoding really happens in the in-thread task
  for (let i = 0; i < 10; i++) ringSpan(threaded, tParent); // (onEnd hands the record over and recycles the attributes)
  const st = threaded.stats();
  check(st.enqueued === 10 && st.dropped.queueFull === 0 && (st.dropped as unknown as Record<string, number>).tooLarge === 0, 'thread mode enqueues every span');
  for (let i = 0; i < B; i++) twSpan(inThread, iParent);
  await inThread.forceFlush();
  check(encodeOnly.exportedSpans === B && encodeOnly.bytes > B * 300, 'in-thread task encodes its spans');
}

await runTasks('thread', [
  { name: 'tracewire thread mode: span + binary record hand-off', group: 'main-thread cost per span', impl: 'tracewire', batch: B, fn() { let s; for (let i = 0; i < B; i++) s = ringSpan(threaded, tParent); sink.v = s; } },
  { name: 'tracewire in-thread batcher: span + enqueue + OTLP encode', group: 'main-thread cost per span', impl: 'ref', batch: B, async fn() { let s; for (let i = 0; i < B; i++) s = twSpan(inThread, iParent); sink.v = s; await inThread.forceFlush(); } },
  { name: 'tracewire span work only (no-op exporter, nothing encoded)', group: 'main-thread cost per span', impl: 'ref', batch: B, fn() { let s; for (let i = 0; i < B; i++) s = twSpan(floor.tracer, floor.parent); sink.v = s; } },
], {
  get check() {
    const st = threaded.stats();
    return { threadEnqueued: st.enqueued, threadDropped: st.dropped, inThreadEncoded: encodeOnly.exportedSpans, inThreadBytesPerSpan: Math.round(encodeOnly.bytes / encodeOnly.exportedSpans) };
  },
});
const end = threaded.stats();
// A dropped span skips the copy and commit: more than 1% of them would flatter the thread-mode number.
check(Atomics.load(layout.i32, FLUSH_REQ) === 0, 'no flush requested of a drainer that serves none');
check(end.dropped.queueFull <= end.enqueued / 100, `thread mode took the drop path ${end.dropped.queueFull} times (of ${end.enqueued}): not hand-off cost`);
Atomics.store(layout.i32, SHUTDOWN, 1);
await drainer.terminate();
