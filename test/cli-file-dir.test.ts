// AC-004 / AC-006: `--file <directory>` (a mounted log volume, the file exporter's directory) reads every span
// file in it, rotated and gzip'd ones included, in one stable order, for every command that reads spans.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { otlpLine, id16, id32, type SynthSpan } from '../cli/synth.js';
import { cli } from './helpers/cli-run.js';

const root = mkdtempSync(join(tmpdir(), 'tw-cli-dir-'));
const d = join(root, 'spans');
mkdirSync(d);
const T = id32(1, 0xd1);
const U = id32(2, 0xd1);
const s = (n: number): string => id16(n, 0xd1);
const trace: SynthSpan[] = [
  { trace: T, id: s(1), service: 'gateway', name: 'GET /a', kind: 2, start: 0, dur: 50, http: 200 },
  { trace: T, id: s(2), parent: s(1), service: 'gateway', name: 'GET', kind: 3, start: 5, dur: 20, http: 200 },
  { trace: T, id: s(3), parent: s(2), service: 'orders', name: 'GET /orders', kind: 2, start: 6, dur: 18, http: 200 },
  { trace: T, id: s(4), parent: s(3), service: 'orders', name: 'GET', kind: 3, start: 7, dur: 10, http: 200 },
  { trace: T, id: s(5), parent: s(4), service: 'stock', name: 'GET /stock', kind: 2, start: 8, dur: 8, http: 200 },
];
const other: SynthSpan[] = [{ trace: U, id: s(9), service: 'billing', name: 'POST /bill', kind: 2, start: 0, dur: 3, http: 200 }];
const hidden: SynthSpan[] = [{ trace: id32(3, 0xd1), id: s(10), service: 'hidden', name: 'x', kind: 2, start: 0, dur: 1 }];
// the file exporter's rotation (jsonl.N, N = older), logrotate's compression, a Collector-style .json file
writeFileSync(join(d, 'tracewire-spans.jsonl.2.gz'), gzipSync(otlpLine(trace.slice(0, 2)) + '\n'));
writeFileSync(join(d, 'tracewire-spans.jsonl.10'), otlpLine(trace.slice(2, 3)) + '\n'); // 10 > 2: older, numbers compared as numbers
writeFileSync(join(d, 'tracewire-spans.jsonl.1'), otlpLine(trace.slice(3, 4)) + '\n');
writeFileSync(join(d, 'tracewire-spans.jsonl'), otlpLine(trace.slice(4)) + '\n');
writeFileSync(join(d, 'billing.json'), otlpLine(other) + '\n');
// not span files: other names, dotfiles, subdirectories (a dangling symlink is a span file that cannot be read: cli-file-unreadable)
writeFileSync(join(d, 'notes.txt'), 'not json\n');
writeFileSync(join(d, 'tracewire-spans.jsonl.bak'), 'not json\n');
writeFileSync(join(d, '.partial.jsonl'), otlpLine(hidden) + '\n');
mkdirSync(join(d, 'sub.jsonl'));
writeFileSync(join(d, 'sub.jsonl', 'deep.jsonl'), otlpLine(hidden) + '\n');

const ORDER = ['billing.json', 'tracewire-spans.jsonl.10', 'tracewire-spans.jsonl.2.gz', 'tracewire-spans.jsonl.1', 'tracewire-spans.jsonl'].map((f) => join(d, f));

test('AC-004 view --file <dir>: every span file in it is read (rotated, gzip\'d, .json), nothing else, no warning', async () => {
  const r = await cli(['view', T, '--file', d, '--json']);
  assert.is(r.code, 0, r.out + r.err);
  const j = JSON.parse(r.out);
  assert.is(j.spanCount, 5);
  assert.is(j.roots, 1);
  assert.is(j.orphans, 0);
  assert.is(r.err, '', 'notes.txt, .bak, dotfiles and subdirectories are not read');
  const u = await cli(['view', U, '-f', d, '--json']);
  assert.is(JSON.parse(u.out).spanCount, 1);
});

test('AC-004 --file <dir>: files are read in one stable order (by name, oldest rotation first); a file named twice is read once', async () => {
  const unknown = id32(99, 0xd1);
  const r = await cli(['view', unknown, '--file', d, '--file', join(d, 'billing.json')]);
  assert.is(r.code, 1, r.out + r.err);
  assert.match(r.err, `not found in ${ORDER.join(', ')} (`);
  const again = await cli(['view', unknown, '--file', d]);
  assert.is(again.err, r.err);
});

test('AC-006 services, audit and report --file <dir> see the spans of all the directory\'s files', async () => {
  const sv = await cli(['services', '--file', d, '--json']);
  assert.is(sv.code, 0, sv.err);
  const g = JSON.parse(sv.out);
  assert.is(g.spans, 6);
  assert.equal(g.services.map((x: { service: string }) => x.service).sort(), ['billing', 'gateway', 'orders', 'stock']);
  const au = await cli(['audit', '--file', d, '--json']);
  assert.is(au.code, 0, au.out + au.err);
  const a = JSON.parse(au.out);
  assert.equal([a.spans, a.traces, a.orphanSpans, a.splitTraces], [6, 2, 0, 0]);
  const out = join(root, 'r.html');
  const rp = await cli(['report', '--file', d, '--out', out, '--json']);
  assert.is(rp.code, 0, rp.err);
  assert.equal([JSON.parse(rp.out).spans, JSON.parse(rp.out).totalTraces], [6, 2]);
  assert.is(sv.err + au.err + rp.err, '');
});

test('AC-004 --file <dir> with no span file in it is a clear input error (exit 2) saying what was looked for', async () => {
  const e = join(root, 'empty');
  mkdirSync(e);
  writeFileSync(join(e, 'notes.txt'), 'x\n');
  for (const cmd of [['view', T], ['services'], ['audit'], ['report', '--out', join(root, 'x.html')]]) {
    const r = await cli([...cmd, '--file', e]);
    assert.is(r.code, 2, cmd.join(' ') + r.out + r.err);
    assert.match(r.err, `no span files in directory ${e}: looked for *.jsonl, *.ndjson, *.json`);
    assert.match(r.err, '1 other entry ignored');
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
