// traceServer over a server's life: the http.server.request.start subscription (Node's own 400 / 503
// answers) is held while a traced server serves, released at its 'close' or untraceServer, and a discarded
// server is not kept alive by the adapter. Own file: the channel's subscriber count is process-wide.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import net from 'node:net';
import diagnostics from 'node:diagnostics_channel';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createTracer } from '../src/index.js';
import { traceServer, untraceServer } from '../adapters/http.js';
import { CaptureProcessor } from './helpers/capture.js';
import { listen, close, request } from './helpers/net.js';

const channel = diagnostics.channel('http.server.request.start');

/** Write `text` on a fresh connection, resolve everything the server sent until it closed. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    let b = '';
    c.on('data', (d) => (b += d)); c.on('close', () => resolve(b)); c.on('error', () => {});
    c.write(text);
  });
}

test('AC-007 traceServer: request.start is heard while a traced server serves; its close (or untraceServer) unsubscribes, listening again resubscribes', async () => {
  const tracer = createTracer({ service: 'orders', processor: new CaptureProcessor() });
  assert.is(channel.hasSubscribers, false, 'nothing heard before any server');
  const a = traceServer(tracer, http.createServer((_req, res) => res.end('ok')));
  const b = traceServer(tracer, http.createServer((_req, res) => res.end('ok')));
  const pa = await listen(a);
  await listen(b);
  assert.is(channel.hasSubscribers, true);
  assert.is((await request({ host: '127.0.0.1', port: pa, agent: false })).status, 200);
  await close(a);
  assert.is(channel.hasSubscribers, true, 'b still serves');
  await close(b);
  assert.is(channel.hasSubscribers, false, 'closed test servers, hot-reloaded apps: nothing left subscribed');
  // A closed server may listen again: Node's own 400 still gets the trace headers.
  const again = await listen(a);
  assert.is(channel.hasSubscribers, true);
  assert.match(await raw(again, 'GET /x HTTP/1.1\r\n\r\n'), /^HTTP\/1\.1 400 [^]*\r\nx-trace-id: [0-9a-f]{32}\r\n/);
  untraceServer(a);
  assert.is(channel.hasSubscribers, false, 'untraceServer of the last traced server unsubscribes');
  await close(a);
  // traceServer on a server already listening hears at once; tracing it twice counts it once.
  const c = http.createServer((_req, res) => res.end('ok'));
  await listen(c);
  traceServer(tracer, c);
  traceServer(tracer, c);
  assert.is(channel.hasSubscribers, true);
  await close(c);
  assert.is(channel.hasSubscribers, false);
});

test('AC-001 traceServer on a server that never listens (sockets handed to it by another server): Node\'s own 400 still carries the trace headers', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap });
  const inner = traceServer(tracer, http.createServer((_req, res) => res.end('ok')));
  const outer = net.createServer((socket) => inner.emit('connection', socket));
  const port = await new Promise<number>((resolve) => outer.listen(0, '127.0.0.1', () => resolve((outer.address() as net.AddressInfo).port)));
  try {
    const reply = await raw(port, 'GET /x HTTP/1.1\r\n\r\n');
    assert.match(reply, /^HTTP\/1\.1 400 /);
    assert.match(reply, /\r\nx-trace-id: [0-9a-f]{32}\r\n/);
  } finally {
    await new Promise((r) => outer.close(r));
    inner.close();
    await new Promise((r) => setImmediate(r));
  }
  assert.is(channel.hasSubscribers, false, 'its close unsubscribes too');
});

test('AC-007 a traced server (maxRequestsPerSocket set), closed and dropped, is garbage: the adapter keeps none of its requests', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const tracer = createTracer({ service: 'orders', processor: new CaptureProcessor() });
  const ref = await (async (): Promise<WeakRef<http.Server>> => {
    const server = traceServer(tracer, http.createServer((_req, res) => res.end('ok')));
    server.maxRequestsPerSocket = 5;
    const port = await listen(server);
    assert.is((await request({ host: '127.0.0.1', port, agent: false })).status, 200);
    await close(server);
    return new WeakRef(server);
  })();
  for (let i = 0; i < 5 && ref.deref() !== undefined; i++) { await new Promise((r) => setTimeout(r, 10)); gc(); }
  assert.is(ref.deref(), undefined, 'the closed server was collected');
});

test.run();
