// Where the trace's randomness R comes from for probability sampling, and what is done when it is unknown or
// ambiguous: a parent without the W3C random flag and without `rv` (presumed random: counted, said once), a repeated
// `rv` (the last one, as OTel JS), and a `th` in uppercase (not OTel grammar: erased, counted where checked).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, probability, parentBased, alwaysOn, parseTraceparent, parseTracestate, injectContext, Span, NonRecordingSpan, TenantSampler, type ProbabilitySampler, type Sampler } from '../src/index.js';
import { ReloadableSampler } from '../src/config/sampling.js';
import { CaptureProcessor } from './helpers/capture.js';

const TID = '4bf92f3577b34da6a3ce929d0e0e4736'; // low 56 bits ce929d0e0e4736: sampled at 0.5 (>= 8...)
const R_ZERO = '4bf92f3577b34da6a300000000000000';
const remote = (flags: string, state?: string, tid = TID) => {
  const c = parseTraceparent(`00-${tid}-00f067aa0ba902b7-${flags}`)!;
  if (state !== undefined) c.traceState = parseTracestate(state);
  return c;
};
const tracerWith = (sampler: Sampler) => {
  const lines: string[] = [];
  const t = createTracer({ sampler, processor: new CaptureProcessor(), logger: (m) => lines.push(m) });
  return { t, lines };
};

test('a probability sampler that presumes the trace ID random (parent without the random flag, without rv) counts it and says so once (OTel probability sampling, "Migration")', () => {
  const { t, lines } = tracerWith(probability(0.5));
  for (const flags of ['01', '00']) t.startSpan('x', { parent: remote(flags) });
  t.startSpan('x', { parent: remote('01', 'ot=th:c,o=1') });
  assert.is(t.stats().sampling.randomnessPresumed, 3);
  assert.is(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /random flag/);
  assert.match(lines[0]!, /randomnessPresumed/);
  // known randomness: a root (we set the flag), the random flag, a valid rv
  t.startSpan('root');
  t.startSpan('x', { parent: remote('03') });
  t.startSpan('x', { parent: remote('01', 'ot=rv:ffffffffffffff') });
  assert.is(t.stats().sampling.randomnessPresumed, 3);
  assert.is(lines.length, 1);
});

test('presumed randomness: not counted where the decision needs no R (probability 1 writes th:0, probability 0 samples nothing)', () => {
  for (const p of [1, 0]) {
    const { t, lines } = tracerWith(probability(p));
    t.startSpan('x', { parent: remote('01') });
    assert.is(t.stats().sampling.randomnessPresumed, 0, String(p));
    assert.is(lines.length, 0);
  }
});

test('presumed randomness under parent-based sampling: a child follows its parent (no R needed); sampleAsRoot asks the root sampler, which presumes', () => {
  const { t, lines } = tracerWith(parentBased(probability(0.5)));
  t.startSpan('x', { parent: remote('01') });
  assert.is(t.stats().sampling.randomnessPresumed, 0);
  t.startSpan('x', { parent: remote('01'), sampleAsRoot: true });
  t.startSpan('x', { parent: remote('00'), sampleAsRoot: true });
  assert.is(t.stats().sampling.randomnessPresumed, 2);
  assert.is(lines.length, 1);
});

test('presumed randomness: a tenant\'s probability sampler and a reloaded config sampler report through the tracer\'s logger; the count survives a swap', () => {
  const { t, lines } = tracerWith(new TenantSampler(alwaysOn, { a: probability(0.5) }));
  t.startSpan('x', { parent: remote('01'), attributes: { 'tenant.id': 'a' } });
  assert.is(t.stats().sampling.randomnessPresumed, 1);
  assert.is(lines.length, 1);

  const reloadable = new ReloadableSampler(probability(0.5));
  const r = tracerWith(reloadable);
  r.t.startSpan('x', { parent: remote('01') });
  assert.ok(reloadable.swap(probability(0.25)));
  assert.is(r.t.stats().sampling.randomnessPresumed, 1, 'kept across the swap');
  r.t.startSpan('x', { parent: remote('01') });
  assert.is(r.t.stats().sampling.randomnessPresumed, 2);
  assert.is(r.lines.length, 2, 'the new sampler says it once too, through the same logger');
});

test('presumed randomness: a logger that throws never reaches the caller; the span still decides and the count still moves', () => {
  const t = createTracer({ sampler: probability(0.5), processor: new CaptureProcessor(), logger: () => { throw new Error('logger down'); } });
  const s = t.startSpan('x', { parent: remote('01') });
  assert.instance(s, Span);
  assert.is(t.stats().sampling.randomnessPresumed, 1);
});

test('presumed randomness: a probability sampler no tracer has taken says it through console.warn, once, as the tracer\'s default logger does', () => {
  const warn = console.warn;
  const said: unknown[] = [];
  console.warn = (...a: unknown[]) => { said.push(a.join(' ')); };
  try {
    const s = probability(0.5) as ProbabilitySampler;
    const p = remote('01');
    s.shouldSample(p, p);
    s.shouldSample(p, p);
  } finally { console.warn = warn; }
  assert.is(said.length, 1);
  assert.match(String(said[0]), /^\[tracewire\] ProbabilitySampler\{0\.5\}: /);
});

