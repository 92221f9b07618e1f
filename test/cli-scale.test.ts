// AC-004 / AC-006 at size (no timing assertions: bench/cli-scale.ts measures): a 20k-span file with a
// 10,000-span trace and a 5,000-deep chain is streamed and indexed; view, services and audit answer right.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSynthetic, synthTrace, id16, id32, type SynthSpan } from '../cli/synth.js';
import { cli } from './helpers/cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-scale-'));
const file = join(dir, 'spans.jsonl');
const big = synthTrace(5000, 10_000, 3);
const DEEP = 5000;
const deepId = id32(1, 0xdee9);
const deep: SynthSpan[] = Array.from({ length: DEEP }, (_, i) => ({
  trace: deepId, id: id16(i, 0xd), parent: i > 0 ? id16(i - 1, 0xd) : undefined, service: i % 2 ? 'a' : 'b', name: `hop ${i}`,
  kind: i % 2 ? 2 : 3, start: i * 0.01, dur: (DEEP - i) * 0.02,
}));
const ready = writeSynthetic(file, { traces: 500, spansPerTrace: 10, perLine: 300, extra: [big, deep] });

test('AC-004 scale: a 10,000-span trace and a 5,000-deep chain are viewed whole', async () => {
  assert.is(await ready, 20_000);
  const r = await cli(['view', big[0]!.trace, '--file', file, '--json']);
  assert.is(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.is(j.spanCount, 10_000);
  assert.is(j.roots, 1);
  assert.is(j.orphans, 0);
  assert.is(j.spans[0].depth, 0);
  const d = await cli(['view', deepId, '--file', file]);
  assert.is(d.code, 0, d.err);
  const lines = d.out.split('\n');
  assert.ok(lines.some((l) => l.includes('[4999] └ hop 4999')), 'depth past the indent cap is printed as a number');
  assert.is(lines.filter((l) => l.startsWith('*')).length, DEEP, 'every hop of a chain is on the critical path');
});

test('AC-006 scale: services and audit over 20,000 spans in 502 traces', async () => {
  await ready;
  const s = await cli(['services', '--file', file, '--json']);
  assert.is(s.code, 0, s.err);
  const g = JSON.parse(s.out);
  assert.equal([g.spans, g.traces], [20_000, 502]);
  const a = await cli(['audit', '--file', file, '--json']);
  assert.is(a.code, 0, a.err);
  const j = JSON.parse(a.out);
  assert.equal([j.spans, j.orphanSpans, j.splitTraces], [20_000, 0, 0]);
  const rep = await cli(['report', '--file', file, '--out', join(dir, 'r.html'), '--json']);
  assert.is(rep.code, 0, rep.err);
  assert.is(JSON.parse(rep.out).spans, 20_000);
});

test('AC-004 scale: a 150,000-span trace is drawn and 150,000 operations listed (no Math.max spread over every row)', async () => {
  const f = join(dir, 'wide.jsonl');
  const T = id32(1, 0x71de);
  const N = 150_000;
  const spans: SynthSpan[] = [{ trace: T, id: id16(0, 0x71), service: 'gw', name: 'batch', kind: 2, start: 0, dur: 1000 }];
  for (let i = 1; i < N; i++) spans.push({ trace: T, id: id16(i, 0x71), parent: spans[0]!.id, service: 'gw', name: `GET /users/${i}`, kind: 1, start: i % 900, dur: 5 });
  await writeSynthetic(f, { traces: 0, spansPerTrace: 0, perLine: 2000, extra: [spans] });
  const v = await cli(['view', T, '--file', f]);
  assert.is(v.code, 0, v.err);
  assert.match(v.out, `Trace ${T}  ${N} spans`);
  const s = await cli(['services', '--file', f, '--top', '0']);
  assert.is(s.code, 0, s.err);
  assert.match(s.out, /GET \/users\/149999\s+1\s/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
