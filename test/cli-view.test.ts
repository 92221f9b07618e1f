// AC-004: look a trace up by its ID in the span files and see the whole path — driven as a user does:
// `node bin/tracewire.mjs view ...` in a child process, real files in a tmp dir, output and exit codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { otlpLine, id16, id32, synthTrace, type SynthSpan } from '../cli/synth.js';

import { cli as run, ROOT } from './helpers/cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-view-'));
const cli = (args: string[], o: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {}) => run(args, { cwd: dir, ...o });

const T = id32(1, 0xabc);
const [ROOTID, C1, S1, C2, S2, DB, ORPH] = [0, 1, 2, 3, 4, 5, 6].map((i) => id16(i, 0x77));
const trace: SynthSpan[] = [
  { trace: T, id: ROOTID!, service: 'gateway', name: 'GET /checkout', kind: 2, start: 0, dur: 100, http: 200 },
  { trace: T, id: C1!, parent: ROOTID, service: 'gateway', name: 'POST', kind: 3, start: 5, dur: 35, http: 503, status: 2 },
  { trace: T, id: S1!, parent: C1, service: 'orders', name: 'POST /orders', kind: 2, start: 6, dur: 32, http: 503, status: 2 },
  { trace: T, id: C2!, parent: ROOTID, service: 'gateway', name: 'POST', kind: 3, start: 45, dur: 50, http: 200, resend: 1 },
  { trace: T, id: S2!, parent: C2, service: 'orders', name: 'POST /orders', kind: 2, start: 46, dur: 48, http: 200 },
  { trace: T, id: DB!, parent: S2, service: 'orders', name: 'SELECT orders', kind: 3, start: 50, dur: 40, attrs: { 'db.system.name': 'postgresql' } },
  { trace: T, id: ORPH!, parent: id16(99, 0x77), service: 'orders', name: 'POST /callback', kind: 2, start: 10, dur: 5, http: 200 },
];
const other: SynthSpan[] = [{ trace: id32(2, 0xabc), id: id16(0, 0x88), service: 'gateway', name: 'GET /other', kind: 2, start: 0, dur: 3, http: 200 }];
const file = join(dir, 'spans.jsonl');
writeFileSync(file, otlpLine(trace.slice(0, 4)) + '\n' + otlpLine(other) + '\n' + otlpLine(trace.slice(4)) + '\n');

test('AC-004 view: the whole path as a waterfall tree, parents before children, with HTTP codes, retries, errors', async () => {
  const r = await cli(['view', T, '--file', file]);
  assert.is(r.code, 0, r.err);
  const lines = r.out.split('\n');
  assert.match(lines[0]!, `Trace ${T}`);
  assert.match(lines[0]!, '7 spans · 2 services · 100.0ms · 2 errors');
  assert.match(lines[0]!, '1 orphan span');
  const one = await cli(['view', other[0]!.trace, '--file', file]);
  assert.match(one.out.split('\n')[0]!, '  1 span · 1 service · ', 'singular');
  const idx = (s: string, from = 0): number => lines.findIndex((l, i) => i >= from && l.includes(s));
  const root = idx('GET /checkout');
  const first = idx('POST /orders');
  const retry = idx('↻ retry #1');
  const second = idx('POST /orders', first + 1);
  const db = idx('SELECT orders');
  assert.ok(root > 0 && root < first && first < retry && retry < second && second < db, lines.join('\n'));
  assert.match(lines[first - 1]!, /503/);
  assert.match(lines[first]!, /ERROR\s+503/);
  assert.match(lines[retry]!, /gateway\s+└ POST/);
  assert.match(lines[second]!, /orders\s+└ POST \/orders/); // depth shown by indentation: under the retried call
  assert.ok(lines[db]!.indexOf('└ SELECT') > lines[second]!.indexOf('└ POST'));
  assert.match(r.out, /POST \/callback.*parent 0077000000000064 not in trace/);
  // the self-time table by service
  assert.match(r.out, /gateway\s+3\s+/);
});

