// tracer.startActiveSpan's OpenTelemetry overloads resolved to startSpan + a run with the span active; a call without a
// function (a JavaScript caller's slip) starts no span and returns undefined, counted, as OTel's no-op tracer returns.
import { storage, storeWith } from './context.js';
import type { SpanContextLike } from './span-context.js';
import type { AnySpan, SpanOptions } from './span.js';
import type { Tracer } from './tracer.js';

type Fn<R> = (span: AnySpan) => R;

/** (name, fn), (name, options, fn) or (name, options, context, fn): the last argument is fn, as the OTel API reads them. */
export function startActive<R>(t: Tracer, name: string, a: unknown, b: unknown, c: unknown): R | undefined {
  if (typeof b === 'function') return run(t, name, a as SpanOptions | undefined, b as Fn<R>);
  if (typeof a === 'function') return run(t, name, undefined, a as Fn<R>);
  if (typeof c === 'function') return run(t, name, withParent(a as SpanOptions | undefined, b as SpanContextLike | null | undefined), c as Fn<R>);
  noFunction(t);
  return undefined;
}

function run<R>(t: Tracer, name: string, options: SpanOptions | undefined, fn: Fn<R>): R {
  const span = t.startSpan(name, options);
  return storage.run(storeWith(span), fn, span);
}

/**
 * OTel's context argument is the parent: undefined is (name, options, fn) (options.parent, else the active span), null a
 * new trace. The fields are read as startSpan reads them (a spread would miss a class's getters).
 */
function withParent(o: SpanOptions | null | undefined, context: SpanContextLike | null | undefined): SpanOptions | undefined {
  if (context === undefined) return o ?? undefined;
  if (o === null || o === undefined) return { parent: context };
  return { parent: context, kind: o.kind, attributes: o.attributes, root: o.root, sampleAsRoot: o.sampleAsRoot, startTime: o.startTime, links: o.links };
}

function noFunction(t: Tracer): void {
  if (t.counters.invalidCallbacks++ === 0) {
    t.logger('startActiveSpan(name, [options, [context,]] fn): the last argument must be a function; no span was started and undefined returned (counted in stats().invalidCallbacks)');
  }
}
