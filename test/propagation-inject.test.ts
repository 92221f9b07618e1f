// injectContext never throws into the host: a carrier that refuses the write (frozen, a throwing setter, a Proxy
// trap, a read-only tracestate) makes it return false, counted in stats.carrierUnwritable when stats are passed,
// and the carrier is left without the new context; a context with nothing to propagate (all-zero IDs) is no refusal;
// no context at all (a JavaScript caller's null) returns false too, counted apart, in stats.contextMissing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { extractContext, injectContext, createPropagationStats } from '../src/propagation.js';
import { parseTracestate } from '../src/tracestate.js';
import { formatTraceparent } from '../src/traceparent.js';
import { SpanContext } from '../src/span-context.js';
import { createTracer } from '../src/index.js';
import { injectMessageContext, publish, queueStats } from '../adapters/queue.js';
import { CaptureProcessor } from './helpers/capture.js';

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const OLD_TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const withState = extractContext({ traceparent: TP, tracestate: 'a=1' })!;
const noState = extractContext({ traceparent: TP })!;
const boom = (): never => { throw new Error('read-only headers'); };

/** Each refusing carrier, fresh (a test must not see another's writes). */
const refusing: Record<string, () => Record<string, unknown>> = {
  'a frozen object': () => Object.freeze({ 'x-app': '1' }),
  'a throwing traceparent setter': () => Object.defineProperty({}, 'traceparent', { set: boom, get: () => undefined, enumerable: true }),
  'a Proxy whose set trap throws': () => new Proxy({}, { set: boom }),
  'a Proxy whose set trap returns false': () => new Proxy({}, { set: () => false }),
  'a Proxy whose defineProperty trap throws': () => new Proxy({}, { defineProperty: boom }),
  'a non-extensible object': () => Object.preventExtensions({ 'x-app': '1' }),
};

test('injectContext into a writable carrier returns true and writes the context', () => {
  const stats = createPropagationStats();
  const carrier: Record<string, unknown> = {};
  assert.is(injectContext(withState, carrier, stats), true);
  assert.equal(carrier, { traceparent: TP, tracestate: 'a=1' });
  assert.is(stats.carrierUnwritable, 0);
});

for (const [name, make] of Object.entries(refusing)) {
  test(`injectContext into ${name}: returns false, never throws, counted when stats are passed`, () => {
    for (const ctx of [withState, noState]) {
      const stats = createPropagationStats();
      const carrier = make();
      let r: boolean | undefined;
      assert.not.throws(() => { r = injectContext(ctx, carrier, stats); });
      assert.is(r, false);
      assert.is(stats.carrierUnwritable, 1);
      assert.is(carrier.traceparent, undefined, 'no context of ours left in it');
      let bare: boolean | undefined;
      assert.not.throws(() => { bare = injectContext(ctx, make()); }, 'without stats');
      assert.is(bare, false);
    }
  });
}

test('injectContext into a carrier with a pre-existing read-only tracestate (forwarded headers): false, counted; our traceparent not left next to a tracestate that is not ours', () => {
  for (const ctx of [withState, noState]) {
    for (const configurable of [false, true]) { // a non-configurable one cannot be deleted either (a context without tracestate)
      const stats = createPropagationStats();
      const carrier: Record<string, unknown> = { traceparent: OLD_TP, other: 'x' };
      Object.defineProperty(carrier, 'tracestate', { value: 'vendor=old', writable: false, enumerable: true, configurable });
      let r: boolean | undefined;
      assert.not.throws(() => { r = injectContext(ctx, carrier, stats); });
      if (ctx === noState && configurable) { // deletable: the stale tracestate is dropped, as for a writable carrier
        assert.is(r, true);
        assert.equal(carrier, { traceparent: TP, other: 'x' });
        assert.is(stats.carrierUnwritable, 0);
        continue;
      }
      assert.is(r, false, `${ctx === withState ? 'with' : 'without'} tracestate, configurable ${configurable}`);
      assert.is(stats.carrierUnwritable, 1);
      assert.is(carrier.traceparent, undefined, 'sent without a context: a receiver ignores a tracestate without traceparent (W3C §3.3)');
      assert.is(carrier.tracestate, 'vendor=old');
      assert.is(carrier.other, 'x');
    }
  }
});

