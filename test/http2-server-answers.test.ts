// node:http2 compat servers, the ways a handler can answer besides res.end(): writeHead with headers as an array of
// [name, value] pairs after setHeader (the compat API's slow path, which HTTP/1 does not take), and the core API
// (res.stream.respond(), respondWithFile()), which bypasses the compat response. h2c on loopback.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http2, { type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createTracer, SpanStatusCode, type Span } from '../src/index.js';
import { withTracing } from '../adapters/http.js';
import { CaptureProcessor } from './helpers/capture.js';

const dir = mkdtempSync(join(tmpdir(), 'tracewire-h2-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

interface H2Reply { headers: http2.IncomingHttpHeaders; body: string; rst?: number }
function h2(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, closeAfter?: { ms: number; code: number }): Promise<H2Reply> {
  return new Promise((resolve) => {
    const s = session.request(headers);
    let h: http2.IncomingHttpHeaders = {};
    let b = '';
    s.on('response', (r) => (h = r));
    s.setEncoding('utf8');
    s.on('data', (d: string) => (b += d));
    s.on('error', () => {});
    s.on('close', () => resolve({ headers: h, body: b, rst: s.rstCode }));
    if (closeAfter !== undefined) setTimeout(() => s.close(closeAfter.code), closeAfter.ms);
  });
}
async function settle(cap: CaptureProcessor, n: number): Promise<void> {
  for (let i = 0; i < 200 && cap.spans.length < n; i++) await new Promise((r) => setTimeout(r, 5));
}
const byPath = (cap: CaptureProcessor, path: string): Span => cap.spans.find((s) => s.getAttribute('url.path') === path)!;
async function serve(handler: (req: Http2ServerRequest, res: Http2ServerResponse) => void): Promise<{ cap: CaptureProcessor; session: http2.ClientHttp2Session; done: () => Promise<void> }> {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'h2', processor: cap });
  const server = http2.createServer(withTracing(tracer, handler));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return { cap, session, done: async () => { session.close(); await new Promise<void>((r) => server.close(() => r())); } };
}

test('AC-001 writeHead(status, [[name, value], ...]) after setHeader: the handler\'s Server-Timing pair is merged with ours, not sent instead of it', async () => {
  const { cap, session, done } = await serve((req, res) => {
    res.setHeader('x-app', '1'); // compat writeHead then replaces the names its array gives
    const pairs = req.url === '/own-id' ? [['x-trace-id', 'mine']] : [['content-type', 'text/plain'], ['Server-Timing', 'db;dur=3']];
    res.writeHead(200, pairs as unknown as http2.OutgoingHttpHeaders); // @types/node has no array form; Node accepts both
    res.end('ok');
  });
  try {
    const pairs = await h2(session, { ':path': '/pairs' });
    const ownId = await h2(session, { ':path': '/own-id' });
    await settle(cap, 2);
    const s = byPath(cap, '/pairs');
    assert.is(pairs.headers['server-timing'], `db;dur=3, trace;desc=00-${s.traceId}-${s.spanId}-0${s.traceFlags & 3}`);
    assert.is(pairs.headers['content-type'], 'text/plain');
    assert.is(pairs.headers['x-app'], '1');
    assert.is(pairs.headers['x-trace-id'], s.traceId);
    const o = byPath(cap, '/own-id');
    assert.is(ownId.headers['x-trace-id'], 'mine', 'the handler\'s own x-trace-id wins, as on HTTP/1');
    assert.ok(String(ownId.headers['server-timing']).endsWith(`${o.traceId}-${o.spanId}-0${o.traceFlags & 3}`));
  } finally {
    await done();
  }
});

