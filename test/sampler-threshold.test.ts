// The OTel `th` threshold: its value (2^56 - round(p * 2^56), as OTel Java/JS/Go compute it), when it is erased
// (unsampled spans, an `ot` member that cannot take it), and the counter for the latter.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createTracer, probability, parentBased, alwaysOn, ProbabilitySampler, TenantSampler, parseTraceparent, parseTracestate, Span, NonRecordingSpan, injectContext, type Sampler } from '../src/index.js';
import { ReloadableSampler } from '../src/config/sampling.js';
import { CaptureProcessor } from './helpers/capture.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const th = (p: number): string => (probability(p) as ProbabilitySampler).th;

/** Independent oracle: the double p is m * 2^e exactly; p * 2^56 rounded half up (Java Math.round, Go math.Round for p >= 0) in BigInt. */
function oracle(p: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, p);
  const bits = dv.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const m = exp === 0 ? frac : frac | (1n << 52n);
  const shift = (exp === 0 ? 1 : exp) - 1075 + 56; // p = m * 2^(exp - 1075)
  const scaled = shift >= 0 ? m << BigInt(shift) : (m + (1n << BigInt(-shift - 1))) >> BigInt(-shift);
  return (1n << 56n) - scaled;
}
const hexOf = (t: bigint): string => (t === 0n ? '0' : t.toString(16).padStart(14, '0').replace(/0+$/, ''));

test('th = 2^56 - round(p * 2^56), trailing zeros removed: the OTel Java / JS / Collector vectors', () => {
  // (1 - p) * 2^56 in doubles wrote e6666666666668, ccccccccccccd, aaaaaaaaaaaab for these three
  assert.is(th(0.1), 'e6666666666666');
  assert.is(th(0.2), 'cccccccccccccc');
  assert.is(th(1 / 3), 'aaaaaaaaaaaaac');
  assert.is(th(2 / 3), '55555555555558');
  assert.is(th(0.01), 'fd70a3d70a3d71');
  assert.is(th(1), '0');
  assert.is(th(0.75), '4');
  for (let k = 1; k <= 56; k++) { // 1/2^k: exactly 2^56 - 2^(56-k), k/4 leading f's then one digit
    const t = (1n << 56n) - (1n << BigInt(56 - k));
    assert.is(th(2 ** -k), t.toString(16).replace(/0+$/, ''), `1/2^${k}`);
  }
  assert.is(th(2 ** -56), 'ffffffffffffff'); // the smallest probability the spec defines
});

test('th property: every probability encodes the exact threshold; decoding it gives back the rule R >= T the sampler applies', () => {
  fc.assert(fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.bigInt({ min: 0n, max: (1n << 56n) - 1n }), (p, r) => {
    const s = probability(p) as ProbabilitySampler;
    const t = oracle(p);
    if (t === 1n << 56n) { assert.is(s.th, '', String(p)); assert.not.ok(s.shouldSample(null, { t0: 0, t1: 0, t2: -1, t3: -1 })); return; }
    assert.is(s.th, hexOf(t), String(p));
    assert.is(BigInt('0x' + s.th.padEnd(14, '0')), t, 'th decodes to the threshold');
    const words = { t0: 1, t1: 2, t2: Number(r >> 32n), t3: Number(r & 0xffffffffn) | 0 };
    assert.is(s.shouldSample(null, words), r >= t, `p=${p} r=${r.toString(16)}`);
  }), { numRuns: RUNS });
});

