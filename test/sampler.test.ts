import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, probability, parentBased, alwaysOn, alwaysOff, samplerFromEnv, ProbabilitySampler, TenantSampler, parseTraceparent, parseTracestate, FLAG_SAMPLED, Span, NonRecordingSpan, type Sampler } from '../src/index.js';
import { CaptureProcessor } from './helpers/capture.js';
import { ReloadableSampler, samplerFromSettings } from '../src/config/sampling.js';
import { extractContext, injectContext } from '../src/index.js';

test('threshold encoding follows the OTel th rule (trailing zeros removed)', () => {
  assert.is((probability(1) as ProbabilitySampler).th, '0');
  assert.is((probability(0.5) as ProbabilitySampler).th, '8');
  assert.is((probability(0.25) as ProbabilitySampler).th, 'c');
  assert.is((probability(0.75) as ProbabilitySampler).th, '4');
  assert.ok((probability(0.1) as ProbabilitySampler).th.startsWith('e666666'));
});

test('decision compares the 56 random bits of the trace ID with the threshold', () => {
  const s = probability(0.5);
  const words = (t2: number, t3: number) => ({ t0: 1, t1: 2, t2, t3 });
  assert.ok(s.shouldSample(null, words(0x00800000, 0), 'x', 1, undefined)); // R = 2^55 exactly = T: sampled
  assert.not.ok(s.shouldSample(null, words(0x007fffff, -1), 'x', 1, undefined)); // R = T - 1
  assert.ok(s.shouldSample(null, words(0x7fffffff | 0, 0), 'x', 1, undefined)); // R hi = 0xffffff > T hi
  assert.not.ok(s.shouldSample(null, words(0x7f000000, 0), 'x', 1, undefined), 'only the low 7 bytes count');
  assert.not.ok(probability(0).shouldSample(null, words(-1, -1), 'x', 1, undefined));
  assert.ok(probability(1).shouldSample(null, words(0, 0), 'x', 1, undefined));
});

test('probability sampling is consistent across services: lower rates sample a subset of higher ones', () => {
  const lo = createTracer({ sampler: probability(0.25), processor: new CaptureProcessor() });
  const hi = createTracer({ sampler: probability(0.5), processor: new CaptureProcessor() });
  let nLo = 0, nHi = 0;
  for (let i = 0; i < 20000; i++) {
    const root = lo.startSpan('root', { root: true });
    const sLo = (root.traceFlags & FLAG_SAMPLED) !== 0;
    // service B sees the same trace id (as a remote parent), decides on its own with its own rate
    const remote = parseTraceparent(`00-${root.traceId}-${root.spanId}-02`)!;
    const b = hi.startSpan('b', { parent: remote });
    const sHi = (b.traceFlags & FLAG_SAMPLED) !== 0;
    if (sLo && !sHi) assert.unreachable('sampled at 25% but not at 50% for ' + root.traceId);
    nLo += +sLo; nHi += +sHi;
  }
  assert.ok(nLo > 4400 && nLo < 5600, 'rate 0.25 -> ' + nLo);
  assert.ok(nHi > 9400 && nHi < 10600, 'rate 0.5 -> ' + nHi);
});

test('a sampled root records ot=th in tracestate; parent-based children inherit decision and tracestate', () => {
  const cap = new CaptureProcessor();
  const t = createTracer({ sampler: parentBased(probability(1)), processor: cap });
  const root = t.startSpan('root') as Span;
  assert.is(root.traceState?.get('ot'), 'th:0');
  const child = t.startSpan('child', { parent: root }) as Span;
  assert.is(child.traceState, root.traceState);
  const unsampledRemote = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02')!;
  assert.is(t.startSpan('x', { parent: unsampledRemote }).traceFlags & FLAG_SAMPLED, 0);
});

test('probability sampler with a parent updates th and keeps other ot sub-keys', () => {
  const t = createTracer({ sampler: probability(1), processor: new CaptureProcessor() });
  const remote = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02')!;
  remote.traceState = parseTracestate('ot=rv:ffffffffffffff;th:8,other=1');
  const s = t.startSpan('x', { parent: remote }) as Span;
  assert.is(s.traceState?.get('ot'), 'th:0;rv:ffffffffffffff');
  assert.is(s.traceState?.get('other'), '1');
});

