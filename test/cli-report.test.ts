// AC-004 / AC-006 in a browser: `tracewire report` writes one self-contained HTML file; headless Chromium
// opens it, searches a trace ID, checks the waterfall rows and the graph, and proves hostile span names
// stay inert (no script runs, no dialog). A screenshot is left in a tmp dir as the artefact.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { otlpLine, id16, id32, synthTrace, type SynthSpan } from '../cli/synth.js';
import { cli } from './helpers/cli-run.js';
import { launchChromium } from './helpers/browser.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-report-'));
const shots = mkdtempSync(join(tmpdir(), 'tw-report-shots-'));
const file = join(dir, 'spans.jsonl');
const html = join(dir, 'report.html');
const EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2;alert(1)">';
const T = id32(1, 0xbad);
const hostile: SynthSpan[] = [
  { trace: T, id: id16(0, 9), service: 'svc"><svg onload=alert(3)>', name: 'GET ' + EVIL, kind: 2, start: 0, dur: 30, http: 200 },
  { trace: T, id: id16(1, 9), parent: id16(0, 9), service: 'svc"><svg onload=alert(3)>', name: 'POST', kind: 3, start: 2, dur: 20, http: 200, resend: 1 },
  { trace: T, id: id16(2, 9), parent: id16(1, 9), service: '</script><script>window.__pwned=4</script>', name: '"><iframe src=javascript:alert(5)>', kind: 2, start: 3, dur: 18, http: 500, status: 2 },
];
const normal = Array.from({ length: 30 }, (_, t) => synthTrace(t, 12));
writeFileSync(file, [hostile, ...normal].map((tr) => otlpLine(tr)).join('\n') + '\n');

