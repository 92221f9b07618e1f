// What few spans carry (links, events, a status message, a tracestate, dropped counts), kept out of Span so the
// common span stays at 16 fields, and the span calls that few make (Span's methods delegate), so span.ts is its hot path.
import { hex16, hex32 } from './hex.js';
import { now, toMillis } from './clock.js';
import { flattenAttributes, boundName, ownAttributes, ownKeysOnly, type Attributes } from './attributes.js';
import { errorType, errorMessage } from './error-attrs.js';
import { spanNameOf } from './span-name.js';
import type { SpanContextLike } from './span-context.js';
import type { TraceState } from './tracestate.js';
import type { Span } from './span.js';

/** A link to another span context, with its own attributes (flat [k, v, ...]); `dropped`: attributes over maxLinkAttributes (OTLP droppedAttributesCount). */
export class SpanLink {
  t0: number; t1: number; t2: number; t3: number; s0: number; s1: number;
  traceFlags: number; isRemote: boolean; traceState: TraceState | null; attrs: unknown[] | null; nAttr: number; dropped: number;
  constructor(c: SpanContextLike, attrs: unknown[] | null, nAttr: number, dropped = 0) {
    this.t0 = c.t0; this.t1 = c.t1; this.t2 = c.t2; this.t3 = c.t3; this.s0 = c.s0; this.s1 = c.s1;
    this.traceFlags = c.traceFlags; this.isRemote = c.isRemote; this.traceState = c.traceState;
    this.attrs = attrs; this.nAttr = nAttr; this.dropped = dropped;
  }
  get traceId(): string { return hex32(this.t0, this.t1, this.t2, this.t3); }
  get spanId(): string { return hex16(this.s0, this.s1); }
}

/** `dropped`: attributes over maxEventAttributes (OTLP droppedAttributesCount). */
export class SpanEvent {
  constructor(public name: string, public time: number, public attrs: unknown[] | null, public nAttr: number, public dropped = 0) {}
}

/** What few spans need: kept out of Span so the common span stays small. */
export class SpanRare {
  traceState: TraceState | null = null;
  links: SpanLink[] | null = null;
  events: SpanEvent[] | null = null;
  statusMessage: string | null = null;
  droppedLinks = 0;
  droppedEvents = 0;
  droppedAttrs = 0;
  /** End of a span that lasted 2.1 s or more (Span.dur is then LONG), (sec, ns) since timeOrigin. */
  endSec = 0;
  endNs = 0;
}

/** A call on an ended span: ignored, counted once (not once per key). */
function afterEnd(span: Span): boolean {
  if (!span.ended) return false;
  span.tracer.counters.afterEnd++;
  return true;
}

/** Span.setAttributes: each own key through setAttribute; a throwing getter or Proxy is a counted invalid attribute. */
export function spanSetAttributes(span: Span, attributes: Attributes | null | undefined): void {
  if (attributes == null || afterEnd(span)) return;
  try {
    if (!ownKeysOnly(attributes)) attributes = ownAttributes(attributes); // inherited keys are not its attributes
    for (const k in attributes) {
      let v: Attributes[string];
      try { v = attributes[k]; } catch { span.tracer.attrStats.invalid++; continue; } // a throwing getter: that value is invalid, counted
      span.setAttribute(k, v);
    }
  } catch { span.tracer.attrStats.invalid++; } // a Proxy whose keys cannot be listed: nothing more to read, counted
}

/** Span.recordError: error.type, the message only with recordErrorMessages (PII), status ERROR. */
export function spanRecordError(span: Span, err: unknown): void {
  if (afterEnd(span)) return;
  span.setAttribute('error.type', errorType(err));
  const message = span.tracer.recordErrorMessages ? errorMessage(err) : undefined;
  if (message !== undefined) span.setAttribute('exception.message', message);
  span.setStatus(2, message); // SpanStatusCode.ERROR
}

export function spanUpdateName(span: Span, name: string): void {
  if (afterEnd(span)) return;
  if (typeof name === 'string') span.name = name;
  else span.tracer.counters.invalidNames++; // a JS caller's non-string: ignored, counted (the name stays)
}

export function spanAddLink(span: Span, ctx: SpanContextLike, attributes: Attributes | undefined): void {
  if (afterEnd(span)) return;
  const t = span.tracer;
  const r = (span.rare ??= new SpanRare());
  const links = (r.links ??= []);
  // no trace to link to (null, all-zero or not a span context): dropped like a link over the limit, counted
  if (ctx == null || ((ctx.t0 | ctx.t1 | ctx.t2 | ctx.t3) === 0) || links.length >= t.attrPolicy.maxLinks) {
    r.droppedLinks++; t.counters.linksDropped++; return;
  }
  const st = t.attrStats, before = st.dropped; // flattenAttributes counts drops over maxLinkAttributes there
  const flat = attributes ? flattenAttributes(attributes, t.attrPolicy, st, t.attrPolicy.maxLinkAttributes) : null;
  links.push(new SpanLink(ctx, flat, flat === null ? 0 : flat.length >> 1, st.dropped - before));
}

export function spanAddEvent(span: Span, name: string, attributes: Attributes | undefined, time: number | Date | undefined): void {
  if (afterEnd(span)) return;
  const t = span.tracer;
  const r = (span.rare ??= new SpanRare());
  const events = (r.events ??= []);
  if (events.length >= t.attrPolicy.maxEvents) { r.droppedEvents++; t.counters.eventsDropped++; return; }
  const st = t.attrStats, before = st.dropped;
  const flat = attributes ? flattenAttributes(attributes, t.attrPolicy, st, t.attrPolicy.maxEventAttributes) : null;
  let ms = toMillis(time);
  if (ms !== ms) { ms = now(); if (time !== undefined) t.counters.invalidTimes++; }
  const n = boundName(spanNameOf(name), t.attrPolicy, st); // spanNameOf: String() throws for a null-prototype object
  events.push(new SpanEvent(n, ms, flat, flat === null ? 0 : flat.length >> 1, st.dropped - before));
}
