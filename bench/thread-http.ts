// Off-thread export under HTTP load (run by hand: node --import ./scripts/register.mjs bench/thread-http.ts).
// Method of ../shared/otel-baseline/bench/06-http-overhead.mjs: per round and mode a fresh server process
// (this file, ROLE=server), warm-up, then autocannon from this process on 127.0.0.1; client req/s and
// per-response latency; in the server: CPU per request and event-loop delay (monitorEventLoopDelay).
// Modes: plain · export-off (withTracing, spans ended and dropped: tracing without export) · in-thread
// (batcher + OTLP/HTTP JSON to a sink process, encoding on the event loop) · off-thread (threadProcessor,
// same exporter in the export thread) · otel (instrumentation-http, BatchSpanProcessor, no-op exporter, as
// the baseline). The sink is bench/http/sink.ts (its own process); EXPORT=encode replaces it with an exporter
// that encodes and discards (where encoding runs, without the cost of the export traffic); EXPORT=discard
// (off-thread) makes the export thread decode and drop each batch (the main thread's hand-off alone).
// env: ROUNDS (2), DURATION_S (6), WARMUP_S (2), CONNECTIONS (10), MODES (all of the above), TW_NICE (export
// thread nice value, default 10), PIN=1 (Linux, 2+ cores: the server's main thread alone on CPU 0; autocannon,
// the sink and the export thread (found by its nice value) on CPU 1: a machine with a core to spare for export),
// IDLE=1 (Linux, with PIN=1: the sink and the export thread run SCHED_IDLE, so they only take CPU 1's cycles that the
// load generator leaves: on 2 cores the nearest thing to a spare core for export and a backend on another machine),
// TW_RING (export ring bytes), RATE (req/s offered over all connections; default: as many as the server takes),
// NODE_BIN (node binary of the server and sink processes, default this one's; another major version for
// benchmarks: NODE_BIN=$(node scripts/bench-node.mjs 24) node --import ./scripts/register.mjs bench/thread-http.ts).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type * as Http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { readFileSync, readdirSync } from 'node:fs';
import { hardTimeLimit, load as loadFor, median, startChild, stopChild, waitFor } from './http/driver.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

if (process.env.ROLE === 'server') await server();
else await driver();

/** CPU time of the main thread alone, µs (Linux /proc: utime + stime of the task whose tid is the pid, 100 Hz ticks). */
function mainThreadCpuUs(): number {
  try {
    const st = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10_000;
  } catch { return NaN; }
}

