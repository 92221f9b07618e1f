// AC-007 soak (run by hand: `npm run soak`; not part of npm test): a traced node:http server under a fixed
// moderate load while its OTLP backend misbehaves in a cycle (healthy, refusing, hanging, 500, 429 +
// Retry-After, 400, partial success, reading the body at 1 byte/s), once with the in-thread batcher and once
// with off-thread export. Three processes on 127.0.0.1: this driver (autocannon, per-response latency by
// phase), the server (ROLE=server: withTracing + otlpExporter or threadProcessor, memory samples, counts of
// unhandled rejections / uncaught exceptions) and the sink (ROLE=sink: counts spans it accepted with a 2xx).
// Asserts at the end: no request failed, p99 per phase not far above the healthy phase's, memory bounded,
// ended = exported + dropped + queued with every drop under a named reason, exported <= spans the sink accepted.
// env: DURATION_S (60 per configuration), CYCLES (2), RATE (300 req/s over all connections), CONNECTIONS (10),
// CONFIGS (in-thread,off-thread), WARMUP_S (3, healthy, not measured), OTLP_TIMEOUT_MS (3000), BSP_DELAY_MS (1000), COMPRESSION (none | gzip), END_PHASE (healthy: the backend's state for the last phase and the shutdown),
// SHUTDOWN_MS (20000: tracer.shutdown's deadline), TW_RING (off-thread ring bytes, default 8 MiB), NODE_BIN (see bench/http/driver.ts). Exit code 1 when a check fails.
import http from 'node:http';
import os from 'node:os';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { hardTimeLimit, startChild, stopChild, waitFor, type Child } from './http/driver.js';

const PHASES = ['healthy', 'refuse', 'hang', 'http500', 'http429', 'http400', 'partial', 'slowread'] as const;
type Phase = (typeof PHASES)[number];
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const send = (m: unknown): void => { process.send?.(m); };

/** The backend: its behaviour is the phase the driver last set; it counts the spans it answered 2xx for. */
function sink(): void {
  setTimeout(() => process.exit(3), 900_000).unref();
  process.on('disconnect', () => process.exit(0));
  let phase: Phase = 'healthy';
  const c = { requests: 0, received: 0, accepted: 0, rejected: 0, byPhase: {} as Record<string, number> };
  const sockets = new Set<Socket>();
  const srv = http.createServer((req, res) => {
    const p = phase;
    c.requests++;
    c.byPhase[p] = (c.byPhase[p] ?? 0) + 1;
    if (p === 'slowread') { // 1 byte per second off the socket; never answers (the exporter's timeout ends it)
      req.pause();
      const t = setInterval(() => { req.read(1); }, 1000);
      req.socket.once('close', () => clearInterval(t));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      let n = 0;
      const raw = Buffer.concat(chunks);
      try { for (const rs of JSON.parse((req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw).toString()).resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length; } catch { /* counted as 0 */ }
      c.received += n;
      const json = (status: number, body: unknown, h: Record<string, string> = {}): void => { res.writeHead(status, { 'content-type': 'application/json', ...h }).end(JSON.stringify(body)); };
      if (p === 'hang') return; // body read, never answered
      if (p === 'http500') return json(500, { code: 13, message: 'internal' });
      if (p === 'http429') return json(429, { code: 8, message: 'slow down' }, { 'retry-after': '2' });
      if (p === 'http400') return json(400, { code: 3, message: 'bad request' });
      if (p === 'partial') { const r = Math.ceil(n / 2); c.accepted += n - r; c.rejected += r; return json(200, { partialSuccess: { rejectedSpans: String(r), errorMessage: 'half rejected' } }); }
      c.accepted += n;
      json(200, {});
    });
  });
  srv.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  srv.on('clientError', (_e, s) => s.destroy());
  let port = 0;
  process.on('message', (m: { cmd: string; phase?: Phase }) => {
    if (m.cmd === 'phase') {
      const was = phase;
      phase = m.phase!;
      if (phase === 'refuse') { srv.close(); for (const s of sockets) s.destroy(); } // nothing listens: ECONNREFUSED
      else if (was === 'refuse') srv.listen(port, '127.0.0.1');
      send({ type: 'phased' });
    } else if (m.cmd === 'report') send({ type: 'sink', ...c });
    else if (m.cmd === 'stop') process.exit(0);
  });
  srv.listen(0, '127.0.0.1', () => { port = (srv.address() as AddressInfo).port; send({ type: 'ready', port }); });
}

