// Shared tinybench harness: every task runs `batch` operations per sample (spreads the ~50 ns timer
// cost), results are per single operation; one `RESULT {json}` line per file for scripts/bench.mjs.
import { Bench } from 'tinybench';

export const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 1500);
export const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 500);

/** Results land here so V8 cannot drop the measured work as dead code. */
export const sink: { v: unknown; n: number } = { v: undefined, n: 0 };

export interface Task { name: string; batch: number; fn: () => void | Promise<void>; group?: string; impl?: 'tracewire' | 'otel' | 'ref' }
export interface TaskResult { name: string; group?: string; impl?: string; batch: number; samples: number; meanNs: number; medianNs: number; rmePct: number }

export function check(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error('bench preflight failed: ' + msg);
}

export async function runTasks(file: string, tasks: Task[], extra: Record<string, unknown> = {}): Promise<TaskResult[]> {
  const bench = new Bench({ time: TIME_MS, warmupTime: WARMUP_MS, warmupIterations: 20, iterations: 20, timestampProvider: 'hrtimeNow' } as never);
  for (const t of tasks) bench.add(t.name, t.fn);
  await bench.run();
  const out: TaskResult[] = [];
  for (const t of tasks) {
    const r = (bench.getTask(t.name) as any).result;
    if (r.state !== 'completed') throw new Error(`${t.name}: ${r.state} ${r.error ?? ''}`);
    out.push({ name: t.name, group: t.group, impl: t.impl, batch: t.batch, samples: r.latency.samplesCount, meanNs: (r.latency.mean * 1e6) / t.batch, medianNs: (r.latency.p50 * 1e6) / t.batch, rmePct: r.latency.rme });
  }
  console.log('RESULT ' + JSON.stringify({ file, node: process.version, tasks: out, ...extra }));
  for (const o of out) console.error(`${o.name.padEnd(64)} median ${o.medianNs.toFixed(1).padStart(9)} ns  mean ${o.meanNs.toFixed(1).padStart(9)} ns  (±${o.rmePct.toFixed(1)}%, ${o.samples}x${o.batch})`);
  return out;
}