test('a parent without the W3C random flag and without rv: the probability sampler records no th and erases an incoming one (OTel ProbabilitySampler, unknown randomness)', () => {
  const t = createTracer({ sampler: probability(0.5), processor: new CaptureProcessor(), logger: () => {} }); // the presumption is said once: sampler-randomness.test.ts
  const nonRandom = '00-4bf92f3577b34da6a3ffffffffffffff-00f067aa0ba902b7-01'; // flags 01: random flag not set; R bits would sample
  const p1 = parseTraceparent(nonRandom)!;
  p1.traceState = parseTracestate('ot=th:c;x:1,other=1');
  const s1 = t.startSpan('x', { parent: p1 }) as Span;
  assert.ok(s1.sampled);
  assert.is(s1.traceState?.toString(), 'ot=x:1,other=1');
  const p2 = parseTraceparent(nonRandom)!;
  p2.traceState = parseTracestate('ot=th:c');
  assert.is((t.startSpan('x', { parent: p2 }) as Span).traceState, null);
  assert.is((t.startSpan('x', { parent: parseTraceparent(nonRandom)! }) as Span).traceState, null);
  // explicit randomness, or the random flag: the threshold is recorded
  const p3 = parseTraceparent(nonRandom)!;
  p3.traceState = parseTracestate('ot=rv:ffffffffffffff');
  assert.is((t.startSpan('x', { parent: p3 }) as Span).traceState?.get('ot'), 'th:8;rv:ffffffffffffff');
  assert.is((t.startSpan('x', { parent: parseTraceparent(nonRandom.slice(0, -1) + '3')! }) as Span).traceState?.get('ot'), 'th:8');
});

test('explicit randomness rv in tracestate overrides the trace ID bits', () => {
  const s = probability(0.5);
  const parent = parseTraceparent('00-4bf92f3577b34da6a300000000000000-00f067aa0ba902b7-02')!; // R = 0: never at 0.5
  assert.not.ok(s.shouldSample(parent, parent, 'x', 1, undefined));
  parent.traceState = parseTracestate('ot=rv:ffffffffffffff');
  assert.ok(s.shouldSample(parent, parent, 'x', 1, undefined));
});

test('probability(p) outside [0, 1] or not a number (NaN from an unset variable) is a clear error at construction, not 100% sampling', () => {
  for (const p of [NaN, -0.1, 1.5, Infinity, '0.5', undefined, null]) assert.throws(() => probability(p as never), /expected a number in \[0, 1\]/, String(p));
  assert.is(probability(0).description, 'ProbabilitySampler{0}');
  assert.is(probability(1).description, 'ProbabilitySampler{1}');
});

test('OTEL_TRACES_SAMPLER / _ARG, with warnings for bad values', () => {
  const w: string[] = [];
  const warn = (m: string) => w.push(m);
  assert.is(samplerFromEnv({}, warn).description, 'ParentBased{root=AlwaysOn}');
  assert.is(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'ALWAYS_OFF' }, warn), alwaysOff);
  assert.is(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_on' }, warn), alwaysOn);
  assert.is(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }, warn).description, 'ProbabilitySampler{0.25}');
  assert.is(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' }, warn).description, 'ParentBased{root=ProbabilitySampler{0.5}}');
  assert.is(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }, warn).description, 'ParentBased{root=AlwaysOff}');
  assert.is(w.length, 0);
  assert.is(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }, warn).description, 'ProbabilitySampler{1}');
  assert.is(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'jaeger_remote' }, warn).description, 'ParentBased{root=AlwaysOn}');
  assert.is(w.length, 2);
  // a Float per the SDK env spec: '0x0' / '0b0' / '0o0' are not decimal floats, though Number() reads them as 0
  assert.is(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0x0' }, warn).description, 'ProbabilitySampler{1}');
  assert.is(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0b0' }, warn).description, 'ProbabilitySampler{1}');
  assert.is(w.length, 4);
  assert.is(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1e-1' }, warn).description, 'ProbabilitySampler{0.1}');
  assert.is(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '.5' }, warn).description, 'ProbabilitySampler{0.5}');
  assert.is(w.length, 4);
});

test('samplerFromEnv() with no warn function still warns about a bad value (console.warn), as the README says', () => {
  const seen: string[] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => { seen.push(a.join(' ')); };
  try {
    samplerFromEnv({ OTEL_TRACES_SAMPLER: 'jaeger_remote' });
    samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: 'half' });
    samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_off' });
  } finally { console.warn = orig; }
  assert.is(seen.length, 2, seen.join('\n'));
  assert.match(seen[0]!, /^\[tracewire\] OTEL_TRACES_SAMPLER="jaeger_remote"/);
  assert.match(seen[1]!, /OTEL_TRACES_SAMPLER_ARG="half"/);
});

