import { createTracer } from './src/index.js';
import { OtlpJsonEncoder } from './src/otlp-json.js';
import { emptyDrops } from './src/processor.js';
const spans: any[] = [];
const tw = createTracer({ service: 'x', env: {}, processor: { onEnd: (s: any) => void spans.push(s), forceFlush: async () => {}, shutdown: async () => {}, stats: () => ({ enqueued: 0, exported: 0, queued: 0, dropped: emptyDrops() }) } });
for (let i = 0; i < 256; i++) {
  const s = tw.startSpan('GET /api/items/:id', { kind: 2, root: true, attributes: { 'http.request.method': 'GET', 'url.path': `/api/items/${1000 + i}`, 'http.route': '/api/items/:id', 'http.response.status_code': 200, 'server.address': 'api.example.com', 'network.protocol.version': '1.1' } }) as any;
  const c = tw.startSpan('GET', { kind: 3, parent: s, attributes: { 'http.request.method': 'GET', 'url.full': `http://inventory.internal:8080/stock/${1000 + i}`, 'server.address': 'inventory.internal', 'server.port': 8080, 'http.response.status_code': i % 16 === 0 ? 503 : 200, 'network.peer.address': '10.0.0.7' } }) as any;
  if (i % 16 === 0) { c.setStatus(2, 'upstream unavailable'); s.setStatus(2, 'dependency failed'); } else { c.setStatus(1); s.setStatus(1); }
  c.end(); s.end();
}
const enc = new OtlpJsonEncoder();
for (let k = 0; k < 300; k++) enc.encode(spans);
const t0 = performance.now();
const R = Number(process.env.R ?? 3000);
for (let k = 0; k < R; k++) enc.encode(spans);
console.log(((performance.now() - t0) * 1e6 / R / 512).toFixed(0), 'ns/span');
// cpu-time comparison, interleaved with OTel
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { trace, ROOT_CONTEXT } from '@opentelemetry/api';
const prov = new BasicTracerProvider();
const ot = prov.getTracer('x', '1');
const theirs: any[] = [];
for (let i = 0; i < 256; i++) {
  const s = ot.startSpan('GET /api/items/:id', { kind: 1, attributes: { 'http.request.method': 'GET', 'url.path': `/api/items/${1000 + i}`, 'http.route': '/api/items/:id', 'http.response.status_code': 200, 'server.address': 'api.example.com', 'network.protocol.version': '1.1' } }, ROOT_CONTEXT);
  const c = ot.startSpan('GET', { kind: 2, attributes: { 'http.request.method': 'GET', 'url.full': `http://inventory.internal:8080/stock/${1000 + i}`, 'server.address': 'inventory.internal', 'server.port': 8080, 'http.response.status_code': 200, 'network.peer.address': '10.0.0.7' } }, trace.setSpan(ROOT_CONTEXT, s));
  if (i % 16 === 0) { c.setStatus({ code: 2, message: 'upstream unavailable' }); s.setStatus({ code: 2, message: 'dependency failed' }); } else { c.setStatus({ code: 1 }); s.setStatus({ code: 1 }); }
  c.end(); s.end(); theirs.push(s, c);
}
const cpu = (f: () => void, reps: number) => { const u = process.cpuUsage(); for (let k = 0; k < reps; k++) f(); const d = process.cpuUsage(u); return (d.user + d.system) * 1000 / reps / 512; };
for (let k = 0; k < 50; k++) JsonTraceSerializer.serializeRequest(theirs);
const ours: number[] = [], otel: number[] = [];
for (let round = 0; round < 7; round++) { ours.push(cpu(() => enc.encode(spans), 300)); otel.push(cpu(() => JsonTraceSerializer.serializeRequest(theirs), 60)); }
const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1];
console.log('cpu ns/span ours', med(ours).toFixed(0), 'otel', med(otel).toFixed(0), 'ratio', (med(otel) / med(ours)).toFixed(2));
