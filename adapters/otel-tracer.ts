// The OpenTelemetry API Tracer, TracerProvider and TextMapPropagator over one tracewire Tracer. Spans go
// through tracer.startSpan (sampling, IDs, limits, allowlist, export); propagation is the core's W3C code.
import type {
  Context, Link, SpanOptions as ApiSpanOptions, TextMapGetter, TextMapPropagator, TextMapSetter, Tracer as ApiTracer, TracerProvider,
} from '@opentelemetry/api';
import { storage } from '../src/context.js';
import type { SpanOptions } from '../src/span.js';
import type { SpanContextLike } from '../src/span-context.js';
import { readContext, injectContext } from '../src/propagation.js';
import { fieldOf } from '../src/own-keys.js';
import { Bridge, BridgeSpan, redactAttributes, spanName } from './otel-span.js';
import { apiKeysPolluted, coreContextOf, kindOf, ownLink, timeToMs } from './otel-convert.js';
import { BridgeContext, BridgeContextManager, INVALID, SUPPRESSED, contextOf, parentOf } from './otel-context.js';

/** Reused for every startSpan: the core reads its options synchronously and keeps none of them. Every option is an own key (none read from Object.prototype). */
const scratch: SpanOptions = { kind: 1, parent: null, root: false, sampleAsRoot: false, attributes: undefined, startTime: undefined, links: undefined };

type CoreLink = { context: SpanContextLike; attributes?: Record<string, never> };

function coreLinks(b: Bridge, links: Link[], kind: number): CoreLink[] | undefined {
  if (!Array.isArray(links) || links.length === 0) return undefined;
  const out: CoreLink[] = [];
  const polluted = apiKeysPolluted();
  for (let i = 0; i < links.length; i++) {
    let l = links[i];
    if (l != null && polluted) l = ownLink(l);
    const c = l == null ? null : coreContextOf(l.context);
    if (c === null) { b.counters.invalidContexts++; continue; }
    out.push({ context: c, attributes: redactAttributes(b, l!.attributes, kind) as Record<string, never> | undefined });
  }
  return out;
}

/** The options `o` gives itself (or through its class), none that only Object.prototype holds (pollution). */
function ownOptions(o: ApiSpanOptions): ApiSpanOptions {
  return {
    kind: fieldOf(o, 'kind') as ApiSpanOptions['kind'], attributes: fieldOf(o, 'attributes') as ApiSpanOptions['attributes'],
    links: fieldOf(o, 'links') as ApiSpanOptions['links'], startTime: fieldOf(o, 'startTime') as ApiSpanOptions['startTime'], root: fieldOf(o, 'root') as boolean | undefined,
  };
}

export class BridgeTracer implements ApiTracer {
  readonly b: Bridge;
  private readonly cm: BridgeContextManager;
  /** Returned under suppressTracing (OTel SDK: a non-recording span with the invalid context). */
  private readonly noop: BridgeSpan;

  constructor(b: Bridge, cm: BridgeContextManager) {
    this.b = b;
    this.cm = cm;
    this.noop = new BridgeSpan(b, INVALID);
  }

  startSpan(name: string, options?: ApiSpanOptions, context?: Context): BridgeSpan {
    const b = this.b;
    const parent = parentOf(context); // read for root spans too: suppressTracing applies to them as well (as in OTel's SDK)
    if (parent === SUPPRESSED) { b.counters.suppressed++; return this.noop; }
    const o = scratch;
    try { // options read here too: a getter or Proxy trap that throws is counted as a failed start
      if (options != null && apiKeysPolluted()) options = ownOptions(options);
      o.parent = options != null && options.root === true ? null : parent;
      if (options != null) {
        o.kind = options.kind === undefined ? 1 : kindOf(options.kind);
        o.attributes = options.attributes === undefined ? undefined : redactAttributes(b, options.attributes, o.kind);
        o.startTime = options.startTime === undefined ? undefined : timeToMs(options.startTime);
        o.links = options.links === undefined ? undefined : coreLinks(b, options.links, o.kind);
      } else o.kind = 1;
      return new BridgeSpan(b, b.tracer.startSpan(b.redactor.sanitizesNames ? spanName(name) : name, o));
    } catch (err) { // a user sampler, or options whose getters throw: the instrumentation must not see it
      b.counters.startErrors++;
      if (b.counters.startErrors === 1) b.tracer.logger(`otel bridge: startSpan threw (${(err as Error)?.message ?? err}); a non-recording span was returned`);
      return this.noop;
    } finally {
      o.parent = null; o.attributes = undefined; o.startTime = undefined; o.links = undefined;
    }
  }