test('per-tenant sampling picks the sampler by the tenant attribute', () => {
  const cap = new CaptureProcessor();
  const t = createTracer({ sampler: new TenantSampler(alwaysOff, { gold: alwaysOn }), processor: cap });
  t.startSpan('a', { attributes: { 'tenant.id': 'gold' } }).end();
  t.startSpan('b', { attributes: { 'tenant.id': 'free' } }).end();
  t.startSpan('c').end();
  assert.equal(cap.spans.map((s) => s.name), ['a']);
});

test('AC-005 per-tenant sampler: an integer tenant id matches its decimal key; other numbers and types do not', () => {
  const cap = new CaptureProcessor();
  const t = createTracer({ sampler: new TenantSampler(alwaysOff, { '42': alwaysOn, '-7': alwaysOn, '1.5': alwaysOn, true: alwaysOn }), processor: cap });
  for (const [name, id] of [['int', 42], ['negative', -7], ['string', '42'], ['fraction', 1.5], ['unsafe', 2 ** 53 + 2], ['bool', true], ['nan', NaN]] as const) {
    t.startSpan(name, { attributes: { 'tenant.id': id } }).end();
  }
  assert.equal(cap.spans.map((s) => s.name), ['int', 'negative', 'string']);
});

test('sampleAsRoot: keeps the remote trace and parent but the root sampler decides (untrusted callers cannot force sampling)', () => {
  const cap = new CaptureProcessor();
  const t = createTracer({ sampler: parentBased(probability(0)), processor: cap });
  const sampledRemote = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03')!;
  const obeyed = t.startSpan('x', { parent: sampledRemote });
  assert.is(obeyed.traceFlags & FLAG_SAMPLED, FLAG_SAMPLED, 'parent-based follows the caller by default');
  const s = t.startSpan('y', { parent: sampledRemote, sampleAsRoot: true });
  assert.is(s.traceFlags & FLAG_SAMPLED, 0);
  assert.is(s.traceId, sampledRemote.traceId);
  const t2 = createTracer({ sampler: parentBased(probability(1)), processor: cap });
  const unsampledRemote = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02')!;
  const s2 = t2.startSpan('z', { parent: unsampledRemote, sampleAsRoot: true }) as Span;
  assert.is(s2.traceFlags & FLAG_SAMPLED, FLAG_SAMPLED);
  assert.is(s2.parentSpanId, '00f067aa0ba902b7');
  assert.is(s2.traceState?.get('ot'), 'th:0');
});

