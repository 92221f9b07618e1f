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

/** Run fn with `ctx` active; no closure is created. */
export function runWithContext<A extends unknown[], R>(ctx: SpanContextLike | undefined, fn: (...args: A) => R, ...args: A): R {
  return storage.run(ctx, fn, ...args);
}
