// HTTP overhead on loopback (npm run bench:http; not part of npm run bench), the method of
// ../shared/otel-baseline/bench/06-http-overhead.mjs: per round and per mode a fresh server process
// (bench/http/server.ts), a warm-up, then autocannon from THIS process; client req/s and per-response
// latency (hrtime, as the baseline: autocannon's histogram has 1 ms resolution), server CPU per request
// from process.cpuUsage() in the server. Modes alternate within each round (order rotated per round).
//
// env: ROUNDS (3), DURATION_S (8), WARMUP_S (2), CONNECTIONS (10), MODES (plain,tracewire,otel; also
// tracewire-otlp: OTLP/JSON to a sink process; tracewire-bare: no trace response headers; als: AsyncLocalStorage
// entered per request, no span),
// NODE_BIN (the node binary of the server and sink processes, default this one's; another major version
// for benchmarks: NODE_BIN=$(node scripts/bench-node.mjs 24) npm run bench:http), OUT (JSON results file,
// default bench/results/http.json)
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import os from 'node:os';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION_S = Number(process.env.DURATION_S ?? 8);
const WARMUP_S = Number(process.env.WARMUP_S ?? 2);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const MODES = (process.env.MODES ?? 'plain,tracewire,otel').split(',').map((s) => s.trim()).filter(Boolean);
const HOST = '127.0.0.1';
const NODE_BIN = process.env.NODE_BIN || process.execPath;
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const register = here('../scripts/register.mjs');
const autocannon = createRequire(import.meta.url)('autocannon') as (o: Record<string, unknown>) => Promise<AutocannonResult> & { on(e: string, f: (...a: unknown[]) => void): void };
interface AutocannonResult { requests: { average: number; total: number }; non2xx: number; errors: number; timeouts: number; latency: { p50: number; p99: number } }

if (!MODES.includes('plain')) throw new Error('MODES must include plain (the reference)');
const started = new Set<number>();
// Hard bound on the whole run, whatever hangs.
const hardStop = setTimeout(() => {
  console.error('hard time limit reached, stopping');
  for (const pid of started) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  process.exit(2);
}, ROUNDS * MODES.length * (DURATION_S + WARMUP_S + 20) * 1000);
hardStop.unref();

function waitFor<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${type}`)), timeoutMs);
    const on = (m: { type?: string }): void => {
      if (m && m.type === type) { clearTimeout(t); child.off('message', on); resolve(m as T); }
    };
    child.on('message', on);
  });
}
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

async function load(port: number, durationS: number, recordLatency: boolean) {
  const lat = new Float64Array(4_000_000);
  let n = 0;
  const inst = autocannon({ url: `http://${HOST}:${port}/`, connections: CONNECTIONS, pipelining: 1, duration: durationS, timeout: 10, renderProgressBar: false, renderResultsTable: false });
  if (recordLatency) inst.on('response', (_c, _s, _b, ms) => { if (n < lat.length) lat[n++] = ms as number; });
  const res = await inst;
  const sorted = lat.subarray(0, n).sort();
  return { rps: res.requests.average, total: res.requests.total, non2xx: res.non2xx, errors: res.errors, timeouts: res.timeouts, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}

