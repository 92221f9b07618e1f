// W3C extract: tracewire extractContext vs OTel W3CTraceContextPropagator, the cases of
// ../shared/otel-baseline/bench/01-propagator-extract.mjs, in one process. Fixtures rotate among 4
// headers (flat strings, as the HTTP parser makes them) so V8 cannot constant-fold a single input.
import { propagation, trace, ROOT_CONTEXT, defaultTextMapGetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { runTasks, sink, check } from './util.js';
import { extractContext } from '../src/propagation.js';
import { parseTraceparent } from '../src/traceparent.js';
import { TraceState } from '../src/tracestate.js';

const propagator = new W3CTraceContextPropagator();
propagation.setGlobalPropagator(propagator);

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TS = 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,vendor@tenant=abc123';
/** A flat (sequential) copy: concatenation makes cons strings, which real header values never are. */
const flat = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');
const K = 4;
const tps = Array.from({ length: K }, (_, i) => flat(TP.slice(0, 34) + i + TP.slice(35)));
const tss = Array.from({ length: K }, (_, i) => flat(TS.replace('abc123', 'abc12' + i)));
const valid = tps.map((tp, i) => ({ traceparent: tp, tracestate: tss[i]! }));
const validNoTs = tps.map((tp) => ({ traceparent: tp }));
const upper = tps.map((tp, i) => ({ traceparent: flat(tp.toUpperCase()), tracestate: tss[i]! }));
const zeroTrace = tss.map((ts, i) => ({ traceparent: flat(`00-00000000000000000000000000000000-00f067aa0ba902b${i}-01`), tracestate: ts }));

// Preflight: each path returns the right result before anything is timed.
for (let i = 0; i < K; i++) {
  const o = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, valid[i]!, defaultTextMapGetter));
  const t = extractContext(valid[i]!);
  check(o !== undefined && t !== null && o.traceId === t.traceId && o.spanId === t.spanId && o.traceFlags === t.traceFlags, 'valid ids ' + i);
  check(o!.traceState!.serialize() === tss[i] && t!.traceState!.toString() === tss[i], 'tracestate round trip ' + i);
  check(o!.traceState!.get('congo') === 't61rcWkgMzE' && t!.traceState!.get('congo') === 't61rcWkgMzE', 'tracestate get ' + i);
  check(extractContext(validNoTs[i]!)!.traceState === null, 'no tracestate ' + i);
  for (const bad of [upper[i]!, zeroTrace[i]!]) {
    check(propagation.extract(ROOT_CONTEXT, bad, defaultTextMapGetter) === ROOT_CONTEXT, 'otel accepted invalid');
    check(extractContext(bad) === null, 'tracewire accepted invalid');
  }
}

/** Reads every char (a sum, so V8 cannot drop the loop): the least work any validating parser does. */
function readAll(s: string): number {
  let v = 0;
  for (let i = 0; i < s.length; i++) v += s.charCodeAt(i);
  return v;
}
// latin1Write / utf8Write: Buffer's own fast paths (write(s, 0, enc) dispatches on the encoding first); not in @types/node
const BYTES = Buffer.alloc(1024) as Buffer & { latin1Write(s: string, offset: number): number; utf8Write(s: string, offset: number): number };
/** The fastest way found to get at the chars: one native copy, then byte loads (low byte only per UTF-16 unit). */
function readBytes(s: string): number {
  const n = BYTES.latin1Write(s, 0);
  let v = 0;
  for (let i = 0; i < n; i++) v += BYTES[i]!;
  return v;
}
/** The same through UTF-8: an ASCII header gives the same bytes, any other char only bytes >= 0x80 (no aliasing). */
function readUtf8(s: string): number {
  const n = BYTES.utf8Write(s, 0);
  let v = 0;
  for (let i = 0; i < n; i++) v += BYTES[i]!;
  return v;
}
check(readUtf8(TP) === readAll(TP) && readUtf8(TS) === readAll(TS), 'floor utf8 reads');
check(readBytes(TP) === readAll(TP) && readBytes(TS) === readAll(TS), 'floor byte reads');
check(readAll(TP) > 0 && readAll(tss[0]!) > readAll(TS) - 10, 'floor reads');