test('AC-004 view: a message consumed under a link (batch, mode: link) is its own trace; each side lists the other, by ID', async () => {
  const P = id32(3, 0xabc), C = id32(4, 0xabc), C2 = id32(5, 0xabc);
  const [IN, PUB, CON, WORK, OTHER] = [0, 1, 2, 3, 4].map((i) => id16(i, 0x99));
  const producer: SynthSpan[] = [
    { trace: P, id: IN!, service: 'orders', name: 'POST /orders', kind: 2, start: 0, dur: 20, http: 202 },
    { trace: P, id: PUB!, parent: IN, service: 'orders', name: 'publish orders', kind: 4, start: 5, dur: 2 },
  ];
  const consumer: SynthSpan[] = [
    { trace: C, id: CON!, service: 'worker', name: 'process orders', kind: 5, start: 50, dur: 30, links: [{ trace: P, id: PUB! }] },
    { trace: C, id: WORK!, parent: CON, service: 'worker', name: 'charge', kind: 1, start: 55, dur: 20 },
    // a consumer linked to some other trace: listed nowhere here
    { trace: C2, id: OTHER!, service: 'worker', name: 'process orders', kind: 5, start: 60, dur: 3, links: [{ trace: id32(9, 0xabc), id: id16(9, 0x99) }] },
  ];
  const f = join(dir, 'linked.jsonl');
  writeFileSync(f, otlpLine(producer) + '\n' + otlpLine(consumer) + '\n');
  const p = await cli(['view', P, '--file', f]);
  assert.is(p.code, 0, p.err);
  assert.match(p.out, '2 spans · 1 service', 'the linked span is not drawn in the producer\'s tree');
  assert.match(p.out, `← worker process orders (consumer) in trace ${C}, linked to orders publish orders`);
  assert.not.match(p.out, C2);
  const c = await cli(['view', C, '--file', f]);
  assert.match(c.out, `→ worker process orders links to span ${PUB} of trace ${P}`);
  const j = JSON.parse((await cli(['view', P, '--file', f, '--json'])).out);
  assert.equal(j.linkedFrom, [{ traceId: C, spanId: CON, service: 'worker', name: 'process orders', kind: 'consumer', toTraceId: P, toSpanId: PUB }]);
  assert.equal(j.linksTo, []);
  assert.is(j.spanCount, 2);
  const plain = await cli(['view', T, '--file', file]);
  assert.not.match(plain.out, 'Linked traces', 'nothing to list, no section');
  // both traces exported twice (a retried export): each link listed once, as each span is drawn once
  const twice = join(dir, 'linked-twice.jsonl');
  writeFileSync(twice, [producer, consumer, consumer, producer].map((x) => otlpLine(x)).join('\n') + '\n');
  const jp = JSON.parse((await cli(['view', P, '--file', twice, '--json'])).out);
  assert.equal([jp.spanCount, jp.duplicates, jp.linkedFrom.length], [2, 2, 1]);
  const jc = JSON.parse((await cli(['view', C, '--file', twice, '--json'])).out);
  assert.equal([jc.spanCount, jc.linksTo.length], [2, 1]);
});

test('AC-004 view --follow-links: the linked traces (a batch or link-mode consumer, its producers) are shown after the trace, each marked', async () => {
  const P = id32(13, 0xabc), C = id32(14, 0xabc), Q = id32(15, 0xabc), GONE = id32(16, 0xabc);
  const [IN, PUB, CON, WORK, IN2, PUB2] = [0, 1, 2, 3, 4, 5].map((i) => id16(i, 0x9a));
  const f = join(dir, 'follow.jsonl');
  writeFileSync(f, [
    otlpLine([
      { trace: P, id: IN!, service: 'orders', name: 'POST /orders', kind: 2, start: 0, dur: 20, http: 202 },
      { trace: P, id: PUB!, parent: IN, service: 'orders', name: 'publish orders', kind: 4, start: 5, dur: 2 },
    ]),
    otlpLine([
      { trace: Q, id: IN2!, service: 'shop', name: 'POST /cart', kind: 2, start: 1, dur: 9, http: 202 },
      { trace: Q, id: PUB2!, parent: IN2, service: 'shop', name: 'publish orders', kind: 4, start: 3, dur: 1 },
    ]),
    // one batch consumer of both messages, and of one whose producer's trace is not in the files
    otlpLine([
      { trace: C, id: CON!, service: 'worker', name: 'process orders', kind: 5, start: 50, dur: 30, links: [{ trace: P, id: PUB! }, { trace: Q, id: PUB2! }, { trace: GONE, id: id16(9, 0x9a) }] },
      { trace: C, id: WORK!, parent: CON, service: 'worker', name: 'charge', kind: 1, start: 55, dur: 20 },
    ]),
    `{"resourceSpans": "${P} ${C} torn`, // malformed, holding both IDs: read in both passes, said once
  ].join('\n') + '\n');
  const p = await cli(['view', P, '--file', f, '--follow-links']);
  assert.is(p.code, 0, p.err);
  const [main, ...linked] = p.out.split(/\n(?=═+\n)/);
  assert.match(main!, `Trace ${P}`);
  assert.is(linked.length, 1, p.out);
  assert.match(linked[0]!, `← linked trace ${C}: worker process orders (consumer) links to orders publish orders`);
  assert.match(linked[0]!, `Trace ${C}  2 spans · 1 service`);
  assert.match(linked[0]!, /└ charge/);
  assert.is(p.err.split('malformed JSON line').length - 1, 1, p.err);
  const c = await cli(['view', C, '--file', f, '--follow-links', '--json']);
  assert.is(c.code, 0, c.err);
  const j = JSON.parse(c.out);
  assert.is(j.spanCount, 2);
  assert.equal(j.linked.map((x: { relation: string; traceId: string; found: boolean; spanCount?: number }) => [x.relation, x.traceId, x.found, x.spanCount]),
    [['linksTo', P, true, 2], ['linksTo', Q, true, 2], ['linksTo', GONE, false, undefined]]);
  const t = await cli(['view', C, '--file', f, '--follow-links']);
  assert.match(t.out, `→ linked trace ${GONE}: not in the files`);
  const plain = await cli(['view', P, '--file', f]);
  assert.not.match(plain.out, '═', 'without --follow-links only the list');
});