test('th rounded to the digits the OTel spec\'s 1-in-N table shows gives the table\'s values (precision 3, 4, 5)', () => {
  const table: [number, string[]][] = [
    [1 / 3, ['aab', 'aaab', 'aaaab']], [0.2, ['ccd', 'cccd', 'ccccd']], [0.1, ['e66', 'e666', 'e6666']],
    [0.01, ['fd71', 'fd70a', 'fd70a4']], [0.001, ['ffbe7', 'ffbe77', 'ffbe76d']], [0.0001, ['fff972', 'fff9724', 'fff97247']],
    [0.00001, ['ffff584', 'ffff583a', 'ffff583a5']], [0.000001, ['ffffef4', 'ffffef39', 'ffffef391']],
  ];
  for (const [p, want] of table) {
    const t = BigInt('0x' + th(p).padEnd(14, '0'));
    for (const w of want) {
      const unit = 1n << BigInt(4 * (14 - w.length));
      const rounded = ((t + unit / 2n) / unit).toString(16).padStart(w.length, '0');
      assert.is(rounded, w, `p=${p} at ${w.length} digits`);
    }
  }
});

test('p = 0, or so small that round(p * 2^56) is 0: never sampled, no th written (OTel JS: as AlwaysOff)', () => {
  for (const p of [0, 2 ** -58, 2 ** -57 * 0.99]) {
    const s = probability(p) as ProbabilitySampler;
    assert.is(s.th, '');
    assert.not.ok(s.shouldSample(null, { t0: -1, t1: -1, t2: -1, t3: -1 }), String(p));
  }
  assert.is(th(2 ** -57), 'ffffffffffffff'); // 0.5 rounds up to 1: only R = 2^56 - 1 is sampled
});

test('probability(1) under a parent without the random flag and without rv still records th:0: every R passes T = 0, so the probability is known (1) without knowing R', () => {
  const t = createTracer({ sampler: probability(1), processor: new CaptureProcessor() });
  const nonRandom = '00-4bf92f3577b34da6a300000000000000-00f067aa0ba902b7-01';
  const p1 = parseTraceparent(nonRandom)!;
  p1.traceState = parseTracestate('ot=th:c;x:1,other=1');
  assert.is((t.startSpan('x', { parent: p1 }) as Span).traceState?.toString(), 'ot=th:0;x:1,other=1');
  assert.is((t.startSpan('x', { parent: parseTraceparent(nonRandom)! }) as Span).traceState?.toString(), 'ot=th:0');
});

const REMOTE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03';
const R_ZERO = '00-4bf92f3577b34da6a300000000000000-00f067aa0ba902b7-03'; // R = 0: sampled only at probability 1
const remote = (state: string, flags = '03', tp = REMOTE) => {
  const c = parseTraceparent(tp.slice(0, -2) + flags)!;
  c.traceState = parseTracestate(state);
  return c;
};

test('an unsampled span carries its parent\'s tracestate without th (OTel CompositeSampler: th only on a positive decision); rv and the rest stay', () => {
  const t = createTracer({ sampler: probability(0.5), processor: new CaptureProcessor() });
  // rv = 0: not sampled at 0.5; the sampled parent had sampled it at 100% (th:0)
  const s = t.startSpan('x', { parent: remote('ot=th:0;rv:00000000000000;k:v,other=1') });
  assert.ok(s instanceof NonRecordingSpan);
  assert.is(s.traceState?.toString(), 'ot=rv:00000000000000;k:v,other=1');
  const carrier: Record<string, unknown> = {};
  injectContext(s, carrier);
  assert.is(carrier.tracestate, 'ot=rv:00000000000000;k:v,other=1');
  assert.is((carrier.traceparent as string).slice(-2), '02', 'sent unsampled');
  // th was the whole ot member: the member goes; nothing left: no tracestate at all
  assert.is(t.startSpan('y', { parent: remote('ot=th:0,other=1', '03', R_ZERO) }).traceState?.toString(), 'other=1');
  const u = t.startSpan('z', { parent: remote('ot=th:0', '03', R_ZERO) });
  assert.ok(u instanceof NonRecordingSpan);
  assert.is(u.traceState, null);
  const c2: Record<string, unknown> = {};
  injectContext(u, c2);
  assert.is(c2.tracestate, undefined);
  // no th to erase: the parent's state object itself, no copy
  const plain = remote('ot=rv:00000000000000,v=1');
  assert.is(t.startSpan('w', { parent: plain }).traceState, plain.traceState);
});

