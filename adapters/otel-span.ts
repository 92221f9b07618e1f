// The OpenTelemetry API Span, implemented over a tracewire span: a thin monomorphic wrapper (5 fields)
// that applies the bridge's redaction before anything reaches the core; unsampled = non-recording.
import type { Attributes as ApiAttributes, Exception, Link, Span as ApiSpan, SpanAttributeValue, SpanStatus, TimeInput } from '@opentelemetry/api';
import { Span, errorType } from '../src/span.js';
import type { SpanContextLike } from '../src/span-context.js';
import { ownKeysOnly, type Attributes, type AttributeValue } from '../src/attributes.js';
import type { Tracer } from '../src/tracer.js';
import { fieldOf, protoPolluted, setOwn } from '../src/own-keys.js';
import { QUERY_KEYS, Redactor, Rule, type RedactionOptions } from './otel-redact.js';
import { sanitizeName } from './otel-sql.js';
import { ApiSpanContext, apiKeysPolluted, coreContextOf, ownLink, timeToMs } from './otel-convert.js';

/** Counters of the bridge itself (redaction counters live in `redaction`). */
export class BridgeCounters {
  /** spans asked for under suppressTracing: a shared non-recording span was returned */
  suppressed = 0;
  /** span contexts from other OpenTelemetry implementations that were invalid and ignored */
  invalidContexts = 0;
  /** an object made outside tracewire threw when read or written (another implementation's span or context, a carrier or its getter/setter, a link, status or exception getter); treated as absent */
  foreignErrors = 0;
  /** tracer.startSpan threw (a user sampler), or the span options did when read; a non-recording span was returned */
  startErrors = 0;
  /** recordException given null, undefined or another non-object (not a string): no event (as the OTel SDK) */
  invalidExceptions = 0;
}