test('AC-004 view: the critical path is marked (root → retried call → its server span → db), the overlapped orphan is not', async () => {
  const r = await cli(['view', T, '--file', file]);
  const line = (s: string, nth = 0): string => r.out.split('\n').filter((l) => l.includes(s))[nth]!;
  assert.ok(line('GET /checkout').startsWith('*'));
  assert.ok(line('↻ retry').startsWith('*'));
  assert.ok(line('POST /orders', 1).startsWith('*'));
  assert.ok(line('SELECT orders').startsWith('*'));
  assert.ok(line('POST /orders', 0).startsWith('*'), 'the failed first attempt ran before the retry: it is on the path too');
  assert.ok(line('POST /callback').startsWith(' '));
});

test('AC-004 view --json: spans in tree order with depth, offsets, durations, self time, status, HTTP code, retries', async () => {
  const r = await cli(['view', T, '--file', file, '--json']);
  assert.is(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.is(j.found, true);
  assert.is(j.traceId, T);
  assert.is(j.spanCount, 7);
  assert.is(j.durationMs, 100);
  const names = j.spans.map((s: { name: string; depth: number }) => `${s.depth}:${s.name}`);
  assert.equal(names, ['0:GET /checkout', '1:POST', '2:POST /orders', '1:POST', '2:POST /orders', '3:SELECT orders', '0:POST /callback']);
  const root = j.spans[0];
  assert.is(root.selfMs, 15); // 100 ms minus the union of [5,40] and [45,95]
  assert.is(root.httpStatusCode, 200);
  assert.is(j.spans[3].retries, 1);
  assert.is(j.spans[2].status, 'error');
  assert.is(j.spans[5].startOffsetMs, 50);
  assert.is(j.spans[6].orphan, true);
  assert.is(j.spans[6].critical, false);
  assert.equal(j.spans.map((s: { critical: boolean }) => s.critical), [true, true, true, true, true, true, false]);
  assert.is(j.spans[5].attributes['db.system.name'], 'postgresql');
  assert.equal(j.services.map((s: { service: string }) => s.service).sort(), ['gateway', 'orders']);
});

test('AC-004 view: a child whose host clock runs far behind (it starts before its parent) is flagged and shown shifted into its parent (cli-skew.test.ts); the critical path counts only what lies inside a parent', async () => {
  const K = id32(6, 0x5c3);
  const k = (n: number): string => id16(n, 0x5c3);
  const f = join(dir, 'skew.jsonl');
  writeFileSync(f, otlpLine([
    { trace: K, id: k(0), service: 'gateway', name: 'GET /slow', kind: 2, start: 0, dur: 100, http: 200 },
    { trace: K, id: k(1), parent: k(0), service: 'gateway', name: 'GET', kind: 3, start: 5, dur: 80, http: 200 },
    // orders' host clock is 1 s behind: it really ran [6, 84] inside the call
    { trace: K, id: k(2), parent: k(1), service: 'orders', name: 'GET /orders', kind: 2, start: -994, dur: 78, http: 200 },
    { trace: K, id: k(3), parent: k(2), service: 'orders', name: 'SELECT', kind: 3, start: -990, dur: 70, attrs: { 'db.system.name': 'postgresql' } },
    { trace: K, id: k(4), parent: k(0), service: 'gateway', name: 'render', kind: 1, start: 86, dur: 10 },
    // partly before its parent: counted on the path for the part inside it
    { trace: K, id: k(5), parent: k(4), service: 'gateway', name: 'template', kind: 1, start: 80, dur: 15 },
  ]) + '\n');
  const r = await cli(['view', K, '--file', f, '--json']);
  assert.is(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  const row = (name: string) => j.spans.find((x: { name: string }) => x.name === name);
  // orders' spans are shown shifted by 1 s into the call, so they are what it waited on; template (same clock as
  // render, not shifted) is on the path for its part inside render
  assert.equal(j.spans.map((x: { name: string; critical: boolean }) => [x.name, x.critical]), [
    ['GET /slow', true], ['GET', true], ['GET /orders', true], ['SELECT', true], ['render', true], ['template', true],
  ]);
  assert.equal([j.durationMs, j.recordedDurationMs, j.adjusted], [100, 1094, 2]);
  assert.equal([row('GET /orders').skewMs, row('SELECT').skewMs, row('template').skewMs, row('GET').skewMs, row('GET /slow').skewMs], [999, 0, 6, 0, 0]);
  assert.is(j.skewed, 2);
  const t = await cli(['view', K, '--file', f]);
  assert.match(t.out, '1 span starts before its parent (clock skew?)');
  assert.match(t.out, /GET \/orders.*⇆ shifted \+1\.00s for clock skew \(recorded 999\.0ms before its parent\)/);
  assert.match(t.out, /template.*⚠ starts 6\.00ms before its parent \(clock skew\?\)/);
});

test('AC-004 view: per-service shares of self time add up to 100% when children run in parallel', async () => {
  const f = join(dir, 'parallel.jsonl');
  const P = id32(3, 0xfa7);
  const R = id16(0, 0xfa);
  const s: SynthSpan[] = [{ trace: P, id: R, service: 'gw', name: 'GET /', kind: 2, start: 0, dur: 60 }];
  ['a', 'b', 'c'].forEach((svc, i) => s.push({ trace: P, id: id16(i + 1, 0xfa), parent: R, service: svc, name: 'work', kind: 1, start: 5, dur: 50 }));
  writeFileSync(f, otlpLine(s) + '\n');
  const r = await cli(['view', P, '--file', f, '--json']);
  assert.is(r.code, 0, r.err);
  const shares = (JSON.parse(r.out).services as Array<{ service: string; share: number }>);
  assert.ok(Math.abs(shares.reduce((a, x) => a + x.share, 0) - 1) < 1e-9, JSON.stringify(shares));
  assert.ok(Math.abs(shares.find((x) => x.service === 'gw')!.share - 10 / 160) < 1e-9);
  const t = await cli(['view', P, '--file', f]);
  assert.match(t.out, /\ba\s+1\s+50\.0ms\s+31\.3%/);
});

test('AC-004 view: the ID may be a traceparent or a server-timing value; upper case works', async () => {
  for (const arg of [`00-${T}-${C1}-01`, `trace;desc=00-${T}-${C1}-01`, T.toUpperCase()]) {
    const r = await cli(['view', arg, '--file', file, '--json']);
    assert.is(r.code, 0, `${arg}: ${r.err}`);
    assert.is(JSON.parse(r.out).traceId, T);
  }
});

test('AC-004 view: an unknown ID is a clear message and exit 1; a malformed ID is a usage error (exit 2)', async () => {
  const r = await cli(['view', 'f'.repeat(32), '--file', file]);
  assert.is(r.code, 1);
  assert.match(r.err, `trace ${'f'.repeat(32)} not found in ${file}`);
  assert.is(r.out, '');
  const j = await cli(['view', 'f'.repeat(32), '--file', file, '--json']);
  assert.is(j.code, 1);
  assert.is(JSON.parse(j.out).found, false);
  for (const bad of ['xyz', '0'.repeat(32), '123']) {
    const b = await cli(['view', bad, '--file', file]);
    assert.is(b.code, 2, bad);
    assert.match(b.err, 'is not a trace ID');
  }
  const none = await cli(['view', '--file', file]);
  assert.is(none.code, 2);
  assert.match(none.err, 'view needs a trace ID');
});

test('AC-004 view: hostile span names cannot drive the terminal (escape and control sequences shown, not sent)', async () => {
  const tid = id32(3, 0xabc);
  const f = join(dir, 'hostile.jsonl');
  const evil = 'GET \x1b]0;pwned\x07 \x1b[2J\x1b[31mred \u202eevil\u202c \x9b31m \r\nnext';
  writeFileSync(f, otlpLine([{ trace: tid, id: id16(0, 1), service: 'svc\x1b[1A', name: evil, kind: 2, start: 0, dur: 1, http: 200 }]) + '\n');
  for (const color of ['--no-color', '--color']) {
    const r = await cli(['view', tid, '--file', f, color, '--width', '200']);
    assert.is(r.code, 0, r.err);
    assert.not.ok(r.out.includes('\x1b]'), 'no OSC sequence');
    assert.not.ok(r.out.includes('\x1b[2J') || r.out.includes('\x1b[1A') || r.out.includes('\x1b[31mred'), 'no CSI from the input');
    assert.not.ok(/[\u202e\u009b\r\x07]/.test(r.out), 'no bidi override, C1 CSI, CR or BEL');
    assert.match(r.out, '\\x1b]0;pwned\\x07');
    assert.match(r.out, '\\u202e');
    if (color === '--no-color') assert.not.ok(r.out.includes('\x1b'));
    else assert.ok(r.out.includes('\x1b[1m'), 'our own colours are on');
  }
});

test('AC-004 view: wide names (CJK, emoji) are cut by terminal cells: columns stay aligned, no surrogate pair is split', async () => {
  const W = id32(4, 0xc7c);
  const R = id16(0, 0xc7);
  const f = join(dir, 'wide-names.jsonl');
  writeFileSync(f, otlpLine([
    { trace: W, id: R, service: 'svc' + '漢字'.repeat(20), name: 'a' + '\u{1F600}'.repeat(40), kind: 2, start: 0, dur: 10, http: 200 },
    { trace: W, id: id16(1, 0xc7), parent: R, service: 'b', name: 'x' + '漢'.repeat(60), kind: 1, start: 1, dur: 5 },
    { trace: W, id: id16(2, 0xc7), parent: R, service: 'c', name: 'plain', kind: 1, start: 6, dur: 3 },
  ]) + '\n');
  const r = await cli(['view', W, '--file', f, '--width', '120']);
  assert.is(r.code, 0, r.err);
  assert.not.ok(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(r.out), 'a lone surrogate');
  // cells before the duration bar: CJK and emoji take two (every non-ASCII character here but the box drawing, └ and …)
  const cellsTo = (l: string): number => { let w = 0; for (const ch of l.slice(0, l.indexOf('│'))) w += ch.codePointAt(0)! >= 0x1100 && ch !== '└' && ch !== '…' ? 2 : 1; return w; };
  const rows = r.out.split('\n').filter((l) => l.includes('│'));
  assert.is(rows.length, 3);
  assert.equal(rows.map(cellsTo), rows.map(() => cellsTo(rows[2]!)), rows.join('\n'));
});

test('AC-003 view: a span without start or end time keeps the row\'s columns (an empty bar, status and HTTP code in place)', async () => {
  const N = id32(5, 0xc7c);
  const R = id16(0, 0xc8);
  const f = join(dir, 'no-times.jsonl');
  const line = JSON.parse(otlpLine([
    { trace: N, id: R, service: 'svc', name: 'root', kind: 2, start: 0, dur: 10, http: 200 },
    { trace: N, id: id16(1, 0xc8), parent: R, service: 'svc', name: 'lost', kind: 3, start: 1, dur: 5, http: 503, status: 2 },
  ]));
  const sp = line.resourceSpans[0].scopeSpans[0].spans[1];
  delete sp.startTimeUnixNano; delete sp.endTimeUnixNano;
  writeFileSync(f, JSON.stringify(line) + '\n');
  const r = await cli(['view', N, '--file', f]);
  assert.is(r.code, 0, r.err);
  const rows = r.out.split('\n').filter((l) => l.includes('│'));
  assert.is(rows.length, 2);
  assert.is(rows[1]!.lastIndexOf('│') - rows[1]!.indexOf('│'), rows[0]!.lastIndexOf('│') - rows[0]!.indexOf('│'), rows.join('\n'));
  assert.is(rows[1]!.indexOf('503'), rows[0]!.indexOf('200'));
});

test('AC-004 view: malformed lines are reported with their line number and the rest is still read', async () => {
  const f = join(dir, 'mixed.jsonl');
  const badSpan = otlpLine([{ ...trace[0]!, trace: 'nothex' }]);
  writeFileSync(f, '\ufeff' + otlpLine(trace.slice(0, 3)) + '\r\n{"resourceSpans": [ broken\n{"hello":1}\n' + badSpan + '\n\n' + otlpLine(trace.slice(3)) + '\n');
  const r = await cli(['view', T, '--file', f, '--json']);
  assert.is(r.code, 0, r.err);
  assert.is(JSON.parse(r.out).spanCount, 7);
  const v = await cli(['services', '--file', f, '--json']);
  assert.match(v.err, `${f}:2: malformed JSON line skipped`);
  assert.match(v.err, `${f}:3: not an OTLP ExportTraceServiceRequest`);
  assert.match(v.err, `${f}:4: 1 span(s) skipped: traceId is not 32 hex digits`);
  assert.is(JSON.parse(v.out).spans, 7);
});

test('AC-004 view: a file still being written (its last line torn, no newline) is read up to that line, which is named as incomplete, not as corrupt', async () => {
  const f = join(dir, 'live.jsonl');
  const next = otlpLine(trace.slice(4));
  writeFileSync(f, otlpLine(trace.slice(0, 4)) + '\n' + next.slice(0, next.length >> 1));
  const r = await cli(['services', '--file', f, '--json']);
  assert.is(r.code, 0, r.err);
  assert.is(JSON.parse(r.out).spans, 4);
  assert.match(r.err, `${f}:2: incomplete last line skipped (no newline: the file is still being written?)`);
  assert.not.match(r.err, 'malformed');
});

test('AC-004 view: old files (instrumentationLibrarySpans, before OTLP 0.15) are read; a request of another shape is warned about, never silently empty', async () => {
  const f = join(dir, 'old-otlp.jsonl');
  const odd = JSON.stringify({ resourceSpans: [{ resource: {}, scopeSpans: { spans: [] } }, 7, { scopeSpans: [{ spans: {} }] }, { resource: {} }] });
  writeFileSync(f, otlpLine(trace).replace(/"scopeSpans"/g, '"instrumentationLibrarySpans"') + '\n' + odd + '\n');
  const r = await cli(['services', '--file', f, '--json']);
  assert.is(r.code, 0, r.err);
  assert.is(JSON.parse(r.out).spans, 7);
  assert.match(r.err, `${f}:2: scopeSpans is not an array`);
  assert.not.match(r.err, `${f}:1:`);
});

test('AC-004 a Collector file exporter shared by the metrics and logs pipelines: their lines are other signals, skipped without a warning', async () => {
  const f = join(dir, 'collector-all-signals.json');
  // what the Collector's file exporter writes for metrics (an exemplar carries the trace ID) and logs into the same file
  const metrics = JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'gateway' } }] }, scopeMetrics: [{ scope: {}, metrics: [{ name: 'http.server.request.duration', histogram: { dataPoints: [{ count: '1', exemplars: [{ traceId: T, spanId: ROOTID, asDouble: 0.1 }] }], aggregationTemporality: 2 } }] }] }] });
  const logs = JSON.stringify({ resourceLogs: [{ resource: {}, scopeLogs: [{ scope: {}, logRecords: [{ timeUnixNano: '1', body: { stringValue: 'hello' }, traceId: T, spanId: ROOTID }] }] }] });
  writeFileSync(f, [metrics, otlpLine(trace.slice(0, 4)), logs, otlpLine(trace.slice(4)), metrics].join('\n') + '\n');
  const v = await cli(['view', T, '--file', f, '--json']);
  assert.is(v.code, 0, v.err);
  assert.is(JSON.parse(v.out).spanCount, 7);
  assert.is(v.err, '', 'metric and log lines are not malformed trace lines');
  const sv = await cli(['services', '--file', f, '--json']);
  assert.is(JSON.parse(sv.out).spans, 7);
  assert.is(sv.err, '');
  const only = join(dir, 'collector-metrics-only.json');
  writeFileSync(only, metrics + '\n' + logs + '\n');
  const o = await cli(['services', '--file', only, '--json']);
  assert.is(JSON.parse(o.out).spans, 0);
  assert.match(o.err, '2 lines held other OTLP signals (metrics, logs, profiles), not spans: skipped');
});

