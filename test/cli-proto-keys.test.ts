// AC-004 / AC-006 / AC-007: span data names keys (attribute keys, kvlist keys, service and peer names); one
// spelled `__proto__` or `constructor` is data like any other: it shows up under its name in view --json,
// audit --json and the HTML report's graph, instead of vanishing or breaking the page.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { otlpLine, otlpSpan, id16, id32, type SynthSpan } from '../cli/synth.js';
import { cli } from './helpers/cli-run.js';
import { launchChromium } from './helpers/browser.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-proto-'));
const T = id32(1, 0x9707);
const s = (n: number): string => id16(n, 0x97);
const file = join(dir, 'spans.jsonl');
const root = otlpSpan({ trace: T, id: s(0), service: 'gateway', name: 'GET /', kind: 2, start: 0, dur: 20, http: 200 });
// written by hand: an object literal or spread would make `__proto__` the prototype, not a key
(root.attributes as unknown[]).push(
  { key: '__proto__', value: { stringValue: 'p' } },
  { key: 'constructor', value: { stringValue: 'c' } },
  { key: 'nested', value: { kvlistValue: { values: [{ key: '__proto__', value: { kvlistValue: { values: [{ key: 'polluted', value: { boolValue: true } }] } } }] } } },
);
const rest: SynthSpan[] = [
  { trace: T, id: s(1), parent: s(0), service: 'gateway', name: 'GET', kind: 3, start: 1, dur: 10, http: 200 },
  { trace: T, id: s(2), parent: s(1), service: 'constructor', name: 'GET /c', kind: 2, start: 2, dur: 8, http: 200 },
  { trace: T, id: s(3), parent: s(2), service: 'constructor', name: 'GET', kind: 3, start: 3, dur: 4, http: 200 },
  { trace: T, id: s(4), parent: s(3), service: '__proto__', name: 'GET /p', kind: 2, start: 4, dur: 2, http: 200 },
  { trace: T, id: s(5), parent: s(4), service: '__proto__', name: 'GET', kind: 3, start: 4.5, dur: 1, http: 200, attrs: { 'server.address': '__proto__' } },
];
const line = JSON.parse(otlpLine(rest));
line.resourceSpans.unshift({ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'gateway' } }] }, scopeSpans: [{ scope: {}, spans: [root] }] });
writeFileSync(file, JSON.stringify(line) + '\n');

test('AC-004 view --json: attribute keys __proto__ and constructor (nested kvlist keys too) are kept under their names', async () => {
  const r = await cli(['view', T, '--file', file, '--json']);
  assert.is(r.code, 0, r.err);
  assert.not.match(r.out, 'polluted":true,"', 'a nested __proto__ value is not flattened into its parent');
  const a = JSON.parse(r.out).spans[0].attributes;
  assert.equal(Object.keys(a).sort(), ['__proto__', 'constructor', 'http.request.method', 'http.response.status_code', 'nested']);
  assert.is(a.__proto__, 'p'); // JSON.parse makes `__proto__` an own key
  assert.is(a.constructor, 'c');
  assert.equal(Object.keys(a.nested), ['__proto__']);
  assert.equal(a.nested.__proto__, { polluted: true });
});

test('AC-007 audit --json: keys and peers named __proto__ are listed under their names', async () => {
  const r = await cli(['audit', '--file', file, '--json']);
  assert.is(r.code, 0, r.err);
  const a = JSON.parse(r.out);
  assert.ok(a.disallowedAttributes.some((d: { key: string }) => d.key === '__proto__'), r.out);
  const p = a.services.find((x: { service: string }) => x.service === '__proto__');
  assert.equal(Object.keys(p.noDownstream), ['__proto__']);
});

test('AC-006 report: services named constructor and __proto__ are graph nodes like any other; the page finishes rendering', async () => {
  const out = join(dir, 'report.html');
  const r = await cli(['report', '--file', file, '--out', out]);
  assert.is(r.code, 0, r.err);
  const browser = await launchChromium();
  if (browser === null) return;
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(out).href);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 5000 }).catch(() => {});
    assert.equal(errors, []);
    const nodes = await page.locator('#graph svg .node title').allTextContents();
    assert.equal(nodes.filter((n) => n === 'constructor' || n === '__proto__').sort(), ['__proto__', 'constructor']);
    const titles = await page.locator('#graph svg path.edge title').allTextContents();
    assert.ok(titles.some((t) => t.startsWith('gateway → constructor:')), JSON.stringify(titles));
    assert.ok(titles.some((t) => t.startsWith('constructor → __proto__:')), JSON.stringify(titles));
  } finally {
    await browser.close();
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
