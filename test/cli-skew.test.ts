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

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