test('AC-004 view: a malformed line\'s bytes quoted in the warning cannot drive the terminal', async () => {
  const f = join(dir, 'hostile-line.jsonl');
  writeFileSync(f, otlpLine(trace) + '\n\x1b]0;pwned\x07\x1b[2J\u009b1A{"x":\n');
  const r = await cli(['services', '--file', f]);
  assert.is(r.code, 0, r.err);
  assert.match(r.err, `${f}:2: malformed JSON line skipped`);
  assert.not.ok(/[\x1b\x07\u009b]/.test(r.err), JSON.stringify(r.err));
  assert.match(r.err, '\\x1b]0;pwned\\x07');
});

test('AC-004 view: IDs in base64 (the protobuf JSON mapping, as generic protobuf-to-JSON tools write them) are read as the IDs they encode', async () => {
  const f = join(dir, 'base64.jsonl');
  const b64 = (h: string): string => Buffer.from(h, 'hex').toString('base64');
  const line = JSON.parse(otlpLine(trace));
  for (const rs of line.resourceSpans) for (const sp of rs.scopeSpans[0].spans) {
    sp.traceId = b64(sp.traceId); sp.spanId = b64(sp.spanId);
    if (sp.parentSpanId) sp.parentSpanId = b64(sp.parentSpanId);
  }
  writeFileSync(f, JSON.stringify(line) + '\n');
  const r = await cli(['view', T, '--file', f, '--json']);
  assert.is(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal([j.spanCount, j.roots, j.orphans], [7, 1, 1]);
  assert.is(j.spans[0].spanId, ROOTID);
  assert.is(j.spans.find((x: { name: string }) => x.name === 'SELECT orders').depth, 3);
  assert.is(r.err, '');
});

test('AC-004 view: the default file and its rotated siblings are read; a missing file is a clear error (exit 2)', async () => {
  const d = join(dir, 'rotated');
  mkdirSync(d);
  writeFileSync(join(d, 'tracewire-spans.jsonl.2'), otlpLine(trace.slice(0, 2)) + '\n');
  writeFileSync(join(d, 'tracewire-spans.jsonl.1'), otlpLine(trace.slice(2, 5)) + '\n');
  writeFileSync(join(d, 'tracewire-spans.jsonl'), otlpLine(trace.slice(5)) + '\n');
  writeFileSync(join(d, 'tracewire-spans.jsonl.bak'), 'not read\n');
  const r = await cli(['view', T, '--json'], { cwd: d });
  assert.is(r.code, 0, r.err);
  assert.is(JSON.parse(r.out).spanCount, 7);
  assert.is(r.err, '');
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const m = await cli(['view', T], { cwd: empty });
  assert.is(m.code, 2);
  assert.match(m.err, 'cannot read tracewire-spans.jsonl: no such file');
  assert.match(m.err, 'npx tracewire demo');
  const x = await cli(['audit', '--file', join(dir, 'nope.jsonl')]);
  assert.is(x.code, 2);
  assert.match(x.err, 'nope.jsonl: no such file');
});

test('AC-004 view: gzip\'d files (logrotate\'s f.2.gz too) are read; a gzip cut short keeps its whole lines and says so', async () => {
  const d = join(dir, 'gz');
  mkdirSync(d);
  const f = join(d, 'spans.jsonl');
  writeFileSync(join(d, 'spans.jsonl.2.gz'), gzipSync(otlpLine(trace.slice(0, 2)) + '\n'));
  writeFileSync(join(d, 'spans.jsonl.1'), otlpLine(trace.slice(2, 5)) + '\n');
  writeFileSync(f, otlpLine(trace.slice(5)) + '\n');
  const r = await cli(['view', T, '--file', f, '--json']);
  assert.is(r.code, 0, r.err);
  assert.is(JSON.parse(r.out).spanCount, 7);
  assert.is(r.err, '');
  const whole = join(d, 'all.jsonl.gz');
  writeFileSync(whole, gzipSync(otlpLine(trace) + '\n'));
  const w = await cli(['view', T, '--file', whole, '--json']);
  assert.is(w.code, 0, w.err);
  assert.is(JSON.parse(w.out).spanCount, 7);
  // 200 traces, one per line; the file cut in the middle (still being written, or copied half-way)
  let text = '';
  for (let t = 0; t < 200; t++) text += otlpLine(synthTrace(t, 5, 0x51)) + '\n';
  const gz = gzipSync(text);
  const cut = join(d, 'cut.jsonl.gz');
  writeFileSync(cut, gz.subarray(0, gz.length >> 1));
  const c = await cli(['services', '--file', cut, '--json']);
  assert.is(c.code, 0, c.err);
  const traces = JSON.parse(c.out).traces as number;
  assert.ok(traces > 10 && traces < 200, String(traces));
  assert.match(c.err, `${cut}:${traces + 1}: compressed data ends early or is corrupt`);
  assert.not.match(c.err, 'malformed JSON');
});

test('AC-004 view: a FIFO or pipe as --file (e.g. <(zcat f.gz)) is read once, by the stream: the gzip sniff does not open it first', async () => {
  const { spawnSync } = await import('node:child_process');
  const { createWriteStream } = await import('node:fs');
  const fifo = join(dir, 'spans.fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) { console.log('SKIP: no mkfifo'); return; }
  const w = createWriteStream(fifo); // opens when the reader does
  w.end(otlpLine(trace) + '\n');
  const r = await cli(['view', T, '--file', fifo, '--json'], { timeoutMs: 20_000 });
  assert.is(r.code, 0, r.err);
  assert.is(JSON.parse(r.out).spanCount, 7);
});

test('AC-004 view: zstd files (the Collector file exporter\'s compression) are read where Node.js has zstd, else a clear error (exit 2)', async () => {
  const zlib = await import('node:zlib');
  const f = join(dir, 'spans.jsonl.zst');
  const compress = (zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer }).zstdCompressSync;
  writeFileSync(f, compress ? compress(Buffer.from(otlpLine(trace) + '\n')) : Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]));
  const r = await cli(['view', T, '--file', f, '--json']);
  if (compress) {
    assert.is(r.code, 0, r.err);
    assert.is(JSON.parse(r.out).spanCount, 7);
  } else {
    assert.is(r.code, 2, r.err);
    assert.match(r.err, `cannot read ${f}: zstd-compressed`);
    assert.match(r.err, `zstd -d ${f}`);
  }
});

