// Span parts after the attributes that most spans lack: events, links, and the trace state a span and its links
// share; the span writer (otlp-json.ts) extends this writer. Same wire rules as otlp-json.ts.
import { ascii } from './json-writer.js';
import { OtlpValueWriter, K_ATTRS } from './otlp-attrs.js';

export const SPAN_FIXED = 320; // worst case of every fixed-size part of a span (IDs, flags, kind, times, keys)
// Bits 8 and 9 of Span.flags / Link.flags: "has is_remote" and "is_remote" (trace.proto SpanFlags).
export const FLAG_HAS_IS_REMOTE = 0x100;
export const FLAG_IS_REMOTE = 0x200;

const K_TRACE_ID = ascii('{"traceId":"');
const K_SPAN_ID = ascii('","spanId":"');
const K_FLAGS = ascii('","flags":');
const K_TRACE_STATE = ascii(',"traceState":');
export const K_DROPPED_ATTRS = ascii(',"droppedAttributesCount":');
const K_EVENTS = ascii(',"events":[');
const K_LINKS = ascii(',"links":[');
const K_EVENT_TIME = ascii('{"timeUnixNano":"');
const K_EVENT_NAME = ascii('","name":');

export class OtlpEventLinkWriter extends OtlpValueWriter {
  protected lastTs: unknown = null;
  private lastTsStr = '';

  protected traceState(ts: { toString(): string }): void {
    // Spans of one trace share their parent's TraceState: serialize it once per run of spans.
    if (ts !== this.lastTs) { this.lastTs = ts; this.lastTsStr = ts.toString(); }
    if (this.lastTsStr === '') return;
    this.rawR(K_TRACE_STATE);
    this.str(this.lastTsStr);
  }

  protected events(list: readonly { name: string; time: number; attrs: unknown[] | null; nAttr: number; dropped: number }[]): void {
    this.rawR(K_EVENTS);
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (i > 0) this.byte(44);
      this.rawR(K_EVENT_TIME);
      this.msTime(e.time);
      this.rawR(K_EVENT_NAME);
      this.str(e.name);
      if (e.nAttr > 0 && e.attrs !== null) { this.rawR(K_ATTRS); this.attrList(e.attrs, e.nAttr); }
      if (e.dropped > 0) { this.rawR(K_DROPPED_ATTRS); this.uint(e.dropped); }
      this.byte(125);
    }
    this.byte(93); // ']'
  }

  protected links(list: readonly { t0: number; t1: number; t2: number; t3: number; s0: number; s1: number; traceFlags: number; isRemote: boolean; traceState: { toString(): string } | null; attrs: unknown[] | null; nAttr: number; dropped: number }[]): void {
    this.rawR(K_LINKS);
    for (let i = 0; i < list.length; i++) {
      const l = list[i]!;
      this.reserve(SPAN_FIXED);
      if (i > 0) this.u8[this.pos++] = 44;
      this.raw(K_TRACE_ID);
      this.hex8(l.t0); this.hex8(l.t1); this.hex8(l.t2); this.hex8(l.t3);
      this.raw(K_SPAN_ID);
      this.hex8(l.s0); this.hex8(l.s1);
      this.raw(K_FLAGS);
      this.uint((l.traceFlags & 0xff) | FLAG_HAS_IS_REMOTE | (l.isRemote ? FLAG_IS_REMOTE : 0));
      if (l.traceState !== null) this.traceState(l.traceState);
      if (l.nAttr > 0 && l.attrs !== null) { this.rawR(K_ATTRS); this.attrList(l.attrs, l.nAttr); }
      if (l.dropped > 0) { this.rawR(K_DROPPED_ATTRS); this.uint(l.dropped); }
      this.byte(125);
    }
    this.byte(93);
  }
}
