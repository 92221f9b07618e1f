import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTracer, SpanKind } from '../src/index.js';
import type { Span } from '../src/span.js';
import { fileExporter, consoleExporter, memoryExporter, formatSpan } from '../src/exporters-local.js';
import { CaptureProcessor } from './helpers/capture.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-exporters-'));
const cap = new CaptureProcessor();
const tracer = createTracer({ service: 'local-test', processor: cap, env: {} });
const signal = new AbortController().signal;
function spans(n: number, pad = 0): Span[] {
  cap.spans.length = 0;
  for (let i = 0; i < n; i++) tracer.startSpan('op-' + i, { root: true, attributes: { i, pad: 'x'.repeat(pad) } }).end();
  return cap.spans.slice() as Span[];
}
const lines = (f: string) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean);
const spanCount = (line: string) => JSON.parse(line).resourceSpans[0].scopeSpans[0].spans.length;

test('file: one OTLP JSON ExportTraceServiceRequest per line, appended', async () => {
  const f = path.join(dir, 'a.jsonl');
  const e = fileExporter({ path: f });
  assert.equal(await e.export(spans(3), signal), { ok: true });
  assert.equal(await e.export(spans(2), signal), { ok: true });
  await e.shutdown();
  const l = lines(f);
  assert.is(l.length, 2);
  assert.equal(l.map(spanCount), [3, 2]);
  const again = fileExporter({ path: f });
  await again.export(spans(1), signal);
  await again.shutdown();
  assert.is(lines(f).length, 3, 'appends to an existing file');
});

test('file: a batch over the line cap (maxLineBytes) is written as several whole lines, not cut; a span alone over it is left out and counted', async () => {
  const f = path.join(dir, 'split.jsonl');
  const e = fileExporter({ path: f, maxLineBytes: 8192 });
  const batch = spans(40, 500); // ~ 40 * 650 B: about 3 lines' worth
  assert.equal(await e.export(batch, signal), { ok: true });
  const l = lines(f);
  assert.ok(l.length >= 3, `${l.length} lines`);
  for (const line of l) assert.ok(Buffer.byteLength(line) + 1 <= 8192, 'each line under the cap');
  const ids = l.flatMap((line) => JSON.parse(line).resourceSpans[0].scopeSpans[0].spans.map((x: { name: string }) => x.name));
  assert.equal(ids, batch.map((x) => x.name), 'every span once, in order');
  cap.spans.length = 0;
  const v = 'x'.repeat(4000); // 3 values of the 4096-char limit: one span over 8 KiB
  tracer.startSpan('big', { root: true, attributes: { a: v, b: v, c: v } }).end();
  const big = cap.spans.slice() as Span[];
  const mixed = [...spans(2), ...big, ...spans(2)];
  const r = await e.export(mixed, signal);
  assert.is(r.ok, true);
  assert.is(r.rejected, 1);
  assert.is((r.error as { code?: string }).code, 'TW_ERR_OTLP_TOO_LARGE');
  await e.shutdown();
  const after = lines(f).slice(l.length).flatMap((line) => JSON.parse(line).resourceSpans[0].scopeSpans[0].spans.length);
  assert.is(after.reduce((a, b) => a + b, 0), 4, 'the four that fit are written');
  assert.throws(() => fileExporter({ path: f, maxLineBytes: 10 }), /maxLineBytes/);
});

/** A stream for the exporter's file whose writes complete only when the test says: `done(i)` calls back write i. */
function heldStream(e: unknown, f: string) {
  fs.writeFileSync(f, '');
  const st = fs.statSync(f); // the stream below stands for this (live) file
  const chunks: Buffer[] = [];
  const callbacks: ((err: Error | null) => void)[] = [];
  Object.assign((e as { file: object }).file, { stream: { write: (b: Buffer, cb: (err: Error | null) => void) => { chunks.push(Buffer.from(b)); callbacks.push(cb); }, end(cb?: () => void) { cb?.(); }, once() {}, on() {} }, ino: st.ino, dev: st.dev });
  return { chunks, callbacks };
}
const until = async (cond: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(cond(), what);
};
const turns = async (n = 20): Promise<void> => { for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r)); };

