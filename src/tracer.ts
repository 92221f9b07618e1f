// The tracer: resolves every option once at construction; startSpan does a sampling decision, one
// allocation (the span) and, for sampled spans, copies attributes into the span's flat array.
import { FLAG_RANDOM, FLAG_SAMPLED, KNOWN_FLAGS, SpanContext, type SpanContextLike } from './span-context.js';
import { fillSpanId, fillTraceId, type TraceIdWords } from './ids.js';
import { sinceOrigin } from './clock.js';
import { coreOf, storage, storeWith } from './context.js';
import { AttributePolicy, AttributeStats, sanitizeValue, type Attributes, type AttributeValue } from './attributes.js';
import { NonRecordingSpan, Span, SpanRare, type AnySpan, type SpanOptions } from './span.js';
import { INVALID_SPAN } from './non-recording-span.js';
import { parentBased, alwaysOn, useLogger, type Sampler } from './sampler.js';
import { buildResource } from './resource.js';
import { VERSION } from './version.js';
import type { TraceState } from './tracestate.js';
import { settled, type ShutdownOptions, type SpanProcessor } from './processor.js';
import { BatchSpanProcessor, type BatchOptions } from './batcher.js';
import { createPropagationStats, extractContext, injectContext, type PropagationStats } from './propagation.js';
import { checkSampler, type TracerOptions } from './tracer-options.js';
import { warnUnreadOtelEnv } from './otel-env-unread.js';
import { TracerCounters, tracerStats, type TracerStats } from './tracer-stats.js';
import { isNoTrace } from './suppress.js';
import { explicitStart, initialLinks, mergeInherited, inheritFrom, invalidName, settledAs, sampledState, samplerFailed, copyOwn, dropUnexported, unpinParent } from './tracer-rare.js';
import { disabledAtStart } from './sdk-disabled.js';
import { startActive } from './active-span.js';

export type { TracerOptions } from './tracer-options.js';
export { TracerCounters, type TracerStats } from './tracer-stats.js';

const scratch: TraceIdWords = { t0: 0, t1: 0, t2: 0, t3: 0 };
/** startSpan(name) reads its options from this (frozen: nothing can add a parent to every span). */
const NO_OPTIONS: SpanOptions = Object.freeze({});
/** Pooled attribute arrays per tracer: 1024 x 16 slots bounds the pool at ~150 KB. */
const ATTR_POOL_MAX = 1024;
const defaultLogger = (msg: string): void => console.warn('[tracewire] ' + msg);

export class Tracer {
  readonly service: string;
  readonly resource: Readonly<Record<string, AttributeValue>>;
  readonly scope: { name: string; version: string };
  readonly sampler: Sampler;
  /** The sampler for new traces (the root of a parent-based sampler), used by `sampleAsRoot`. */
  readonly rootSampler: Sampler;
  readonly attrPolicy: AttributePolicy;
  readonly attrStats = new AttributeStats();
  readonly counters = new TracerCounters();
  readonly propagationStats: PropagationStats = createPropagationStats();
  readonly recordErrorMessages: boolean;
  readonly logger: (msg: string) => void;
  /** OTEL_SDK_DISABLED (or the `disabled` option): records nothing, exports nothing, passes context on (sdk-disabled.ts). */
  readonly disabled: boolean;
  processor: SpanProcessor | null;
  private readonly followsParent: boolean;
  private readonly samplerSetsState: boolean;
  private readonly samplerChecksState: boolean;
  /** @internal */
  noExporterDrops = 0;
  private readonly attrPool: unknown[][] = [];
  /** @internal the `inheritAttributes` keys, null when none (tracer-rare.ts inheritFrom) */
  readonly inherit: readonly string[] | null;
  /** The sampler reads a child's attributes (it does not just follow the parent): it must see the inherited ones. */
  private readonly inheritForSampler: boolean;

