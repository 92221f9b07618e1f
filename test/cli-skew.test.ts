// AC-004 / AC-006: a span recorded on a host whose clock is off (it starts before its parent, or ends after it)
// is shown shifted into its parent's time, Jaeger's clock-skew adjustment, in `view` and in the HTML report;
// the recorded times stay in --json and in the report's row titles, and every shifted span is marked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { otlpLine, id16, id32, type SynthSpan } from '../cli/synth.js';
import { cli as run } from './helpers/cli-run.js';
import { launchChromium } from './helpers/browser.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-skew-'));
const cli = (args: string[]) => run(args, { cwd: dir });

const K = id32(6, 0x5c3);
const k = (n: number): string => id16(n, 0x5c3);
const skewed: SynthSpan[] = [
  { trace: K, id: k(0), service: 'gateway', name: 'GET /slow', kind: 2, start: 0, dur: 100, http: 200 },
  { trace: K, id: k(1), parent: k(0), service: 'gateway', name: 'GET', kind: 3, start: 5, dur: 80, http: 200 },
  // orders' host clock is 1 s behind: recorded [-994, -916], it ran inside the 80 ms call
  { trace: K, id: k(2), parent: k(1), service: 'orders', name: 'GET /orders', kind: 2, start: -994, dur: 78, http: 200 },
  { trace: K, id: k(3), parent: k(2), service: 'orders', name: 'SELECT', kind: 3, start: -990, dur: 70, attrs: { 'db.system.name': 'postgresql' } },
  // billing's clock is ahead: recorded ending 4 ms after the call that waited for it
  { trace: K, id: k(4), parent: k(0), service: 'gateway', name: 'POST', kind: 3, start: 20, dur: 10, http: 200 },
  { trace: K, id: k(5), parent: k(4), service: 'billing', name: 'POST /charge', kind: 2, start: 26, dur: 8, http: 200 },
  // a message consumed after its (short) producer ended: asynchronous by design, not skew
  { trace: K, id: k(6), parent: k(0), service: 'gateway', name: 'publish', kind: 4, start: 40, dur: 1 },
  { trace: K, id: k(7), parent: k(6), service: 'worker', name: 'process', kind: 5, start: 60, dur: 0.5 },
  { trace: K, id: k(8), parent: k(0), service: 'gateway', name: 'render', kind: 1, start: 86, dur: 10 },
  // same process as its parent, yet recorded 6 ms before it: no clock to correct, flagged only
  { trace: K, id: k(9), parent: k(8), service: 'gateway', name: 'template', kind: 1, start: 80, dur: 15 },
];
const file = join(dir, 'skew.jsonl');
writeFileSync(file, otlpLine(skewed) + '\n');

interface Row { name: string; startOffsetMs: number; recordedStartOffsetMs: number; adjustMs: number; skewMs: number; critical: boolean }