/** The traced service: 200 'ok' per request; memory sampled every 250 ms, tagged with the phase. */
async function server(): Promise<void> {
  setTimeout(() => process.exit(3), 900_000).unref();
  process.on('disconnect', () => process.exit(0));
  const faults = { unhandledRejections: 0, uncaughtExceptions: 0, last: [] as string[] };
  process.on('unhandledRejection', (e) => { faults.unhandledRejections++; if (faults.last.length < 5) faults.last.push('unhandledRejection: ' + String((e as Error)?.stack ?? e)); });
  process.on('uncaughtException', (e) => { faults.uncaughtExceptions++; if (faults.last.length < 5) faults.last.push('uncaughtException: ' + String(e?.stack ?? e)); });
  const { createTracer } = await import('../src/index.js');
  const { withTracing } = await import('../adapters/http.js');
  const url = `http://127.0.0.1:${process.env.SINK_PORT}/v1/traces`;
  const logs: string[] = [];
  const logger = (m: string): void => { if (logs.length < 200) logs.push(m); };
  // Shorter than the defaults (10 s, 5 s) so every few-second phase sees its own exports, not the last phase's hang.
  const timeoutMs = Number(process.env.OTLP_TIMEOUT_MS ?? 3000), delayMs = Number(process.env.BSP_DELAY_MS ?? 1000);
  const compression = process.env.COMPRESSION === 'gzip' ? 'gzip' as const : 'none' as const;
  let processor;
  if (process.env.SOAK_CONFIG === 'off-thread') {
    const { threadProcessor } = await import('../src/thread/index.js');
    processor = threadProcessor({ exporter: { type: 'otlp', url, timeoutMs, compression }, batch: { scheduledDelayMillis: delayMs }, ringBytes: process.env.TW_RING ? Number(process.env.TW_RING) : undefined, logger });
  } else {
    const { BatchSpanProcessor } = await import('../src/batcher.js');
    const { otlpExporter } = await import('../src/otlp-http.js');
    processor = new BatchSpanProcessor(otlpExporter({ url, timeoutMs, compression, logger }), { scheduledDelayMillis: delayMs, logger });
  }
  const tracer = createTracer({ service: 'soak', processor, logger });
  let phase = 'start';
  const mem: { t: number; phase: string; rss: number; heap: number }[] = [];
  const t0 = Date.now();
  const sample = (): void => { const m = process.memoryUsage(); mem.push({ t: Date.now() - t0, phase, rss: m.rss, heap: m.heapUsed }); };
  setInterval(sample, 250).unref();
  let served = 0;
  const srv = http.createServer(withTracing(tracer, (req, res) => {
    served++;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
    res.end('ok');
  }) as http.RequestListener);
  process.on('message', async (m: { cmd: string; phase?: string }) => {
    if (m.cmd === 'phase') { phase = m.phase!; sample(); }
    else if (m.cmd === 'report') {
      const before = tracer.stats();
      const t = Date.now();
      await tracer.shutdown({ deadlineMs: Number(process.env.SHUTDOWN_MS ?? 20_000) });
      send({ type: 'report', served, before, after: tracer.stats(), shutdownMs: Date.now() - t, mem, faults, logs, node: process.version });
    } else if (m.cmd === 'stop') { srv.close(); srv.closeAllConnections(); process.exit(0); }
  });
  srv.listen(0, '127.0.0.1', () => send({ type: 'ready', port: (srv.address() as AddressInfo).port }));
}

