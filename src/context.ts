// One AsyncLocalStorage for the whole process: tracewire's own active span and the OpenTelemetry
// bridge's ContextManager share it, so spans from both nest in either direction.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SpanContextLike } from './span-context.js';

const KEY = Symbol.for('tracewire.context.v1');
type Store = AsyncLocalStorage<SpanContextLike | undefined>;
const g = globalThis as unknown as Record<symbol, Store | undefined>;
// Symbol.for: two copies of tracewire in one process (ESM + CJS builds) still share one context.
export const storage: Store = (g[KEY] ??= new AsyncLocalStorage<SpanContextLike | undefined>());

/** The span (or remote context) active in the current async context, if any. */
export function activeContext(): SpanContextLike | undefined {
  const c = storage.getStore();
  return c !== undefined && (c.t0 | c.t1 | c.t2 | c.t3) !== 0 ? c : undefined; // bridge contexts may hold no span
}

/** Does a store value hold a trace (what startSpan takes as a parent)? A bridge context may hold only other keys. */
export function hasTrace(c: SpanContextLike | undefined): boolean {
  return c !== undefined && (c.t0 | c.t1 | c.t2 | c.t3) !== 0;
}

/** Run fn with `ctx` active; no closure is created. */
export function runWithContext<A extends unknown[], R>(ctx: SpanContextLike | undefined, fn: (...args: A) => R, ...args: A): R {
  return storage.run(ctx, fn, ...args);
}

/**
 * A store value that is more than a span: the OpenTelemetry bridge's context, which also holds baggage,
 * suppressTracing and instrumentations' keys. Making a span active inside it must keep those keys.
 */
export const kWithSpan = Symbol.for('tracewire.context.withSpan.v1');
interface WithKeys { [kWithSpan]?: (span: SpanContextLike | undefined) => SpanContextLike | undefined; core?: SpanContextLike | null }

/** What the store holds to make `span` active here: `span` itself, or the current context's keys with `span` in it. */
export function storeWith(span: SpanContextLike | undefined): SpanContextLike | undefined {
  const cur = storage.getStore() as (SpanContextLike & WithKeys) | undefined;
  if (cur === undefined) return span;
  const f = cur[kWithSpan];
  return typeof f === 'function' ? f.call(cur, span) : span;
}

/** The tracewire span or context a store value stands for (a bridge context's `core`), or the value itself. */
export function coreOf(c: SpanContextLike): SpanContextLike {
  const core = (c as SpanContextLike & WithKeys).core;
  return typeof (c as WithKeys)[kWithSpan] === 'function' && core != null ? core : c;
}