test('parent-based: a child of an unsampled parent that carried th drops it (the flag says not sampled, so th describes nothing here)', () => {
  const t = createTracer({ sampler: parentBased(probability(0.5)), processor: new CaptureProcessor() });
  const s = t.startSpan('x', { parent: remote('ot=th:8;rv:ffffffffffffff,v=1', '02') });
  assert.ok(s instanceof NonRecordingSpan);
  assert.is(s.traceState?.toString(), 'ot=rv:ffffffffffffff,v=1');
  assert.is(t.startSpan('child', { parent: s }), s, 'its children reuse it, th-free');
  // a sampled parent's th passes on unchanged to a sampled child (parent-based threshold)
  const ok = t.startSpan('y', { parent: remote('ot=th:8;rv:ffffffffffffff,v=1', '03') }) as Span;
  assert.is(ok.traceState?.toString(), 'ot=th:8;rv:ffffffffffffff,v=1');
});

test('a sampler that decides without its parent and records no threshold (alwaysOn, a tenant\'s alwaysOn, a custom one) erases a remote parent\'s th: the span was not kept at the parent\'s probability', () => {
  const custom: Sampler = { description: 'Custom', followsParent: false, shouldSample: () => true };
  for (const sampler of [alwaysOn, custom, new TenantSampler(parentBased(), { gold: alwaysOn })]) {
    const t = createTracer({ sampler, processor: new CaptureProcessor() });
    const s = t.startSpan('x', { parent: remote('ot=th:8;rv:ffffffffffffff,v=1', '03'), attributes: { 'tenant.id': 'gold' } }) as Span;
    assert.ok(s instanceof Span, sampler.description);
    assert.is(s.traceState?.toString(), 'ot=rv:ffffffffffffff,v=1', sampler.description);
    // nothing to erase: the parent's state object passes on as is
    const plain = remote('v=1', '03');
    assert.is(t.startSpan('y', { parent: plain, attributes: { 'tenant.id': 'gold' } }).traceState, plain.traceState, sampler.description);
  }
  // the tenant sampler's parent-based fallback still passes a consistent th on
  const t = createTracer({ sampler: new TenantSampler(parentBased(), { gold: alwaysOn }), processor: new CaptureProcessor() });
  assert.is(t.startSpan('z', { parent: remote('ot=th:8;rv:ffffffffffffff,v=1', '03') }).traceState?.toString(), 'ot=th:8;rv:ffffffffffffff,v=1');
});

test('a th that cannot be written (the ot member would pass 256 chars) does not leave the parent\'s stale th behind: erased, rv kept, counted in stats().sampling.thDropped', () => {
  const t = createTracer({ sampler: probability(0.1), processor: new CaptureProcessor() });
  const filler = 'z:' + 'a'.repeat(256 - 'th:c;rv:ffffffffffffff;z:'.length);
  const ot = 'th:c;rv:ffffffffffffff;' + filler;
  assert.is(ot.length, 256);
  const s = t.startSpan('x', { parent: remote(`ot=${ot},other=1`) }) as Span;
  assert.ok(s.sampled, 'rv = 2^56 - 1 is sampled at any probability');
  assert.is(s.traceState?.get('ot'), 'rv:ffffffffffffff;' + filler, 'no th: neither the new one (no room) nor the parent\'s c');
  assert.is(s.traceState?.get('other'), '1');
  assert.is(t.stats().sampling.thDropped, 1);
  // room again: written as usual, nothing more counted
  const fits = t.startSpan('y', { parent: remote('ot=th:c;rv:ffffffffffffff,other=1') }) as Span;
  assert.is(fits.traceState?.get('ot'), 'th:e6666666666666;rv:ffffffffffffff');
  assert.is(t.stats().sampling.thDropped, 1);
});

