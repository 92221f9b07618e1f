// Properties of the OTel `ot` tracestate member as the samplers write it (OTel "TraceState Handling" and
// "TraceState: Probability Sampling"), over parent `ot` values that are valid W3C values but messy OTel lists:
// junk and repeated `th`/`rv`, empty sub-keys, spaces, lookalike keys, values near the 256-char limit.
// The oracle reads the list with a plain split, independent of src/ot-state.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createTracer, probability, parentBased, parseTraceparent, parseTracestate, NonRecordingSpan, ProbabilitySampler, type Sampler } from '../src/index.js';
import { CaptureProcessor } from '../test/helpers/capture.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

// ---- oracle: the ot list is `key ":" value` parts joined by ";"; a part's key is what precedes its first ":"
const keyOf = (part: string): string => { const i = part.indexOf(':'); return i < 0 ? '' : part.slice(0, i); };
const partsOf = (ot: string | undefined): string[] => (ot === undefined ? [] : ot.split(';'));
const ths = (ot: string | undefined): string[] => partsOf(ot).filter((p) => keyOf(p) === 'th').map((p) => p.slice(3));
/** The parent's non-th parts as an outgoing ot keeps them: empty parts gone, order kept, no trailing space (W3C value). */
const restOf = (ot: string): string => partsOf(ot).filter((p) => p !== '' && keyOf(p) !== 'th').join(';').replace(/ +$/, '');
/** The parent's ot with th erased: as it came when it has none (nothing to modify), else restOf. */
const erased = (ot: string): string => (ths(ot).length === 0 ? ot : restOf(ot));
/** R: the last rv if it is 14 lowercase hex digits (OTel tracestate handling; the last as OTel JS), else the trace ID's low 56 bits when the random flag is set. */
function randomness(ot: string, low56: bigint, flags: number): bigint | undefined {
  const rv = partsOf(ot).filter((p) => keyOf(p) === 'rv').pop()?.slice(3);
  if (rv !== undefined && /^[0-9a-f]{14}$/.test(rv)) return BigInt('0x' + rv);
  return (flags & 2) !== 0 ? low56 : undefined;
}
const thValue = (th: string): bigint | undefined => (/^[0-9a-f]{1,14}$/.test(th) ? BigInt('0x' + th.padEnd(14, '0')) : undefined);

// ---- generators
const hexGen = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: min, maxLength: max });
const spaced = (g: fc.Arbitrary<string>) => fc.tuple(fc.constantFrom('', '', '', ' ', '  '), g, fc.constantFrom('', '', '', ' ')).map(([a, b, c]) => a + b + c);
const thPart = spaced(fc.oneof(
  hexGen(1, 14).map((h) => 'th:' + h), hexGen(1, 14).map((h) => 'th:' + h),
  fc.constantFrom('th:', 'th:8A', 'th:123456789abcdef', 'th:g', 'th:-1', 'th:0', 'th:ffffffffffffff', 'th: 8'),
));
const rvPart = spaced(fc.oneof(hexGen(14, 14).map((h) => 'rv:' + h), fc.constantFrom('rv:', 'rv:ABCDEF01234567', 'rv:0123456789abc', 'rv:0123456789abcde')));
const otherPart = spaced(fc.oneof(
  fc.tuple(fc.constantFrom('k', 'x', 'p', 'foo', 'xth', 'rvx', 'tth'), fc.string({ unit: fc.constantFrom(...'ab09._-'), maxLength: 6 })).map(([k, v]) => k + ':' + v),
  fc.constantFrom('', 'zz', 'a:th:8', 'b:rv:ffffffffffffff', ':th'),
  fc.integer({ min: 190, max: 250 }).map((n) => 'z:' + 'a'.repeat(n)),
));
const otGen = fc.array(fc.oneof(thPart, rvPart, otherPart, otherPart), { minLength: 1, maxLength: 7 })
  .map((ps) => ps.join(';').replace(/ +$/, ''))
  .filter((v) => v.length > 0 && v.length <= 256);
const low56Gen = fc.bigInt({ min: 0n, max: (1n << 56n) - 1n });
const caseGen = fc.record({ ot: otGen, low56: low56Gen, flags: fc.integer({ min: 0, max: 3 }), first: fc.boolean() });
const pGen = fc.oneof(fc.constantFrom(1, 0.5, 0.25, 2 ** -56), fc.double({ min: 0, max: 1, noNaN: true }));