test('AC-007 file: a batch over maxLineBytes goes to the file one line at a time, the next encoded only once the previous is written; the export settles after the last line (memory: one line, not the batch)', async () => {
  const e = fileExporter({ path: path.join(dir, 'lazy.jsonl'), maxLineBytes: 8192 });
  const { chunks, callbacks } = heldStream(e, path.join(dir, 'lazy.jsonl'));
  const batch = spans(40, 500); // about 3 lines' worth
  const progress = { delivered: 0, rejected: 0 };
  let result: unknown = null;
  const p = e.export(batch, signal, progress).then((r) => (result = r));
  await until(() => callbacks.length === 1, 'the first line is written');
  await turns();
  assert.is(callbacks.length, 1, 'the second line waits for the first');
  assert.ok(chunks[0]!.length <= 8192, `${chunks[0]!.length} bytes handed to the stream: one line, not the batch`);
  assert.is(chunks[0]![chunks[0]!.length - 1], 10, 'a whole line, newline included');
  assert.is(progress.delivered, 0);
  const first = spanCount(chunks[0]!.toString('utf8'));
  callbacks[0]!(null);
  await until(() => callbacks.length === 2, 'then the second');
  assert.is(progress.delivered, first, 'a written line counts as delivered');
  assert.is(result, null, 'not settled before the whole batch is written');
  for (let i = 1; result === null; i++) { await until(() => callbacks.length > i || result !== null, `line ${i}`); if (callbacks[i]) callbacks[i]!(null); await turns(2); }
  await p;
  assert.equal(result, { ok: true });
  assert.is(progress.delivered, 40);
  const names = chunks.flatMap((c) => c.toString('utf8').split('\n').filter(Boolean)).flatMap((l) => JSON.parse(l).resourceSpans[0].scopeSpans[0].spans.map((x: { name: string }) => x.name));
  assert.equal(names, batch.map((x) => x.name), 'every span once, in order');
  for (const c of chunks) assert.ok(c.length <= 8192);
});

test('AC-007 file: aborted while a line of its batch is being written, an export settles at once and reads none of its spans afterwards; the next export is written whole', async () => {
  const f = path.join(dir, 'lazy-abort.jsonl');
  const e = fileExporter({ path: f, maxLineBytes: 8192 });
  const { chunks, callbacks } = heldStream(e, f);
  const batch = spans(40, 500);
  const ac = new AbortController();
  const p = e.export(batch, ac.signal);
  await until(() => callbacks.length === 1, 'the first line is being written');
  ac.abort();
  assert.is(errCode(await settle(p)), 'TW_ERR_FILE_ABORTED');
  batch.length = 0; // the caller may reuse its array once the export settled (the batcher does)
  const next = spans(2);
  const q = e.export(next, signal);
  callbacks[0]!(null); // the stuck write completes: no more line of the aborted batch
  await until(() => callbacks.length === 2, 'the next export is written');
  assert.is(spanCount(chunks[1]!.toString('utf8')), 2);
  callbacks[1]!(null);
  assert.equal(await q, { ok: true });
  assert.is(chunks.length, 2);
});

test('AC-007 file: the batcher gives up on a batch (export timeout) while a later line is stuck: the lines already written count as exported, the rest as exportFailed', async () => {
  const f = path.join(dir, 'lazy-timeout.jsonl');
  const e = fileExporter({ path: f, maxLineBytes: 8192 });
  const { chunks, callbacks } = heldStream(e, f);
  const t = createTracer({ service: 'local-test', exporter: e, env: {}, logger: () => {}, batch: { maxExportBatchSize: 64, exportTimeoutMillis: 300, reportIntervalMs: 0 } });
  for (let i = 0; i < 40; i++) t.startSpan('op-' + i, { root: true, attributes: { i, pad: 'x'.repeat(500) } }).end();
  const flushed = t.forceFlush();
  await until(() => callbacks.length === 1, 'the first line is being written');
  callbacks[0]!(null); // the second line's write never completes
  await flushed;
  const first = spanCount(chunks[0]!.toString('utf8'));
  const s = t.stats();
  assert.is(s.exported, first);
  assert.is(s.dropped.exportFailed, 40 - first);
  assert.is(s.ended, s.exported + s.dropped.exportFailed + s.queued);
  await t.shutdown({ deadlineMs: 50 });
});

