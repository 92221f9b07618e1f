// Opt-in `receive` spans for the pull recipes (getAmqp, nextJetStream). Messaging conventions, pull-based consumers:
// a `receive` span covers the call that asks the broker for messages (not their handling), is a child of the span
// active at the call, and links each received message's creation context; its kind is CLIENT (the current conventions;
// earlier versions said CONSUMER). The message's `process` span then runs under it.
import type { Tracer } from '../src/tracer.js';
import { SpanKind, type AnySpan } from '../src/span.js';
import type { SpanContext } from '../src/span-context.js';
import { storage } from '../src/context.js';
import { isNoTrace } from '../src/suppress.js';
import { baseAttributes, consumeExtracted, consumeMessage, extractMessageContext, spanName, type Carrier, type ConsumeOptions } from './queue.js';

/** A pulled message as the recipe reads it: its carrier and its span's options (no mode, no operation). */
export interface Pulled { carrier: Carrier | null | undefined; o: ConsumeOptions }

/**
 * `pull()` under a `receive` span, then `handle(message, span)` under the message's process span. The span is made
 * once the answer is in, with the time taken before the pull as its start: an empty poll (`empty`) makes none at
 * all (an idle poll loop exports nothing and counts nothing). A failed pull is an error on a receive span named by
 * `failed` (the destination known before any message), rethrown. The process span's mode defaults to `link`: its
 * parent is the receive span, the creation context a link (`parent`: the creation context, the receive span a link).
 * Under a no-trace context nothing is recorded. The creation context is extracted once for both spans.
 */
export async function receiveOne<M, E, R>(tracer: Tracer, pull: () => Promise<M | E>, empty: E, read: (m: M) => Pulled, failed: ConsumeOptions, mode: ConsumeOptions['mode'], handle: (m: M, span: AnySpan) => R | Promise<R>): Promise<R | E> {
  const parent = storage.getStore();
  const suppressed = isNoTrace(parent);
  const startTime = performance.now();
  let m: M | E;
  try {
    m = await pull();
  } catch (err) {
    if (!suppressed) {
      const span = startReceive(tracer, parent, null, failed, startTime);
      span.recordError(err);
      span.end();
    }
    throw err;
  }
  if (m === empty) return empty;
  const msg = m as M;
  const p = read(msg);
  if (suppressed) return consumeMessage(tracer, p.carrier, { ...p.o, mode }, (span) => handle(msg, span));
  const creation = extractMessageContext(p.carrier, tracer);
  const receive = startReceive(tracer, parent, creation, p.o, startTime);
  receive.end();
  return storage.run(receive, consumeExtracted, tracer, creation, { ...p.o, mode: mode ?? 'link' }, (span: AnySpan) => handle(msg, span));
}

function startReceive(tracer: Tracer, parent: ReturnType<typeof storage.getStore>, creation: SpanContext | null, o: ConsumeOptions, startTime: number): AnySpan {
  return tracer.startSpan(spanName('receive', o), {
    kind: SpanKind.CLIENT,
    parent: parent ?? null,
    attributes: baseAttributes(o, 'receive'),
    links: creation === null ? undefined : [creation],
    startTime,
  });
}