test('AC-004 view: a skewed subtree is shown shifted into its parent\'s time (Jaeger\'s clock-skew adjustment); the trace lasts what its root did, not the skew', async () => {
  const r = await cli(['view', K, '--file', file, '--json']);
  assert.is(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.is(j.durationMs, 100, 'from the shown times');
  assert.is(j.recordedDurationMs, 1094, 'as recorded: from -994 to 100');
  assert.is(j.adjusted, 3);
  assert.is(j.skewed, 2, 'spans recorded as starting before their parent');
  const row = (name: string): Row => j.spans.find((x: Row) => x.name === name);
  const pick = (x: Row) => [x.name, x.startOffsetMs, x.recordedStartOffsetMs, x.adjustMs, x.skewMs];
  assert.equal(pick(row('GET /orders')), ['GET /orders', 6, -994, 1000, 999], 'centred in its parent: (80 - 78) / 2 = 1 ms each way');
  assert.equal(pick(row('SELECT')), ['SELECT', 10, -990, 1000, 0], 'its subtree moves with it (same host clock)');
  assert.equal(pick(row('POST /charge')), ['POST /charge', 21, 26, -5, 0], 'ended after its parent: shifted back');
  assert.equal(pick(row('process')), ['process', 60, 60, 0, 0], 'a consumer after its producer is left where it was');
  assert.equal(pick(row('template')), ['template', 80, 80, 0, 6], 'same clock as its parent: flagged, not moved');
  // the critical path runs through the shifted call now that it lies inside its parent
  assert.equal(j.spans.filter((x: Row) => x.critical).map((x: Row) => x.name), ['GET /slow', 'GET', 'GET /orders', 'SELECT', 'render', 'template']);
  // children are listed by their shown start
  assert.equal(j.spans.map((x: Row) => x.name), ['GET /slow', 'GET', 'GET /orders', 'SELECT', 'POST', 'POST /charge', 'publish', 'process', 'render', 'template']);
});

test('AC-004 view (text): the header gives the shown duration and the recorded one; shifted spans are marked, the unshifted skew flagged as before', async () => {
  const t = await cli(['view', K, '--file', file, '--width', '160']);
  assert.is(t.code, 0, t.err);
  const lines = t.out.split('\n');
  assert.match(lines[0]!, ' · 100.0ms');
  assert.match(lines[0]!, '3 spans shifted for clock skew (1.09s as recorded)');
  assert.match(lines[0]!, '1 span starts before its parent (clock skew?)');
  const line = (name: string) => lines.find((l) => l.includes(name))!;
  assert.match(line('GET /orders'), /GET \/orders\s+6\.00ms\s+78\.0ms .*⇆ shifted \+1\.00s for clock skew \(recorded 999\.0ms before its parent\)/);
  assert.match(line('SELECT'), /⇆ shifted \+1\.00s for clock skew$/);
  assert.match(line('POST /charge'), /⇆ shifted −5\.00ms for clock skew$/);
  assert.match(line('template'), /⚠ starts 6\.00ms before its parent \(clock skew\?\)$/);
  assert.not.match(line('process'), /⇆|⚠/);
  assert.ok(line('SELECT').startsWith('*'), 'on the critical path');
  // the bar of the shifted call lies inside its parent's, not 1 s to the left
  const bar = (l: string) => l.slice(l.indexOf('│') + 1, l.lastIndexOf('│'));
  const first = (l: string) => bar(l).search(/\S/);
  assert.ok(first(line('GET /orders')) >= first(line('└ GET ')), `${bar(line('GET /orders'))}\n${bar(line('└ GET '))}`);
});

test('AC-004 view: spans on one host (resource host.name) share a clock, so none is shifted against another; on two hosts they are', async () => {
  const H = id32(7, 0x5c3);
  const h = (n: number): string => id16(n, 0x5c4);
  const spans = (hostB: string): SynthSpan[] => [
    { trace: H, id: h(0), service: 'a', name: 'GET /', kind: 2, start: 0, dur: 50, http: 200, resource: { 'host.name': 'h1' } },
    { trace: H, id: h(1), parent: h(0), service: 'a', name: 'GET', kind: 3, start: 10, dur: 30, http: 200, resource: { 'host.name': 'h1' } },
    { trace: H, id: h(2), parent: h(1), service: 'b', name: 'GET /b', kind: 2, start: 5, dur: 20, http: 200, resource: { 'host.name': hostB } },
  ];
  const same = join(dir, 'same-host.jsonl');
  writeFileSync(same, otlpLine(spans('h1')) + '\n');
  const s = JSON.parse((await cli(['view', H, '--file', same, '--json'])).out);
  const b = s.spans.find((x: Row) => x.name === 'GET /b');
  assert.equal([b.startOffsetMs, b.adjustMs, b.skewMs, s.adjusted], [5, 0, 5, 0]);
  const two = join(dir, 'two-hosts.jsonl');
  writeFileSync(two, otlpLine(spans('h2')) + '\n');
  const d = JSON.parse((await cli(['view', H, '--file', two, '--json'])).out);
  const b2 = d.spans.find((x: Row) => x.name === 'GET /b');
  assert.equal([b2.startOffsetMs, b2.adjustMs, b2.skewMs, d.adjusted], [15, 10, 5, 1]);
});

test('AC-006 report: the trace\'s duration comes from the shifted times; rows carry the shift and the recorded skew', async () => {
  const html = join(dir, 'skew.html');
  const r = await cli(['report', '--file', file, '--out', html]);
  assert.is(r.code, 0, r.err);
  const s = readFileSync(html, 'utf8');
  const open = '<script type="application/json" id="tw-data">';
  const data = JSON.parse(s.slice(s.indexOf(open) + open.length, s.indexOf('</script>', s.indexOf(open))));
  const tr = data.traces.find((x: { id: string }) => x.id === K);
  assert.equal([tr.dur, tr.rdur, tr.adj], [100, 1094, 3]);
  const name = (row: unknown[]) => data.strings[row[2] as number];
  const orders = tr.spans.find((x: unknown[]) => name(x) === 'GET /orders');
  const template = tr.spans.find((x: unknown[]) => name(x) === 'template');
  assert.equal([orders[3], orders[11], orders[12]], [6, 1000, 999], 'shown start, shift, recorded skew');
  assert.equal([template[11], template[12]], [0, 6]);
});

test('AC-006 report in Chromium: a shifted span and a skewed one are marked on their rows, with the recorded times in the title; bars lie inside the root', async () => {
  const browser = await launchChromium();
  if (browser === null) return;
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(dir, 'skew.html')).href + '#trace=' + K);
    await page.waitForSelector('#wf .wf-row');
    assert.match(await page.textContent('#msg') ?? '', `Trace ${K} · 10 spans · 100.0ms · 3 spans shifted for clock skew (1.09s as recorded)`);
    const row = (name: string) => page.locator('#wf .wf-row').filter({ has: page.locator('.op', { hasText: name }) }).first();
    const tag = row('GET /orders').locator('.tag.skew');
    assert.is(await tag.textContent(), '⇆ clock skew');
    assert.match(await tag.getAttribute('title') ?? '', 'shown shifted by +1.00s into its parent\'s time; recorded start -994.0ms, 999.0ms before its parent');
    assert.ok(await row('GET /orders').evaluate((e) => e.classList.contains('adjusted')));
    assert.is(await row('SELECT').locator('.tag.skew').textContent(), '⇆ clock skew');
    const t2 = row('template').locator('.tag.skew');
    assert.is(await t2.textContent(), '⚠ clock skew');
    assert.match(await t2.getAttribute('title') ?? '', 'recorded 6.00ms before its parent');
    assert.is(await row('process').locator('.tag.skew').count(), 0);
    const lefts = await page.locator('#wf .wf-row .b').evaluateAll((bs) => bs.map((b) => parseFloat((b as unknown as { style: { left: string } }).style.left)));
    assert.ok(lefts.every((x) => x >= 0 && x <= 100), JSON.stringify(lefts));
  } finally {
    await browser.close();
  }
});

