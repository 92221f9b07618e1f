// Heap bytes allocated per span, tracewire vs OTel in the same process, with the OTel baseline's method
// (../shared/otel-baseline/bench/04b-span-alloc.mjs): 'windows' of 10,000 spans, each started after a
// forced minor GC and kept only if v8.GCProfiler saw no GC inside it, so used_heap_size growth is exactly
// what was allocated; minus the same loop doing no span work. Needs --expose-gc (scripts/bench.mjs adds it)
// and runs with large semi-spaces so a window fits in new space (the script re-execs itself with them).
import v8 from 'node:v8';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeOtel, otelSpan } from './otel-setup.js';
import { makeTw, twSpan } from './tw-setup.js';
import { checkSpanWork } from './span-preflight.js';
import { check, QUICK } from './util.js';

if (!process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=128', '--min-semi-space-size=128', ...process.execArgv.filter((a) => a !== '--expose-gc'), fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const gc = (globalThis as { gc?: (o?: unknown) => void }).gc;
if (typeof gc !== 'function') throw new Error('run with node --expose-gc');

const WINDOW = 10_000;
const WINDOWS = Number(process.env.ALLOC_WINDOWS ?? (QUICK ? 3 : 60));
const YIELD_EVERY = 100;
const otel = makeOtel();
const tw = makeTw();
checkSpanWork(tw, otel); // both harnesses do the same span work before any window is measured
let sinkSpan: unknown;

type Work = () => unknown;
async function loop(n: number, work: Work) {
  for (let i = 0; i < n; i += YIELD_EVERY) {
    for (let j = 0; j < YIELD_EVERY; j++) sinkSpan = work();
    await null; // lets each batch processor's bookkeeping run, as in the baseline
  }
}
const used = () => v8.getHeapStatistics().used_heap_size;

async function windows(work: Work) {
  const samples: number[] = [];
  let discarded = 0;
  for (let w = 0; w < WINDOWS; w++) {
    gc!({ type: 'minor' });
    const prof = new v8.GCProfiler();
    prof.start();
    const h0 = used();
    await loop(WINDOW, work);
    const h1 = used();
    const { statistics } = prof.stop();
    if (statistics.length === 0) samples.push((h1 - h0) / WINDOW);
    else discarded++;
  }
  samples.sort((a, b) => a - b);
  return { bytes: samples.length ? samples[samples.length >> 1]! : NaN, min: samples[0], max: samples.at(-1), windows: samples.length, discarded };
}

const cases: Record<string, Work> = {
  baseline: () => undefined,
  'tracewire root': () => twSpan(tw.tracer),
  'tracewire child': () => twSpan(tw.tracer, tw.parent),
  'otel root': () => otelSpan(otel.tracer),
  'otel child': () => otelSpan(otel.tracer, otel.parentCtx),
};
for (const w of Object.values(cases)) await loop(QUICK ? 2_000 : 200_000, w); // warm-up: everything optimised first
const res: Record<string, ReturnType<typeof windows> extends Promise<infer R> ? R : never> = {};
for (const [k, w] of Object.entries(cases)) res[k] = await windows(w);
for (const [k, r] of Object.entries(res)) check(r.windows > 0, `${k}: every one of ${WINDOWS} windows saw a GC, nothing measured`);
const st = tw.tracer.stats();
check(st.dropped.queueFull === 0 && (otel.bsp as unknown as { _droppedSpansCount: number })._droppedSpansCount === 0, 'no span dropped: a drop path allocates less');
const base = res.baseline!.bytes;
const net = (k: string) => res[k]!.bytes - base;
const alloc = {
  method: 'windows', windowSpans: WINDOW, baselineBytesPerIter: base,
  tracewireRoot: net('tracewire root'), tracewireChild: net('tracewire child'),
  otelRoot: net('otel root'), otelChild: net('otel child'),
  raw: res,
};
console.log('RESULT ' + JSON.stringify({ file: 'span-alloc', node: process.version, tasks: [], alloc }));
console.error(`bytes/span (net of loop ${base.toFixed(1)} B): tracewire root ${alloc.tracewireRoot.toFixed(1)}, child ${alloc.tracewireChild.toFixed(1)}; otel root ${alloc.otelRoot.toFixed(1)}, child ${alloc.otelChild.toFixed(1)}; ratio root ${(alloc.otelRoot / alloc.tracewireRoot).toFixed(1)}x`);
void sinkSpan;
