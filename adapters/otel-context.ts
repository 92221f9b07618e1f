// One context for tracewire and OpenTelemetry: the process-wide AsyncLocalStorage (src/context.ts) holds
// either a tracewire span/context (put there by tracer.withSpan) or a BridgeContext, which IS an OTel
// Context (immutable, arbitrary keys) and a tracewire SpanContextLike (the IDs of the span it holds).
import type { Context, ContextManager } from '@opentelemetry/api';
import { EventEmitter } from 'node:events';
import { kWithSpan, storage } from '../src/context.js';
import { kNoTrace } from '../src/suppress.js';
import { hex8 } from '../src/hex.js';
import { SpanContext, type SpanContextLike } from '../src/span-context.js';
import type { TraceState } from '../src/tracestate.js';
import { Bridge, BridgeSpan } from './otel-span.js';
import { coreContextOf } from './otel-convert.js';

/** The API's keys: createContextKey is Symbol.for(description), so every copy of the API agrees. */
export const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');
export const SUPPRESS_KEY = Symbol.for('OpenTelemetry SDK Context Key SUPPRESS_TRACING');
const DELETED: unknown = Symbol('deleted');
const MAX_CHAIN = 8; // extra keys kept as a linked chain up to this depth, then flattened into one Map

/** All-zero context: "no span" (and the context of spans started under suppressTracing). */
export const INVALID = new SpanContext(0, 0, 0, 0, 0, 0, 0, false, null);

export class BridgeContext implements Context, SpanContextLike {
  t0: number; t1: number; t2: number; t3: number;
  s0: number; s1: number;
  traceFlags: number;
  isRemote: boolean;
  traceState: TraceState | null;
  /** tracewire view of the span under SPAN_KEY; null when there is none (or it is invalid). */
  core: SpanContextLike | null;
  /** The value under SPAN_KEY, as given. */
  span: unknown;
  /** One extra key bound by this context (null: none), then the older bindings. */
  key: symbol | null;
  value: unknown;
  parent: BridgeContext | null;
  /** Flattened bindings (ends the chain walk). */
  map: Map<symbol, unknown> | null;
  /** Another implementation's Context this one was made from: read for keys bound nowhere here. */
  fallback: Context | null;
  depth: number;
  /** Made by with() from `fallback` unchanged: active() hands back that very object (API contract: identity). */
  view: boolean;
  /** suppressTracing's key is true here: decided when the (immutable) context is made, not per startSpan. */
  suppressed: boolean;

  constructor(span: unknown, core: SpanContextLike | null, key: symbol | null, value: unknown, parent: BridgeContext | null, map: Map<symbol, unknown> | null, fallback: Context | null, depth: number, suppressed: boolean, view = false) {
    // suppressed: all-zero IDs, so the core's startSpan reaches its no-trace branch (src/tracer.ts begin) and injects nothing
    const c = core === null || suppressed ? INVALID : core;
    this.t0 = c.t0; this.t1 = c.t1; this.t2 = c.t2; this.t3 = c.t3;
    this.s0 = c.s0; this.s1 = c.s1;
    this.traceFlags = c.traceFlags;
    this.isRemote = c.isRemote;
    this.traceState = c.traceState;
    this.core = core;
    this.span = span;
    this.key = key;
    this.value = value;
    this.parent = parent;
    this.map = map;
    this.fallback = fallback;
    this.depth = depth;
    this.suppressed = suppressed;
    this.view = view;
  }

  get traceId(): string { return hex8(this.t0) + hex8(this.t1) + hex8(this.t2) + hex8(this.t3); }
  get spanId(): string { return hex8(this.s0) + hex8(this.s1); }
  /** tracewire's own adapters (http client, fetch, queue) read the no-trace brand of the active store: OTel's suppressTracing is it. */
  get [kNoTrace](): boolean { return this.suppressed; }

  /** Any binding besides the span? */
  hasExtras(): boolean { return this.key !== null || this.map !== null || this.fallback !== null; }

  /**
   * tracer.withSpan / startActiveSpan inside this context (src/context.ts storeWith): its keys (baggage,
   * suppressTracing, instrumentations') stay, with `span` as the active span; with none to keep, `span` itself.
   */
  [kWithSpan](span: SpanContextLike | undefined): SpanContextLike | undefined {
    if (!this.hasExtras() || wrapWith === null) return span;
    return this.withSpan(span === undefined ? undefined : new BridgeSpan(wrapWith, span));
  }

  isEmpty(): boolean { return this.span === undefined && !this.hasExtras(); }