async function server(): Promise<void> {
  const MODE = process.env.SERVER_MODE ?? 'plain';
  setTimeout(() => process.exit(3), 300_000).unref();
  process.on('disconnect', () => process.exit(0));
  type Handler = (req: Http.IncomingMessage, res: Http.ServerResponse) => void;
  let wrap = (h: Handler): Handler => h;
  let stats = (): { exported: number; dropped: number } => ({ exported: 0, dropped: 0 });
  let shutdown = (): Promise<void> => Promise.resolve();
  if (MODE === 'otel') {
    const p = './http/otel-register.mjs';
    const otel = (await import(p)) as { exporter: { exportedSpans: number }; bsp: { _finishedSpans: unknown[] }; provider: { shutdown(): Promise<void> } };
    stats = () => ({ exported: otel.exporter.exportedSpans + otel.bsp._finishedSpans.length, dropped: 0 });
    shutdown = () => otel.provider.shutdown();
  } else if (MODE !== 'plain') {
    const { createTracer } = await import('../src/index.js');
    const { withTracing } = await import('../adapters/http.js');
    const url = `http://127.0.0.1:${process.env.SINK_PORT}/v1/traces`;
    let processor;
    // EXPORT=encode: an exporter that encodes OTLP JSON and discards it (no sink, no sockets): isolates where
    // the encoding runs from the cost of the export traffic itself.
    const encodeOnly = process.env.EXPORT === 'encode';
    const encoderUrl = new URL('../src/otlp-json.ts', import.meta.url).href;
    const ENCODE_ONLY = `import { OtlpJsonEncoder } from '${encoderUrl}'; export default () => { const e = new OtlpJsonEncoder(); return { name: 'encode-only', async export(spans) { e.encode(spans); return { ok: true }; } }; };`;
    // EXPORT=discard (off-thread only): the export thread reads and decodes the ring, then drops the batch:
    // almost no CPU on the other core, so what is left of off-thread's cost is the main thread's hand-off.
    const DISCARD = `export default () => ({ name: 'discard', async export() { return { ok: true }; } });`;
    if (MODE === 'off-thread') {
      const { threadProcessor } = await import('../src/thread/index.js');
      const inline = (src: string) => ({ type: 'module' as const, module: 'data:text/javascript,' + encodeURIComponent(src) });
      const exporter = encodeOnly ? inline(ENCODE_ONLY) : process.env.EXPORT === 'discard' ? inline(DISCARD) : { type: 'otlp' as const, url };
      processor = threadProcessor({ exporter, niceness: process.env.TW_NICE === undefined ? undefined : Number(process.env.TW_NICE), ringBytes: process.env.TW_RING ? Number(process.env.TW_RING) : undefined });
    } else if (MODE === 'in-thread') {
      const { BatchSpanProcessor } = await import('../src/batcher.js');
      const { otlpExporter } = await import('../src/otlp-http.js');
      const { OtlpJsonEncoder } = await import('../src/otlp-json.js');
      const e = new OtlpJsonEncoder();
      processor = new BatchSpanProcessor(encodeOnly ? { name: 'encode-only', async export(spans) { e.encode(spans); return { ok: true }; } } : otlpExporter({ url }));
    } else {
      processor = { onEnd(s: { release(): void }) { s.release(); }, async forceFlush() {}, async shutdown() {}, stats: () => ({ enqueued: 0, exported: 0, queued: 0, dropped: { queueFull: 0, exportFailed: 0, shutdown: 0, noExporter: 0 } }) };
    }
    const tracer = createTracer({ service: 'thread-http-bench', processor: processor as never });
    // exported + queued: spans still in the ring or the batcher at the report instant count (export lags by design)
    stats = () => { const s = tracer.stats(); return { exported: s.exported + s.queued, dropped: s.dropped.queueFull + s.dropped.exportFailed + s.dropped.shutdown }; };
    shutdown = () => tracer.shutdown({ deadlineMs: 2000 });
    wrap = (h) => withTracing(tracer, h) as Handler;
  }
  const http = createRequire(import.meta.url)('http') as typeof Http;
  let requests = 0;
  const srv = http.createServer(wrap((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
    res.end('ok');
  }));
  const eld = monitorEventLoopDelay({ resolution: 1 });
  let mark = { cpu: process.cpuUsage(), requests: 0, exported: 0, elu: performance.eventLoopUtilization(), main: mainThreadCpuUs() };
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'mark') {
      mark = { cpu: process.cpuUsage(), requests, exported: stats().exported, elu: performance.eventLoopUtilization(), main: mainThreadCpuUs() };
      eld.reset(); eld.enable();
      process.send!({ type: 'marked' });
    } else if (m.cmd === 'report') {
      eld.disable();
      const cpu = process.cpuUsage(mark.cpu);
      const s = stats();
      const elu = performance.eventLoopUtilization(mark.elu); // the main thread alone: what the host's requests compete with
      process.send!({ type: 'report', requests: requests - mark.requests, exported: s.exported - mark.exported, dropped: s.dropped, loopUs: elu.active * 1000, mainUs: mainThreadCpuUs() - mark.main,
        cpuUs: cpu.user + cpu.system, eldP50Ms: eld.percentile(50) / 1e6, eldP99Ms: eld.percentile(99) / 1e6, eldMaxMs: eld.max / 1e6 });
    } else if (m.cmd === 'stop') {
      srv.close(); srv.closeAllConnections();
      const done = (): never => process.exit(0);
      shutdown().then(done, done);
    }
  });
  srv.listen(0, '127.0.0.1', () => process.send!({ type: 'ready', port: (srv.address() as AddressInfo).port, node: process.version }));
}

