import * as api from '@opentelemetry/api';
import { setupBridge } from './helpers/otel-bridge.js';
const { cap, otel, reg } = setupBridge('zz', { recordErrorMessages: true });
const boom = () => { throw new Error('boom'); };
const tries: [string, () => unknown][] = [
  ['options getter', () => otel.startSpan('a', { get kind() { return boom(); } } as never)],
  ['options proxy', () => otel.startSpan('a', new Proxy({}, { get: boom }) as never)],
  ['links getter', () => otel.startSpan('a', { links: [{ get context() { return boom(); } }] } as never)],
  ['link attrs getter', () => otel.startSpan('a').addLink({ context: otel.startSpan('o').spanContext(), get attributes() { return boom(); } } as never)],
  ['addLink ctx getter', () => otel.startSpan('a').addLink({ get context() { return boom(); } } as never)],
  ['span context getter', () => otel.startSpan('a').addLink({ context: { get traceId() { return boom(); }, spanId: 'x', traceFlags: 1 } } as never)],
  ['traceState serialize throws', () => otel.startSpan('a').addLink({ context: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, traceState: { serialize: boom } } } as never)],
  ['setStatus getter', () => otel.startSpan('a').setStatus({ get code() { return boom(); } } as never)],
  ['setStatus msg getter', () => otel.startSpan('a').setStatus({ code: 2, get message() { return boom(); } } as never)],
  ['recordException msg getter', () => otel.startSpan('a').recordException({ name: 'E', get message() { return boom(); } } as never)],
  ['recordException proxy', () => otel.startSpan('a').recordException(new Proxy({}, { get: boom, getPrototypeOf: boom }) as never)],
  ['extract carrier getter', () => api.propagation.extract(api.ROOT_CONTEXT, { get traceparent() { return boom(); } })],
  ['extract carrier proxy', () => api.propagation.extract(api.ROOT_CONTEXT, new Proxy({}, { get: boom }))],
  ['extract getter throws', () => api.propagation.extract(api.ROOT_CONTEXT, {}, { get: boom, keys: () => [] })],
  ['inject frozen', () => api.propagation.inject(api.trace.setSpan(api.ROOT_CONTEXT, otel.startSpan('i')), Object.freeze({}))],
  ['inject setter throws', () => api.propagation.inject(api.trace.setSpan(api.ROOT_CONTEXT, otel.startSpan('i')), {}, { set: boom })],
  ['inject getter carrier proxy', () => api.propagation.inject(api.trace.setSpan(api.ROOT_CONTEXT, otel.startSpan('i')), new Proxy({}, { set: boom, get: boom }))],
  ['addEvent time weird', () => otel.startSpan('a').addEvent('e', { a: 1 }, { valueOf: boom } as never)],
  ['startTime weird', () => otel.startSpan('a', { startTime: { valueOf: boom } as never }).end({ valueOf: boom } as never)],
  ['setAttribute value getter-ish', () => otel.startSpan('a').setAttribute('db.statement', { toString: boom } as never)],
  ['setAttribute url obj', () => otel.startSpan('a').setAttribute('url.full', [1, 2] as never)],
  ['updateName symbol', () => otel.startSpan('a').updateName(Symbol('x') as never)],
  ['startSpan name symbol', () => otel.startSpan(Symbol('x') as never)],
  ['startActiveSpan ctx weird', () => otel.startActiveSpan('a', {}, { getValue: boom } as never, (s) => s.end())],
  ['context.with proxy ctx', () => api.context.with(new Proxy({}, { get: boom }) as never, () => 1)],
  ['getSpan foreign span throws', () => otel.startSpan('c', {}, api.trace.setSpan(api.ROOT_CONTEXT, { spanContext: boom } as never))],
  ['ts weird', () => otel.startSpan('a', { links: [{ context: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, traceState: { serialize: () => 5 } } }] } as never)],
];
for (const [n, f] of tries) {
  try { f(); console.log('ok   ', n); } catch (e) { console.log('THROW', n, (e as Error).message); }
}
console.log(reg.stats());