test('stats().sampling.thDropped sums a sampler tree once per sampler (parent-based, tenants sharing one, a reload swap keeps the count)', () => {
  const shared = probability(0.1) as ProbabilitySampler;
  const tenants = new TenantSampler(shared, { a: shared, b: probability(0.3) });
  const reloadable = new ReloadableSampler(parentBased(tenants));
  const t = createTracer({ sampler: reloadable, processor: new CaptureProcessor() });
  const big = `ot=th:c;rv:ffffffffffffff;z:${'a'.repeat(230)}`;
  t.startSpan('x', { parent: remote(big), sampleAsRoot: true, attributes: { 'tenant.id': 'a' } });
  t.startSpan('x', { parent: remote(big), sampleAsRoot: true, attributes: { 'tenant.id': 'b' } });
  assert.is(t.stats().sampling.thDropped, 2);
  assert.ok(reloadable.swap(parentBased(probability(1))));
  assert.is(t.stats().sampling.thDropped, 2, 'kept across the swap');
});

test('stats().sampling.thDropped: a reload that swaps back to a sampler it used before (the OTEL_TRACES_SAMPLER one) does not count its drops twice', () => {
  const envSampler = parentBased(probability(0.1)); // build.ts keeps one envSampler and swaps it back in when the file drops `sampler`
  const reloadable = new ReloadableSampler(envSampler);
  const t = createTracer({ sampler: reloadable, processor: new CaptureProcessor() });
  const big = `ot=th:c;rv:ffffffffffffff;z:${'a'.repeat(230)}`;
  t.startSpan('x', { parent: remote(big), sampleAsRoot: true });
  assert.is(t.stats().sampling.thDropped, 1);
  assert.ok(reloadable.swap(parentBased(probability(0.5))));
  assert.ok(reloadable.swap(envSampler));
  assert.is(t.stats().sampling.thDropped, 1, 'one drop, counted once after swapping the same sampler back in');
  assert.ok(reloadable.swap(parentBased(probability(0.5))));
  assert.is(t.stats().sampling.thDropped, 1);
});

// Parent-based threshold (OTel tracestate probability sampling, "General requirements" / "Parent-based threshold"):
// a sampled incoming th must satisfy R >= T, R the parent's rv or, with the W3C random flag, the trace ID's low 56 bits.
const hex = (n: bigint, d: number): string => n.toString(16).padStart(d, '0');
const thArb = fc.stringMatching(/^[0-9a-f]{1,14}$/);
const r56 = fc.bigInt({ min: 0n, max: (1n << 56n) - 1n });

test('parent-based: a sampled parent\'s th passes on iff R >= T (R from the trace ID, random flag set); an inconsistent one is erased, counted in stats().sampling.thInconsistent (property)', () => {
  for (const mkSampler of [() => undefined, () => parentBased(probability(0.25))] as (() => Sampler | undefined)[]) {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: (1n << 72n) - 1n }), r56, thArb, fc.option(r56, { nil: undefined }), (high, r, th, rv) => {
      const t = createTracer({ sampler: mkSampler(), processor: new CaptureProcessor() }); // the default, and one whose root writes th
      const traceId = hex(high, 18) + hex(r, 14);
      const ot = `th:${th}` + (rv === undefined ? '' : `;rv:${hex(rv, 14)}`) + ';k:v';
      const s = t.startSpan('x', { parent: remote(`ot=${ot},other=1`, '03', `00-${traceId}-00f067aa0ba902b7-03`) }) as Span;
      assert.ok(s.sampled, 'the child follows the sampled flag');
      const R = rv ?? r, T = BigInt('0x' + th.padEnd(14, '0'));
      const consistent = R >= T;
      const rest = (rv === undefined ? '' : `rv:${hex(rv, 14)};`) + 'k:v';
      assert.is(s.traceState?.get('ot'), consistent ? ot : rest, `R=${R.toString(16)} T=${T.toString(16)}`);
      assert.is(s.traceState?.get('other'), '1', 'other members stay');
      assert.equal(t.stats().sampling, { thDropped: 0, thInconsistent: consistent ? 0 : 1, randomnessPresumed: 0 });
      const carrier: Record<string, unknown> = {};
      injectContext(s, carrier);
      assert.is(carrier.tracestate, consistent ? `ot=${ot},other=1` : `ot=${rest},other=1`, 'what the next service receives');
    }), { numRuns: RUNS });
  }
});

