// `tracewire demo`: the README's first command. Runs a small traced platform on loopback, sends a bounded
// number of requests, writes the spans to a JSON-lines OTLP file (or a collector with --otlp), prints
// trace IDs from the response headers and one waterfall, then stops everything it started.
import { closeSync, openSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTracer, type Tracer } from '../src/index.js';
import { DEFAULT_FILE, EXIT_FINDING, EXIT_OK, UsageError, num, out, styleFor, type Command, type Values } from './args.js';
import { startPlatform, callUntraced, type Tracers } from './demo-platform.js';
import { fileExporter, memoryExporter } from '../src/exporters-local.js';
import { otlpExporter } from '../src/otlp-http.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';
import type { SpanExporter } from '../src/exporter.js';
import { traceOf } from './check.js';
import { Model } from './model.js';
import { buildTree } from './tree.js';
import { decodeRequest } from './decode.js';
import { readFiles } from './read.js';
import { summarize, renderWaterfall } from './view.js';
import { canRewrite, clean, StatusLine } from './term.js';

const isDirectory = (p: string): boolean => { try { return statSync(p).isDirectory(); } catch { return false; } };

interface Sent { traceId: string | null; status: number }

async function load(n: number, url: string, concurrency: number, tick: (done: number) => void): Promise<Sent[]> {
  const sent: Sent[] = new Array(n);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const k = next++;
      try {
        const r = await callUntraced(`${url}?k=${k}`);
        sent[k] = { traceId: traceOf(r.headers)?.traceId ?? null, status: r.status };
      } catch {
        sent[k] = { traceId: null, status: 0 };
      }
      tick(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return sent;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run a small traced platform locally (no backend needed) and write its spans to a file',
  usage: `Usage: tracewire demo [options]

Starts ingress, auth, orchestration, data-service and a queue worker on 127.0.0.1 in this process, sends
a bounded number of requests (with a retried call, an occasional failure and one legacy client that drops
the trace context), writes the spans as OTLP/JSON lines, prints trace IDs from the response headers and
the waterfall of one trace, then shuts everything down.

Options:
  -f, --file <path>   where to write spans (default ./${DEFAULT_FILE}; appended to); a directory:
                      ${DEFAULT_FILE} in it
  --otlp <url>        send to an OTLP/HTTP JSON collector instead (e.g. http://127.0.0.1:4318/v1/traces)
  --requests <n>      how many requests (default 40, at most 10000)
  --color, --no-color force colours on or off
  -h, --help          this help`,
  options: { file: { type: 'string', short: 'f' }, otlp: { type: 'string' }, requests: { type: 'string' }, color: { type: 'boolean' }, 'no-color': { type: 'boolean' } },
  positionals: 0,
  async run(v: Values): Promise<number> {
    const n = num(v, 'requests', 40, 1, 10_000);
    let otlpUrl: string | undefined;
    if (typeof v.otlp === 'string') {
      try { otlpUrl = new URL(v.otlp).href; } catch { throw new UsageError(`--otlp expects a URL, got '${clean(v.otlp, 100)}'`); }
    }
    // a directory (a mounted volume) gets the default file name in it, where `view --file <dir>` reads
    let file = otlpUrl === undefined ? resolve(typeof v.file === 'string' ? v.file : DEFAULT_FILE) : undefined;
    if (file !== undefined && isDirectory(file)) file = join(file, DEFAULT_FILE);
    // before the platform starts: an unwritable path is one clear error, not a run whose every export fails
    if (file !== undefined) {
      try { closeSync(openSync(file, 'a')); } catch (e) {
        throw new UsageError(`cannot write ${clean(file, 300)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    const st = styleFor(v);
    const err = process.stderr;
    // one destination shared by the five tracers (one file, appends in order), plus memory for the waterfall
    const dest: SpanExporter = otlpUrl !== undefined ? otlpExporter({ url: otlpUrl, timeoutMs: 5000, env: {} }) : fileExporter({ path: file!, maxBytes: 256 * 1024 * 1024 });
    const memory = memoryExporter();
    const mk = (service: string): Tracer => createTracer({
      service, serviceVersion: '1.0.0', exporter: [dest, memory], resource: { 'deployment.environment.name': 'demo' }, env: {},
      batch: { scheduledDelayMs: 200 }, logger: (m) => err.write(`[tracewire ${service}] ${clean(m, 300)}\n`),
    });
    const tracers: Tracers = { ingress: mk('ingress'), auth: mk('auth'), orchestration: mk('orchestration'), data: mk('data-service'), worker: mk('worker') };
    const platform = await startPlatform(tracers);
    let sent: Sent[];
    try {
      err.write(`tracewire demo: 5 services on 127.0.0.1, sending ${n} requests to ${platform.ingressUrl}\n`);
      const tty = canRewrite(err);
      const line = new StatusLine(err);
      sent = await load(n, platform.ingressUrl, 4, (done) => {
        if (tty) line.set(`  ${'█'.repeat(Math.round((done / n) * 30)).padEnd(30, '·')} ${done}/${n}`);
        else if (done === n || done % Math.max(1, Math.ceil(n / 4)) === 0) err.write(`  ${done}/${n} requests\n`);
      });
      if (tty) err.write('\n');
      await platform.drained();
    } finally {
      await platform.close();
      // a collector that never answers must not hold the demo: shutdown gives up after the deadline
      await Promise.all(Object.values(tracers).map((t: Tracer) => t.shutdown({ deadlineMs: 3000 })));
    }
    const ok = sent.filter((s) => s.status >= 200 && s.status < 300).length;
    const ids = sent.filter((s) => s.traceId !== null);
    out(st.bold(`\nSent ${n} requests: ${ok} succeeded, ${n - ok} failed (on purpose: the data-service fails now and then).`));
    const lost = Object.values(tracers).reduce((a, t: Tracer) => { const d = t.stats().dropped; return a + d.exportFailed + d.queueFull + d.shutdown; }, 0);
    if (lost > 0) out(st.red(`${lost} span exports failed or were dropped (see the warnings above)`));
    out(`${memory.spans.length} spans ${otlpUrl !== undefined ? `sent to ${clean(otlpUrl, 200)}` : `written to ${file}`}`);
    out('\nTrace IDs, from the responses\' x-trace-id / server-timing headers:');
    for (const s of ids.slice(0, 5)) out(`  ${s.traceId}  HTTP ${s.status}`);
    // the waterfall of a trace that shows the most: a retry, else the first one
    const model = new Model();
    if (file !== undefined) await readFiles([file], model, { warn: (m) => err.write(m + '\n') });
    else decodeRequest(JSON.parse(new OtlpJsonEncoder().encode(memory.spans).toString('utf8')), model);
    model.index();
    let pick = -1;
    for (const s of ids) {
      const t = model.traceNumber(s.traceId!);
      if (t < 0) continue;
      if (pick < 0) pick = t;
      const spans = model.spansOf(t);
      if (s.status === 200 && spans.some((g) => model.resend[g]! > 0)) { pick = t; break; }
    }
    if (pick < 0) {
      out(st.red('\nNo trace of this run was found in the exported spans.'));
      return EXIT_FINDING;
    }
    const id = model.traceIds[pick]!;
    out(`\n${renderWaterfall(summarize(model, buildTree(model, pick), id, false), st, process.stdout.columns || 120)}`);
    if (file === undefined) {
      out(`\nLook these trace IDs up in your tracing backend; \`tracewire check <url>\` tests your own service's propagation.`);
      return EXIT_OK;
    }
    const f = resolve(DEFAULT_FILE) !== file ? ` --file ${JSON.stringify(file)}` : '';
    out(`\nNext, try:
  npx tracewire view ${id}${f}      # this trace again (--json for machines)
  npx tracewire services${f}        # dependency graph, latency per service and operation
  npx tracewire audit${f}           # finds the worker's legacy call that drops the trace context
  npx tracewire report${f} --out tracewire-report.html   # one self-contained HTML file
  npx tracewire check <url>         # the trace-context contract against your own service`);
    return EXIT_OK;
  },
};
