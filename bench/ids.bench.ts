// ID generation: tracewire (crypto pool, kept as words; hex only when read) vs OTel's Math.random generator.
import { runTasks, sink, check } from './util.js';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import { fillTraceId, fillSpanId } from '../src/ids.js';
import { hex8 } from '../src/hex.js';

const gen = new RandomIdGenerator();
const w = { t0: 0, t1: 0, t2: 0, t3: 0, s0: 0, s1: 0 };
fillTraceId(w); fillSpanId(w);
check((w.t0 | w.t1 | w.t2 | w.t3) !== 0 && /^[0-9a-f]{32}$/.test(gen.generateTraceId()), 'ids');
const B = 1000;
await runTasks('ids', [
  { name: 'tracewire trace id (crypto, 4 words)', group: 'trace id', impl: 'tracewire', batch: B, fn() { let x = 0; for (let i = 0; i < B; i++) { fillTraceId(w); x ^= w.t3; } sink.n += x; } },
  { name: 'otel generateTraceId (Math.random, hex string)', group: 'trace id', impl: 'otel', batch: B, fn() { let s; for (let i = 0; i < B; i++) s = gen.generateTraceId(); sink.v = s; } },
  { name: 'tracewire span id (crypto, 2 words)', group: 'span id', impl: 'tracewire', batch: B, fn() { let x = 0; for (let i = 0; i < B; i++) { fillSpanId(w); x ^= w.s1; } sink.n += x; } },
  { name: 'otel generateSpanId', group: 'span id', impl: 'otel', batch: B, fn() { let s; for (let i = 0; i < B; i++) s = gen.generateSpanId(); sink.v = s; } },
  { name: 'tracewire trace id + hex at the edge', group: 'trace id as hex', impl: 'tracewire', batch: B, fn() { let s; for (let i = 0; i < B; i++) { fillTraceId(w); s = hex8(w.t0) + hex8(w.t1) + hex8(w.t2) + hex8(w.t3); } sink.v = s; } },
  { name: 'otel generateTraceId (already hex)', group: 'trace id as hex', impl: 'otel', batch: B, fn() { let s; for (let i = 0; i < B; i++) s = gen.generateTraceId(); sink.v = s; } },
]);