test('a repeated rv: the last one is R (OTel JS parseOtelTraceState reads the last; the spec only says keys MUST be unique), for the decision and for the parent-based th check', () => {
  // first rv 0 (never at 0.5), last ff.. (always): sampled
  const s = probability(0.5) as ProbabilitySampler;
  const p1 = remote('01', 'ot=rv:00000000000000;rv:ffffffffffffff', R_ZERO);
  assert.ok(s.shouldSample(p1, p1));
  const p2 = remote('03', 'ot=rv:ffffffffffffff;rv:00000000000000');
  assert.not.ok(s.shouldSample(p2, p2));
  // the last one invalid: no explicit randomness (as OTel JS), the trace ID decides
  const p3 = remote('03', 'ot=rv:ffffffffffffff;rv:FFFFFFFFFFFFFF', R_ZERO);
  assert.not.ok(s.shouldSample(p3, p3));
  // parent-based: th:8 is consistent with the last rv (ff..), not with the first (00..)
  const { t } = tracerWith(parentBased(alwaysOn));
  const child = t.startSpan('x', { parent: remote('03', 'ot=th:8;rv:00000000000000;rv:ffffffffffffff', R_ZERO) }) as Span;
  assert.is(child.traceState?.get('ot'), 'th:8;rv:00000000000000;rv:ffffffffffffff', 'kept, rv untouched (SHOULD NOT be modified)');
  assert.is(t.stats().sampling.thInconsistent, 0);
  const bad = t.startSpan('x', { parent: remote('03', 'ot=th:8;rv:ffffffffffffff;rv:00000000000000') }) as Span;
  assert.is(bad.traceState?.get('ot'), 'rv:ffffffffffffff;rv:00000000000000');
  assert.is(t.stats().sampling.thInconsistent, 1);
});

test('a repeated rv: the probability sampler records its th beside the rv it used, and every rv passes on (th is consistent with the one the next reader takes)', () => {
  const { t } = tracerWith(probability(0.5));
  const s = t.startSpan('x', { parent: remote('01', 'ot=rv:00000000000000;rv:ffffffffffffff,o=1', R_ZERO) }) as Span;
  assert.instance(s, Span);
  assert.is(s.traceState?.toString(), 'ot=th:8;rv:00000000000000;rv:ffffffffffffff,o=1');
  assert.is(t.stats().sampling.randomnessPresumed, 0, 'an rv is known randomness');
});

test('a th in uppercase hex is not a threshold (OTel tracestate handling: 1-14 lowercase hex digits): erased and counted by the parent-based check, whatever R, and on every other path erased or replaced as any th', () => {
  const { t } = tracerWith(parentBased(alwaysOn));
  let n = 0;
  for (const th of ['A', '8A', 'C', 'FFFFFFFFFFFFFF', 'fF']) {
    for (const [flags, tid] of [['03', TID], ['03', R_ZERO], ['01', TID]] as const) {
      const s = t.startSpan('x', { parent: remote(flags, `ot=th:${th};k:v,o=1`, tid) }) as Span;
      assert.instance(s, Span);
      assert.is(s.traceState?.toString(), 'ot=k:v,o=1', `${th} ${flags}`);
      const carrier: Record<string, unknown> = {};
      injectContext(s, carrier);
      assert.is(carrier.tracestate, 'ot=k:v,o=1', 'what the next service receives');
      // its children (local) pass the checked state on: nothing more counted
      assert.is((t.startSpan('y', { parent: s }) as Span).traceState?.toString(), 'ot=k:v,o=1');
      assert.is(t.stats().sampling.thInconsistent, ++n);
    }
  }
  // an unsampled parent: its child is unsampled and carries no th (no threshold to check: not counted)
  const u = t.startSpan('x', { parent: remote('02', 'ot=th:8A;k:v') });
  assert.instance(u, NonRecordingSpan);
  assert.is(u.traceState?.toString(), 'ot=k:v');
  assert.is(t.stats().sampling.thInconsistent, n);
  // a probability sampler ignores the parent's th (an independent decision): replaced by its own, or erased
  const p = tracerWith(probability(0.5)).t;
  assert.is((p.startSpan('x', { parent: remote('03', 'ot=th:8A;k:v') }) as Span).traceState?.toString(), 'ot=th:8;k:v');
  assert.is((p.startSpan('x', { parent: remote('01', 'ot=th:8A;k:v') }) as Span).traceState?.toString(), 'ot=k:v', 'R unknown: no th at all');
  assert.is(p.startSpan('x', { parent: remote('03', 'ot=th:8A;k:v', R_ZERO) }).traceState?.toString(), 'ot=k:v', 'unsampled');
  // sampleAsRoot under alwaysOn: the caller's th goes, whatever its case
  assert.is((t.startSpan('x', { parent: remote('03', 'ot=th:8A;k:v'), sampleAsRoot: true }) as Span).traceState?.toString(), 'ot=k:v');
});

test.run();
