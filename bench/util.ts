// Shared tinybench harness: every task runs `batch` operations per sample (spreads the ~50 ns timer
// cost), results are per single operation; one `RESULT {json}` line per file for scripts/bench.mjs.
// The tasks of a file run interleaved: ROUNDS short rounds, each running every task once (order rotated),
// because this VM's speed drifts by up to 2x over seconds and a task timed for 1.5 s in one block would
// carry the drift into the ratio. A ratio is taken within each round (same machine state), then the median.
import { Bench } from 'tinybench';

/** BENCH_QUICK=1: one round of a few ms per task, no warm-up: checks that a bench runs and its assertions hold (test/bench-smoke); its numbers mean nothing. */
export const QUICK = process.env.BENCH_QUICK === '1';
export const TIME_MS = Number(process.env.BENCH_TIME_MS ?? (QUICK ? 5 : 1500));
export const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? (QUICK ? 0 : 500));
export const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 10)));

/** Results land here so V8 cannot drop the measured work as dead code. */
export const sink: { v: unknown; n: number } = { v: undefined, n: 0 };

export interface Task { name: string; batch: number; fn: () => void | Promise<void>; group?: string; impl?: 'tracewire' | 'otel' | 'ref' }
export interface TaskResult {
  name: string; group?: string; impl?: string; batch: number; samples: number; meanNs: number; medianNs: number; rmePct: number;
  /** Median over rounds of the per-round median (ns per operation). */
  roundMediansNs: number[];
  /** For a tracewire task with an otel task in its group: median over rounds of otel/tracewire in the same round. */
  pairedRatio?: number;
}

export function check(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error('bench check failed: ' + msg);
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

export async function runTasks(file: string, tasks: Task[], extra: Record<string, unknown> = {}): Promise<TaskResult[]> {
  const perRound: number[][] = tasks.map(() => []);
  const means: number[][] = tasks.map(() => []);
  const samples = tasks.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: TIME_MS / ROUNDS, warmupTime: round === 0 ? WARMUP_MS : 0, warmup: round === 0 && !QUICK, warmupIterations: 20, iterations: 10, timestampProvider: 'hrtimeNow' } as never);
    const order = tasks.map((_, i) => (i + round) % tasks.length);
    for (const i of order) bench.add(tasks[i]!.name, tasks[i]!.fn);
    await bench.run();
    tasks.forEach((t, i) => {
      const r = (bench.getTask(t.name) as any).result;
      if (r.state !== 'completed') throw new Error(`${t.name}: ${r.state} ${r.error ?? ''}`);
      perRound[i]!.push((r.latency.p50 * 1e6) / t.batch);
      means[i]!.push((r.latency.mean * 1e6) / t.batch);
      samples[i]! += r.latency.samplesCount;
    });
  }
  const out: TaskResult[] = tasks.map((t, i) => ({
    name: t.name, group: t.group, impl: t.impl, batch: t.batch, samples: samples[i]!,
    meanNs: median(means[i]!), medianNs: median(perRound[i]!), rmePct: spreadPct(perRound[i]!), roundMediansNs: perRound[i]!,
  }));
  out.forEach((o, i) => {
    // ref rows too: OTel / a floor is the most any implementation doing that floor's work could reach
    if ((o.impl !== 'tracewire' && o.impl !== 'ref') || o.group === undefined) return;
    const j = tasks.findIndex((t) => t.group === o.group && t.impl === 'otel');
    if (j >= 0) o.pairedRatio = median(perRound[j]!.map((x, r) => x / perRound[i]![r]!));
  });
  console.log('RESULT ' + JSON.stringify({ file, node: process.version, rounds: ROUNDS, tasks: out, ...extra }));
  for (const o of out) console.error(`${o.name.padEnd(64)} median ${o.medianNs.toFixed(1).padStart(9)} ns  (rounds ±${o.rmePct.toFixed(0)}%, ${o.samples}x${o.batch})${o.pairedRatio ? `  ${o.pairedRatio.toFixed(2)}x vs OTel (paired)` : ''}`);
  return out;
}

/** Half the interquartile range of the round medians, as % of their median: how much rounds disagreed. */
function spreadPct(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))]!;
  return (50 * (q(0.75) - q(0.25))) / median(xs);
}