/** sched_setaffinity for one thread (a tid) or process; bench only. */
function pin(tid: number, cpu: number): void {
  spawnSync('taskset', ['-pc', String(cpu), String(tid)], { stdio: 'ignore' });
}

/** SCHED_IDLE for one thread (`all` = every thread of a process); bench only. */
function idle(id: number, all = false): void {
  spawnSync('chrt', [...(all ? ['-a'] : []), '-i', '-p', '0', String(id)], { stdio: 'ignore' });
}

/** Threads of `pid` whose nice value is `nice` (the export thread renices itself; nothing else does). */
function threadsWithNice(pid: number, nice: number): number[] {
  const out: number[] = [];
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const st = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      if (Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[16]) === nice) out.push(Number(t));
    }
  } catch { /* gone */ }
  return out;
}

async function driver(): Promise<void> {
  const ROUNDS = Number(process.env.ROUNDS ?? 2);
  const DURATION_S = Number(process.env.DURATION_S ?? 6);
  const WARMUP_S = Number(process.env.WARMUP_S ?? 2);
  const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
  const RATE = process.env.RATE ? Number(process.env.RATE) : undefined;
  const MODES = (process.env.MODES ?? 'plain,export-off,in-thread,off-thread,otel').split(',');
  const serverNode = new Set<string>(); // NODE_BIN's version, as the servers report it
  hardTimeLimit(ROUNDS * MODES.length * (DURATION_S + WARMUP_S + 20) * 1000);
  const start = startChild;
  const stop = stopChild;
  const load = async (port: number, s: number, record: boolean) => {
    const r = await loadFor(port, s, CONNECTIONS, record, RATE);
    return { rps: r.rps, p50: r.p50Ms, p99: r.p99Ms, p999: r.p999Ms, errors: r.errors + r.non2xx };
  };

  const PIN = process.env.PIN === '1';
  const IDLE = PIN && process.env.IDLE === '1';
  if (PIN) pin(process.pid, 1);
  const sink = start(here('./http/sink.ts'), {});
  if (PIN) pin(sink.child.pid!, 1);
  if (IDLE) idle(sink.child.pid!, true);
  const sinkPort = (await waitFor<{ port: number }>(sink.child, 'ready')).port;
  const runs: { round: number; mode: string; rps: number; p50: number; p99: number; p999: number; errors: number; cpuPerReq: number; loopPerReq: number; mainPerReq: number; eldP50Ms: number; eldP99Ms: number; eldMaxMs: number; exported: number; requests: number; load: number }[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (let k = 0; k < MODES.length; k++) {
        const mode = MODES[(k + round - 1) % MODES.length]!;
        const srv = start(here('./thread-http.ts'), { ROLE: 'server', SERVER_MODE: mode, SINK_PORT: String(sinkPort) });
        try {
          const { port, node } = await waitFor<{ port: number; node: string }>(srv.child, 'ready');
          serverNode.add(node);
          await load(port, WARMUP_S, false);
          if (PIN) {
            pin(srv.child.pid!, 0); // the main thread only: affinity is per thread
            for (const tid of threadsWithNice(srv.child.pid!, Number(process.env.TW_NICE ?? 10))) { pin(tid, 1); if (IDLE) idle(tid); }
          }
          srv.child.send({ cmd: 'mark' }); await waitFor(srv.child, 'marked');
          const c = await load(port, DURATION_S, true);
          srv.child.send({ cmd: 'report' });
          const r = await waitFor<{ requests: number; exported: number; dropped: number; cpuUs: number; loopUs: number; mainUs: number; eldP50Ms: number; eldP99Ms: number; eldMaxMs: number }>(srv.child, 'report');
          const run = { round, mode, ...c, cpuPerReq: r.cpuUs / r.requests, loopPerReq: r.loopUs / r.requests, mainPerReq: r.mainUs / r.requests, eldP50Ms: r.eldP50Ms, eldP99Ms: r.eldP99Ms, eldMaxMs: r.eldMaxMs, exported: r.exported, requests: r.requests, load: os.loadavg()[0]! };
          runs.push(run);
          console.error(`round ${round} ${mode.padEnd(11)} ${c.rps.toFixed(0).padStart(6)} req/s  p50 ${c.p50.toFixed(3)}  p99 ${c.p99.toFixed(3)}  p99.9 ${c.p999.toFixed(3)} ms  loop delay p99 ${r.eldP99Ms.toFixed(2)} max ${r.eldMaxMs.toFixed(2)} ms  CPU ${run.mainPerReq.toFixed(1)} µs/req main thread, ${run.cpuPerReq.toFixed(1)} all threads  exported ${r.exported}/${r.requests} (dropped ${r.dropped} in all)  load ${run.load.toFixed(1)}`);
        } finally { await stop(srv); }
      }
    }
  } finally { await stop(sink); }

  const med = median;
  const pairedTo = (ref: string, mode: string, k: 'rps' | 'p99' | 'p999'): number => med(Array.from({ length: ROUNDS }, (_, i) => {
    const a = runs.find((r) => r.round === i + 1 && r.mode === mode)!, b = runs.find((r) => r.round === i + 1 && r.mode === ref)!;
    return a[k] / b[k];
  }));
  console.log(`\n${ROUNDS} rounds × ${DURATION_S} s, ${CONNECTIONS} connections${RATE ? `, ${RATE} req/s offered` : ''}${PIN ? ', pinned' : ''}${IDLE ? ', sink and export thread SCHED_IDLE' : ''}, server node ${[...serverNode].join(',')} (load generator node ${process.version}), ${os.cpus().length} cores`);
  console.log('| mode | req/s | ×plain | p50 ms | p99 ms | p99 ×export-off | p99.9 ms | p99.9 ×export-off | loop delay p99 / max ms | main-thread CPU µs/req | CPU µs/req (all threads) | spans/req |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const mode of MODES) {
    const rs = runs.filter((r) => r.mode === mode);
    const m = (k: keyof (typeof rs)[number]): number => med(rs.map((r) => r[k] as number));
    const vsOff = MODES.includes('export-off') ? pairedTo('export-off', mode, 'p99').toFixed(2) : '-';
    const vsOff999 = MODES.includes('export-off') ? pairedTo('export-off', mode, 'p999').toFixed(2) : '-';
    const vsPlain = MODES.includes('plain') ? pairedTo('plain', mode, 'rps').toFixed(3) : '-';
    console.log(`| ${mode} | ${m('rps').toFixed(0)} | ${vsPlain} | ${m('p50').toFixed(3)} | ${m('p99').toFixed(3)} | ${vsOff} | ${m('p999').toFixed(3)} | ${vsOff999} | ${m('eldP99Ms').toFixed(2)} / ${m('eldMaxMs').toFixed(2)} | ${m('mainPerReq').toFixed(1)} | ${m('cpuPerReq').toFixed(1)} | ${(rs.reduce((a, r) => a + r.exported, 0) / rs.reduce((a, r) => a + r.requests, 0)).toFixed(3)} |`);
  }
  console.log('RESULT ' + JSON.stringify({ file: 'thread-http', node: [...serverNode].join(','), driverNode: process.version, config: { ROUNDS, DURATION_S, WARMUP_S, CONNECTIONS, RATE, MODES, PIN, IDLE, EXPORT: process.env.EXPORT ?? 'sink' }, runs }));
}
