// A traced handler called after its request is gone: an outer listener that awaits something first (auth, a
// rate limiter, a body parser) and then calls the withTracing handler, by which time the client has left (HTTP/1:
// the response's 'close' already emitted; HTTP/2: the stream reset, the request's 'close' already emitted). The
// span must still end (aborted), once, with what the handler set synchronously; a late handler whose client is
// still there ends its span at its response as usual.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { createTracer, SpanStatusCode, type Span } from '../src/index.js';
import { withTracing, setRoute } from '../adapters/http.js';
import { CaptureProcessor } from './helpers/capture.js';
import { close, listen } from './helpers/net.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function settle(cap: CaptureProcessor, n: number): Promise<void> {
  for (let i = 0; i < 100 && cap.spans.length < n; i++) await sleep(5);
}
const byPath = (cap: CaptureProcessor, path: string): Span[] => cap.spans.filter((s) => s.getAttribute('url.path') === path);

test('AC-001 HTTP/1: a traced handler run after the client left ends its span (aborted, the route it set); one still answered ends at its response', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'late', processor: cap });
  const handled: string[] = [];
  const traced = withTracing(tracer, (req, res) => {
    handled.push(req.url!);
    setRoute(req, '/late/:id');
    res.end('late');
  }) as http.RequestListener;
  // the outer listener awaits before calling the traced handler
  const server = http.createServer((req, res) => void sleep(60).then(() => traced(req, res)));
  const port = await listen(server);
  try {
    const gone = net.connect(port, '127.0.0.1', () => gone.write('GET /late/1 HTTP/1.1\r\nHost: a.example\r\n\r\n'));
    gone.on('error', () => {});
    setTimeout(() => gone.destroy(), 15);
    const body = await new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/late/2', agent: false }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    assert.is(body, 'late');
    await settle(cap, 2);
    await sleep(30); // no second end, no late extra span
  } finally {
    await close(server);
  }
  assert.equal(handled.sort(), ['/late/1', '/late/2']);
  assert.is(cap.spans.length, 2, 'one span per request, both ended');
  const [left] = byPath(cap, '/late/1') as [Span];
  assert.is(left.name, 'GET /late/:id');
  assert.is(left.getAttribute('error.type'), 'aborted');
  assert.is(left.getAttribute('http.response.status_code'), undefined, 'nothing was sent');
  assert.is(left.status, SpanStatusCode.UNSET);
  const [answered] = byPath(cap, '/late/2') as [Span];
  assert.is(answered.getAttribute('http.response.status_code'), 200);
  assert.is(answered.getAttribute('error.type'), undefined);
});

test('AC-001 HTTP/2: a traced handler run after the client reset its stream ends its span (aborted), GET and HEAD; one still answered ends at its response', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'late', processor: cap });
  const handled: string[] = [];
  const traced = withTracing(tracer, (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    handled.push(`${req.method} ${req.url}`);
    setRoute(req, '/late/:id');
    res.end('late');
  });
  const server = http2.createServer((req, res) => void sleep(60).then(() => traced(req, res)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const request = (headers: http2.OutgoingHttpHeaders, cancelAfter?: number): Promise<string> => new Promise((resolve) => {
    const s = session.request(headers);
    let b = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (b += d));
    s.on('error', () => {});
    s.on('close', () => resolve(b));
    if (cancelAfter !== undefined) setTimeout(() => s.close(http2.constants.NGHTTP2_CANCEL), cancelAfter);
  });
  try {
    const [, , body] = await Promise.all([
      request({ ':path': '/late/1' }, 15),
      request({ ':path': '/late/3', ':method': 'HEAD' }, 15),
      request({ ':path': '/late/2' }),
    ]);
    assert.is(body, 'late');
    await sleep(30); // the late handlers of the reset streams have run
    await settle(cap, 3);
    await sleep(30);
  } finally {
    session.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
  assert.equal(handled.sort(), ['GET /late/1', 'GET /late/2', 'HEAD /late/3']);
  assert.is(cap.spans.length, 3, 'one span per request, every one ended');
  for (const p of ['/late/1', '/late/3']) {
    const [s] = byPath(cap, p) as [Span];
    assert.is(s.name, `${p === '/late/3' ? 'HEAD' : 'GET'} /late/:id`, p);
    assert.is(s.getAttribute('error.type'), 'aborted', p);
    assert.is(s.getAttribute('http.response.status_code'), undefined, `${p}: nothing was sent`);
  }
  const [answered] = byPath(cap, '/late/2') as [Span];
  assert.is(answered.getAttribute('http.response.status_code'), 200);
  assert.is(answered.getAttribute('error.type'), undefined);
});

test.run();