test('file: a write error after some lines of a batch were written: ok with the rest rejected (TW_ERR_FILE_WRITE), not the whole batch failed', async () => {
  const f = path.join(dir, 'lazy-error.jsonl');
  const e = fileExporter({ path: f, maxLineBytes: 8192 });
  const { chunks, callbacks } = heldStream(e, f);
  const p = e.export(spans(40, 500), signal);
  await until(() => callbacks.length === 1, 'the first line');
  callbacks[0]!(null);
  await until(() => callbacks.length === 2, 'the second line');
  callbacks[1]!(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
  const r = await p;
  assert.is(r.ok, true);
  assert.is(r.rejected, 40 - spanCount(chunks[0]!.toString('utf8')));
  assert.is(errCode(r), 'TW_ERR_FILE_WRITE');
  assert.is((e.stats() as { writeErrors: number }).writeErrors, 1);
});

test('file: batches of several lines through the batcher, attribute storage recycled between them: every span on disk with its own attributes', async () => {
  const f = path.join(dir, 'lazy-recycle.jsonl');
  const t = createTracer({ service: 'local-test', exporter: fileExporter({ path: f, maxLineBytes: 8192 }), env: {}, batch: { maxExportBatchSize: 32 } });
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 32; i++) { const k = round * 32 + i; t.startSpan('op-' + k, { root: true, attributes: { k, v: 'v' + k + '-'.repeat(400) } }).end(); }
    await t.forceFlush();
  }
  await t.shutdown({ deadlineMs: 5000 });
  const all = lines(f).flatMap((l) => JSON.parse(l).resourceSpans[0].scopeSpans[0].spans);
  assert.is(all.length, 128);
  assert.ok(lines(f).length > 4, 'several lines per batch');
  for (const x of all) {
    const k = Number(x.name.slice(3));
    const attrs = Object.fromEntries(x.attributes.map((a: { key: string; value: Record<string, unknown> }) => [a.key, Object.values(a.value)[0]]));
    assert.equal([attrs.k, attrs.v], [String(k), 'v' + k + '-'.repeat(400)], x.name);
  }
  assert.is(t.stats().exported, 128);
});

test('file: a batch the encoder cannot even group (not spans) fails that export at once and the queue goes on', async () => {
  const f = path.join(dir, 'garbage.jsonl');
  const e = fileExporter({ path: f });
  const bad = await settle(Promise.resolve().then(() => e.export([{}, null] as never, signal)).catch((err) => ({ ok: false, error: err })));
  assert.not.equal(bad, 'pending');
  assert.is((bad as { ok: boolean }).ok, false);
  assert.equal(await settle(e.export(spans(2), signal)), { ok: true });
  await e.shutdown();
  assert.equal(lines(f).map(spanCount), [2]);
});

test('file: rotated by size into path.1 (newest) … path.(maxFiles-1); nothing older is kept', async () => {
  const f = path.join(dir, 'rot.jsonl');
  const e = fileExporter({ path: f, maxBytes: 3000, maxFiles: 3 });
  for (let i = 0; i < 12; i++) assert.equal(await e.export(spans(2, 500), signal), { ok: true });
  await e.shutdown();
  const files = fs.readdirSync(dir).filter((x) => x.startsWith('rot.jsonl')).sort();
  assert.equal(files, ['rot.jsonl', 'rot.jsonl.1', 'rot.jsonl.2']);
  for (const x of files) assert.ok(fs.statSync(path.join(dir, x)).size <= 3000, x);
  for (const x of files) for (const l of lines(path.join(dir, x))) assert.is(spanCount(l), 2);
  assert.ok((e.stats() as { rotations: number }).rotations >= 4);
  const one = fileExporter({ path: path.join(dir, 'one.jsonl'), maxBytes: 1500, maxFiles: 1 });
  for (let i = 0; i < 4; i++) await one.export(spans(2, 500), signal);
  await one.shutdown();
  assert.equal(fs.readdirSync(dir).filter((x) => x.startsWith('one.jsonl')), ['one.jsonl']);
});