interface Report { served: number; before: Stats; after: Stats; shutdownMs: number; mem: { t: number; phase: string; rss: number; heap: number }[]; faults: { unhandledRejections: number; uncaughtExceptions: number; last: string[] }; logs: string[]; node: string }
interface Stats { ended: number; exported: number; queued: number; dropped: Record<string, number>; thread?: { ended: number; restarts: number }; destinations?: { exports: Record<string, number>; exporter?: Record<string, unknown> }[] }

const KNOWN_REASONS = new Set(['queueFull', 'exportFailed', 'shutdown', 'noExporter', 'processorError', 'tooLarge', 'tracerTableFull', 'abandoned', 'decodeError', 'exporterLost']);

/** ended = exported + dropped + queued, every dropped span under a named reason; a list of problems. */
function balance(s: Stats, label: string): string[] {
  const out: string[] = [];
  const drops = Object.entries(s.dropped);
  const sum = drops.reduce((a, [, v]) => a + v, 0);
  for (const [k, v] of drops) if (v > 0 && !KNOWN_REASONS.has(k)) out.push(`${label}: drop reason ${k} (${v}) is not a documented one`);
  if (s.ended !== s.exported + sum + s.queued) out.push(`${label}: ended ${s.ended} != exported ${s.exported} + dropped ${sum} + queued ${s.queued}`);
  if (s.thread && s.thread.ended !== s.ended) out.push(`${label}: spans ended in the main thread ${s.ended} != thread.ended ${s.thread.ended}`);
  return out;
}

const pct = (xs: number[], p: number): number => { if (xs.length === 0) return NaN; const s = Float64Array.from(xs).sort(); return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!; };
const mib = (b: number): string => (b / 2 ** 20).toFixed(1);