test('AC-006 report: one self-contained HTML file, no external assets, data embedded inert, a strict CSP', async () => {
  const r = await cli(['report', '--file', file, '--out', html], { cwd: dir });
  assert.is(r.code, 0, r.err);
  assert.match(r.out, `wrote ${html}`);
  const s = readFileSync(html, 'utf8');
  assert.not.match(s, /(src|href)\s*=\s*["']?(https?:|\/\/)/i, 'no external asset');
  assert.not.match(s, /<link\b/i);
  assert.match(s, /Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/);
  assert.not.ok(s.includes('<script>window.__pwned'), 'the payload never appears as markup');
  assert.not.ok(s.includes('</script><script>window'), 'no way out of the data block');
  assert.is(s.match(/<script\b/g)!.length, 2, 'only the data block and our own script');
  const j = await cli(['report', '--file', file, '--out', join(dir, 'r2.html'), '--max-traces', '5', '--trace', T, '--json'], { cwd: dir });
  const meta = JSON.parse(j.out);
  assert.equal([meta.traces, meta.totalTraces, meta.spans], [5, 31, 3 + 30 * 12]);
  const bad = await cli(['report', '--file', file, '--out', join(dir, 'no-such-dir', 'x.html')], { cwd: dir });
  assert.is(bad.code, 2);
  assert.match(bad.err, 'cannot write');
});

test('AC-006 report: spans exported twice (a retried export) are counted once, as services counts them', async () => {
  const f = join(dir, 'twice.jsonl');
  const text = readFileSync(file, 'utf8');
  writeFileSync(f, text + text);
  const r = await cli(['report', '--file', f, '--out', join(dir, 'twice.html'), '--json'], { cwd: dir });
  assert.is(r.code, 0, r.err);
  const s = await cli(['services', '--file', f, '--json'], { cwd: dir });
  assert.is(JSON.parse(r.out).spans, 3 + 30 * 12);
  assert.is(JSON.parse(s.out).spans, 3 + 30 * 12);
  assert.match(readFileSync(join(dir, 'twice.html'), 'utf8'), /"totals":\{"spans":363,"duplicates":363,/);
});

test('AC-004 report --trace with an ID the file does not hold: the report is written, the ID is named, exit code 1', async () => {
  const absent = id32(7, 0xabc);
  const r = await cli(['report', '--file', file, '--out', join(dir, 'r3.html'), '--trace', absent, '--trace', T], { cwd: dir });
  assert.is(r.code, 1, r.err);
  assert.match(r.err, `trace ${absent} not found`);
  assert.not.match(r.err, T);
  assert.ok(existsSync(join(dir, 'r3.html')));
  const j = await cli(['report', '--file', file, '--out', join(dir, 'r4.html'), '--trace', absent, '--json'], { cwd: dir });
  assert.is(j.code, 1);
  assert.equal(JSON.parse(j.out).missing, [absent]);
});

test('AC-004 report in Chromium: search a trace ID, see its waterfall rows and the graph; hostile names stay inert', async () => {
  const browser = await launchChromium();
  if (browser === null) return;
  try {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    const requests: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    page.on('request', (req) => { if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) requests.push(req.url()); });
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('body[data-ready="1"]');
    const normalId = normal[3]![0]!.trace;
    await page.fill('#q', normalId);
    await page.click('#search button');
    const rows = page.locator('#wf .wf-row');
    assert.is(await rows.count(), 12);
    assert.is(await rows.nth(0).locator('.op').textContent(), 'GET /api/orders/:id');
    assert.match(await page.textContent('#msg') ?? '', `Trace ${normalId} · 12 spans`);
    assert.ok(await page.locator('#graph svg .node').count() >= 3);
    assert.ok(await page.locator('#svc tr').count() >= 4);
    // the hostile trace, found through a traceparent-style value
    await page.fill('#q', `00-${T}-${id16(0, 9)}-01`);
    await page.click('#search button');
    assert.is(await rows.count(), 3);
    assert.is(await rows.nth(0).locator('.op').evaluate((e) => e.firstChild!.textContent), 'GET ' + EVIL);
    assert.is(await rows.nth(2).locator('.svc').textContent(), '</script><script>window.__pwned=4</script>');
    assert.match(await rows.nth(1).textContent() ?? '', '↻ retry #1');
    assert.is(await rows.nth(2).locator(':scope > div').nth(5).textContent(), 'ERROR');
    assert.is(await page.locator('#wf img, #wf script, #wf iframe, #graph svg svg, #graph img').count(), 0, 'no element made from a name');
    await page.fill('#q', 'f'.repeat(32));
    await page.click('#search button');
    assert.match(await page.textContent('#msg') ?? '', 'is not in this report');
    const linked = await browser.newPage();
    linked.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    await linked.goto(pathToFileURL(html).href + '#trace=' + T);
    await linked.waitForSelector('#wf .wf-row');
    assert.is(await linked.locator('#wf .wf-row').count(), 3, 'a #trace= link opens the waterfall');
    assert.is(await linked.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
    await page.waitForTimeout(100);
    assert.is(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(dialogs, []);
    assert.equal(requests, []);
    const shot = join(shots, 'report.png');
    await linked.screenshot({ path: shot, fullPage: true }); // the hostile trace's waterfall, rendered as text
    assert.ok(statSync(shot).size > 1000);
    console.log(`screenshot: ${shot}`);
  } finally {
    await browser.close();
  }
});

test('AC-006 report graph: a service pair joined via a parent and via a span link gets two distinct arrows, the link one dashed', async () => {
  // orders publishes twice; worker consumes one message as a child (parent edge) and one through a link
  const P = id32(1, 0x51); const Q = id32(2, 0x51); const W = id32(3, 0x51);
  const pair = join(dir, 'pair.jsonl');
  const linked = JSON.parse(otlpLine([{ trace: W, id: id16(5, 0x51), service: 'worker', name: 'process jobs', kind: 5, start: 50, dur: 5 }]));
  linked.resourceSpans[0].scopeSpans[0].spans[0].links = [{ traceId: Q, spanId: id16(3, 0x51) }];
  writeFileSync(pair, [
    otlpLine([
      { trace: P, id: id16(0, 0x51), service: 'orders', name: 'POST /orders', kind: 2, start: 0, dur: 20, http: 201 },
      { trace: P, id: id16(1, 0x51), parent: id16(0, 0x51), service: 'orders', name: 'publish jobs', kind: 4, start: 5, dur: 1 },
      { trace: P, id: id16(2, 0x51), parent: id16(1, 0x51), service: 'worker', name: 'process jobs', kind: 5, start: 8, dur: 5 },
    ]),
    otlpLine([{ trace: Q, id: id16(3, 0x51), service: 'orders', name: 'publish jobs', kind: 4, start: 30, dur: 1 }]),
    JSON.stringify(linked),
  ].join('\n') + '\n');
  const out = join(dir, 'pair.html');
  const r = await cli(['report', '--file', pair, '--out', out], { cwd: dir });
  assert.is(r.code, 0, r.err);
  const browser = await launchChromium();
  if (browser === null) return;
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(out).href);
    await page.waitForSelector('body[data-ready="1"]');
    const edges = await page.locator('#graph svg path.edge').evaluateAll((ps) => ps.map((p) => ({ d: p.getAttribute('d'), cls: p.getAttribute('class'), title: p.textContent })));
    assert.is(edges.length, 2, JSON.stringify(edges));
    assert.ok(edges.every((e) => /orders [→⇢] worker/.test(e.title ?? '')), JSON.stringify(edges));
    assert.is.not(edges[0]!.d, edges[1]!.d, 'the two arrows do not overlap');
    assert.equal(edges.map((e) => / link\b/.test(e.cls ?? '')).sort(), [false, true]);
    assert.match(edges.find((e) => / link\b/.test(e.cls ?? ''))!.title ?? '', 'orders ⇢ worker (via span links)');
  } finally {
    await browser.close();
  }
});

test('AC-006 report graph: a service calling itself gets a visible loop arrow on its own node, clear of the other nodes', async () => {
  const S = id32(1, 0x5e1);
  const sp = (k: number): string => id16(k, 0x5e1);
  const self = join(dir, 'self.jsonl');
  writeFileSync(self, otlpLine([
    { trace: S, id: sp(0), service: 'gateway', name: 'GET /', kind: 2, start: 0, dur: 50, http: 200 },
    { trace: S, id: sp(1), parent: sp(0), service: 'gateway', name: 'GET', kind: 3, start: 1, dur: 40, http: 200 },
    { trace: S, id: sp(2), parent: sp(1), service: 'api', name: 'GET /page', kind: 2, start: 2, dur: 38, http: 200 },
    { trace: S, id: sp(3), parent: sp(2), service: 'api', name: 'GET', kind: 3, start: 3, dur: 20, http: 200 },
    { trace: S, id: sp(4), parent: sp(3), service: 'api', name: 'GET /fragment', kind: 2, start: 4, dur: 18, http: 200 },
  ]) + '\n');
  const out = join(dir, 'self.html');
  const r = await cli(['report', '--file', self, '--out', out], { cwd: dir });
  assert.is(r.code, 0, r.err);
  const browser = await launchChromium();
  if (browser === null) return;
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(out).href);
    await page.waitForSelector('body[data-ready="1"]');
    type Box = { x: number; y: number; w: number; h: number; name: string | null };
    const boxes = (sel: string, name: string): Promise<Box[]> => page.locator(sel).evaluateAll((els, n) => els.map((e) => {
      const shape = (n === 'title' ? e : e.querySelector('rect')) as unknown as { getBBox(): { x: number; y: number; width: number; height: number } };
      const b = shape.getBBox();
      return { x: b.x, y: b.y, w: b.width, h: b.height, name: n === 'title' ? e.textContent : e.querySelector('title')!.textContent };
    }), name);
    const g = { edges: await boxes('#graph svg path.edge', 'title'), nodes: await boxes('#graph svg .node', 'node') };
    const loop = g.edges.find((e) => (e.name ?? '').startsWith('api → api'));
    assert.ok(loop, JSON.stringify(g.edges));
    assert.match(loop!.name!, 'calls itself');
    const api = g.nodes.find((n) => n.name === 'api')!;
    assert.ok(loop!.w >= 20 && loop!.h >= 10, `a loop, not a line folded onto itself: ${JSON.stringify(loop)}`);
    const touches = (a: Box, b: Box): boolean => a.x <= b.x + b.w && b.x <= a.x + a.w && a.y <= b.y + b.h && b.y <= a.y + a.h;
    assert.ok(touches(loop!, api), 'drawn on its own node');
    for (const n of g.nodes) if (n.name !== 'api') assert.not.ok(touches(loop!, n), `clear of ${n.name}: ${JSON.stringify([loop, n])}`);
  } finally {
    await browser.close();
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
