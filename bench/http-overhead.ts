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
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import os from 'node:os';
import { hardTimeLimit, load as loadFor, median, startChild as start, stopChild as stop, waitFor, type Child } from './http/driver.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION_S = Number(process.env.DURATION_S ?? 8);
const WARMUP_S = Number(process.env.WARMUP_S ?? 2);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const MODES = (process.env.MODES ?? 'plain,tracewire,otel').split(',').map((s) => s.trim()).filter(Boolean);
const HOST = '127.0.0.1';
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const load = (port: number, durationS: number, recordLatency: boolean) => loadFor(port, durationS, CONNECTIONS, recordLatency);

if (!MODES.includes('plain')) throw new Error('MODES must include plain (the reference)');
hardTimeLimit(ROUNDS * MODES.length * (DURATION_S + WARMUP_S + 20) * 1000);

interface ServerReport { node: string; requests: number; spans: number; dropped: number; cpuUserUs: number; cpuSystemUs: number; wallMs: number; rssMiB: number }
interface Run { round: number; mode: string; loadavg: number; rps: number; total: number; non2xx: number; errors: number; timeouts: number; p50Ms: number; p99Ms: number; cpuUsPerReq: number; server: ServerReport; sink?: unknown }

async function oneRun(mode: string, round: number): Promise<Run> {
  const env: Record<string, string> = { SERVER_MODE: mode };
  let sink: Child | null = null;
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