// Shown times of the fixture: GET [5, 85] holds GET /orders shifted to [6, 84]; POST [20, 30] holds POST /charge
// shifted to [21, 29]. As recorded, GET's child lay 1 s before it (GET's self time 80 ms instead of 2 ms) and
// POST's stuck out by 4 ms (6 ms instead of 2 ms): gateway 113 ms of self time, more than orders' 78 ms.
interface SvcRow { service: string; selfMs: number }
interface OpRow { service: string; operation: string; selfMs: number; selfAvgMs: number; p50: number; totalMs: number }

test('AC-006 services: self times come from the times view shows (clock skew shifted), so a child recorded outside its parent still covers it', async () => {
  const r = await cli(['services', '--file', file, '--json']);
  assert.is(r.code, 0, r.err);
  const g = JSON.parse(r.out);
  const op = (svc: string, name: string): OpRow => g.operations.find((o: OpRow) => o.service === svc && o.operation === name);
  assert.equal([op('gateway', 'GET').selfMs, op('gateway', 'POST').selfMs], [2, 2], 'the call minus the shifted server span inside it');
  assert.equal(g.services.map((s: SvcRow) => [s.service, s.selfMs]), [['orders', 78], ['gateway', 31], ['billing', 8], ['worker', 0.5]], 'ranked by the shown self time');
  // shifting moves a span, never stretches it: durations are the recorded ones
  assert.equal([op('orders', 'GET /orders').p50, op('orders', 'GET /orders').totalMs, op('billing', 'POST /charge').p50], [78, 78, 8]);
  // the same self time per service as view's table for this (only) trace
  const v = JSON.parse((await cli(['view', K, '--file', file, '--json'])).out);
  assert.equal(g.services.map((s: SvcRow) => [s.service, s.selfMs]), v.services.map((s: SvcRow) => [s.service, s.selfMs]));
  const t = await cli(['services', '--file', file]);
  const svcRows = t.out.split('\n').filter((l) => /^\s+(orders|gateway|billing|worker)\s+\d/.test(l)).map((l) => l.trim().split(/\s+/)[0]);
  assert.equal(svcRows.slice(0, 4), ['orders', 'gateway', 'billing', 'worker'], t.out);
});

