// AC-004 / AC-006 end to end with nothing installed: `tracewire demo` runs a traced platform, writes the
// spans file, prints trace IDs from response headers and a waterfall, and exits on its own; the other
// commands then work on what it wrote. `--otlp` sends to a (loopback) collector instead.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './helpers/cli-run.js';
import { startReceiver } from './helpers/otlp-receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-demo-'));
const run = (args: string[]) => cli(args, { cwd: dir, timeoutMs: 60_000 });
let ids: string[] = [];
let demoOut = '';

test('AC-004 demo: runs with no backend, writes the spans file, prints trace IDs and a waterfall, exits by itself', async () => {
  const r = await run(['demo', '--requests', '16']);
  assert.is(r.code, 0, r.out + r.err); // not killed by the timeout: nothing was left running
  demoOut = r.out;
  assert.match(r.err, 'sending 16 requests');
  assert.match(r.err, '16/16 requests');
  assert.match(r.out, /Sent 16 requests: \d+ succeeded, \d+ failed/);
  const file = join(dir, 'tracewire-spans.jsonl');
  assert.ok(existsSync(file));
  assert.match(r.out, `spans written to ${file}`);
  ids = [...r.out.matchAll(/^ {2}([0-9a-f]{32}) {2}HTTP \d+$/gm)].map((m) => m[1]!);
  assert.is(ids.length, 5);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const fileIds = new Set(lines.flatMap((l) => JSON.parse(l).resourceSpans.flatMap((rs: { scopeSpans: Array<{ spans: Array<{ traceId: string }> }> }) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.traceId)))));
  for (const id of ids) assert.ok(fileIds.has(id), `${id} from the response headers is in the file`);
  assert.match(r.out, /Trace [0-9a-f]{32} {2}16 spans · 5 services/); // the waterfall of a trace with a retry
  assert.match(r.out, '↻ retry #1');
  assert.match(r.out, 'npx tracewire view ');
  assert.match(r.out, 'npx tracewire audit');
});

test('AC-004 demo: every printed trace ID can be looked up; the whole path spans five services', async () => {
  for (const id of ids.slice(0, 2)) {
    const r = await run(['view', id, '--json']);
    assert.is(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.ok(j.spanCount >= 10);
    const known = ['auth', 'data-service', 'ingress', 'orchestration', 'worker'];
    assert.ok(j.services.length >= 3 && j.services.every((s: { service: string }) => known.includes(s.service)), JSON.stringify(j.services));
    assert.is(j.spans[0].name, 'GET /checkout');
    assert.is(j.spans[0].service, 'ingress');
    assert.is(j.roots, 1);
  }
  const picked = /Trace ([0-9a-f]{32})/.exec(demoOut)![1]!;
  const v = await run(['view', picked, '--json']);
  const j = JSON.parse(v.out);
  assert.equal(j.services.map((s: { service: string }) => s.service).sort(), ['auth', 'data-service', 'ingress', 'orchestration', 'worker']);
  assert.ok(j.spans.some((s: { kind: string; name: string }) => s.kind === 'producer' && s.name === 'publish jobs'));
  assert.ok(j.spans.some((s: { kind: string; service: string }) => s.kind === 'consumer' && s.service === 'worker'));
});

test('AC-006 demo: services and audit on the demo file find the graph and the legacy hop that drops the context', async () => {
  const g = JSON.parse((await run(['services', '--json'])).out);
  const edges = g.edges.map((e: { caller: string; callee: string }) => `${e.caller}>${e.callee}`);
  for (const e of ['ingress>auth', 'ingress>orchestration', 'orchestration>data-service', 'orchestration>worker', 'worker>data-service']) assert.ok(edges.includes(e), e);
  const inv = g.edges.find((e: { caller: string; callee: string }) => e.caller === 'orchestration' && e.callee === 'data-service');
  assert.ok(inv.errors >= 1, 'the retried 503 and the occasional failure are errors');
  const a = await run(['audit', '--json', '--min-score', '99']);
  assert.is(a.code, 1, 'the worker scores under 99%');
  const j = JSON.parse(a.out);
  const worker = j.services.find((s: { service: string }) => s.service === 'worker');
  assert.is(worker.outbound - worker.outboundOk, 2); // jobs 3 and 11 of 16 take the legacy path
  assert.equal(j.orphanSpans, 0);
  assert.equal(j.disallowedAttributes, []);
  assert.equal(j.missingFields, {});
});

test('AC-004 demo: a --file it cannot write is one clear error (exit 2) before any service starts', async () => {
  const taken = join(dir, 'taken');
  mkdirSync(join(taken, 'tracewire-spans.jsonl'), { recursive: true }); // the file's name in that directory is a directory
  for (const [f, shown, code] of [[join(dir, 'no-such-dir', 'x.jsonl'), join(dir, 'no-such-dir', 'x.jsonl'), 'ENOENT'], [taken, join(taken, 'tracewire-spans.jsonl'), 'EISDIR']]) {
    const r = await run(['demo', '--requests', '3', '--file', f!]);
    assert.is(r.code, 2, r.out + r.err);
    assert.match(r.err, `cannot write ${shown}: ${code}`);
    assert.not.match(r.err, 'sending 3 requests');
    assert.not.match(r.out, 'spans written');
  }
});

test('AC-004 demo --file <dir>: the spans go to tracewire-spans.jsonl in it, where view/audit --file <dir> read them', async () => {
  const d = join(dir, 'volume');
  mkdirSync(d);
  const r = await run(['demo', '--requests', '3', '--file', d]);
  assert.is(r.code, 0, r.out + r.err);
  const f = join(d, 'tracewire-spans.jsonl');
  assert.match(r.out, `spans written to ${f}`);
  assert.match(r.out, `--file ${JSON.stringify(f)}`);
  const id = /^ {2}([0-9a-f]{32}) {2}HTTP \d+$/m.exec(r.out)![1]!;
  const v = await run(['view', id, '--file', d, '--json']);
  assert.is(v.code, 0, v.err);
  assert.ok(JSON.parse(v.out).spanCount > 1);
});

test('AC-005 demo --otlp: the spans go to a collector instead of a file', async () => {
  const rec = await startReceiver();
  try {
    const d = mkdtempSync(join(tmpdir(), 'tw-cli-demo-otlp-'));
    const r = await cli(['demo', '--requests', '4', '--otlp', rec.url], { cwd: d, timeoutMs: 60_000 });
    assert.is(r.code, 0, r.out + r.err);
    assert.match(r.out, `spans sent to ${rec.url}`);
    assert.not.ok(existsSync(join(d, 'tracewire-spans.jsonl')));
    const got = new Set(rec.spans().map((s: { traceId: string }) => s.traceId));
    const printed = [...r.out.matchAll(/^ {2}([0-9a-f]{32}) {2}HTTP/gm)].map((m) => m[1]!);
    assert.is(printed.length, 4);
    for (const id of printed) assert.ok(got.has(id));
    rmSync(d, { recursive: true, force: true });
    const bad = await cli(['demo', '--otlp', 'nope']);
    assert.is(bad.code, 2);
    assert.match(bad.err, '--otlp expects a URL');
  } finally {
    await rec.close();
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