test('injectContext of a context with nothing to propagate (all-zero IDs) returns true, writes nothing, counts nothing: not a refusal, even into a frozen carrier', () => {
  const stats = createPropagationStats();
  const frozen = Object.freeze({ tracestate: 'vendor=old' });
  assert.is(injectContext(new SpanContext(0, 0, 0, 0, 5, 6, 1, false, null), frozen, stats), true);
  assert.is(injectContext(new SpanContext(1, 2, 3, 4, 0, 0, 1, false, null), new Proxy({}, { set: boom }), stats), true);
  const plain: Record<string, unknown> = { tracestate: 'vendor=old' };
  assert.is(injectContext(new SpanContext(0, 0, 0, 0, 0, 0, 0, false, null), plain, stats), true);
  assert.equal(plain, { tracestate: 'vendor=old' });
  assert.is(stats.carrierUnwritable, 0);
});

test('injectContext given what is not a carrier (a JavaScript caller\'s null) returns false, never throws, counted as carrierUnwritable', () => {
  const stats = createPropagationStats();
  assert.is(injectContext(withState, null as never, stats), false);
  assert.is(injectContext(withState, undefined as never, stats), false);
  assert.is(stats.carrierUnwritable, 2);
  assert.is(stats.contextMissing, 0);
});

test('injectContext given no context (a JavaScript caller\'s null or undefined) returns false, never throws, leaves the carrier as it was, counted as contextMissing (the carrier refused nothing)', () => {
  const stats = createPropagationStats();
  for (const ctx of [null, undefined]) {
    const carrier: Record<string, unknown> = { traceparent: OLD_TP, tracestate: 'vendor=old' };
    let r: boolean | undefined;
    assert.not.throws(() => { r = injectContext(ctx as never, carrier, stats); });
    assert.is(r, false, String(ctx));
    assert.equal(carrier, { traceparent: OLD_TP, tracestate: 'vendor=old' });
    assert.not.throws(() => injectContext(ctx as never, carrier), 'without stats');
  }
  assert.is(stats.contextMissing, 2);
  assert.is(stats.carrierUnwritable, 0);
  assert.is(injectContext(null as never, null as never, stats), false);
  assert.equal([stats.contextMissing, stats.carrierUnwritable], [3, 0], 'no context and no carrier: nothing was to be written');
});

test('tracer.inject and injectMessageContext given a null context count contextMissing, not carrierUnwritable; no active span (the default context) is nothing to propagate, counted nowhere', () => {
  const tracer = createTracer({ service: 'svc', processor: new CaptureProcessor() });
  const carrier: Record<string, unknown> = {};
  assert.not.throws(() => tracer.inject(carrier, null as never));
  assert.not.throws(() => tracer.inject(carrier));
  assert.equal(carrier, {});
  assert.equal([tracer.stats().propagation.contextMissing, tracer.stats().propagation.carrierUnwritable], [1, 0]);
  assert.is(injectMessageContext(carrier, null as never, tracer), carrier);
  assert.is(injectMessageContext(carrier), carrier);
  assert.equal(carrier, {});
  assert.equal([tracer.stats().propagation.contextMissing, tracer.stats().propagation.carrierUnwritable], [2, 0]);
  const before = queueStats();
  injectMessageContext(carrier, null as never);
  assert.equal([queueStats().contextMissing, queueStats().carrierUnwritable], [before.contextMissing + 1, before.carrierUnwritable], 'no tracer: the adapter\'s own counters');
});