test('AC-006 report: traces are ranked and picked by the duration they are shown with (after clock-skew adjustment), not the recorded one', async () => {
  // L: 300 ms, no skew; M, N: short and more recent. K lasts 100 ms as shown, 1.09 s as recorded.
  const other = (n: number, start: number, dur: number): SynthSpan[] => {
    const T = id32(20 + n, 0x5c3);
    return [{ trace: T, id: id16(0, 0x600 + n), service: 'gateway', name: `GET /t${n}`, kind: 2, start, dur, http: 200 }];
  };
  const L = other(0, 0, 300); const M = other(1, 5000, 10); const N = other(2, 6000, 10);
  const f = join(dir, 'ranked.jsonl');
  writeFileSync(f, [skewed, L, M, N].map((x) => otlpLine(x)).join('\n') + '\n');
  const read = (html: string) => {
    const s = readFileSync(html, 'utf8');
    const open = '<script type="application/json" id="tw-data">';
    return JSON.parse(s.slice(s.indexOf(open) + open.length, s.indexOf('</script>', s.indexOf(open))));
  };
  const all = join(dir, 'ranked-all.html');
  assert.is((await cli(['report', '--file', f, '--out', all])).code, 0);
  const d = read(all);
  assert.equal(d.traces.map((x: { id: string; dur: number }) => [x.id, x.dur]), [[L[0]!.trace, 300], [K, 100], [M[0]!.trace, 10], [N[0]!.trace, 10]], 'slowest first, by the duration shown');
  // with room for 2: one slowest (L, not K for its skew), then the most recent (N)
  const two = join(dir, 'ranked-2.html');
  assert.is((await cli(['report', '--file', f, '--out', two, '--max-traces', '2'])).code, 0);
  assert.equal(read(two).traces.map((x: { id: string }) => x.id), [L[0]!.trace, N[0]!.trace]);
  // its latency tables are `services`' (shown self times)
  const g = JSON.parse((await cli(['services', '--file', f, '--json'])).out);
  assert.equal(d.services.map((s: SvcRow) => [s.service, s.selfMs]), g.services.map((s: SvcRow) => [s.service, s.selfMs]));
  assert.equal(d.services.map((s: SvcRow) => [s.service, s.selfMs]), [['gateway', 351], ['orders', 78], ['billing', 8], ['worker', 0.5]]);
  const gw = d.operations.find((o: OpRow) => o.service === 'gateway' && o.operation === 'GET');
  assert.is(gw.selfMs, 2);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