  constructor(o: TracerOptions = {}) {
    this.logger = o.logger ?? defaultLogger;
    this.resource = Object.freeze(buildResource({ service: o.service, serviceVersion: o.serviceVersion, attributes: o.resource, env: o.env, warn: this.logger }));
    this.service = String(this.resource['service.name']);
    this.scope = o.scope == null ? { name: 'tracewire', version: VERSION } : { name: o.scope.name ?? 'tracewire', version: o.scope.version ?? '' };
    this.sampler = o.sampler === undefined ? parentBased(alwaysOn) : checkSampler(o.sampler);
    this.followsParent = this.sampler.followsParent;
    this.rootSampler = this.sampler.root ?? this.sampler;
    useLogger(this.sampler, this.logger); // what a sampler counts and says once (presumed randomness) goes to this logger
    // decided once: most samplers never touch tracestate, so the per-span hook call is skipped
    this.samplerSetsState = this.sampler.traceStateFor !== undefined && (this.rootSampler === this.sampler || this.rootSampler.traceStateFor !== undefined);
    // a parent-based sampler checks a parent's th (OTel: an inconsistent one is erased), and one that decides without
    // the parent and records none (alwaysOn, custom) erases it: only for a parent with a tracestate
    this.samplerChecksState = this.sampler.traceStateFor !== undefined || !this.sampler.followsParent;
    this.attrPolicy = new AttributePolicy(o.attributes, this.logger);
    this.recordErrorMessages = o.recordErrorMessages === true;
    const inherit = (o.inheritAttributes ?? []).filter((k) => typeof k === 'string' && k.length > 0);
    this.inherit = inherit.length > 0 ? inherit : null;
    // A parent-following sampler decides a child by its parent's flag alone: no merged attributes to build per span.
    this.inheritForSampler = this.inherit !== null && !this.sampler.followsParent;
    this.disabled = disabledAtStart(this, o.disabled, o.env ?? process.env, this.logger);
    this.processor = o.processor ?? (o.exporter && !this.disabled ? new BatchSpanProcessor(o.exporter, { ...o.batch, env: o.env, logger: this.logger } as BatchOptions) : null);
  }

  /**
   * Start a span. Parent: `options.parent` if given (null = new trace), else the active span.
   * Returns a recording Span, or a NonRecordingSpan that still carries the context when unsampled.
   */
  startSpan(name: string, options?: SpanOptions): AnySpan {
    // Only reads the options (63 bytes of bytecode; begin() is too big to be inlined into it). V8 considers
    // startSpan last among a call site's span calls, when most of the ~920-byte inlining budget is spent, and
    // only an inlined startSpan lets it remove the options literal written at the call site (32-40 B per
    // span; 104 bytes still missed the budget in 2 of 5 Node 20 processes). BENCHMARKS.md, span lifecycle.
    const o = options ?? NO_OPTIONS;
    return this.begin(name, o.parent, o.kind, o.attributes, o.root, o.sampleAsRoot, o.startTime, o.links);
  }

  /** Children of an unsampled span under a parent-based sampler reuse it (no work at all; counted). */
  private reusable(parent: NonRecordingSpan): boolean {
    if (this.followsParent && (parent.traceFlags & FLAG_SAMPLED) === 0 && (parent.t0 | parent.t1 | parent.t2 | parent.t3) !== 0) {
      this.counters.unsampled++;
      return true;
    }
    return false;
  }

  /** The options as startSpan read them: parent undefined = the active span, null (or root) = a new trace. */
  private begin(name: string, parent: SpanContextLike | null | undefined, kindOpt: number | undefined, attributes: Attributes | undefined,
    root: boolean | undefined, sampleAsRoot: boolean | undefined, startTime: number | Date | undefined, links: SpanOptions['links']): AnySpan {
    if (typeof name !== 'string') name = this.invalidName(name);
    if (root === true) parent = null;
    else if (parent === undefined) parent = storage.getStore() ?? null;
    const kind = kindOpt ?? 1;
    const asRoot = sampleAsRoot === true;
    if (parent instanceof NonRecordingSpan && !asRoot && this.reusable(parent)) return parent;
    const sampler = asRoot ? this.rootSampler : this.sampler;
    // A store value without a trace (e.g. an OTel bridge context holding only other keys) is no parent; one under
    // suppressTracing (a bridge context then shows all-zero IDs) gets no span: checked on this rare branch only.
    if (parent !== null && (parent.t0 | parent.t1 | parent.t2 | parent.t3) === 0) {
      if (isNoTrace(parent)) { this.counters.unsampled++; return INVALID_SPAN; } // OTel's suppressTracing: the invalid context
      parent = null;
    }
    const ids: TraceIdWords = parent !== null ? parent : scratch;
    if (parent === null) fillTraceId(scratch);
    // The sampler sees the attributes a local parent passes on (tenant.id: a child samples as its tenant).
    const sampleAttrs = this.inheritForSampler ? this.withInherited(parent, attributes) : attributes;
    let sampled: boolean;
    try {
      // One call site: two made V8 inline the sampler twice into begin(), and its ~920-byte budget then
      // sometimes had no room left for the Span constructor. sampleAsRoot's root sampler sees the parent too
      // (an explicit `rv` in its tracestate is the trace's randomness); it ignores the sampled flag.
      sampled = sampler.shouldSample(parent, ids, name, kind, sampleAttrs) === true;
    } catch (err) {
      sampled = false; // a user sampler that throws must not fail the request: the span is unsampled, counted
      this.samplerFailed(err);
    }
    // W3C L2: random flag set on trace IDs we generate, passed on unchanged when continuing a trace.
    let flags = parent !== null ? parent.traceFlags & (KNOWN_FLAGS & ~FLAG_SAMPLED) : FLAG_RANDOM;
    if (sampled) flags |= FLAG_SAMPLED;
    let traceState = parent !== null ? parent.traceState : null;
    if (sampled && (asRoot || this.samplerSetsState || (traceState !== null && this.samplerChecksState))) {
      traceState = this.sampledState(sampler, parent, traceState, sampleAttrs, asRoot);
    }
    if (!sampled) {
      this.counters.unsampled++;
      const nr = new NonRecordingSpan(ids.t0, ids.t1, ids.t2, ids.t3, 0, 0, flags, traceState);
      fillSpanId(nr);
      return nr;
    }
    const span = new Span(this, name, kind, flags, parent, traceState, startTime === undefined ? sinceOrigin() : 0);
    if (startTime !== undefined) explicitStart(span, startTime);
    span.t0 = ids.t0; span.t1 = ids.t1; span.t2 = ids.t2; span.t3 = ids.t3;
    fillSpanId(span);
    if (attributes !== undefined) this.copyInitial(span, attributes);
    if (this.inherit !== null) inheritFrom(span, parent);
    if (links !== undefined) initialLinks(span, links);
    this.counters.started++;
    return span;
  }