const B = 1000;
/** The charCodeAt floor of both headers, in the two groups it is paired in. */
function readBoth(): void {
  let v = 0;
  for (let i = 0; i < B; i++) { const h = valid[i & 3]!; v += readAll(h.traceparent) + readAll(h.tracestate); }
  sink.n = v;
}
await runTasks('propagation-extract', [
  { name: 'tracewire extractContext valid traceparent+tracestate(3)', group: 'extract tp+ts(3)', impl: 'tracewire', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) c = extractContext(valid[i & 3]!); sink.v = c; } },
  { name: 'otel extract valid traceparent+tracestate(3) via propagation', group: 'extract tp+ts(3)', impl: 'otel', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) c = propagation.extract(ROOT_CONTEXT, valid[i & 3]!, defaultTextMapGetter); sink.v = c; } },
  { name: 'tracewire extractContext valid traceparent only', group: 'extract tp', impl: 'tracewire', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) c = extractContext(validNoTs[i & 3]!); sink.v = c; } },
  { name: 'otel extract valid traceparent only via propagation', group: 'extract tp', impl: 'otel', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) c = propagation.extract(ROOT_CONTEXT, validNoTs[i & 3]!, defaultTextMapGetter); sink.v = c; } },
  { name: 'otel extract valid traceparent+tracestate(3) direct', group: 'extract tp+ts(3) direct', impl: 'otel', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) c = propagator.extract(ROOT_CONTEXT, valid[i & 3]!, defaultTextMapGetter); sink.v = c; } },
  // Reference for the eager-vs-lazy choice: keep the raw tracestate unvalidated, as OTel does (not shipped).
  { name: '(ref) traceparent + raw tracestate kept unvalidated (lazy)', group: 'extract tp+ts(3)', impl: 'ref', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) { const h = valid[i & 3]!; c = parseTraceparent(h.traceparent); if (c !== null) c.traceState = new TraceState(h.tracestate, 3, null, null); } sink.v = c; } },
  // Floors, paired with OTel in the same rounds: only reading the characters, nothing parsed, stored or
  // allocated. OTel / floor is the ceiling of any JS extract that reads them (the 5x and 20x goals' test).
  { name: '(floor) charCodeAt over traceparent + tracestate, no other work', group: 'extract tp+ts(3)', impl: 'ref', batch: B, fn: readBoth },
  { name: '(floor) latin1Write both into a buffer, then read the bytes (unsafe: two-byte strings alias)', group: 'extract tp+ts(3)', impl: 'ref', batch: B,
    fn() { let v = 0; for (let i = 0; i < B; i++) { const h = valid[i & 3]!; v += readBytes(h.traceparent) + readBytes(h.tracestate); } sink.n = v; } },
  { name: '(floor) utf8Write both into a buffer, then read the bytes (safe: non-ASCII becomes bytes >= 0x80)', group: 'extract tp+ts(3)', impl: 'ref', batch: B,
    fn() { let v = 0; for (let i = 0; i < B; i++) { const h = valid[i & 3]!; v += readUtf8(h.traceparent) + readUtf8(h.tracestate); } sink.n = v; } },
  { name: '(floor) charCodeAt over traceparent only (a lazy tracestate)', group: 'extract tp+ts(3)', impl: 'ref', batch: B,
    fn() { let v = 0; for (let i = 0; i < B; i++) v += readAll(valid[i & 3]!.traceparent); sink.n = v; } },
  { name: '(floor) charCodeAt over traceparent + tracestate (validated-read group)', group: 'extract + tracestate get', impl: 'ref', batch: B, fn: readBoth },
  { name: 'tracewire extractContext valid + tracestate.get', group: 'extract + tracestate get', impl: 'tracewire', batch: B,
    fn() { let v; for (let i = 0; i < B; i++) v = extractContext(valid[i & 3]!)!.traceState!.get('congo'); sink.v = v; } },
  { name: 'otel extract valid + force tracestate parse (.get)', group: 'extract + tracestate get', impl: 'otel', batch: B,
    fn() { let v; for (let i = 0; i < B; i++) v = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, valid[i & 3]!, defaultTextMapGetter))!.traceState!.get('congo'); sink.v = v; } },
  { name: 'tracewire extractContext invalid (uppercase hex)', group: 'extract invalid uppercase', impl: 'tracewire', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) c = extractContext(upper[i & 3]!); sink.v = c; } },
  { name: 'otel extract invalid (uppercase hex) via propagation', group: 'extract invalid uppercase', impl: 'otel', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) c = propagation.extract(ROOT_CONTEXT, upper[i & 3]!, defaultTextMapGetter); sink.v = c; } },
  { name: 'tracewire extractContext invalid (all-zero trace id)', group: 'extract invalid zero', impl: 'tracewire', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) c = extractContext(zeroTrace[i & 3]!); sink.v = c; } },
  { name: 'otel extract invalid (all-zero trace id) via propagation', group: 'extract invalid zero', impl: 'otel', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) c = propagation.extract(ROOT_CONTEXT, zeroTrace[i & 3]!, defaultTextMapGetter); sink.v = c; } },
]);