test('file: the live file renamed (logrotate create), deleted, or copied and truncated by someone else: later lines go to the live path, none into the rotated or deleted file', async () => {
  const f = path.join(dir, 'ext-rotate.jsonl');
  const e = fileExporter({ path: f, maxBytes: 1_000_000 });
  assert.equal(await e.export(spans(1), signal), { ok: true });
  fs.renameSync(f, f + '-20261121'); // logrotate `create`: rename, then a new empty file
  fs.writeFileSync(f, '');
  assert.equal(await e.export(spans(2), signal), { ok: true });
  assert.equal(lines(f + '-20261121').map(spanCount), [1]);
  assert.equal(lines(f).map(spanCount), [2]);
  fs.unlinkSync(f); // deleted outright
  assert.equal(await e.export(spans(3), signal), { ok: true });
  assert.equal(lines(f).map(spanCount), [3]);
  fs.copyFileSync(f, f + '-copy'); // copytruncate: same file, emptied
  fs.truncateSync(f, 0);
  assert.equal(await e.export(spans(1), signal), { ok: true });
  assert.equal(lines(f).map(spanCount), [1]);
  assert.is(fs.readFileSync(f, 'utf8').charCodeAt(0), '{'.charCodeAt(0)); // written at the new end, no hole of NULs
  assert.is((e.stats() as { reopened: number }).reopened, 2);
  await e.shutdown();
});

test('file: a line cut short (disk full, a crash mid-write) is ended before the next one, which is not glued to it and lost', async () => {
  const f = path.join(dir, 'torn.jsonl');
  fs.writeFileSync(f, '{"resourceSpans":[{"resource":{"attri'); // what ENOSPC/EFBIG leaves of a line
  const e = fileExporter({ path: f });
  assert.equal(await e.export(spans(2), signal), { ok: true });
  assert.equal(await e.export(spans(1), signal), { ok: true });
  await e.shutdown();
  const l = lines(f);
  assert.is(l.length, 3);
  assert.throws(() => JSON.parse(l[0]!));
  assert.equal(l.slice(1).map(spanCount), [2, 1]);
  const clean = path.join(dir, 'clean.jsonl'); // a complete file gets no empty line
  const c = fileExporter({ path: clean });
  await c.export(spans(1), signal); await c.shutdown();
  const c2 = fileExporter({ path: clean });
  await c2.export(spans(1), signal); await c2.shutdown();
  assert.is(fs.readFileSync(clean, 'utf8').split('\n').length, 3);
});

test('file: a write error is a counted failure, never an unhandled stream error', async () => {
  const e = fileExporter({ path: path.join(dir, 'no-such-dir', 'x.jsonl') });
  const r = await e.export(spans(1), signal);
  assert.is(r.ok, false);
  assert.is((r.error as { code?: string }).code, 'TW_ERR_FILE_WRITE');
  assert.is((e.stats() as { writeErrors: number }).writeErrors, 1);
  await e.shutdown();
  assert.throws(() => fileExporter({} as never), /path/);
});

test('file: concurrent exports (several tracers sharing one exporter) are all written, in call order', async () => {
  const f = path.join(dir, 'shared.jsonl');
  const e = fileExporter({ path: f });
  const rs = await Promise.all([1, 2, 3, 4, 5].map((n) => e.export(spans(n), signal)));
  assert.ok(rs.every((r) => r.ok), JSON.stringify(rs));
  await e.shutdown();
  assert.equal(lines(f).map(spanCount), [1, 2, 3, 4, 5]);
});

/** The result, or 'pending' if it has not settled within a second (a hang is the failure being tested). */
const settle = <T>(p: Promise<T>): Promise<T | 'pending'> => new Promise((resolve) => { const t = setTimeout(() => resolve('pending'), 1000); p.then((v) => { clearTimeout(t); resolve(v); }); });
const errCode = (r: unknown) => (r as { error?: { code?: string } }).error?.code;