test('parent-based th check: the edges (R = T kept, R = T - 1 erased), rv wins over the trace ID, th as the whole ot member leaves no empty ot', () => {
  const t = createTracer({ processor: new CaptureProcessor() }); // the default: parentBased(alwaysOn)
  const tid = (r: string) => `00-4bf92f3577b34da6a3${r}-00f067aa0ba902b7-03`;
  const child = (state: string, tp: string) => t.startSpan('x', { parent: remote(state, '03', tp) }) as Span;
  assert.is(child('ot=th:8', tid('80000000000000')).traceState?.toString(), 'ot=th:8', 'R = T: sampled at T, kept');
  assert.is(child('ot=th:8', tid('7fffffffffffff')).traceState, null, 'R = T - 1: erased; nothing left, no tracestate');
  assert.is(child('ot=th:8;rv:80000000000000', tid('00000000000000')).traceState?.toString(), 'ot=th:8;rv:80000000000000', 'rv is R, not the trace ID');
  assert.is(child('ot=th:8;rv:7fffffffffffff,o=1', tid('ffffffffffffff')).traceState?.toString(), 'ot=rv:7fffffffffffff,o=1');
  assert.is(child('ot=th:0', tid('00000000000000')).traceState?.toString(), 'ot=th:0', 'th 0 (always) holds for any R');
  assert.is(t.stats().sampling.thInconsistent, 2);
  // the next generation (a local child of the checked span) passes the checked state on: nothing more counted
  const ok = child('ot=th:8,o=1', tid('90000000000000'));
  assert.is((t.startSpan('y', { parent: ok }) as Span).traceState?.toString(), 'ot=th:8,o=1');
  assert.is(t.stats().sampling.thInconsistent, 2);
});

test('parent-based th check: a th that is not 1-14 lowercase hex digits is no threshold: erased and counted, even when R is unknown', () => {
  const t = createTracer({ processor: new CaptureProcessor() });
  for (const th of ['', '123456789abcdef', '8A', 'xyz', '-1', 'g']) {
    for (const flags of ['03', '01']) {
      const s = t.startSpan('x', { parent: remote(`ot=th:${th};rv:ffffffffffffff,o=1`, flags) }) as Span;
      assert.is(s.traceState?.toString(), 'ot=rv:ffffffffffffff,o=1', JSON.stringify(th));
    }
  }
  assert.is(t.stats().sampling.thInconsistent, 12);
});

test('parent-based th check: a repeated th (ot keys MUST be unique) is no threshold: all erased and counted, not passed on for the next reader to pick one', () => {
  // we checked the first and passed both on; OTel JS reads the last (th:f here, which R = 0 does not reach)
  const t = createTracer({ processor: new CaptureProcessor() });
  for (const ot of ['th:0;th:f', 'th:8;k:v;th:8', 'th:0;rv:00000000000000;th:0']) {
    const s = t.startSpan('x', { parent: remote(`o=1,ot=${ot}`, '03', R_ZERO) }) as Span;
    const rest = ot.split(';').filter((p) => !p.startsWith('th:')).join(';');
    assert.is(s.traceState?.toString(), rest === '' ? 'o=1' : `ot=${rest},o=1`, ot);
  }
  assert.is(t.stats().sampling.thInconsistent, 3);
});

