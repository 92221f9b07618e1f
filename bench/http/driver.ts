// Load-test plumbing shared by bench/http-overhead.ts, bench/thread-http.ts and bench/http-interleave.ts:
// TS child processes on NODE_BIN (killed on a hard time limit), IPC waits, autocannon runs with per-response
// latency (hrtime, as the baseline: autocannon's own histogram has 1 ms resolution), medians.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

/** Server and sink binary: NODE_BIN (e.g. $(node scripts/bench-node.mjs 24)), default this process's node. */
export const NODE_BIN = process.env.NODE_BIN || process.execPath;
const register = fileURLToPath(new URL('../../scripts/register.mjs', import.meta.url));
const autocannon = createRequire(import.meta.url)('autocannon') as (o: Record<string, unknown>) => Promise<AutocannonResult> & { on(e: string, f: (...a: unknown[]) => void): void };
interface AutocannonResult { requests: { average: number; total: number }; non2xx: number; errors: number; timeouts: number }

export interface Child { child: ChildProcess; exited: Promise<unknown> }
const started = new Set<number>();

/** Fork a .ts file on NODE_BIN with the TS loader, an IPC channel and `env` added. */
export function startChild(file: string, env: Record<string, string>): Child {
  const child = fork(file, [], { execPath: NODE_BIN, execArgv: ['--import', register], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  started.add(child.pid!);
  return { child, exited: new Promise((r) => child.once('exit', r)) };
}

/** Ask a child to stop; SIGKILL after 5 s. */
export async function stopChild(p: Child): Promise<void> {
  if (p.child.connected) p.child.send({ cmd: 'stop' });
  const t = setTimeout(() => { try { process.kill(p.child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5000);
  await p.exited;
  clearTimeout(t);
  started.delete(p.child.pid!);
}

/** Hard bound on the whole run, whatever hangs: every child is killed and the process exits 2. */
export function hardTimeLimit(ms: number): void {
  setTimeout(() => {
    console.error('hard time limit reached, stopping');
    for (const pid of started) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    process.exit(2);
  }, ms).unref();
}

/** The next IPC message of `type` from `child`. */
export function waitFor<T>(child: ChildProcess, type: string, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${type}`)), timeoutMs);
    const on = (m: { type?: string }): void => {
      if (m && m.type === type) { clearTimeout(t); child.off('message', on); resolve(m as T); }
    };
    child.on('message', on);
  });
}

export interface LoadResult { rps: number; total: number; non2xx: number; errors: number; timeouts: number; p50Ms: number; p99Ms: number; p999Ms: number }

/**
 * autocannon against 127.0.0.1:port for `durationS`; latency percentiles only when `recordLatency`.
 * `rate` (req/s over all connections) offers a fixed load instead of as many requests as the server takes.
 */
export async function load(port: number, durationS: number, connections: number, recordLatency: boolean, rate?: number): Promise<LoadResult> {
  const lat = new Float64Array(4_000_000);
  let n = 0;
  const inst = autocannon({ url: `http://127.0.0.1:${port}/`, connections, pipelining: 1, duration: durationS, timeout: 10, renderProgressBar: false, renderResultsTable: false, ...(rate ? { overallRate: rate } : {}) });
  if (recordLatency) inst.on('response', (_c, _s, _b, ms) => { if (n < lat.length) lat[n++] = ms as number; });
  const res = await inst;
  const sorted = lat.subarray(0, n).sort();
  return { rps: res.requests.average, total: res.requests.total, non2xx: res.non2xx, errors: res.errors, timeouts: res.timeouts, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), p999Ms: percentile(sorted, 99.9) };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
