// Properties of the CLI's clock-skew adjustment (cli/skew.ts) over random trees of spans on random clocks, with
// random kinds and times (some missing): roots stay; a child on its parent's clock moves with it; a child on
// another one that was shorter than its parent ends up inside the parent's shown time, and one that already fit is
// left; a longer child or a consumer only stops starting before its parent. Runs: FUZZ_RUNS (default 300).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { decodeRequest } from '../cli/decode.js'; // before model.js: decode → model → read → decode is a cycle
import { Model, SpanInput, KIND_CONSUMER, KIND_PRODUCER } from '../cli/model.js';
import { buildTree } from '../cli/tree.js';
import { adjustClockSkew } from '../cli/skew.js';

void decodeRequest;
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const same = (a: number, b: number): boolean => a === b || (a !== a && b !== b); // NaN: a span without that time

const spanGen = fc.record({
  parent: fc.nat(), // index of an earlier span (mod), ignored for the first
  root: fc.boolean(),
  clock: fc.constantFrom('', 'a', 'b', 'c'),
  kind: fc.integer({ min: 0, max: 5 }),
  start: fc.oneof(fc.integer({ min: -2000, max: 2000 }), fc.constant(NaN)),
  dur: fc.oneof(fc.integer({ min: 0, max: 500 }), fc.double({ min: 0, max: 50, noNaN: true }), fc.constant(NaN)),
});

test('clock-skew adjustment: roots stay, same-clock children move with their parent, others are brought inside (Jaeger rules)', () => {
  fc.assert(fc.property(fc.array(spanGen, { minLength: 1, maxLength: 30 }), (specs) => {
    const m = new Model();
    const s = new SpanInput();
    specs.forEach((x, i) => {
      s.traceId = '0af7651916cd43dd8448eb211c80319c';
      s.sHi = 1; s.sLo = i + 1;
      s.hasParent = i > 0 && !x.root;
      s.pHi = 1; s.pLo = s.hasParent ? (x.parent % i) + 1 : 0;
      s.service = 'svc'; s.clock = x.clock; s.kind = x.kind; s.name = 'op';
      s.start = x.start; s.end = x.start + x.dur;
      m.add(s);
    });
    m.index();
    const tr = buildTree(m, 0);
    const shown = adjustClockSkew(m, tr);
    let adjusted = 0;
    for (let i = 0; i < tr.size; i++) {
      const g = tr.spans[i]!;
      const d = shown.shift[i]!;
      if (d !== 0) adjusted++;
      assert.ok(Number.isFinite(d), 'a shift is a number');
      assert.ok(same(shown.start[i]!, m.start[g]! + d) && same(shown.end[i]!, m.end[g]! + d), 'shown = recorded + shift');
      const p = tr.parent[i]!;
      if (p < 0) { assert.is(d, 0, 'a root stays'); continue; }
      const pg = tr.spans[p]!;
      if (m.clock[g] !== 0 && m.clock[g] === m.clock[pg]) { assert.is(d, shown.shift[p], 'same clock: the parent\'s shift'); continue; }
      const [cs, ce, ps, pe] = [m.start[g]!, m.end[g]!, shown.start[p]!, shown.end[p]!];
      if (!(ce >= cs && pe >= ps)) { assert.is(d, 0, 'no times, no shift'); continue; }
      const async = m.kind[pg] === KIND_PRODUCER || m.kind[g] === KIND_CONSUMER;
      if (async || ce - cs > pe - ps) {
        assert.is(d, cs < ps ? ps - cs : 0, 'only kept from starting before its parent');
      } else if (cs >= ps && ce <= pe) {
        assert.is(d, 0, 'already inside');
      } else {
        const eps = 1e-9 * Math.max(1, Math.abs(ps), Math.abs(pe));
        assert.ok(shown.start[i]! >= ps - eps && shown.end[i]! <= pe + eps, `inside: [${shown.start[i]}, ${shown.end[i]}] in [${ps}, ${pe}]`);
        assert.ok(Math.abs((shown.start[i]! - ps) - (pe - shown.end[i]!)) <= eps * 4, 'centred');
      }
    }
    assert.is(shown.adjusted, adjusted);
  }), { numRuns: RUNS });
});

test.run();
