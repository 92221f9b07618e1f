// AC-001 / AC-007 contract checker: `tracewire check <url>` against services on 127.0.0.1 — one traced
// with tracewire/http (must pass), and broken ones (must fail on exactly the broken rules).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createTracer } from '../src/index.js';
import { withTracing } from '../adapters/http.js';
import { cli } from './helpers/cli-run.js';

const servers: Server[] = [];
function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}/`)));
}

const tracer = createTracer({ service: 'checked', env: {}, logger: () => {} });
let seen = 0;
const good = serve(withTracing(tracer, (req, res) => { seen++; res.statusCode = req.headers['x-key'] === 'k1' ? 200 : 401; res.end('ok'); }));
// trusts whatever follows "00-" in traceparent: no grammar check at all
const naive = serve((req, res) => {
  const tp = req.headers.traceparent;
  const id = typeof tp === 'string' && tp.length >= 35 ? tp.slice(3, 35) : randomBytes(16).toString('hex');
  res.setHeader('x-trace-id', id);
  res.end();
});
const silent = serve((_req, res) => res.end('no trace headers'));
// dies on a big tracestate
const fragile = serve(withTracing(tracer, (req, res) => { res.statusCode = String(req.headers.tracestate ?? '').length > 1000 ? 500 : 200; res.end(); }));

interface Row { ac: string; name: string; result: string; detail: string }
const rows = (out: string): Row[] => JSON.parse(out).results;
const failed = (out: string): string[] => rows(out).filter((r) => r.result === 'fail').map((r) => r.name);

test('AC-001 check: a service traced by tracewire/http passes the whole contract (exit 0)', async () => {
  const url = await good;
  const r = await cli(['check', url, '-H', 'x-key: k1', '--json']);
  assert.is(r.code, 0, r.out + r.err);
  const j = JSON.parse(r.out);
  assert.is(j.pass, true);
  assert.is(j.failed, 0);
  const names = j.results.map((x: Row) => x.name).join('\n');
  for (const rule of ['uppercase hex', 'version ff', 'all-zero trace-id', 'all-zero parent-id', 'one digit short', 'trailing data', 'underscores for dashes', 'two traceparent headers', 'huge tracestate', 'keeps answering']) {
    assert.match(names, rule);
  }
  assert.ok(j.results.length >= 20);
  assert.ok(j.results.every((x: Row) => x.result === 'pass'), JSON.stringify(j.results.filter((x: Row) => x.result !== 'pass')));
  assert.match(j.results[0].detail, 'HTTP 200'); // the -H header reached the service
  assert.ok(seen >= j.results.length - 2);
  const text = await cli(['check', url, '-H', 'x-key: k1']);
  assert.is(text.code, 0);
  assert.match(text.out, /AC-001\s+PASS\s+valid traceparent: its trace ID is preserved/);
  assert.match(text.out, /AC-002\s+PASS\s+valid traceparent: the service answers with its own span ID/);
  assert.match(text.out, 'all passed');
});

test('AC-001 check: a service that trusts any traceparent fails the restart rules, and only those (exit 1)', async () => {
  const r = await cli(['check', await naive, '--json']);
  assert.is(r.code, 1, r.out + r.err);
  const f = failed(r.out);
  for (const rule of ['uppercase hex', 'version ff', 'all-zero trace-id', 'all-zero parent-id', 'trace-id one digit long', 'parent-id one digit short', 'trailing data', 'a trailing dot', 'flags one digit', 'two traceparent headers']) {
    assert.ok(f.some((n) => n.includes(rule)), `expected a failure for ${rule}: ${f.join(' | ')}`);
  }
  assert.not.ok(f.some((n) => n.includes('its trace ID is preserved')), 'valid IDs are preserved by this service');
  const skip = rows(r.out).find((x) => x.ac === 'AC-002')!;
  assert.is(skip.result, 'skip');
  assert.match(skip.detail, 'x-trace-id only');
});

test('AC-001 check: no trace ID in the responses fails AC-001; a 500 on a huge tracestate fails that rule', async () => {
  const r = await cli(['check', await silent, '--json']);
  assert.is(r.code, 1);
  assert.ok(failed(r.out).includes('no traceparent: the response carries a trace ID'));
  const txt = await cli(['check', await silent]);
  assert.match(txt.out, /AC-001\s+FAIL\s+no traceparent: the response carries a trace ID\s+HTTP 200, trace none via none/);
  assert.match(txt.out, / failed: \d+ passed, \d+ failed, \d+ skipped/);
  const g = await cli(['check', await fragile, '--json']);
  assert.is(g.code, 1);
  assert.equal(failed(g.out).map((n) => n.replace(/\(\d+ members, \d+ chars\)/, '(...)')), ['huge tracestate (...): traceparent still honoured']);
});

test('AC-007 check: an unreachable service and bad arguments are clear errors (exit 2)', async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  const r = await cli(['check', `http://127.0.0.1:${port}/`]);
  assert.is(r.code, 2);
  assert.match(r.err, `cannot reach http://127.0.0.1:${port}/: ECONNREFUSED`);
  for (const [args, msg] of [[['check'], 'check needs a URL'], [['check', 'not a url'], 'is not a URL'], [['check', 'ftp://127.0.0.1/'], 'only http: and https:'],
    [['check', 'http://127.0.0.1:1/', '-H', 'novalue'], "--header expects 'name: value'"], [['check', 'http://127.0.0.1:1/', '--timeout', '0'], '--timeout expects']] as Array<[string[], string]>) {
    const x = await cli(args);
    assert.is(x.code, 2, args.join(' '));
    assert.match(x.err, msg);
  }
});