test('AC-003 an answer through the core API (stream.respond, respondWithFile): the span has the status sent, no error.type aborted for a complete answer', async () => {
  const file = join(dir, 'f.txt');
  writeFileSync(file, 'file body');
  const { cap, session, done } = await serve((req, res) => {
    const stream = res.stream;
    if (req.url === '/file') stream.respondWithFile(file, { 'content-type': 'text/plain' });
    else if (req.url === '/missing') { stream.respond({ ':status': 404 }); stream.end('no'); }
    else if (req.url === '/unavailable') stream.respond({ ':status': 503 }, { endStream: true });
    else if (req.url === '/partial') { stream.respond({ ':status': 200 }); stream.write('part'); } // never ended
    else if (req.url === '/compat-partial') { res.writeHead(200); res.write('part'); } // never ended
  });
  try {
    const file1 = await h2(session, { ':path': '/file' });
    const missing = await h2(session, { ':path': '/missing' });
    const unavailable = await h2(session, { ':path': '/unavailable' });
    // the client gives up on an answer that never ends: a reset with CANCEL, and one with NO_ERROR (node:http2's stream.close() default)
    await h2(session, { ':path': '/partial' }, { ms: 30, code: http2.constants.NGHTTP2_CANCEL });
    await h2(session, { ':path': '/compat-partial' }, { ms: 30, code: http2.constants.NGHTTP2_NO_ERROR });
    await settle(cap, 5);
    assert.is(file1.body, 'file body');
    assert.is(missing.headers[':status'], 404);
    assert.is(unavailable.headers[':status'], 503);
  } finally {
    await done();
  }
  const f = byPath(cap, '/file');
  assert.is(f.getAttribute('http.response.status_code'), 200);
  assert.is(f.getAttribute('error.type'), undefined, 'a whole file was sent');
  const m = byPath(cap, '/missing');
  assert.is(m.getAttribute('http.response.status_code'), 404, 'the status sent, not the compat response\'s default 200');
  assert.is(m.getAttribute('error.type'), undefined);
  assert.is(m.status, SpanStatusCode.UNSET);
  const u = byPath(cap, '/unavailable');
  assert.is(u.getAttribute('http.response.status_code'), 503);
  assert.is(u.getAttribute('error.type'), '503');
  assert.is(u.status, SpanStatusCode.ERROR);
  assert.is(byPath(cap, '/partial').getAttribute('error.type'), 'aborted');
  assert.is(byPath(cap, '/compat-partial').getAttribute('error.type'), 'aborted', 'a compat answer cut short, even by a NO_ERROR reset');
  assert.is(byPath(cap, '/compat-partial').getAttribute('http.response.status_code'), 200);
});

test('AC-003 a core-API answer (stream.respond) cut by the client\'s RST_STREAM with NO_ERROR before it ended is aborted, as a compat one is: error.type aborted, the status sent, no error status', async () => {
  const arrived = new Map<string, () => void>();
  const arrival = (path: string) => new Promise<void>((r) => arrived.set(path, r));
  const { cap, session, done } = await serve((req, res) => {
    const stream = res.stream;
    if (req.url === '/core-cut') { stream.respond({ ':status': 200 }); stream.write('part'); } // never ended
    else if (req.url === '/core-cut-headers') stream.respond({ ':status': 201 }); // headers only, never ended
    else if (req.url === '/core-whole') stream.respond({ ':status': 202 }, { endStream: true });
    arrived.get(req.url!)?.();
  });
  try {
    // reset with NO_ERROR (node:http2's stream.close() default) once the handler has answered, the answer not ended
    const cut = arrival('/core-cut');
    const cutP = h2(session, { ':path': '/core-cut' }, { ms: 30, code: http2.constants.NGHTTP2_NO_ERROR });
    await cut;
    const r = await cutP;
    assert.is(r.rst, http2.constants.NGHTTP2_NO_ERROR, 'the client reset with NO_ERROR');
    assert.is(r.body, 'part', 'the answer began');
    await h2(session, { ':path': '/core-cut-headers' }, { ms: 30, code: http2.constants.NGHTTP2_NO_ERROR });
    // a whole core answer the client closes the same way afterwards is no cut
    await h2(session, { ':path': '/core-whole' }, { ms: 30, code: http2.constants.NGHTTP2_NO_ERROR });
    await settle(cap, 3);
  } finally {
    await done();
  }
  const c = byPath(cap, '/core-cut');
  assert.is(c.getAttribute('error.type'), 'aborted', 'cut short by a NO_ERROR reset');
  assert.is(c.getAttribute('http.response.status_code'), 200, 'the status sent');
  assert.is(c.status, SpanStatusCode.UNSET, 'the client went away: no server error');
  const h = byPath(cap, '/core-cut-headers');
  assert.is(h.getAttribute('error.type'), 'aborted');
  assert.is(h.getAttribute('http.response.status_code'), 201);
  const w = byPath(cap, '/core-whole');
  assert.is(w.getAttribute('error.type'), undefined, 'ended before the reset');
  assert.is(w.getAttribute('http.response.status_code'), 202);
});

test.run();