function start(path: string, env: Record<string, string>): { child: ChildProcess; exited: Promise<unknown> } {
  const child = fork(path, [], { execPath: NODE_BIN, execArgv: ['--import', register], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  started.add(child.pid!);
  return { child, exited: new Promise((r) => child.once('exit', r)) };
}
async function stop(p: { child: ChildProcess; exited: Promise<unknown> }): Promise<void> {
  if (p.child.connected) p.child.send({ cmd: 'stop' });
  const t = setTimeout(() => { try { process.kill(p.child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5000);
  await p.exited;
  clearTimeout(t);
  started.delete(p.child.pid!);
}

interface ServerReport { node: string; requests: number; spans: number; dropped: number; cpuUserUs: number; cpuSystemUs: number; wallMs: number; rssMiB: number }
interface Run { round: number; mode: string; loadavg: number; rps: number; total: number; non2xx: number; errors: number; timeouts: number; p50Ms: number; p99Ms: number; cpuUsPerReq: number; server: ServerReport; sink?: unknown }

async function oneRun(mode: string, round: number): Promise<Run> {
  const env: Record<string, string> = { SERVER_MODE: mode };
  let sink: { child: ChildProcess; exited: Promise<unknown> } | null = null;
  if (mode === 'tracewire-otlp') {
    sink = start(here('./http/sink.ts'), {});
    env.SINK_PORT = String((await waitFor<{ port: number }>(sink.child, 'ready', 15_000)).port);
  }
  const srv = start(here('./http/server.ts'), env);
  try {
    const ready = await waitFor<{ port: number; node: string }>(srv.child, 'ready', 15_000);
    serverNode.add(ready.node);
    await load(ready.port, WARMUP_S, false);
    srv.child.send({ cmd: 'mark' });
    await waitFor(srv.child, 'marked', 5000);
    const client = await load(ready.port, DURATION_S, true);
    srv.child.send({ cmd: 'report' });
    const server = await waitFor<ServerReport>(srv.child, 'report', 5000);
    let sinkReport: unknown;
    if (sink !== null) { sink.child.send({ cmd: 'report' }); sinkReport = await waitFor(sink.child, 'sink', 5000); }
    const cpuUsPerReq = (server.cpuUserUs + server.cpuSystemUs) / server.requests;
    const loadavg = os.loadavg()[0]!; // other processes on the machine skew every number: recorded per run
    console.error(`round ${round} ${mode.padEnd(14)} ${client.rps.toFixed(0).padStart(6)} req/s  p50 ${client.p50Ms.toFixed(3)} ms  p99 ${client.p99Ms.toFixed(3)} ms  CPU ${cpuUsPerReq.toFixed(1)} µs/req  spans ${server.spans}/${server.requests} req  dropped ${server.dropped}  errors ${client.errors}  non2xx ${client.non2xx}  load ${loadavg.toFixed(1)}`);
    return { round, mode, loadavg, ...client, cpuUsPerReq, server, sink: sinkReport };
  } finally {
    await stop(srv);
    if (sink !== null) await stop(sink);
  }
}

const serverNode = new Set<string>(); // the servers' node version(s): NODE_BIN may differ from this process's
const runs: Run[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const order = MODES.map((_, i) => MODES[(i + round - 1) % MODES.length]!); // rotate: no mode always runs first
  for (const mode of order) runs.push(await oneRun(mode, round));
}

const stat = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const summary: Record<string, { rps: ReturnType<typeof stat>; p50Ms: ReturnType<typeof stat>; p99Ms: ReturnType<typeof stat>; cpuUsPerReq: ReturnType<typeof stat>; spansPerRequest: number; dropped: number }> = {};
for (const mode of MODES) {
  const rs = runs.filter((r) => r.mode === mode);
  summary[mode] = {
    rps: stat(rs.map((r) => r.rps)), p50Ms: stat(rs.map((r) => r.p50Ms)), p99Ms: stat(rs.map((r) => r.p99Ms)), cpuUsPerReq: stat(rs.map((r) => r.cpuUsPerReq)),
    spansPerRequest: rs.reduce((a, r) => a + r.server.spans, 0) / rs.reduce((a, r) => a + r.server.requests, 0),
    dropped: rs.reduce((a, r) => a + r.server.dropped, 0),
  };
}
/** Ratios to plain, paired within each round (same machine state), then the median over rounds. */
const paired: Record<string, { rps: number; p99: number; cpu: number }> = {};
for (const mode of MODES) {
  const rps: number[] = []; const p99: number[] = []; const cpu: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const p = runs.find((r) => r.round === round && r.mode === 'plain')!;
    const m = runs.find((r) => r.round === round && r.mode === mode)!;
    rps.push(m.rps / p.rps); p99.push(m.p99Ms / p.p99Ms); cpu.push(m.cpuUsPerReq / p.cpuUsPerReq);
  }
  paired[mode] = { rps: median(rps), p99: median(p99), cpu: median(cpu) };
}

const f = (x: number, d = 0): string => x.toFixed(d);
console.log(`\nHTTP overhead, ${ROUNDS} rounds × ${DURATION_S} s (+${WARMUP_S} s warm-up), ${CONNECTIONS} connections, ${HOST}, server node ${[...serverNode].join(',')} (load generator node ${process.version}), ${os.cpus().length} cores`);
console.log('| mode | req/s median [min–max] | ×plain (paired) | p50 ms | p99 ms | p99 ×plain (paired) | server CPU µs/req | CPU ×plain | spans/req | dropped |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const mode of MODES) {
  const s = summary[mode]!;
  const p = paired[mode]!;
  console.log(`| ${mode} | ${f(s.rps.median)} [${f(s.rps.min)}–${f(s.rps.max)}] | ${f(p.rps, 3)} | ${f(s.p50Ms.median, 3)} | ${f(s.p99Ms.median, 3)} | ${f(p.p99, 2)} | ${f(s.cpuUsPerReq.median, 1)} | ${f(p.cpu, 2)} | ${f(s.spansPerRequest, 3)} | ${s.dropped} |`);
}
const maxLoad = Math.max(...runs.map((r) => r.loadavg));
if (maxLoad > os.cpus().length) console.log(`\nwarning: 1-min load average reached ${maxLoad.toFixed(1)} on ${os.cpus().length} cores during the run: other processes shared the CPUs, numbers are noisy (server CPU µs/req is the least affected)`);
if (paired.tracewire) {
  const tw = paired.tracewire;
  console.log(`\ngoal: tracewire keeps ≥95% of plain throughput: ${tw.rps >= 0.95 ? 'met' : 'NOT met'} (${f(tw.rps * 100, 1)}%); adds <10% to p99: ${tw.p99 < 1.1 ? 'met' : 'NOT met'} (+${f((tw.p99 - 1) * 100, 1)}%)`);
}
const out = { file: 'http-overhead', date: new Date().toISOString(), node: [...serverNode].join(','), driverNode: process.version, cores: os.cpus().length, cpu: os.cpus()[0]?.model, config: { ROUNDS, DURATION_S, WARMUP_S, CONNECTIONS, MODES, HOST, pipelining: 1 }, summary, paired, runs };
const outFile = process.env.OUT || here('./results/http.json');
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(out, null, 2) + '\n');
console.log('RESULT ' + JSON.stringify({ ...out, runs: undefined }));