test('AC-007 file: a write that never completes (stuck FIFO, hung mount) pins one line at most; aborted exports let go at once; past 32768 waiting spans, new ones fail at once', async () => {
  const stuck = path.join(dir, 'stuck.jsonl');
  const e = fileExporter({ path: stuck });
  let writes = 0;
  fs.writeFileSync(stuck, '');
  const st = fs.statSync(stuck); // the stream below stands for this (live) file
  // The exporter's file (rotating-file.ts) gets a stream whose write callback never comes
  Object.assign((e as unknown as { file: object }).file, { stream: { write: () => { writes++; }, end() {}, once() {}, on() {} }, ino: st.ino, dev: st.dev });
  const queued = () => (e.stats() as { queuedSpans: number }).queuedSpans;
  const ac1 = new AbortController();
  const p1 = e.export(spans(2), ac1.signal); // being written, forever
  for (let i = 0; i < 1000 && writes === 0; i++) await new Promise((r) => setTimeout(r, 5)); // once the live file's identity is checked
  for (let i = 0; i < 5; i++) { // what the batcher does: each later export times out and is aborted
    const ac = new AbortController();
    const p = e.export(spans(2, 1000), ac.signal);
    assert.is(queued(), 2);
    ac.abort();
    assert.is(errCode(await settle(p)), 'TW_ERR_FILE_ABORTED', `export ${i} settles at its abort`);
    assert.is(queued(), 0, 'its spans are let go');
  }
  ac1.abort();
  assert.is(errCode(await settle(p1)), 'TW_ERR_FILE_ABORTED');
  assert.is(writes, 1);
  // callers that never abort: batches wait up to 32768 spans, then new exports fail at once instead of piling up
  const big = spans(512);
  const waiting: Promise<unknown>[] = [];
  let refused: unknown = null;
  for (let i = 0; i < 80 && refused === null; i++) {
    const p = e.export(big, signal);
    const r = await Promise.race([p, new Promise((res) => setImmediate(() => res('waiting')))]);
    if (r === 'waiting') waiting.push(p); else refused = r;
  }
  assert.is(errCode(refused), 'TW_ERR_FILE_BUSY');
  assert.is(waiting.length, 64);
  assert.is(queued(), 32768);
  assert.is((e.stats() as { refused: number }).refused, 1);
  assert.is(writes, 1);
});

test('file: through the tracer and batcher, shutdown leaves every span on disk', async () => {
  const f = path.join(dir, 'tracer.jsonl');
  const t = createTracer({ service: 'file-e2e', exporter: fileExporter({ path: f }), env: {}, batch: { maxExportBatchSize: 16 } });
  for (let i = 0; i < 40; i++) t.startSpan('s', { root: true }).end();
  await t.shutdown({ deadlineMs: 5000 });
  assert.is(lines(f).map(spanCount).reduce((a, b) => a + b, 0), 40);
  assert.is(t.stats().exported, 40);
});

test('console: one readable line per span', async () => {
  let out = '';
  const e = consoleExporter({ write: (s) => { out += s; } });
  cap.spans.length = 0;
  const p = tracer.startSpan('GET /items/:id', { kind: SpanKind.SERVER, root: true, attributes: { 'http.request.method': 'GET', note: 'two words', n: 3 } }) as Span;
  const c = tracer.startSpan('SELECT', { kind: SpanKind.CLIENT, parent: p }) as Span;
  c.setStatus(2, 'boom');
  c.addEvent('retry');
  c.end(); p.end();
  await e.export(cap.spans, signal);
  const l = out.split('\n').filter(Boolean);
  assert.is(l.length, 2);
  assert.match(l[0]!, /^\d{4}-\d\d-\d\dT.*Z CLIENT "SELECT" \d+\.\d{3}ms ERROR "boom" trace=[0-9a-f]{32} span=[0-9a-f]{16} parent=[0-9a-f]{16} service=local-test event="retry"$/);
  assert.match(l[1]!, 'SERVER "GET /items/:id"');
  assert.match(l[1]!, 'parent=- service=local-test http.request.method=GET note="two words" n=3');
  assert.is(formatSpan(p), l[1]);
  let wrote = '';
  const orig = process.stdout.write;
  process.stdout.write = ((s: string) => { wrote += s; return true; }) as never;
  try { await consoleExporter().export([p], signal); } finally { process.stdout.write = orig; }
  assert.is(wrote, l[1] + '\n');
});

