// What few spans carry (links, events, a status message, a tracestate, dropped counts), kept out of Span
// so the common span stays at 16 fields.
import { hex16, hex32 } from './hex.js';
import type { SpanContextLike } from './span-context.js';
import type { TraceState } from './tracestate.js';

/** A link to another span context, with its own attributes (flat [k, v, ...]); `dropped`: attributes over maxCount (OTLP droppedAttributesCount). */
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

/** `dropped`: attributes over maxCount (OTLP droppedAttributesCount). */
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