async function driver(): Promise<void> {
  const DURATION_S = Number(process.env.DURATION_S ?? 60);
  const CYCLES = Number(process.env.CYCLES ?? 2);
  const RATE = Number(process.env.RATE ?? 300);
  const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
  const WARMUP_S = Number(process.env.WARMUP_S ?? 3);
  const CONFIGS = (process.env.CONFIGS ?? 'in-thread,off-thread').split(',');
  const END_PHASE = (process.env.END_PHASE ?? 'healthy') as Phase;
  const schedule: Phase[] = [...Array.from({ length: CYCLES }, () => PHASES).flat(), END_PHASE];
  const phaseMs = (DURATION_S * 1000) / schedule.length;
  hardTimeLimit(CONFIGS.length * (DURATION_S + WARMUP_S + 90) * 1000);
  const autocannon = createRequire(import.meta.url)('autocannon') as (o: Record<string, unknown>) => Promise<{ requests: { total: number }; non2xx: number; errors: number; timeouts: number }> & { on(e: string, f: (...a: unknown[]) => void): void };
  const failures: string[] = [];
  for (const config of CONFIGS) {
    const sk: Child = startChild(here('./soak.ts'), { ROLE: 'sink' });
    const { port: sinkPort } = await waitFor<{ port: number }>(sk.child, 'ready');
    const sv: Child = startChild(here('./soak.ts'), { ROLE: 'server', SOAK_CONFIG: config, SINK_PORT: String(sinkPort) });
    try {
      const { port } = await waitFor<{ port: number }>(sv.child, 'ready');
      const lat: Record<string, number[]> = {};
      const errs: Record<string, number> = {};
      let phase: Phase = 'healthy';
      const setPhase = async (p: Phase): Promise<void> => {
        phase = p;
        sk.child.send({ cmd: 'phase', phase: p }); sv.child.send({ cmd: 'phase', phase: p });
        await waitFor(sk.child, 'phased');
      };
      await setPhase('healthy');
      const warm = await autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, overallRate: RATE, duration: WARMUP_S, timeout: 10, renderProgressBar: false, renderResultsTable: false });
      sv.child.send({ cmd: 'phase', phase: 'healthy' }); // memory samples of the warm-up are tagged 'start'
      const inst = autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, overallRate: RATE, duration: DURATION_S, timeout: 10, renderProgressBar: false, renderResultsTable: false });
      inst.on('response', (_c, status, _b, ms) => { (lat[phase] ??= []).push(ms as number); if (status !== 200) errs[phase] = (errs[phase] ?? 0) + 1; });
      inst.on('reqError', () => { errs[phase] = (errs[phase] ?? 0) + 1; });
      const started = Date.now();
      const cycle = (async () => {
        for (let i = 0; i < schedule.length; i++) {
          const wait = started + i * phaseMs - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          await setPhase(schedule[i]!);
          console.error(`${config}: ${((Date.now() - started) / 1000).toFixed(1)} s phase ${schedule[i]}`);
        }
      })();
      const res = await inst;
      await cycle;
      sv.child.send({ cmd: 'report' });
      const r = await waitFor<Report>(sv.child, 'report', 60_000);
      sk.child.send({ cmd: 'report' });
      const s = await waitFor<{ requests: number; received: number; accepted: number; rejected: number; byPhase: Record<string, number> }>(sk.child, 'sink');
      // --- checks ---
      const fail = (m: string): void => { failures.push(`${config}: ${m}`); };
      const failed = res.errors + res.timeouts + res.non2xx;
      if (failed > 0) fail(`${failed} requests failed (errors ${res.errors}, timeouts ${res.timeouts}, non-2xx ${res.non2xx})`);
      for (const m of [...balance(r.before, 'at load end'), ...balance(r.after, 'after shutdown')]) fail(m);
      if (r.after.ended !== r.served) fail(`${r.served} requests served but ${r.after.ended} spans ended (one server span per request)`);
      // every dropped span also said in the rate-limited log lines, with its reason (a counter nobody reads is a silent loss in practice)
      const said: Record<string, number> = {};
      const label: Record<string, string> = { 'queue full': 'queueFull', 'export failed': 'exportFailed', shutdown: 'shutdown', 'too large': 'tooLarge', 'tracer table full': 'tracerTableFull' };
      for (const l of r.logs) for (const m of l.matchAll(/(queue full|export failed|shutdown|too large|tracer table full) (\d+)/g)) said[label[m[1]!]!] = (said[label[m[1]!]!] ?? 0) + Number(m[2]);
      for (const [k, v] of Object.entries(r.after.dropped)) if (v !== (said[k] ?? 0)) fail(`${v} spans dropped as ${k}, ${said[k] ?? 0} said in the log`);
      if (r.after.queued !== 0) fail(`after shutdown ${r.after.queued} spans still queued`);
      if (r.after.exported > s.accepted) fail(`exported ${r.after.exported} > spans the sink accepted ${s.accepted}`);
      if (r.faults.unhandledRejections + r.faults.uncaughtExceptions > 0) fail(`unhandled rejections ${r.faults.unhandledRejections}, uncaught exceptions ${r.faults.uncaughtExceptions}: ${r.faults.last.join(' | ')}`);
      const healthy = lat.healthy ?? [];
      const h99 = pct(healthy, 99);
      // Memory: the second half's peak against the first half's (the same phases), and an absolute ceiling.
      const half = r.mem.length >> 1;
      const peak = (xs: typeof r.mem, k: 'rss' | 'heap'): number => Math.max(...xs.map((x) => x[k]));
      const heap1 = peak(r.mem.slice(0, half), 'heap'), heap2 = peak(r.mem.slice(half), 'heap');
      const rss1 = peak(r.mem.slice(0, half), 'rss'), rss2 = peak(r.mem.slice(half), 'rss');
      if (heap2 > heap1 * 1.25 + 8 * 2 ** 20) fail(`heap peak grew from ${mib(heap1)} MiB (first half) to ${mib(heap2)} MiB (second half)`);
      if (rss2 > 400 * 2 ** 20) fail(`RSS peak ${mib(rss2)} MiB`);
      // --- tables ---
      const rows = [`\n### ${config} (${DURATION_S} s, ${CYCLES} cycles of ${(phaseMs / 1000).toFixed(1)} s phases, ${RATE} req/s offered, ${CONNECTIONS} connections, server node ${r.node})\n`,
        '| backend phase | requests | failed | p50 ms | p99 ms | p99 / healthy p99 | server RSS max MiB | heap used max MiB | export requests at the sink |', '|---|---|---|---|---|---|---|---|---|'];
      for (const p of PHASES) {
        const xs = lat[p] ?? [];
        const ms = r.mem.filter((x) => x.phase === p);
        const ratio = pct(xs, 99) / h99;
        // a phase whose p99 is both 3x the healthy one and 20 ms above it: the backend slowed requests
        if (p !== 'healthy' && ratio > 3 && pct(xs, 99) - h99 > 20) fail(`phase ${p}: p99 ${pct(xs, 99).toFixed(2)} ms vs healthy ${h99.toFixed(2)} ms`);
        rows.push(`| ${p} | ${xs.length} | ${errs[p] ?? 0} | ${pct(xs, 50).toFixed(2)} | ${pct(xs, 99).toFixed(2)} | ${ratio.toFixed(2)} | ${ms.length ? mib(peak(ms, 'rss')) : '-'} | ${ms.length ? mib(peak(ms, 'heap')) : '-'} | ${s.byPhase[p] ?? 0} |`);
      }
      const d = (x: Stats): string => Object.entries(x.dropped).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
      const ex = r.after.destinations?.[0]?.exports;
      rows.push('', `- requests: ${res.requests.total} completed (+ ${warm.requests.total} in the warm-up; the server saw ${r.served}, one span each), ${failed} failed (errors ${res.errors}, timeouts ${res.timeouts}, non-2xx ${res.non2xx})`,
        `- memory (sampled every 250 ms): RSS peak ${mib(rss1)} MiB first half, ${mib(rss2)} MiB second half; heap used peak ${mib(heap1)} → ${mib(heap2)} MiB; last sample RSS ${mib(r.mem.at(-1)!.rss)} MiB, heap ${mib(r.mem.at(-1)!.heap)} MiB`,
        `- at load end: ended ${r.before.ended} = exported ${r.before.exported} + dropped ${Object.values(r.before.dropped).reduce((a, b) => a + b, 0)} (${d(r.before)}) + queued ${r.before.queued}`,
        `- after shutdown (${r.shutdownMs} ms): ended ${r.after.ended} = exported ${r.after.exported} + dropped (${d(r.after)}) + queued ${r.after.queued}${ex ? `; exports ${JSON.stringify(ex)}` : ''}${r.after.thread ? `; export thread restarts ${r.after.thread.restarts}` : ''}`,
        `- sink: ${s.requests} requests, ${s.received} spans received in bodies it read whole, ${s.accepted} accepted (2xx), ${s.rejected} rejected by partial success; tracer exported ${r.after.exported}`,
        `- unhandled rejections ${r.faults.unhandledRejections}, uncaught exceptions ${r.faults.uncaughtExceptions}; tracewire log lines ${r.logs.length}, saying ${JSON.stringify(said)}`);
      console.log(rows.join('\n'));
      for (const l of r.logs.slice(0, 12)) console.error(`  log: ${l.slice(0, 220)}`);
    } finally {
      await stopChild(sv);
      await stopChild(sk);
    }
  }
  console.log(`\nmachine: ${os.cpus()[0]?.model} × ${os.cpus().length}, driver node ${process.version}`);
  console.log(failures.length === 0 ? 'SOAK OK: every check passed' : `SOAK FAILED:\n- ${failures.join('\n- ')}`);
  process.exit(failures.length === 0 ? 0 : 1);
}

if (process.env.ROLE === 'sink') sink();
else if (process.env.ROLE === 'server') await server();
else await driver();