test('AC-007 console: attribute keys, values, service and names with control, C1 or bidi characters are escaped; a key cannot fake pairs or lines', async () => {
  let out = '';
  const cp = new CaptureProcessor();
  const t = createTracer({ service: 'svc\x1b[31m', processor: cp, env: {} });
  const s = t.startSpan('n\x1b[2J', { root: true, attributes: { 'k\x1b[31m\nfake=1': 'v', csi: 'a\u009b31mb', del: 'x\x7fy', bidi: 'abc\u202edef', ls: 'a\u2028b', arr: ['\u009b2J'], empty: '' } });
  s.addEvent('e\x1b[1m');
  s.end();
  await consoleExporter({ write: (x) => { out += x; } }).export(cp.spans as Span[], signal);
  const unsafe = [...out.slice(0, -1)].filter((c) => { const n = c.charCodeAt(0); return n < 0x20 || (n >= 0x7f && n <= 0x9f) || (n >= 0x202a && n <= 0x202e) || n === 0x2028; });
  assert.equal(unsafe, []);
  assert.is(out.split('\n').length, 2); // one line, then the final newline
  assert.ok(out.includes(' "k\\u001b[31m\\nfake=1"=v '));
  assert.ok(out.includes('service="svc\\u001b[31m"'));
  assert.ok(out.includes('csi="a\\u009b31mb"') && out.includes('bidi="abc\\u202edef"') && out.includes('del="x\\u007fy"') && out.includes('empty=""'));
  assert.is(JSON.parse(/csi=("[^"]*")/.exec(out)![1]!), 'a\u009b31mb'); // still JSON: the same value parses back
});

test('AC-007 console: stdout closed under it (`app | head`: EPIPE) fails its exports, counted, and never ends the host', async () => {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-epipe-'));
  const script = path.join(dir, 'app.ts');
  // the loader's worker thread pipes its stdout into process.stdout: a listener that rethrows when it is the only one
  fs.writeFileSync(script, `import { createTracer, consoleExporter } from ${JSON.stringify(path.join(root, 'src/index.ts'))};
const t = createTracer({ service: 's', exporter: consoleExporter(), batch: { scheduledDelayMillis: 1 } });
let i = 0;
const iv = setInterval(() => {
  t.startSpan('op' + i++).end();
  if (i > 150) { clearInterval(iv); void t.forceFlush().then(() => process.stderr.write('alive ' + JSON.stringify(t.stats().dropped) + '\\n')); }
}, 2);
`);
  const child = spawn(process.execPath, ['--import', path.join(root, 'scripts', 'register.mjs'), script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  child.stdout.once('data', () => child.stdout.destroy()); // the reader goes away after the first line
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
  assert.is(code, 0, err);
  assert.not.match(err, 'Unhandled', err);
  const m = /alive (\{.*\})/.exec(err);
  assert.ok(m, err);
  assert.ok(JSON.parse(m![1]!).exportFailed > 0, 'the failed writes are counted drops');
  assert.match(err, 'TW_ERR_CONSOLE_WRITE');
});

test('memory: keeps spans, reset(), forced failures on demand', async () => {
  const m = memoryExporter();
  assert.ok(m.keepsSpans);
  await m.export(spans(2), signal);
  assert.is(m.spans.length, 2);
  m.reset();
  assert.is(m.spans.length, 0);
  m.fail('result');
  assert.is((await m.export(spans(1), signal)).ok, false);
  m.fail('reject');
  await m.export(spans(1), signal).then(() => assert.unreachable(), (e) => assert.match(String(e), 'forced rejection'));
  m.fail('throw');
  assert.throws(() => m.export(spans(1), signal), /forced throw/);
  m.fail('partial');
  assert.equal(await m.export(spans(3), signal), { ok: true, rejected: 1 });
  m.fail('hang');
  const ac = new AbortController();
  const p = m.export(spans(1), ac.signal);
  ac.abort();
  assert.is((await p).ok, false);
  m.fail(null);
  const slow = memoryExporter({ delayMs: 5 });
  assert.equal(await slow.export(spans(1), signal), { ok: true });
  assert.is(slow.spans.length, 1);
  assert.is(m.concurrent, 0);
});

test('(cleanup)', () => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