function child(sampler: Sampler | undefined, c: { ot: string; low56: bigint; flags: number; first: boolean }) {
  const t = createTracer({ sampler, processor: new CaptureProcessor(), logger: () => {} }); // presumed randomness is said once per sampler
  const parent = parseTraceparent(`00-4bf92f3577b34da6a3${c.low56.toString(16).padStart(14, '0')}-00f067aa0ba902b7-0${c.flags}`)!;
  const header = c.first ? `ot=${c.ot},o=1` : `o=1,ot=${c.ot}`;
  parent.traceState = parseTracestate(header);
  assert.ok(parent.traceState !== null, header);
  return { t, span: t.startSpan('x', { parent }), header };
}

/** What every outgoing state must be: a valid W3C list with `o` kept, and a changed `ot` moved left-most (W3C §3.5). */
function checkList(header: string, out: string | undefined, inOt: string, outOt: string | undefined): void {
  assert.is(parseTracestate(out ?? '')?.toString(), out ?? '', 'a valid W3C tracestate');
  assert.ok((out ?? '').split(',').includes('o=1'), 'other members kept');
  const others = header.split(',').filter((m) => !m.startsWith('ot=')).join(',');
  // an unchanged ot leaves the list as it came, or moved left when set again to the same value (probability(1) over th:0)
  if (outOt === inOt) assert.ok(out === header || out === `ot=${inOt},${others}`, `${header} -> ${out}`);
  else if (outOt !== undefined) assert.ok(out!.startsWith('ot='), 'a modified ot moves left');
}

test('unsampled: no th leaves, whatever the parent sent; the other sub-keys stay, in order', () => {
  fc.assert(fc.property(caseGen, pGen, (c, p) => {
    for (const sampler of [probability(p), parentBased(probability(p)), undefined]) {
      const { span, header } = child(sampler, c);
      if (!(span instanceof NonRecordingSpan)) continue;
      const outOt = span.traceState?.get('ot');
      assert.equal(ths(outOt), [], `${header} -> ${span.traceState}`);
      assert.is(outOt ?? '', erased(c.ot), header);
      checkList(header, span.traceState?.toString(), c.ot, outOt);
    }
  }), { numRuns: RUNS });
});

test('probability(p), sampled: exactly its own th (th:0 at p = 1 whatever R), none when R is unknown or it does not fit; rv and the rest kept', () => {
  fc.assert(fc.property(caseGen, pGen, (c, p) => {
    const s = probability(p) as ProbabilitySampler;
    const { t, span, header } = child(s, c);
    const R = randomness(c.ot, c.low56, c.flags) ?? c.low56; // unknown: the trace ID bits are presumed random for the decision
    assert.is(!(span instanceof NonRecordingSpan), s.th !== '' && R >= thValue(s.th)!, `decision ${header}`);
    if (span instanceof NonRecordingSpan) return;
    const outOt = span.traceState?.get('ot');
    const rest = restOf(c.ot);
    const withTh = 'th:' + s.th + (rest === '' ? '' : ';' + rest);
    const recorded = randomness(c.ot, c.low56, c.flags) !== undefined || s.th === '0';
    const fits = withTh.length <= 256;
    assert.is(outOt ?? '', recorded && fits ? withTh : erased(c.ot), `${header} -> ${span.traceState}`);
    assert.is(t.stats().sampling.thDropped, recorded && !fits ? 1 : 0);
    checkList(header, span.traceState?.toString(), c.ot, outOt);
  }), { numRuns: RUNS });
});

test('parent-based, sampled parent: its one valid th passes on unchanged iff R >= T (or R unknown); a missing, malformed, repeated or inconsistent one leaves none, counted', () => {
  fc.assert(fc.property(caseGen, (c0) => {
    const c = { ...c0, flags: c0.flags | 1 };
    const { t, span, header } = child(undefined, c);
    assert.not.instance(span, NonRecordingSpan);
    const outOt = span.traceState?.get('ot');
    const inThs = ths(c.ot);
    const T = inThs.length === 1 ? thValue(inThs[0]!) : undefined;
    const R = randomness(c.ot, c.low56, c.flags);
    const keep = T !== undefined && (R === undefined || R >= T);
    assert.is(outOt ?? '', keep ? c.ot : erased(c.ot), `${header} -> ${span.traceState}`);
    assert.is(t.stats().sampling.thInconsistent, keep || inThs.length === 0 ? 0 : 1);
    checkList(header, span.traceState?.toString(), c.ot, outOt);
  }), { numRuns: RUNS });
});

test.run();
