// ID generation: tracewire (crypto pool, kept as int32 words; hex only when read) vs OTel's Math.random
// generator, which returns hex strings. Words and hex strings are not the same output: the 'as hex' groups
// compare the same output (a 32/16-char lowercase hex string), with the words turned into hex by hex32/hex16,
// what a span's traceId/spanId getters and injectContext use; the word groups show the cost moved to the edge.
import { runTasks, sink, check } from './util.js';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import { fillTraceId, fillSpanId } from '../src/ids.js';
import { hex32, hex16 } from '../src/hex.js';

const gen = new RandomIdGenerator();
const w = { t0: 0, t1: 0, t2: 0, t3: 0, s0: 0, s1: 0 };
{ // preflight: fresh, non-zero IDs of the same format on both sides
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    fillTraceId(w); fillSpanId(w);
    const t = hex32(w.t0, w.t1, w.t2, w.t3), s = hex16(w.s0, w.s1);
    check(/^[0-9a-f]{32}$/.test(t) && /^[0-9a-f]{16}$/.test(s) && !/^0+$/.test(t) && !/^0+$/.test(s), 'tracewire ids');
    check(/^[0-9a-f]{32}$/.test(gen.generateTraceId()) && /^[0-9a-f]{16}$/.test(gen.generateSpanId()), 'otel ids');
    seen.add(t);
  }
  check(seen.size === 100, 'tracewire trace ids differ');
}
const B = 1000;
await runTasks('ids', [
  { name: 'tracewire trace id (crypto, 4 words)', group: 'trace id', impl: 'tracewire', batch: B, fn() { let x = 0; for (let i = 0; i < B; i++) { fillTraceId(w); x ^= w.t3; } sink.n += x; } },
  { name: 'otel generateTraceId (Math.random, hex string)', group: 'trace id', impl: 'otel', batch: B, fn() { let s; for (let i = 0; i < B; i++) s = gen.generateTraceId(); sink.v = s; } },
  { name: 'tracewire span id (crypto, 2 words)', group: 'span id', impl: 'tracewire', batch: B, fn() { let x = 0; for (let i = 0; i < B; i++) { fillSpanId(w); x ^= w.s1; } sink.n += x; } },
  { name: 'otel generateSpanId', group: 'span id', impl: 'otel', batch: B, fn() { let s; for (let i = 0; i < B; i++) s = gen.generateSpanId(); sink.v = s; } },
  { name: 'tracewire trace id as hex (fillTraceId + hex32)', group: 'trace id as hex', impl: 'tracewire', batch: B, fn() { let s; for (let i = 0; i < B; i++) { fillTraceId(w); s = hex32(w.t0, w.t1, w.t2, w.t3); } sink.v = s; } },
  { name: 'otel generateTraceId (already hex)', group: 'trace id as hex', impl: 'otel', batch: B, fn() { let s; for (let i = 0; i < B; i++) s = gen.generateTraceId(); sink.v = s; } },
  { name: 'tracewire span id as hex (fillSpanId + hex16)', group: 'span id as hex', impl: 'tracewire', batch: B, fn() { let s; for (let i = 0; i < B; i++) { fillSpanId(w); s = hex16(w.s0, w.s1); } sink.v = s; } },
  { name: 'otel generateSpanId (already hex)', group: 'span id as hex', impl: 'otel', batch: B, fn() { let s; for (let i = 0; i < B; i++) s = gen.generateSpanId(); sink.v = s; } },
]);