  // begin() calls these as this.f(x), as before (an imported f(this, x) is a byte longer: the import's hole check); bodies in tracer-rare.ts
  /** The sampler's view of a child's start attributes: with those a local parent passes on. */
  private withInherited(parent: SpanContextLike | null, attributes: Attributes | undefined): Attributes | undefined { return mergeInherited(this.inherit!, parent, attributes); }
  /** A caller's bug that must not throw into the request: the name becomes String(name), counted, said once. */
  private invalidName(name: unknown): string { return invalidName(this, name); }

  /** A sampled span's tracestate: what the sampler's hook records, else the parent's (for sampleAsRoot without its `th`). */
  private sampledState(sampler: Sampler, parent: SpanContextLike | null, traceState: TraceState | null, attributes: Attributes | undefined, asRoot: boolean): TraceState | null { return sampledState(this, sampler, parent, traceState, attributes, asRoot); }
  private samplerFailed(err: unknown): void { samplerFailed(this, err); }

  /** A flat attribute array from the pool (arrays come back from exported spans via Span.release()). */
  takeAttrArray(): unknown[] {
    const p = this.attrPool;
    return p.length > 0 ? p.pop()! : new Array(16);
  }

  /** Back into the pool, cleared so it holds no references to old values; oversized ones are left to GC. */
  recycleAttrArray(a: unknown[], n: number): void {
    if (this.attrPool.length >= ATTR_POOL_MAX || a.length > 64) return;
    for (let i = 0, m = 2 * n; i < m; i++) a[i] = undefined; // drop references to old values (a loop beats fill() here)
    this.attrPool.push(a);
  }

  /** Copy initial attributes into a pooled flat array. */
  /** @internal */
  copyInitial(span: Span, attributes: Attributes): void {
    const policy = this.attrPolicy;
    const allow = policy.allow;
    let a: unknown[] | null = null;
    let n = 0;
    try {
      // inherited keys are not its attributes (Object.entries, as OTel): another kind is copied first (copyOwn); with
      // `attributes` reassigned here instead, a span took ~250-500 more instructions (callgrind, fifteenth session)
      // `__proto__` is a load V8 folds for an object literal; Object.getPrototypeOf is a runtime call (~120 of 2706
      // instructions per span, callgrind). undefined: no Object.prototype in the chain, so ask (null-prototype objects)
      const proto = (attributes as { __proto__?: unknown }).__proto__;
      if (proto !== Object.prototype && (proto !== undefined || Object.getPrototypeOf(attributes) !== null)) { this.copyOwn(span, attributes); return; }
      for (const k in attributes) {
        let v: unknown = attributes[k];
        // typeof compared in place: a `const t = typeof v` is a Typeof builtin call per value (4 attributes: 89 -> 72 ns on Node 20, 74 -> 54 on Node 24)
        const plain = typeof v === 'string' ? v.length <= policy.maxValueLength : typeof v === 'number' || typeof v === 'boolean';
        if (!plain && (v === undefined || v === null)) continue;
        if (k.length === 0) { this.attrStats.invalid++; continue; } // as setAttribute('')
        if (allow !== null && !allow(k)) { this.attrStats.rejected++; continue; }
        // over maxCount: counted once, as dropped (dropInitial), not also as truncated
        if (!plain) { v = sanitizeValue(v as AttributeValue, policy, this.attrStats, n < policy.maxCount); if (v === undefined) continue; }
        if (n >= policy.maxCount) { this.dropInitial(span); continue; }
        if (a === null) a = this.takeAttrArray();
        a[2 * n] = k;
        a[2 * n + 1] = v;
        n++;
      }
    } catch { this.attrStats.invalid++; } // a getter or Proxy trap that throws: what was read is kept, never a throw into the host
    span.setAttrs(a, n);
  }