test('property: injectContext never throws; false exactly when a write it needed was refused (then counted, no traceparent of ours left); else the context is in the carrier', () => {
  const word = fc.oneof(fc.constant(0), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
  const ctxArb = fc.record({ t: fc.tuple(word, word, word, word), s: fc.tuple(word, word), flags: fc.integer({ min: 0, max: 255 }), ts: fc.option(fc.constantFrom('', 'a=1', 'k=v,b=2')) });
  // which operation the carrier refuses: none, the traceparent store, the tracestate store, the tracestate delete, all (frozen)
  const refuse = fc.constantFrom('none', 'set traceparent', 'set tracestate', 'delete tracestate', 'frozen');
  fc.assert(fc.property(ctxArb, refuse, fc.boolean(), (c, what, stale) => {
    const ctx = new SpanContext(c.t[0], c.t[1], c.t[2], c.t[3], c.s[0], c.s[1], c.flags, false, c.ts === null ? null : parseTracestate(c.ts));
    const target: Record<string, unknown> = stale ? { traceparent: OLD_TP, tracestate: 'vendor=old' } : {};
    if (what === 'frozen') Object.freeze(target);
    const carrier = what === 'none' || what === 'frozen' ? target : new Proxy(target, {
      set: (o, k, v) => { if (what === 'set ' + String(k)) throw new Error('refused'); o[k as string] = v; return true; },
      deleteProperty: (o, k) => { if (what === 'delete ' + String(k)) throw new Error('refused'); return delete o[k as string]; },
    });
    const valid = (c.t[0] | c.t[1] | c.t[2] | c.t[3]) !== 0 && (c.s[0] | c.s[1]) !== 0;
    const hasState = ctx.traceState !== null && ctx.traceState.size > 0;
    const needed = !valid ? false
      : what === 'frozen' || what === 'set traceparent' ? true
        : what === 'set tracestate' ? hasState
          : what === 'delete tracestate' ? !hasState && stale : false;
    const stats = createPropagationStats();
    const r = injectContext(ctx, carrier, stats);
    assert.is(r, !needed);
    assert.is(stats.carrierUnwritable, needed ? 1 : 0);
    if (!valid || what === 'frozen') assert.equal(target, stale ? { traceparent: OLD_TP, tracestate: 'vendor=old' } : {});
    else if (needed) assert.not.ok(target.traceparent === formatTraceparent(ctx) && target.tracestate !== (hasState ? ctx.traceState!.toString() : undefined), 'never our traceparent with a tracestate not ours');
    else assert.equal(target, hasState ? { traceparent: formatTraceparent(ctx), tracestate: ctx.traceState!.toString() } : { traceparent: formatTraceparent(ctx) });
  }), { numRuns: 500 });
});

test('AC-007 callers keep their counts through the return value: tracer.inject and the queue adapter count a partly read-only carrier; all-zero contexts count nothing', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'svc', processor: cap });
  const readOnlyState = (): Record<string, unknown> => Object.defineProperty({ traceparent: OLD_TP }, 'tracestate', { value: 'vendor=old', enumerable: true });
  const span = tracer.startSpan('work');
  const a = readOnlyState();
  assert.not.throws(() => tracer.inject(a, span));
  assert.is(a.traceparent, undefined);
  assert.is(tracer.stats().propagation.carrierUnwritable, 1);
  const sent: unknown[] = [];
  await publish(tracer, readOnlyState(), { system: 'rabbitmq', destination: 'orders' }, (c) => { sent.push(c.traceparent); });
  assert.equal(sent, [undefined], 'the message still sent, without a context');
  assert.is(tracer.stats().propagation.carrierUnwritable, 2);
  const before = queueStats().carrierUnwritable;
  const zero = new SpanContext(0, 0, 0, 0, 0, 0, 0, false, null);
  injectMessageContext(Object.freeze({}), zero);
  tracer.inject(Object.freeze({}), zero);
  assert.is(queueStats().carrierUnwritable, before, 'nothing to write is not a refusal');
  assert.is(tracer.stats().propagation.carrierUnwritable, 2);
  injectMessageContext(readOnlyState(), span, tracer);
  assert.is(tracer.stats().propagation.carrierUnwritable, 3);
  span.end();
});

test.run();