test('AC-007 check: a header or method node:http refuses is a usage error (exit 2), not an internal error (exit 70)', async () => {
  for (const [args, msg] of [[['-H', 'x-a: b\x01c'], 'is not a valid HTTP header'], [['-H', 'bad name: x'], 'is not a valid HTTP header'],
    [['--method', 'GE T'], 'is not an HTTP method']] as Array<[string[], string]>) {
    const x = await cli(['check', 'http://127.0.0.1:1/', ...args]);
    assert.is(x.code, 2, `${args.join(' ')}: ${x.err}`);
    assert.match(x.err, msg);
    assert.not.match(x.err, 'unexpected error');
  }
});

test('AC-007 check: the password of a URL with user info is sent but never printed (text, --json, unreachable)', async () => {
  const url = new URL(await silent);
  url.username = 'ci'; url.password = 's3cret-pw';
  const r = await cli(['check', url.href]);
  assert.is(r.code, 1, r.err);
  assert.match(r.out, `Trace-context contract for http://ci:***@127.0.0.1:${url.port}/`);
  const j = await cli(['check', url.href, '--json']);
  assert.is(JSON.parse(j.out).url, `http://ci:***@127.0.0.1:${url.port}/`);
  const u = await cli(['check', 'http://ci:s3cret-pw@127.0.0.1:1/', '--json']);
  assert.is(u.code, 2);
  for (const x of [r, j, u]) assert.not.ok((x.out + x.err).includes('s3cret-pw'), x.out + x.err);
});

// a streaming endpoint (server-sent events): headers at once, then a body that never ends
const streaming = serve(withTracing(tracer, (req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const beat = setInterval(() => res.write(': beat\n\n'), 100);
  req.socket.on('close', () => clearInterval(beat));
}));

test('AC-001 check: a streaming endpoint is checked from its headers; its endless body does not hold the run', async () => {
  const r = await cli(['check', await streaming, '--json', '--timeout', '3000'], { timeoutMs: 30_000 });
  assert.is(r.code, 0, r.out + r.err);
  assert.is(JSON.parse(r.out).pass, true);
});

test('AC-001 check --insecure / -k: a self-signed https endpoint is refused with a hint, checked with a loud warning when asked', async () => {
  const d = mkdtempSync(join(tmpdir(), 'tw-check-tls-'));
  const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(d, 'k.pem'), '-out', join(d, 'c.pem'), '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  if (gen.status !== 0) {
    // Needs the openssl CLI to make a throwaway certificate (node:crypto cannot issue one).
    assert.ok(process.env.TRACEWIRE_REQUIRE_SERVICES !== '1', 'openssl is needed to create a test certificate');
    console.log('SKIP: openssl not available to create a test certificate');
    return;
  }
  const s = createHttpsServer({ key: readFileSync(join(d, 'k.pem')), cert: readFileSync(join(d, 'c.pem')) }, withTracing(tracer, (_req, res) => res.end('ok')) as RequestListener);
  servers.push(s);
  const port = await new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  const url = `https://127.0.0.1:${port}/`;
  const env = { NODE_TLS_REJECT_UNAUTHORIZED: undefined, NODE_EXTRA_CA_CERTS: undefined }; // what the CLI verifies is its own decision
  const refused = await cli(['check', url, '--json'], { env });
  assert.is(refused.code, 2, refused.out + refused.err);
  assert.equal(JSON.parse(refused.out), { url, reachable: false, insecure: false, error: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  assert.match(refused.err, 'the certificate is not trusted: NODE_EXTRA_CA_CERTS=<ca.pem> trusts its CA, --insecure skips the check');
  const j = await cli(['check', url, '--insecure', '--json'], { env });
  assert.is(j.code, 0, j.out + j.err);
  const res = JSON.parse(j.out);
  assert.equal([res.reachable, res.insecure, res.pass], [true, true, true]);
  assert.match(j.err, `WARNING: --insecure: the TLS certificate of 127.0.0.1:${port} is not verified`);
  const text = await cli(['check', url, '-k'], { env });
  assert.is(text.code, 0, text.out + text.err);
  assert.match(text.out, `Trace-context contract for ${url} (TLS certificate NOT verified: --insecure)`);
  assert.match(text.err, 'WARNING: --insecure');
  const plain = await cli(['check', await good, '-k', '-H', 'x-key: k1']);
  assert.is(plain.code, 0, plain.out + plain.err);
  assert.match(plain.err, '--insecure has no effect on an http: URL');
  assert.not.match(plain.out, 'NOT verified');
  rmSync(d, { recursive: true, force: true });
});

test.after(() => { for (const s of servers) { s.close(); s.closeAllConnections(); } });
test.run();