  getValue(key: symbol): unknown {
    if (key === SPAN_KEY) return this.span;
    let c: BridgeContext | null = this;
    while (c !== null) {
      if (c.key === key) return c.value === DELETED ? undefined : c.value;
      const m = c.map;
      if (m !== null) {
        if (!m.has(key)) break;
        const v = m.get(key);
        return v === DELETED ? undefined : v;
      }
      c = c.parent;
    }
    if (this.fallback === null) return undefined;
    try { return this.fallback.getValue(key); } catch { return undefined; } // another implementation's bug stays out of the host
  }

  setValue(key: symbol, value: unknown): BridgeContext {
    if (key === SPAN_KEY) return this.withSpan(value);
    if (this.depth >= MAX_CHAIN) return this.flatten(key, value);
    return new BridgeContext(this.span, this.core, key, value, this, null, this.fallback, this.depth + 1, key === SUPPRESS_KEY ? value === true : this.suppressed);
  }

  deleteValue(key: symbol): BridgeContext {
    if (key === SPAN_KEY) return this.span === undefined ? this : this.withSpan(undefined);
    return this.getValue(key) === undefined ? this : this.setValue(key, DELETED);
  }

  /** Same bindings, another span: O(1), the key chain is shared. */
  withSpan(span: unknown): BridgeContext {
    return new BridgeContext(span, coreOfSpan(span), this.key, this.value, this.parent, this.map, this.fallback, this.depth, this.suppressed);
  }

  private flatten(key: symbol, value: unknown): BridgeContext {
    const m = new Map<symbol, unknown>();
    const chain: BridgeContext[] = [];
    for (let c: BridgeContext | null = this; c !== null; c = c.parent) {
      chain.push(c);
      if (c.map !== null) break;
    }
    for (let i = chain.length - 1; i >= 0; i--) { // oldest first, so newer bindings overwrite
      const c = chain[i]!;
      if (c.map !== null) for (const [k, v] of c.map) m.set(k, v);
      if (c.key !== null) m.set(c.key, c.value);
    }
    m.set(key, value);
    return new BridgeContext(this.span, this.core, null, undefined, null, m, this.fallback, 0, key === SUPPRESS_KEY ? value === true : this.suppressed);
  }
}

/** tracewire's view of an API span: our own spans directly, other implementations' through spanContext(). */
export function coreOfSpan(span: unknown): SpanContextLike | null {
  if (span instanceof BridgeSpan) return (span.core.t0 | span.core.t1 | span.core.t2 | span.core.t3) === 0 ? null : span.core;
  if (span === undefined || span === null || typeof (span as { spanContext?: unknown }).spanContext !== 'function') return null;
  try {
    return coreContextOf((span as { spanContext(): never }).spanContext());
  } catch {
    return null;
  }
}

/** A context holding only `span`. */
export function contextOf(span: BridgeSpan): BridgeContext {
  return new BridgeContext(span, coreOfSpan(span), null, undefined, null, null, null, 0, false);
}

/** parentOf's answer under suppressTracing (all-zero, so injectContext writes nothing for it either). */
export const SUPPRESSED: SpanContextLike = new SpanContext(0, 0, 0, 0, 0, 0, 0, false, null);

/** Parent for a span started with OTel context `c` (undefined: the active one); SUPPRESSED under suppressTracing. */
export function parentOf(c: Context | undefined): SpanContextLike | null {
  let x: unknown = c;
  if (x === undefined) {
    x = storage.getStore();
    if (x === undefined) return null;
    if (!(x instanceof BridgeContext)) return x as SpanContextLike; // a tracewire span or remote context
  }
  if (x instanceof BridgeContext) return x.suppressed ? SUPPRESSED : x.core;
  if (x === null || typeof x !== 'object' || typeof (x as Context).getValue !== 'function') return null;
  try {
    if ((x as Context).getValue(SUPPRESS_KEY) === true) return SUPPRESSED;
    return coreOfSpan((x as Context).getValue(SPAN_KEY));
  } catch {
    return null;
  }
}

/** The bridge whose BridgeSpan wraps a tracewire span made active inside a bridge context (the last registered). */
let wrapWith: Bridge | null = null;

export class BridgeContextManager implements ContextManager {
  readonly b: Bridge;
  /** The API's ROOT_CONTEXT: what active() returns outside any context, as OTel's own managers do. */
  readonly root: Context;
  private lastRaw: SpanContextLike | undefined;
  private lastCtx: Context;

  constructor(b: Bridge, root: Context) {
    this.b = b;
    this.root = root;
    wrapWith = b;
    this.lastRaw = undefined;
    this.lastCtx = root;
  }

  active(): Context {
    const s = storage.getStore();
    if (s === undefined) return this.root;
    if (s instanceof BridgeContext) return s.view ? s.fallback! : s;
    // A tracewire span made active by tracer.withSpan: wrap it once; instrumentations call active() repeatedly.
    if (s === this.lastRaw) return this.lastCtx;
    const c = contextOf(new BridgeSpan(this.b, s));
    this.lastRaw = s;
    this.lastCtx = c;
    return c;
  }