test('parent-based th check: without rv and without the random flag R is unknown, so no test is possible: th kept, nothing counted', () => {
  const t = createTracer({ processor: new CaptureProcessor() });
  const s = t.startSpan('x', { parent: remote('ot=th:ffffffffffffff,o=1', '01', R_ZERO) }) as Span;
  assert.ok(s.sampled);
  assert.is(s.traceState?.toString(), 'ot=th:ffffffffffffff,o=1');
  assert.is(t.stats().sampling.thInconsistent, 0);
});

test('parent-based th check costs nothing without an ot th: the hook runs only for a parent with a tracestate, and its state object passes on as is', () => {
  const ps = parentBased(alwaysOn);
  let calls = 0;
  const hook = ps.traceStateFor!.bind(ps);
  (ps as { traceStateFor: Sampler['traceStateFor'] }).traceStateFor = (p, a) => { calls++; return hook(p, a); };
  const t = createTracer({ sampler: ps, processor: new CaptureProcessor() });
  const root = t.startSpan('root') as Span;
  t.startSpan('local child', { parent: root });
  const bare = parseTraceparent(REMOTE)!;
  t.startSpan('remote child', { parent: bare });
  assert.is(calls, 0, 'no tracestate: the hook is not called');
  for (const state of ['vendor=1', 'ot=rv:00000000000000,v=1', 'ot=k:th;x:th']) {
    const p = remote(state, '03', R_ZERO);
    assert.is((t.startSpan('x', { parent: p }) as Span).traceState, p.traceState, state);
  }
  assert.is(calls, 3);
  assert.equal(t.stats().sampling, { thDropped: 0, thInconsistent: 0, randomnessPresumed: 0 });
});

test('an ot value whose part before th ends in a space (valid W3C, not OTel grammar): th is still erased or replaced, never left stale', () => {
  // erasing th left 'k:v ', a value ending in a space, which TraceState.set refused: the parent's state stayed, th and all
  const unsampled = createTracer({ sampler: probability(0.5), processor: new CaptureProcessor() })
    .startSpan('x', { parent: remote('ot=k:v ;th:0,o=1', '03', R_ZERO) });
  assert.ok(unsampled instanceof NonRecordingSpan);
  assert.is(unsampled.traceState?.toString(), 'ot=k:v,o=1');
  const sampled = createTracer({ sampler: probability(0.5), processor: new CaptureProcessor() })
    .startSpan('x', { parent: remote('ot=k:v ;th:0,o=1') }) as Span; // R from the trace ID: ce929d0e0e4736 >= 8
  assert.ok(sampled.sampled);
  assert.is(sampled.traceState?.toString(), 'ot=th:8;k:v,o=1', 'its own th, not the parent\'s th:0');
  const pb = createTracer({ processor: new CaptureProcessor() });
  const inconsistent = pb.startSpan('x', { parent: remote('o=1,ot=k:v ;th:f', '03', R_ZERO) }) as Span;
  assert.is(inconsistent.traceState?.toString(), 'ot=k:v,o=1');
  assert.is(pb.stats().sampling.thInconsistent, 1);
});

test('parent-based th check under a reloadable config sampler: counted, and the count survives a swap', () => {
  const reloadable = new ReloadableSampler(parentBased(probability(0.1)));
  const t = createTracer({ sampler: reloadable, processor: new CaptureProcessor() });
  t.startSpan('x', { parent: remote('ot=th:8', '03', R_ZERO) });
  assert.is(t.stats().sampling.thInconsistent, 1);
  assert.ok(reloadable.swap(parentBased(probability(0.5))));
  assert.is(t.stats().sampling.thInconsistent, 1, 'kept across the swap');
  t.startSpan('y', { parent: remote('ot=th:8', '03', R_ZERO) });
  assert.is(t.stats().sampling.thInconsistent, 2);
});

test.run();