test('AC-004 view: several --file options are merged; --progress reports on stderr', async () => {
  const a = join(dir, 'a.jsonl');
  const b = join(dir, 'b.jsonl');
  writeFileSync(a, otlpLine(trace.slice(0, 3)) + '\n');
  writeFileSync(b, otlpLine(trace.slice(3)) + '\n');
  const r = await cli(['view', T, '-f', a, '--file', b, '--json', '--progress']);
  assert.is(r.code, 0, r.err);
  assert.is(JSON.parse(r.out).spanCount, 7);
  assert.match(r.err, 'reading spans:');
  const q = await cli(['view', T, '-f', a, '--file', b, '--json']);
  assert.is(q.err, '', 'no progress when stderr is not a terminal');
});

test('every command has --help; bad usage exits 2 with the reason', async () => {
  for (const c of ['demo', 'view', 'services', 'audit', 'check', 'report']) {
    const r = await cli([c, '--help']);
    assert.is(r.code, 0);
    assert.match(r.out, `Usage: tracewire ${c}`);
  }
  const top = await cli(['--help']);
  assert.is(top.code, 0);
  for (const c of ['demo', 'view', 'services', 'audit', 'check', 'report']) assert.match(top.out, new RegExp(`\\n  ${c}\\s`));
  const none = await cli([]);
  assert.is(none.code, 2);
  const unknown = await cli(['frobnicate']);
  assert.is(unknown.code, 2);
  assert.match(unknown.err, "unknown command 'frobnicate'");
  const opt = await cli(['services', '--bogus']);
  assert.is(opt.code, 2);
  assert.match(opt.err, "Unknown option '--bogus'");
  const extra = await cli(['services', 'x']);
  assert.is(extra.code, 2);
  const n = await cli(['services', '--top', 'many', '--file', file]);
  assert.is(n.code, 2);
  assert.match(n.err, '--top expects a number');
  const h = await cli(['help', 'audit']);
  assert.match(h.out, 'Usage: tracewire audit');
});

