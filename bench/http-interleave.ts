// HTTP overhead, interleaved (npm run bench:http:interleave): every mode's server stays up and each gets a
// SLICE_S slice of autocannon load in turn, K cycles, order rotated; ratios to plain are taken per cycle and
// the median reported. This VM's speed drifts up to 2x over seconds, which a mode-after-mode run (bench/
// http-overhead.ts) turns into ±10% ratio noise; here the drift hits every mode of a cycle alike.
//
// env: K (12), SLICE_S (1), CONNECTIONS (10), MODES (plain,tracewire,tracewire-bare,als; also plain-headers,
// tracewire-otlp, otel; plain required),
// SERVER=thread (bench/thread-http.ts servers: plain,export-off,in-thread,off-thread,otel), NODE_BIN (server
// and sink binary, e.g. $(node scripts/bench-node.mjs 24)), OUT (JSON file, default bench/results/http-interleave.json)
import { execFileSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { hardTimeLimit, load, median as med, NODE_BIN as BIN, startChild, waitFor as wait } from './http/driver.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const THREAD = process.env.SERVER === 'thread';
const MODES = (process.env.MODES ?? (THREAD ? 'plain,export-off,in-thread,off-thread,otel' : 'plain,tracewire,tracewire-bare,als')).split(',').map((s) => s.trim()).filter(Boolean);
const K = Number(process.env.K ?? 12);
const SLICE = Number(process.env.SLICE_S ?? 1);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const OUT = process.env.OUT ?? here('./results/http-interleave.json');
if (!MODES.includes('plain')) throw new Error('MODES must include plain (the reference)');
const ref = THREAD ? 'export-off' : 'plain';

hardTimeLimit((K * MODES.length * (SLICE + 2) + 60) * 1000);
const spawnTs = (file: string, env: Record<string, string>): ChildProcess => startChild(file, env).child;

let sink: ChildProcess | null = null;
if (THREAD || MODES.includes('tracewire-otlp')) sink = spawnTs(here('./http/sink.ts'), {});
const sinkPort = sink ? (await wait<{ port: number }>(sink, 'ready')).port : 0;
const srv: Record<string, { c: ChildProcess; port: number }> = {};
for (const m of MODES) {
  const c = spawnTs(THREAD ? here('./thread-http.ts') : here('./http/server.ts'), { ROLE: 'server', SERVER_MODE: m, SINK_PORT: String(sinkPort) });
  srv[m] = { c, port: (await wait<{ port: number }>(c, 'ready')).port };
}
const serverNode = execFileSync(BIN, ['-v'], { encoding: 'utf8' }).trim();

async function slice(m: string, s: number, rec: boolean): Promise<{ rps: number; p99: number }> {
  const r = await load(srv[m]!.port, s, CONNECTIONS, rec);
  return { rps: r.rps, p99: r.p99Ms };
}

interface Row { rps: number; p99: number; cpu: number; spans: number; main?: number; eldP99?: number }
for (const m of MODES) await slice(m, 2, false); // warm-up: every server optimised before the first cycle
const data: Record<string, Row[]> = Object.fromEntries(MODES.map((m) => [m, []]));
for (let k = 0; k < K; k++) {
  for (const m of MODES.map((_, i) => MODES[(i + k) % MODES.length]!)) {
    const c = srv[m]!.c;
    c.send({ cmd: 'mark' });
    await wait(c, 'marked');
    const r = await slice(m, SLICE, true);
    c.send({ cmd: 'report' });
    const rep = await wait<Record<string, number>>(c, 'report');
    data[m]!.push(THREAD
      ? { ...r, cpu: rep.cpuUs! / rep.requests!, main: rep.mainUs! / rep.requests!, eldP99: rep.eldP99Ms!, spans: rep.exported! / rep.requests! }
      : { ...r, cpu: (rep.cpuUserUs! + rep.cpuSystemUs!) / rep.requests!, spans: rep.spans! / rep.requests! });
  }
}
for (const m of MODES) srv[m]!.c.send({ cmd: 'stop' });
sink?.send({ cmd: 'stop' });

const p = data.plain!;
const q = data[ref] ?? p;
const summary = Object.fromEntries(MODES.map((m) => {
  const d = data[m]!;
  return [m, {
    rps: med(d.map((x) => x.rps)), rpsXPlain: med(d.map((x, i) => x.rps / p[i]!.rps)), p99Ms: med(d.map((x) => x.p99)),
    p99XPlain: med(d.map((x, i) => x.p99 / p[i]!.p99)), p99XRef: med(d.map((x, i) => x.p99 / q[i]!.p99)), cpuUsPerReq: med(d.map((x) => x.cpu)),
    cpuOverPlainUs: med(d.map((x, i) => x.cpu - p[i]!.cpu)), spansPerRequest: med(d.map((x) => x.spans)),
    ...(THREAD ? { mainOverPlainUs: med(d.map((x, i) => x.main! - p[i]!.main!)), loopDelayP99Ms: med(d.map((x) => x.eldP99!)) } : {}),
  }];
}));
console.log(`\ninterleaved: server node ${serverNode} (driver ${process.version}), ${K} cycles × ${SLICE} s per mode, ${CONNECTIONS} connections, 127.0.0.1, ${os.cpus().length} cores, load avg ${os.loadavg()[0]!.toFixed(1)}`);
console.log(`| mode | req/s | ×plain | p99 ms | p99 ×plain | p99 ×${ref} | CPU µs/req | CPU − plain µs/req |${THREAD ? ' main-thread CPU − plain | loop delay p99 ms |' : ''} spans/req |`);
console.log(`|---|---|---|---|---|---|---|---|${THREAD ? '---|---|' : ''}---|`);
for (const m of MODES) {
  const s = summary[m]!;
  console.log(`| ${m} | ${s.rps.toFixed(0)} | ${s.rpsXPlain.toFixed(3)} | ${s.p99Ms.toFixed(3)} | ${s.p99XPlain.toFixed(2)} | ${s.p99XRef.toFixed(2)} | ${s.cpuUsPerReq.toFixed(1)} | ${s.cpuOverPlainUs.toFixed(2)} |${THREAD ? ` ${s.mainOverPlainUs!.toFixed(2)} | ${s.loopDelayP99Ms!.toFixed(2)} |` : ''} ${s.spansPerRequest.toFixed(3)} |`);
}
writeFileSync(OUT, JSON.stringify({ file: 'http-interleave', date: new Date().toISOString(), node: serverNode, driverNode: process.version, cores: os.cpus().length, config: { K, SLICE, CONNECTIONS, MODES, THREAD }, summary, raw: data }, null, 2));
