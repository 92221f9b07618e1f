// What startSpan and shutdown do off their common path (an explicit start time, links, inheritAttributes, a name that
// is not a string, a late processor), kept out of tracer.ts as span-rare.ts is out of span.ts. begin() calls
// f(span, x) where it called this.f(span, x): the same bytecode size (the tracer is span.tracer).
import { explicitTime, EXACT } from './clock.js';
import { coreOf } from './context.js';
import { spanNameOf } from './span-name.js';
import { Span, type SpanOptions } from './span.js';
import { ownAttributes, type Attributes, type AttributeValue } from './attributes.js';
import { unsampledTraceState } from './ot-state.js';
import type { Sampler } from './sampler.js';
import type { TraceState } from './tracestate.js';
import { ParentIds, type SpanContextLike } from './span-context.js';
import { deadlineOf, FLUSH_DEADLINE_MS, SHUTDOWN_DEADLINE_MS, type ShutdownOptions } from './processor.js';
import type { Tracer } from './tracer.js';

/** startTime given: exact to the ns (clock.exactFromEpoch); an unusable one is replaced by the clock's time, counted. */
export function explicitStart(span: Span, startTime: number | Date): void {
  if (!explicitTime(startTime)) span.tracer.counters.invalidTimes++;
  span.startSec = EXACT.sec;
  span.startNs = EXACT.ns;
}

/** The `links` option: a value that is not an iterable of contexts (or throws while read) is a counted drop, never a throw. */
export function initialLinks(span: Span, links: NonNullable<SpanOptions['links']>): void {
  try {
    for (const l of links) {
      if (l == null) continue;
      if ('context' in l && l.context) span.addLink(l.context, l.attributes);
      else span.addLink(l as SpanContextLike);
    }
  } catch {
    span.tracer.counters.linksDropped++;
  }
}

/** The start attributes plus the `inheritAttributes` (keys) a local parent has and they lack (a copy only then), for the sampler. */
export function mergeInherited(keys: readonly string[], ctx: SpanContextLike | null, attributes: Attributes | undefined): Attributes | undefined {
  const parent = ctx === null ? null : coreOf(ctx); // a bridge context's span passes its attributes on too
  if (!(parent instanceof Span)) return attributes;
  let out = attributes;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (attributes !== undefined && attributes[k] != null) continue;
    const v = parent.getAttribute(k);
    if (v === undefined) continue;
    if (out === attributes) out = { ...attributes };
    out![k] = v;
  }
  return out;
}

/** Copy `inheritAttributes` a local parent span has and the child was not given (the child's own value wins). */
export function inheritFrom(span: Span, ctx: SpanContextLike | null): void {
  const parent = ctx === null ? null : coreOf(ctx);
  if (!(parent instanceof Span)) return;
  const keys = span.tracer.inherit!;
  for (let i = 0; i < keys.length; i++) {
    const v = parent.getAttribute(keys[i]!);
    if (v !== undefined && span.getAttribute(keys[i]!) === undefined) span.setAttribute(keys[i]!, v);
  }
}

/** startSpan(name) with a name that is not a string (a JS caller's bug): String(name), counted, said once. */
export function invalidName(t: Tracer, name: unknown): string {
  const s = spanNameOf(name);
  if (t.counters.invalidNames++ === 0) t.logger(`startSpan(name): the name must be a string, got ${name === null ? 'null' : typeof name}; the span is named ${JSON.stringify(s)} (counted in stats().invalidNames)`);
  return s;
}

/** forceFlush / shutdown returned at the deadline: counted, said once. */
export function settledAs(t: Tracer, r: 'done' | 'late', what: 'forceFlush' | 'shutdown', options: ShutdownOptions | undefined): void {
  if (r === 'done' || t.counters.processorTimeouts++ > 0) return;
  const ms = deadlineOf(options?.deadlineMs, what === 'shutdown' ? SHUTDOWN_DEADLINE_MS : FLUSH_DEADLINE_MS);
  t.logger(`span processor's ${what}() had not settled ${ms} ms after the call; the tracer stopped waiting (counted in stats().processorTimeouts)`);
}

/** A sampled span's tracestate: what the sampler's hook records, else the parent's (for sampleAsRoot without its `th`). */
export function sampledState(t: Tracer, sampler: Sampler, parent: SpanContextLike | null, traceState: TraceState | null, attributes: Attributes | undefined, asRoot: boolean): TraceState | null {
  if (sampler.traceStateFor !== undefined) {
    try {
      const ts = sampler.traceStateFor(parent, attributes);
      if (ts !== undefined) return ts;
      if (!asRoot) return traceState; // the hook's undefined: unchanged
    } catch (err) { samplerFailed(t, err); return traceState; }
  }
  // our sampler decided, not the caller, and recorded no threshold (alwaysOn, a tenant's alwaysOn, a custom
  // sampler): the caller's `th` would misstate this decision
  return (asRoot || !sampler.followsParent) && traceState !== null ? unsampledTraceState(traceState) : traceState;
}

/** A user sampler threw: the span is unsampled (the caller's job), counted, said once. */
export function samplerFailed(t: Tracer, err: unknown): void {
  if (t.counters.samplerErrors++ === 0) t.logger(`sampler threw (${(err as Error)?.message ?? err}); those spans are unsampled and counted (samplerErrors)`);
}

/** Start attributes of another kind (class instance, Proxy): their own enumerable keys in a null-prototype copy. */
export function copyOwn(t: Tracer, span: Span, attributes: Attributes): void {
  // an own "__proto__" key would read as the copy's `__proto__` and send it back here: the others first, it last
  const d = Object.getOwnPropertyDescriptor(attributes, '__proto__');
  t.copyInitial(span, ownAttributes(attributes, '__proto__'));
  if (d !== undefined && d.enumerable === true) span.setAttribute('__proto__', (d.get !== undefined ? d.get.call(attributes) : d.value) as AttributeValue);
}

/** A span ended on a tracer with no exporter or processor: dropped and counted; the first drop says how to fix it. */
export function dropUnexported(t: Tracer, span: Span): void {
  if (t.noExporterDrops++ === 0) t.logger('a span ended but this tracer has no exporter: spans are dropped and counted in stats().dropped.noExporter; pass createTracer({ exporter: otlpExporter() }) (or fileExporter({ path }), consoleExporter(), a processor)');
  span.release();
}

/**
 * Tracer.onEnd, for a span whose parent is no live local span nor a remote context: an ended parent would pin its own
 * parent (a poll loop's runs, each started in the last one's context, would all stay alive), an OTel bridge context
 * its values; the span keeps the parent's IDs, or the context's own span, instead.
 */
export function unpinParent(span: Span, pp: SpanContextLike | ParentIds): void {
  if (pp instanceof ParentIds) return;
  let c: SpanContextLike | ParentIds = coreOf(pp);
  if (c instanceof Span && !c.isRecording()) c = new ParentIds(c.s0, c.s1);
  if (c !== pp) span.parent = c;
}