test('every option a command accepts is named in its --help (--file <directory>, check --insecure included)', async () => {
  const cmds = [(await import('../cli/demo.js')).demoCommand, (await import('../cli/view.js')).viewCommand, (await import('../cli/services.js')).servicesCommand,
    (await import('../cli/audit.js')).auditCommand, (await import('../cli/check.js')).checkCommand, (await import('../cli/report.js')).reportCommand];
  for (const c of cmds) {
    const r = await cli([c.name, '--help']);
    for (const [name, o] of Object.entries(c.options)) {
      // report takes --color/--no-color so one script can pass the same flags to every command; it has no terminal colours
      if (c.name === 'report' && (name === 'color' || name === 'no-color')) continue;
      assert.match(r.out, `--${name}`, `${c.name} --help names --${name}`);
      if (o.short !== undefined) assert.match(r.out, `-${o.short}, --${name}`);
    }
    if (c.options.file !== undefined && c.name !== 'demo') assert.match(r.out, 'a directory: its *.jsonl, *.ndjson, *.json');
  }
  assert.match((await cli(['check', '--help'])).out, '-k, --insecure');
  assert.match((await cli(['--help'])).out, 'a file, its rotated siblings, or a\ndirectory of them');
});

test('AC-004 --json: usage and input errors are JSON on stdout too (exit 2), so a pipe into jq never reads nothing', async () => {
  for (const args of [['view', T, '--file', join(dir, 'nope.jsonl'), '--json'], ['view', 'zz', '--json'], ['services', '--bogus', '--json'],
    ['audit', '--json', '--min-score', '200', '--file', file], ['check', 'http://127.0.0.1:1/', '--json', '-H', 'novalue']]) {
    const r = await cli(args);
    assert.is(r.code, 2, args.join(' '));
    const j = JSON.parse(r.out);
    assert.is(j.exitCode, 2);
    assert.type(j.error, 'string');
    assert.ok(r.err.includes(j.error), r.err);
  }
});

test('AC-004 `tracewire ... 2>&1 | head`: stdout and stderr closed early end the run quietly (exit 0), warnings pending or not', async () => {
  const { spawn } = await import('node:child_process');
  const f = join(dir, 'warns.jsonl');
  writeFileSync(f, '{"broken\n'.repeat(50) + otlpLine(trace) + '\n');
  const env: NodeJS.ProcessEnv = { ...process.env, TRACEWIRE_CLI_SOURCE: '1', NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/tracewire.mjs'), 'services', '--file', f], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); child.stderr.destroy(); // the reader went away before a byte was written
    child.on('close', (c) => resolve(c));
  });
  assert.is(code, 0);
});

test('bin/tracewire.mjs runs without TRACEWIRE_CLI_SOURCE (built dist/ when present, else the sources)', async () => {
  const r = await cli(['--version'], { env: { TRACEWIRE_CLI_SOURCE: undefined } });
  assert.is(r.code, 0, r.err);
  const pkg = JSON.parse((await import('node:fs')).readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.is(r.out.trim(), pkg.version);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