  /** A class instance or Proxy: its own enumerable keys in a null-prototype copy, which copyInitial reads in place. */
  private copyOwn(span: Span, attributes: Attributes): void { copyOwn(this, span, attributes); }

  /** An initial attribute over the count limit: counted in the tracer's stats and in the span's droppedAttributesCount. */
  private dropInitial(span: Span): void {
    this.attrStats.dropped++;
    (span.rare ??= new SpanRare()).droppedAttrs++;
  }

  /** Called by Span.end(): hand the span to the processor, never letting a failure reach the caller. */
  onEnd(span: Span): void {
    this.counters.ended++;
    const pp = span.parent; // a local parent still live, or a remote one, is kept as is: nothing to check
    if (pp !== null && !(pp instanceof Span && pp.isRecording()) && !(pp instanceof SpanContext)) unpinParent(span, pp);
    const p = this.processor;
    if (p === null) { this.dropUnexported(span); return; }
    try {
      p.onEnd(span);
    } catch (err) {
      this.counters.processorErrors++;
      if (this.counters.processorErrors === 1) this.logger(`span processor threw from onEnd (${(err as Error)?.message ?? err}); spans are dropped and counted`);
    }
  }

  /** No exporter or processor: the span is dropped and counted, and the first drop says how to fix it. */
  private dropUnexported(span: Span): void { dropUnexported(this, span); }

  /** Start a span, active while fn(span) runs; the caller ends it. OTel's overloads (active-span.ts: a `context` is the parent). */
  startActiveSpan<R>(name: string, fn: (span: AnySpan) => R): R;
  startActiveSpan<R>(name: string, options: SpanOptions | undefined, fn: (span: AnySpan) => R): R;
  startActiveSpan<R>(name: string, options: SpanOptions | undefined, context: SpanContextLike | null | undefined, fn: (span: AnySpan) => R): R;
  startActiveSpan<R>(name: string, a?: unknown, b?: unknown, c?: unknown): R | undefined { return startActive<R>(this, name, a, b, c); }

  /** Run fn(...args) with `span` (or a remote context) active; an OpenTelemetry context's other keys (baggage) stay. */
  withSpan<A extends unknown[], R>(span: SpanContextLike | undefined, fn: (...args: A) => R, ...args: A): R {
    return storage.run(storeWith(span), fn, ...args);
  }

  /** The active span or context, if any (under the OpenTelemetry bridge: the tracewire span its context holds). */
  activeSpan(): SpanContextLike | undefined {
    const c = storage.getStore();
    if (c === undefined) return undefined;
    if ((c.t0 | c.t1 | c.t2 | c.t3) !== 0) return coreOf(c);
    const held = coreOf(c); // a suppressed bridge context shows no IDs, yet holds its span (OTel getActiveSpan returns it)
    return held !== c && (held.t0 | held.t1 | held.t2 | held.t3) !== 0 ? held : undefined;
  }

  /** W3C extract from request headers, counting rejected headers in this tracer's stats; never throws (propagation.ts). */
  extract(headers: Record<string, string | string[] | undefined>): SpanContext | null {
    return extractContext(headers, this.propagationStats);
  }

  /**
   * W3C inject of `ctx` (default: the active span; none: nothing written or counted) into a carrier of headers. Never
   * throws: a carrier that refuses the write (frozen, a setter or Proxy that throws) is left without the context, counted
   * in propagation.carrierUnwritable; a `ctx` of null (a JavaScript caller's) writes nothing, counted in contextMissing.
   */
  inject(carrier: Record<string, unknown>, ctx: SpanContextLike | undefined = this.activeSpan()): void {
    if (ctx === undefined) return;
    injectContext(ctx, carrier, this.propagationStats);
  }

  stats(): TracerStats {
    return tracerStats(this.counters, this.processor, this.noExporterDrops, this.attrStats, this.propagationStats, this.sampler, this.disabled);
  }

  /** Export what has ended; returns by `deadlineMs` (default 30000) whatever the processor does (counted as processorTimeouts). */
  forceFlush(options?: Pick<ShutdownOptions, 'deadlineMs'>): Promise<void> {
    return settled(this.processor, true, options).then((r) => settledAs(this, r, 'forceFlush', options));
  }

  /** Drain what can be exported before the deadline, then return whatever the backend or processor does. */
  shutdown(options?: ShutdownOptions): Promise<void> {
    return settled(this.processor, false, options).then((r) => settledAs(this, r, 'shutdown', options));
  }
}

export function createTracer(options: TracerOptions = {}): Tracer {
  const t = new Tracer(options);
  warnUnreadOtelEnv(options, t.logger); // once per tracer: OTEL_* it ignores (OTEL_SDK_DISABLED...) are not silent
  return t;
}