  startActiveSpan<F extends (span: BridgeSpan) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: BridgeSpan) => unknown>(name: string, options: ApiSpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: BridgeSpan) => unknown>(name: string, options: ApiSpanOptions, context: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: BridgeSpan) => unknown>(name: string, a?: ApiSpanOptions | F, c?: Context | F, f?: F): ReturnType<F> | undefined {
    let options: ApiSpanOptions | undefined;
    let ctx: Context | undefined;
    let fn: F;
    if (typeof a === 'function') fn = a;
    else if (typeof c === 'function') { options = a; fn = c; }
    else if (typeof f === 'function') { options = a; ctx = c; fn = f; }
    else return undefined; // the API's own no-op tracer also returns undefined without a function
    const span = this.startSpan(name, options, ctx);
    // The new context keeps the parent context's other keys; a raw tracewire span in the store has none.
    let next: BridgeContext;
    if (ctx !== undefined) next = this.cm.toBridge(ctx).withSpan(span);
    else {
      const s = storage.getStore();
      next = s instanceof BridgeContext ? s.withSpan(span) : contextOf(span);
    }
    return storage.run(next, fn, span) as ReturnType<F>;
  }
}

/** One tracer for every instrumentation: spans are exported under the tracewire tracer's scope. */
export class BridgeTracerProvider implements TracerProvider {
  readonly tracer: BridgeTracer;
  constructor(tracer: BridgeTracer) { this.tracer = tracer; }
  getTracer(_name: string, _version?: string, _options?: unknown): BridgeTracer { return this.tracer; }
  forceFlush(): Promise<void> { return this.tracer.b.tracer.forceFlush(); }
}

const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';
/** Carrier for getter-based extraction: two fields, reused (extract is synchronous). */
const headers: Record<string, string | string[] | undefined> = { traceparent: undefined, tracestate: undefined };
const out: Record<string, unknown> = { traceparent: undefined, tracestate: undefined };

/** W3C Trace Context through the core's extractContext/injectContext (OTel's own propagator is not used). */
export class BridgePropagator implements TextMapPropagator {
  private readonly b: Bridge;
  private readonly cm: BridgeContextManager;
  private readonly plainGetter: TextMapGetter | undefined;
  private readonly plainSetter: TextMapSetter | undefined;

  /** plainGetter/plainSetter: the API's defaults (`carrier[key]`), for which the carrier is read directly. */
  constructor(b: Bridge, cm: BridgeContextManager, plainGetter?: TextMapGetter, plainSetter?: TextMapSetter) {
    this.b = b;
    this.cm = cm;
    this.plainGetter = plainGetter;
    this.plainSetter = plainSetter;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (carrier === null || carrier === undefined) return;
    const ctx = parentOf(context); // SUPPRESSED has all-zero IDs: injectContext writes nothing (as OTel under suppressTracing)
    if (ctx === null) return;
    if ((setter === undefined || setter === this.plainSetter) && typeof carrier === 'object') {
      // false: a carrier that refused the write (frozen shared message headers, a throwing setter or Proxy)
      if (!injectContext(ctx, carrier as Record<string, unknown>)) this.b.counters.foreignErrors++;
      return;
    }
    try { // a setter that throws: the caller's send still goes out
      out.traceparent = undefined;
      out.tracestate = undefined;
      injectContext(ctx, out);
      const tp = out.traceparent as string | undefined;
      const ts = out.tracestate as string | undefined;
      out.traceparent = undefined;
      out.tracestate = undefined;
      if (tp !== undefined) setter.set(carrier, TRACEPARENT, tp);
      if (ts !== undefined) setter.set(carrier, TRACESTATE, ts);
    } catch { this.b.counters.foreignErrors++; }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    if (carrier === null || carrier === undefined) return context;
    const stats = this.b.tracer.propagationStats;
    let remote;
    try { // a header getter, carrier getter or Proxy trap that throws: nothing extracted, counted
      if ((getter === undefined || getter === this.plainGetter) && typeof carrier === 'object' && !apiKeysPolluted()) {
        remote = readContext(carrier as Record<string, string | string[] | undefined>, stats);
      } else {
        const plain = getter === undefined || getter === this.plainGetter; // then the carrier's own headers, not Object.prototype's
        headers.traceparent = plain ? fieldOf(carrier, TRACEPARENT) as string | undefined : getter.get(carrier, TRACEPARENT);
        headers.tracestate = plain ? fieldOf(carrier, TRACESTATE) as string | undefined : getter.get(carrier, TRACESTATE);
        remote = readContext(headers, stats);
      }
    } catch { this.b.counters.foreignErrors++; return context; } finally { headers.traceparent = undefined; headers.tracestate = undefined; }
    if (remote === null) return context;
    return this.cm.toBridge(context).withSpan(new BridgeSpan(this.b, remote));
  }

  fields(): string[] {
    return [TRACEPARENT, TRACESTATE];
  }
}
