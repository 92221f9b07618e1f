// OTLP/JSON encoding of one 512-span batch: tracewire's OtlpJsonEncoder vs OTel's
// JsonTraceSerializer.serializeRequest, in the same process, on spans of the same shape as the OTel
// baseline bench 05 (256 SERVER spans each with a CLIENT child, 6 attributes, 1 in 16 ERROR + message).
// Per-op numbers are per span (batch: 512). Both outputs are checked to carry the same spans first.
import { trace, ROOT_CONTEXT, SpanKind as OtelKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { createTracer, SpanKind, type Tracer } from '../src/index.js';
import type { Span } from '../src/span.js';
import { emptyDrops, type SpanProcessor } from '../src/processor.js';
import { OtlpJsonEncoder, groupSpans } from '../src/otlp-json.js';
import { runTasks, sink, check } from './util.js';

const N = 512;

function collector(): SpanProcessor & { spans: Span[] } {
  const spans: Span[] = [];
  return { spans, onEnd: (s) => void spans.push(s), forceFlush: async () => {}, shutdown: async () => {}, stats: () => ({ enqueued: spans.length, exported: 0, queued: 0, dropped: emptyDrops() }) };
}

function pair(tracer: Tracer, i: number): void {
  const server = tracer.startSpan('GET /api/items/:id', { kind: SpanKind.SERVER, root: true, attributes: {
    'http.request.method': 'GET', 'url.path': `/api/items/${1000 + i}`, 'http.route': '/api/items/:id',
    'http.response.status_code': 200, 'server.address': 'api.example.com', 'network.protocol.version': '1.1' } }) as Span;
  const client = tracer.startSpan('GET', { kind: SpanKind.CLIENT, parent: server, attributes: {
    'http.request.method': 'GET', 'url.full': `http://inventory.internal:8080/stock/${1000 + i}`, 'server.address': 'inventory.internal',
    'server.port': 8080, 'http.response.status_code': i % 16 === 0 ? 503 : 200, 'network.peer.address': '10.0.0.7' } }) as Span;
  if (i % 16 === 0) { client.setStatus(2, 'upstream unavailable'); server.setStatus(2, 'dependency failed'); }
  else { client.setStatus(1); server.setStatus(1); }
  client.end();
  server.end();
  // same order as bench 05 (server, client) so both outputs list spans identically
}

const col = collector();
const tw = createTracer({ service: 'otel-bench', scope: { name: 'otel-bench', version: '1.0.0' }, processor: col });
for (let i = 0; i < N / 2; i++) pair(tw, i);
const ours = col.spans;

const provider = new BasicTracerProvider({ resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'otel-bench' })) });
const otelTracer = provider.getTracer('otel-bench', '1.0.0');
const theirs: unknown[] = [];
for (let i = 0; i < N / 2; i++) {
  const server = otelTracer.startSpan('GET /api/items/:id', { kind: OtelKind.SERVER, attributes: {
    'http.request.method': 'GET', 'url.path': `/api/items/${1000 + i}`, 'http.route': '/api/items/:id',
    'http.response.status_code': 200, 'server.address': 'api.example.com', 'network.protocol.version': '1.1' } }, ROOT_CONTEXT);
  const client = otelTracer.startSpan('GET', { kind: OtelKind.CLIENT, attributes: {
    'http.request.method': 'GET', 'url.full': `http://inventory.internal:8080/stock/${1000 + i}`, 'server.address': 'inventory.internal',
    'server.port': 8080, 'http.response.status_code': i % 16 === 0 ? 503 : 200, 'network.peer.address': '10.0.0.7' } }, trace.setSpan(ROOT_CONTEXT, server));
  if (i % 16 === 0) { client.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream unavailable' }); server.setStatus({ code: SpanStatusCode.ERROR, message: 'dependency failed' }); }
  else { client.setStatus({ code: SpanStatusCode.OK }); server.setStatus({ code: SpanStatusCode.OK }); }
  client.end();
  server.end();
  theirs.push(server, client);
}

// Preflight: same number of spans, same names/kinds/attribute counts/status in both outputs.
const enc = new OtlpJsonEncoder();
const ourBytes = Buffer.from(enc.encode(ours));
const theirBytes = JsonTraceSerializer.serializeRequest(theirs as never)!;
const a = JSON.parse(ourBytes.toString()).resourceSpans[0].scopeSpans[0].spans;
const b = JSON.parse(Buffer.from(theirBytes).toString()).resourceSpans[0].scopeSpans[0].spans;
check(a.length === N && b.length === N, 'both encode 512 spans');
// attribute values compared as JSON text of the AnyValue (intValue: ours a string, OTel's a number: same OTLP value)
const av = (v: any) => JSON.stringify(v, (_k, x) => (typeof x === 'number' ? String(x) : x));
const attrs = (s: any) => s.attributes.map((a: any) => `${a.key}=${av(a.value)}`).sort().join(';');
const sig = (s: any) => `${s.name}|${s.kind}|${attrs(s)}|${s.status.code ?? 0}|${s.status.message ?? ''}|${s.parentSpanId ? 1 : 0}`;
check(a.map(sig).sort().join() === b.map(sig).sort().join(), 'same span content in both outputs (names, kinds, attribute keys and values, status, parent)');
check(new Set(a.map((s: any) => s.attributes.find((x: any) => x.key === 'url.path')?.value.stringValue).filter(Boolean)).size === N / 2, 'a fixture of 256 distinct paths');
check(ProtobufTraceSerializer.serializeRequest(theirs as never)!.length > 0, 'otel protobuf encodes');

// Vary one attribute per iteration so V8 cannot fold the work (dd-trace encoding/index.js tickTrace).
let tick = 0;
const SLICE = 64;
await runTasks('otlp-json', [
  { name: 'tracewire OtlpJsonEncoder.encode(512 spans) per span', group: 'encode-512', impl: 'tracewire', batch: N,
    fn() { ours[0]!.attrs![3] = `/api/items/${tick++ & 1023}`; sink.v = enc.encode(ours); } },
  { name: `tracewire encode in slices of ${SLICE} (begin/add/end) per span`, group: 'encode-512-sliced', impl: 'tracewire', batch: N,
    fn() { ours[0]!.attrs![3] = `/api/items/${tick++ & 1023}`; const g = groupSpans(ours); enc.begin(); for (let i = 0; i < N; i += SLICE) enc.add(g, i, i + SLICE); sink.v = enc.end(); } },
  { name: 'otel JsonTraceSerializer.serializeRequest(512) per span', group: 'encode-512', impl: 'otel', batch: N,
    fn() { (theirs[0] as any).attributes['url.path'] = `/api/items/${tick++ & 1023}`; sink.v = JsonTraceSerializer.serializeRequest(theirs as never); } },
  // Informational: OTel's exporters default to http/protobuf (OTEL_EXPORTER_OTLP_PROTOCOL); a different output, so not paired.
  { name: 'otel ProtobufTraceSerializer.serializeRequest(512) per span (not JSON: informational)', group: 'encode-512-protobuf', impl: 'otel', batch: N,
    fn() { (theirs[0] as any).attributes['url.path'] = `/api/items/${tick++ & 1023}`; sink.v = ProtobufTraceSerializer.serializeRequest(theirs as never); } },
], {
  spansPerBatch: N,
  tracewireBytes: ourBytes.length, tracewireBytesPerSpan: ourBytes.length / N,
  otelBytes: theirBytes.length, otelBytesPerSpan: theirBytes.length / N,
});
console.error(`bytes per span: tracewire ${(ourBytes.length / N).toFixed(1)}  otel ${(theirBytes.length / N).toFixed(1)}`);