test('sampleAsRoot with a root sampler that records no threshold (alwaysOn, a custom one): the caller\'s th is erased, rv and other members kept', () => {
  const remote = extractContext({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03', tracestate: 'ot=th:8;rv:ffffffffffffff,congo=t61' })!;
  assert.is(remote.traceState?.get('ot'), 'th:8;rv:ffffffffffffff');
  const custom = { description: 'custom', followsParent: false, shouldSample: () => true };
  for (const [name, sampler] of [['parentBased(alwaysOn)', parentBased(alwaysOn)], ['alwaysOn', alwaysOn], ['parentBased(custom)', parentBased(custom)]] as const) {
    const t = createTracer({ sampler, processor: new CaptureProcessor() });
    const s = t.startSpan('in', { parent: remote, sampleAsRoot: true });
    assert.ok(s.isRecording(), name);
    assert.is(s.traceState?.get('ot'), 'rv:ffffffffffffff', name); // th:8 said 1 in 2; this decision was the root sampler's
    assert.is(s.traceState?.get('congo'), 't61', name);
    // following the caller keeps its th (parent-based): only the root sampler's own decision drops it
    if (name !== 'alwaysOn') assert.is(t.startSpan('child', { parent: remote }).traceState?.get('ot'), 'th:8;rv:ffffffffffffff', name);
  }
  const thOnly = extractContext({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03', tracestate: 'ot=th:8' })!;
  assert.is(createTracer({ processor: new CaptureProcessor() }).startSpan('in', { parent: thOnly, sampleAsRoot: true }).traceState, null, 'nothing left: no tracestate');
});

test('sampleAsRoot whose root sampler has a hook that records nothing (a tenant on alwaysOn, the config sampler\'s reloadable root): the caller\'s th is erased as without a hook', () => {
  const remote = extractContext({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03', tracestate: 'ot=th:8;rv:ffffffffffffff,congo=t61' })!;
  const tenants = () => new TenantSampler(alwaysOn, { gold: probability(0.5) });
  const cases: [string, Sampler][] = [
    ['config default (reloadable parentBased(alwaysOn))', new ReloadableSampler(samplerFromSettings({ probability: 1, parentBased: true, tenants: {} }, 'tenant.id'))],
    ['config parentBased: false (reloadable alwaysOn)', new ReloadableSampler(samplerFromSettings({ probability: 1, parentBased: false, tenants: {} }, 'tenant.id'))],
    ['parentBased(TenantSampler)', parentBased(tenants())],
    ['TenantSampler', tenants()],
  ];
  for (const [name, sampler] of cases) {
    const t = createTracer({ sampler, processor: new CaptureProcessor() });
    const s = t.startSpan('in', { parent: remote, sampleAsRoot: true });
    assert.ok(s.isRecording(), name);
    assert.is(s.traceState?.toString(), 'ot=rv:ffffffffffffff,congo=t61', name); // th:8 said 1 in 2; alwaysOn decided
    // a tenant whose root sampler records a threshold still writes its own
    const g = t.startSpan('in', { parent: remote, sampleAsRoot: true, attributes: { 'tenant.id': 'gold' } });
    if (name.includes('Tenant')) assert.is(g.traceState?.get('ot'), 'th:8;rv:ffffffffffffff', name);
  }
});

test('an unsampled local parent: children reuse it unless sampleAsRoot asks the root sampler; an all-zero one is no parent', () => {
  const cap = new CaptureProcessor();
  const t = createTracer({ sampler: parentBased(probability(1)), processor: cap });
  const unsampled = createTracer({ sampler: alwaysOff, processor: cap }).startSpan('u', { root: true });
  assert.ok(unsampled instanceof NonRecordingSpan);
  assert.ok(t.startSpan('c', { parent: unsampled }) === unsampled, 'no new object for a child of an unsampled span');
  const before = t.stats().unsampled;
  const own = t.startSpan('r', { parent: unsampled, sampleAsRoot: true }) as Span;
  assert.ok(own instanceof Span && own.traceId === unsampled.traceId && own.parentSpanId === unsampled.spanId, 'same trace, root sampler said yes');
  assert.is(t.stats().unsampled, before);
  const zero = new NonRecordingSpan(0, 0, 0, 0, 1, 2, 0, null);
  const fresh = t.startSpan('z', { parent: zero });
  assert.ok(fresh instanceof Span && fresh.traceId !== '0'.repeat(32) && !(fresh as Span).hasParent, 'a zero trace ID starts a new trace');
});

test('a sampler that throws never reaches the caller: the span is unsampled, counted, reported once', () => {
  const logs: string[] = [];
  const boom = { description: 'boom', followsParent: false, shouldSample: () => { throw new Error('sampler bug'); } };
  const t = createTracer({ sampler: boom, processor: new CaptureProcessor(), logger: (m) => logs.push(m) });
  const a = t.startSpan('a');
  const b = t.startSpan('b');
  assert.is(a.traceFlags & FLAG_SAMPLED, 0);
  assert.is(a.traceId.length, 32, 'still carries a context (AC-001)');
  assert.is(b.isRecording(), false);
  assert.is(t.stats().samplerErrors, 2);
  assert.is(logs.length, 1);
});

test('parent-based: a child sampled by its parent\'s flag gets no th its parent did not carry (OTel parent-based threshold)', () => {
  const t = createTracer({ sampler: parentBased(probability(0.1)), processor: new CaptureProcessor() });
  // 56 random bits = 1: below p = 0.1's threshold, so a th on this span would contradict its own trace ID
  const remote = extractContext({ traceparent: '00-4bf92f3577b34da6a300000000000001-00f067aa0ba902b7-03' })!;
  const s = t.startSpan('GET /', { parent: remote });
  assert.ok((s.traceFlags & FLAG_SAMPLED) !== 0, 'sampled by the parent');
  const out: Record<string, unknown> = {};
  injectContext(s, out);
  assert.is(out.tracestate, undefined, 'no outgoing th');
  // a local parent from a tracer without thresholds: same rule
  const p = createTracer({ processor: new CaptureProcessor() }).startSpan('root');
  assert.is((t.startSpan('child', { parent: p }) as Span).traceState, null);
  // a parent's th passes on unchanged; a root gets the root sampler's
  const withTh = extractContext({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03', tracestate: 'ot=th:c' })!;
  assert.is(String((t.startSpan('x', { parent: withTh }) as Span).traceState), 'ot=th:c');
  let root: Span | NonRecordingSpan;
  do root = t.startSpan('r', { root: true }); while (!(root instanceof Span));
  assert.ok(String(root.traceState).startsWith('ot=th:e66666'));
});

test('per-tenant rates record their own th (TenantSampler, and the config\'s sampler)', () => {
  for (const sampler of [
    new TenantSampler(probability(0.5), { a: probability(0.25) }),
    samplerFromSettings({ parentBased: true, probability: 0.5, tenants: { a: 0.25 } }, 'tenant.id'),
  ]) {
    const t = createTracer({ sampler, processor: new CaptureProcessor() });
    let a = 0, other = 0;
    for (let i = 0; i < 400; i++) {
      const sa = t.startSpan('x', { root: true, attributes: { 'tenant.id': 'a' } });
      if (sa instanceof Span) { a++; assert.is(String(sa.traceState), 'ot=th:c', 'tenant a: p = 0.25'); }
      const so = t.startSpan('x', { root: true, attributes: { 'tenant.id': 'b' } });
      if (so instanceof Span) { other++; assert.is(String(so.traceState), 'ot=th:8', 'fallback: p = 0.5'); }
    }
    assert.ok(a > 40 && other > 120, `both sampled some (${a}, ${other})`);
  }
});

test('sampleAsRoot: the root sampler uses the parent\'s explicit rv, so the recorded (th, rv) agrees with the decision', () => {
  const t = createTracer({ sampler: parentBased(probability(0.5)), processor: new CaptureProcessor() });
  const indep = createTracer({ sampler: probability(0.5), processor: new CaptureProcessor() });
  for (const [rv, want] of [['00000000000001', false], ['ffffffffffffff', true]] as const) {
    // the trace ID's own bits say the opposite of rv
    const tid = want ? '4bf92f3577b34da6a300000000000000' : '4bf92f3577b34da6a3ffffffffffffff';
    const ctx = extractContext({ traceparent: `00-${tid}-00f067aa0ba902b7-01`, tracestate: `ot=rv:${rv}` })!;
    const s = t.startSpan('GET /', { parent: ctx, sampleAsRoot: true });
    assert.is((s.traceFlags & FLAG_SAMPLED) !== 0, want, 'rv decides');
    assert.is((indep.startSpan('GET /', { parent: ctx }).traceFlags & FLAG_SAMPLED) !== 0, want, 'as an independent probability sampler');
    if (want) assert.is(String((s as Span).traceState), 'ot=th:8;rv:ffffffffffffff');
  }
});

test('sampleAsRoot with a TenantSampler over parent-based samplers: the caller\'s sampled flag does not decide', () => {
  const t = createTracer({ sampler: new TenantSampler(parentBased(probability(0)), { a: parentBased(probability(1)) }) });
  const remote = () => parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')!;
  for (let i = 0; i < 50; i++) {
    assert.is(t.startSpan('GET /', { parent: remote(), sampleAsRoot: true, attributes: { 'tenant.id': 'zzz' } }).traceFlags & FLAG_SAMPLED, 0);
    assert.is(t.startSpan('GET /', { parent: remote(), sampleAsRoot: true, attributes: { 'tenant.id': 'a' } }).traceFlags & FLAG_SAMPLED, FLAG_SAMPLED);
    // without sampleAsRoot the parent's flag is followed, as parent-based sampling says
    assert.is(t.startSpan('GET /', { parent: remote(), attributes: { 'tenant.id': 'zzz' } }).traceFlags & FLAG_SAMPLED, FLAG_SAMPLED);
  }
});

test('AC-005 inheritAttributes: a child samples as its tenant (the sampler sees the inherited tenant.id)', () => {
  for (const sampler of [
    new TenantSampler(probability(0), { acme: probability(1) }),
    samplerFromSettings({ parentBased: false, probability: 0, tenants: { acme: 1 } }, 'tenant.id'),
  ]) {
    const t = createTracer({ sampler, processor: new CaptureProcessor(), inheritAttributes: ['tenant.id'] });
    const root = t.startSpan('GET /', { attributes: { 'tenant.id': 'acme', 'http.request.method': 'GET' } });
    assert.ok(root instanceof Span);
    const child = t.withSpan(root, () => t.startSpan('SELECT', { attributes: { 'db.system': 'postgresql' } }));
    assert.ok(child instanceof Span, 'sampled at the tenant\'s rate');
    assert.is((child as Span).getAttribute('tenant.id'), 'acme');
    assert.is((child as Span).getAttribute('http.request.method'), undefined, 'only the listed keys');
    // the child's own tenant wins, for sampling too
    assert.ok(!(t.withSpan(root, () => t.startSpan('x', { attributes: { 'tenant.id': 'other' } })) instanceof Span));
  }
});

test.run();
