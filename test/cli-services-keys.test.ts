// `tracewire services` keys its edge and operation maps by two interned-string IDs packed in one number. A
// file with span names that embed IDs (`GET /users/12345`) interns millions of strings; the packing must
// keep every (caller, callee) and (service, operation) pair apart, and refuse IDs it cannot pack exactly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { otlpLine, id16, id32, type SynthSpan } from '../cli/synth.js';
import { decodeRequest } from '../cli/decode.js';
import { Model, SpanInput, MAX_DISTINCT } from '../cli/model.js';
import { InputError } from '../cli/read.js';
import * as services from '../cli/services.js';

const M21 = 2 ** 21;

test('AC-006 services: edges and operations stay apart past 2^21 distinct interned strings', () => {
  const m = new Model();
  for (const s of ['alpha', 'beta', 'gamma', 'GET /b']) m.strings.id(s); // IDs 1, 2, 3, 4
  // Stands in for 2^21 distinct names read before (interning them for real takes seconds and ~300 MB):
  // only the IDs matter to the graph, and the next strings get IDs just past 2^21.
  m.strings.list.length = M21 + 3;
  assert.is(m.strings.id('delta'), M21 + 3); // alpha · 2^21 + delta = beta · 2^21 + gamma
  assert.is(m.strings.id('GET /a'), M21 + 4); // (alpha, GET /a) packs like (beta, GET /b) did
  const t = (k: number): string => id32(k, 0x77);
  const s = (k: number): string => id16(k, 0x77);
  const spans: SynthSpan[] = [
    { trace: t(1), id: s(1), service: 'alpha', name: 'GET /a', kind: 2, start: 0, dur: 10, http: 200 },
    { trace: t(1), id: s(2), parent: s(1), service: 'alpha', name: 'POST', kind: 3, start: 1, dur: 5, http: 200 },
    { trace: t(1), id: s(3), parent: s(2), service: 'delta', name: 'POST /d', kind: 2, start: 2, dur: 3, http: 200 },
    { trace: t(2), id: s(4), service: 'beta', name: 'GET /b', kind: 2, start: 0, dur: 10, http: 200 },
    { trace: t(2), id: s(5), parent: s(4), service: 'beta', name: 'POST', kind: 3, start: 1, dur: 5, http: 500, status: 2 },
    { trace: t(2), id: s(6), parent: s(5), service: 'gamma', name: 'POST /g', kind: 2, start: 2, dur: 4, http: 500, status: 2 },
  ];
  const r = decodeRequest(JSON.parse(otlpLine(spans)), m);
  assert.equal([r.spans, r.bad], [6, 0]);
  m.index();
  const g = services.analyze(m);
  const edges = g.edges.map((e) => [e.caller, e.callee, e.calls, e.errors]).sort();
  assert.equal(edges, [['alpha', 'delta', 1, 0], ['beta', 'gamma', 1, 1]]);
  const ops = g.operations.map((o) => [o.service, o.operation, o.count]).sort();
  assert.equal(ops, [['alpha', 'GET /a', 1], ['alpha', 'POST', 1], ['beta', 'GET /b', 1], ['beta', 'POST', 1], ['delta', 'POST /d', 1], ['gamma', 'POST /g', 1]]);
});

test('AC-006 services: the key packing is exact below 2^26 and refuses IDs beyond instead of merging pairs', () => {
  const { packPair, unpackPair, PACK } = services as unknown as {
    packPair?: (a: number, b: number) => number; unpackPair?: (k: number) => [number, number]; PACK?: number;
  };
  assert.type(packPair, 'function', 'services exports packPair');
  const pack = packPair!;
  const unpack = unpackPair!;
  assert.is(PACK, 2 ** 26);
  assert.is.not(pack(0, M21), pack(1, 0));
  const max = 2 ** 26 - 1;
  assert.ok(pack(max, max) <= Number.MAX_SAFE_INTEGER);
  assert.equal(unpack(pack(max, max)), [max, max]);
  assert.equal(unpack(pack(12345, max - 1)), [12345, max - 1]);
  assert.throws(() => pack(2 ** 26, 0), /out of range/);
  assert.throws(() => pack(0, 2 ** 26), /out of range/);
  assert.throws(() => pack(-1, 0), /out of range/);
  // the interner cannot get there: a Map holds at most 2^24 entries, well below 2^26
  assert.ok(2 ** 24 < PACK!);
});

test('AC-004 an input with more distinct names, key sets or trace IDs than a JS Map holds (2^24) is a clear input error, not a crash', () => {
  assert.is(MAX_DISTINCT, 2 ** 24 - 1);
  const big = new Model();
  big.strings.list.length = 2 ** 24; // stands in for 2^24 names already interned (the Map would be full)
  assert.is(big.strings.id(''), 0, 'known strings still resolve');
  assert.throws(() => big.strings.id('GET /users/16777216'), (e: unknown) => e instanceof InputError && /more than 16,777,215 distinct span and service names/.test((e as Error).message));
  const m = new Model({ maxDistinct: 3 });
  const span = (k: number, name: string): SpanInput => Object.assign(new SpanInput(), { traceId: id32(k, 0x5), sHi: 1, sLo: k + 1, name, service: 'svc', start: 0, end: 1 });
  for (let k = 0; k < 3; k++) m.add(span(k, 'op'));
  let err: unknown;
  try { m.add(span(3, 'op')); } catch (e) { err = e; }
  assert.ok(err instanceof InputError, String(err));
  assert.match((err as Error).message, 'more than 3 distinct trace IDs');
  assert.match((err as Error).message, 'read fewer files at a time');
  const n = new Model({ maxDistinct: 3 });
  n.add(span(0, 'a')); n.add(span(0, 'b'));
  assert.throws(() => n.add(span(0, 'c')), /distinct span and service names/); // '', svc, a, b: c is the 5th
});

test.run();