  /** What the shared store holds for `ctx`: the BridgeContext itself, undefined for an empty one. */
  toStore(ctx: Context | null | undefined): SpanContextLike | undefined {
    if (ctx instanceof BridgeContext) return ctx.isEmpty() ? undefined : ctx;
    if (ctx === this.root || ctx === null || typeof ctx !== 'object' || typeof ctx.getValue !== 'function') return undefined;
    return this.fromForeign(ctx, true);
  }

  /** Any Context as a BridgeContext (another implementation's is read through as a fallback). */
  toBridge(ctx: Context | null | undefined): BridgeContext {
    if (ctx instanceof BridgeContext) return ctx;
    if (ctx === this.root || ctx === null || typeof ctx !== 'object' || typeof ctx.getValue !== 'function') return EMPTY;
    return this.fromForeign(ctx, false);
  }

  private fromForeign(ctx: Context, view: boolean): BridgeContext {
    let span: unknown;
    let suppressed = false;
    try {
      span = ctx.getValue(SPAN_KEY);
      suppressed = ctx.getValue(SUPPRESS_KEY) === true;
    } catch { this.b.counters.foreignErrors++; span = undefined; }
    return new BridgeContext(span, coreOfSpan(span), null, undefined, null, null, ctx, 0, suppressed, view);
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const cb = thisArg == null ? fn : (fn.bind(thisArg) as F);
    return storage.run(this.toStore(context), cb, ...args);
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target === 'function') return bindFunction(this.toStore(context), target as unknown as (...a: unknown[]) => unknown) as T;
    if (target instanceof EventEmitter) return bindEmitter(this, context, target) as T;
    return target;
  }

  enable(): this { return this; }
  /** Never disables the shared storage: tracewire's own adapters keep using it after the API lets go. */
  disable(): this { this.lastRaw = undefined; this.lastCtx = this.root; return this; }
}

const EMPTY = new BridgeContext(undefined, null, null, undefined, null, null, null, 0, false);

/** Runs target with `store` active, keeping `this` and the arguments; no closure per call (Reflect.apply). */
function bindFunction(store: SpanContextLike | undefined, target: (...a: unknown[]) => unknown): (...a: unknown[]) => unknown {
  const bound = function (this: unknown, ...args: unknown[]): unknown {
    return storage.run(store, Reflect.apply, target, this, args);
  };
  Object.defineProperty(bound, 'length', { enumerable: false, configurable: true, writable: false, value: target.length });
  return bound;
}

const ADD = ['addListener', 'on', 'once', 'prependListener', 'prependOnceListener'] as const;
const kListeners = Symbol('tracewire.otel.listeners');
type ListenerMap = Record<string | symbol, WeakMap<Function, Function>>;
type Patched = EventEmitter & { [kListeners]?: ListenerMap };
let adding = false; // Node's once() calls on(): wrap only the outer call, so removeListener finds it

/**
 * EventEmitter binding as OTel's AsyncHooks managers do it: listeners added later run in `context`;
 * removeListener/off find the wrapper through a WeakMap, so removing the original still works.
 */
function bindEmitter(cm: BridgeContextManager, context: Context, ee: Patched): EventEmitter {
  if (ee[kListeners] !== undefined) return ee;
  ee[kListeners] = Object.create(null) as ListenerMap;
  const store = cm.toStore(context);
  for (const name of ADD) {
    const original = ee[name];
    if (typeof original !== 'function') continue;
    ee[name] = function (this: Patched, event: string | symbol, listener: (...a: unknown[]) => void) {
      if (adding || typeof listener !== 'function') return original.call(this, event, listener);
      const map = ee[kListeners] ??= Object.create(null) as ListenerMap;
      const wrapped = bindFunction(store, listener);
      (map[event] ??= new WeakMap()).set(listener, wrapped);
      adding = true;
      try { return original.call(this, event, wrapped); } finally { adding = false; }
    } as never;
  }
  for (const name of ['removeListener', 'off'] as const) {
    const original = ee[name];
    if (typeof original !== 'function') continue;
    ee[name] = function (this: Patched, event: string | symbol, listener: (...a: unknown[]) => void) {
      const w = ee[kListeners]?.[event]?.get(listener);
      return original.call(this, event, (w ?? listener) as never);
    } as never;
  }
  const removeAll = ee.removeAllListeners;
  if (typeof removeAll === 'function') {
    ee.removeAllListeners = function (this: Patched, ...args: [(string | symbol)?]) {
      const map = ee[kListeners];
      if (map !== undefined) {
        if (args.length === 0) ee[kListeners] = Object.create(null) as ListenerMap;
        else delete map[args[0]!];
      }
      return removeAll.apply(this, args);
    } as never;
  }
  return ee;
}