/** Everything a bridge span needs, resolved once at registration. */
export class Bridge {
  readonly tracer: Tracer;
  readonly redactor: Redactor;
  /** tracer.recordErrorMessages: status and exception messages are recorded only when true */
  readonly messages: boolean;
  readonly counters = new BridgeCounters();
  constructor(tracer: Tracer, redaction: RedactionOptions | undefined) {
    this.tracer = tracer;
    this.messages = tracer.recordErrorMessages;
    this.redactor = new Redactor(redaction, this.messages);
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

function ownValue(o: ApiAttributes, k: string): unknown {
  return hasOwn.call(o, k) ? o[k] : undefined;
}

/**
 * Span attributes after the bridge's rules, for a span of OTLP kind `kind` (its events' and links' too): `attrs` itself
 * when no key has a rule (the common case).
 */
export function redactAttributes(b: Bridge, attrs: ApiAttributes | undefined, kind: number): Attributes | undefined {
  if (attrs == null || typeof attrs !== 'object') return undefined;
  const red = b.redactor;
  let hit = false;
  // A throwing getter or Proxy trap is an invalid value, counted, never a throw (as the core reads attributes).
  try {
    if (!ownKeysOnly(attrs)) hit = true; // a copy of the own keys: the core's for..in would read the inherited ones
    // an inherited key of a plain object is one some library put on Object.prototype (pollution): a copy too (in
    // a for..in, V8 answers hasOwnProperty from the enum cache: no lookup)
    else for (const k in attrs) if (!hasOwn.call(attrs, k) || !red.keeps(k, kind)) { hit = true; break; }
  } catch { b.tracer.attrStats.invalid++; return undefined; } // keys that cannot be listed: nothing to read
  if (!hit) return attrs as Attributes; // the core reads each value itself, guarded
  const out: Record<string, unknown> = {};
  let inherited = false;
  let plain = false;
  let system: unknown;
  try { system = ownValue(attrs, 'db.system.name') ?? ownValue(attrs, 'db.system'); } catch { system = undefined; } // counted below, as that key's value
  try {
    plain = Object.getPrototypeOf(attrs) === Object.prototype;
    for (const k in attrs) {
      if (!hasOwn.call(attrs, k)) { inherited = true; continue; }
      let v: unknown;
      try { v = attrs[k]; } catch { b.tracer.attrStats.invalid++; continue; }
      const r = red.rule(k);
      if (r === Rule.KEEP) setOwn(out, k, v);
      else if (v != null) {
        const w = red.apply(r, v, system, kind);
        if (w !== undefined) setOwn(out, k, w);
      }
    }
  } catch { b.tracer.attrStats.invalid++; }
  // the core lists `out` with for..in: where Object.prototype has keys (a plain object showed some), a copy without one
  return (plain ? inherited : protoPolluted()) ? Object.assign(Object.create(null) as Attributes, out) : out as Attributes;
}

function isTimeInput(x: unknown): x is TimeInput {
  return typeof x === 'number' || Array.isArray(x) || x instanceof Date;
}

export class BridgeSpan implements ApiSpan {
  readonly b: Bridge;
  /** The tracewire span or context this stands for (read by the context manager and the tracer). */
  readonly core: SpanContextLike;
  /** The recording tracewire span, or null (unsampled, remote or invalid). */
  readonly rec: Span | null;
  private sc: ApiSpanContext | null;
  /** Type of the last exception recorded: error.type once the span fails (status ERROR), not before. */
  private exc: string | null;

  constructor(b: Bridge, core: SpanContextLike) {
    this.b = b;
    this.core = core;
    this.rec = core instanceof Span ? core : null;
    this.sc = null;
    this.exc = null;
  }

  spanContext(): ApiSpanContext {
    return (this.sc ??= new ApiSpanContext(this.core));
  }

  setAttribute(key: string, value: SpanAttributeValue): this {
    const rec = this.rec;
    if (rec === null) return this;
    if (typeof key !== 'string') { rec.setAttribute(key, value as AttributeValue); return this; } // core counts it invalid
    const r = this.b.redactor.rule(key);
    if (r === Rule.KEEP) {
      rec.setAttribute(key, value as AttributeValue);
      if ((key === 'db.system' || key === 'db.system.name') && rec.isRecording()) this.redialect(rec);
    } else if (value != null) {
      const v = this.b.redactor.apply(r, value, rec.getAttribute('db.system.name') ?? rec.getAttribute('db.system'), rec.kind);
      if (v !== undefined) rec.setAttribute(key, v as AttributeValue);
    }
    return this;
  }

  /** db.system(.name) set after the query: strip what is recorded again by the system's dialect (only ever strips more). */
  private redialect(rec: Span): void {
    const red = this.b.redactor;
    const system = rec.getAttribute('db.system.name') ?? rec.getAttribute('db.system');
    for (let i = 0; i < QUERY_KEYS.length; i++) {
      const k = QUERY_KEYS[i]!;
      const q = rec.getAttribute(k);
      if (typeof q === 'string' && red.rule(k) === Rule.QUERY) rec.setAttribute(k, red.apply(Rule.QUERY, q, system, rec.kind) as string);
    }
  }

  setAttributes(attributes: ApiAttributes): this {
    if (this.rec === null || attributes == null) return this;
    const stats = this.b.tracer.attrStats;
    try {
      for (const k in attributes) {
        if (!hasOwn.call(attributes, k)) continue; // inherited, Object.prototype's too: not an attribute (OTel SDK: Object.entries)
        let v: SpanAttributeValue | undefined;
        try { v = attributes[k]; } catch { stats.invalid++; continue; } // a throwing getter: invalid, counted (as the core's setAttributes)
        this.setAttribute(k, v as SpanAttributeValue);
      }
    } catch { stats.invalid++; } // a Proxy whose keys cannot be listed
    return this;
  }

  addEvent(name: string, attributesOrStartTime?: ApiAttributes | TimeInput, startTime?: TimeInput): this {
    const rec = this.rec;
    if (rec === null) return this;
    let attrs: ApiAttributes | undefined;
    if (isTimeInput(attributesOrStartTime)) startTime = attributesOrStartTime;
    else attrs = attributesOrStartTime;
    rec.addEvent(name, redactAttributes(this.b, attrs, rec.kind), timeToMs(startTime)); // a non-string name: the core names it (String() throws for some)
    return this;
  }

  addLink(link: Link): this {
    const rec = this.rec;
    if (rec === null || link == null) return this;
    let ctx: Link['context'];
    try {
      if (apiKeysPolluted()) link = ownLink(link);
      ctx = link.context;
    } catch { this.b.counters.foreignErrors++; return this; } // a getter that throws: no link
    const c = coreContextOf(ctx);
    if (c === null) { this.b.counters.invalidContexts++; return this; }
    rec.addLink(c, redactAttributes(this.b, link.attributes, rec.kind));
    return this;
  }

  addLinks(links: Link[]): this {
    if (this.rec === null || !Array.isArray(links)) return this;
    for (let i = 0; i < links.length; i++) this.addLink(links[i]!);
    return this;
  }

  setStatus(status: SpanStatus): this {
    const rec = this.rec;
    if (rec === null || status == null) return this;
    // OTel: ignored whole on an ended span and once OK (final); the core counts the call after end
    const polluted = apiKeysPolluted();
    let code: SpanStatus['code'];
    let msg: unknown;
    try { code = (polluted ? fieldOf(status, 'code') : status.code) as SpanStatus['code']; } catch { this.b.counters.foreignErrors++; return this; }
    if (code === 2 && (rec.status === 1 || !rec.isRecording())) { rec.setStatus(2); return this; }
    try { msg = polluted ? fieldOf(status, 'message') : status.message; } catch { this.b.counters.foreignErrors++; msg = undefined; } // ERROR, no message
    if (code === 2 && this.exc !== null && rec.getAttribute('error.type') === undefined) rec.setAttribute('error.type', this.exc);
    if (code === 2 && typeof msg === 'string' && msg.length > 0) {
      // Error messages often quote data (pg: `invalid input syntax for type integer: "..."`).
      if (this.b.messages) rec.setStatus(2, msg);
      else { this.b.redactor.stats.statusMessages++; rec.setStatus(2); }
    } else rec.setStatus(code);
    return this;
  }

  updateName(name: string): this {
    const rec = this.rec;
    if (rec !== null) rec.updateName(this.b.redactor.sanitizesNames ? spanName(name) : name);
    return this;
  }

  end(endTime?: TimeInput): void {
    const rec = this.rec;
    if (rec !== null) rec.end(endTime === undefined ? undefined : timeToMs(endTime));
  }

  isRecording(): boolean {
    return this.rec !== null && this.rec.isRecording();
  }

  /**
   * An `exception` event with exception.type; the message only if the tracer records messages. error.type only
   * when the span fails (status ERROR, set before or after) and none was set explicitly: a handled exception on a
   * span that succeeds is no error (semconv error.type: "SHOULD NOT be set if the operation completed successfully").
   */
  recordException(exception: Exception, time?: TimeInput): void {
    const rec = this.rec;
    if (rec === null || !rec.isRecording()) return;
    if (typeof exception !== 'string' && (exception === null || typeof exception !== 'object')) { this.b.counters.invalidExceptions++; return; }
    const type = typeof exception === 'string' ? '_OTHER' : exceptionType(exception);
    this.exc = type;
    if (rec.status === 2 && rec.getAttribute('error.type') === undefined) rec.setAttribute('error.type', type);
    const attrs = Object.create(null) as Attributes; // read by the core's for..in: no prototype, whatever Object.prototype holds
    attrs['exception.type'] = type;
    if (this.b.messages) {
      let m: unknown;
      try { m = typeof exception === 'string' ? exception : apiKeysPolluted() ? fieldOf(exception, 'message') : exception.message; } catch { this.b.counters.foreignErrors++; }
      if (typeof m === 'string' && m.length > 0) attrs['exception.message'] = m;
    }
    rec.addEvent('exception', attrs, timeToMs(time));
  }
}

/** exception.type as the OTel SDK picks it, bounded as errorType: the code, a non-zero number too (gRPC statuses), else the class. */
function exceptionType(e: object): string {
  try {
    const c = apiKeysPolluted() ? fieldOf(e, 'code') : (e as { code?: unknown }).code;
    if (typeof c === 'number' && c !== 0 && Number.isFinite(c)) return String(c);
  } catch { /* a throwing getter: errorType reads it again and gives _OTHER */ }
  return errorType(e);
}

/** Span names: SQL literals stripped (some instrumentations name spans by their query); a non-string is left to the core, which names and counts it. */
export function spanName(name: string): string {
  return typeof name === 'string' ? sanitizeName(name) : name;
}
