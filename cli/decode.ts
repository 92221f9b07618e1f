// OTLP/JSON ExportTraceServiceRequest → SpanInput → Model. The input is untrusted: every field is
// type-checked, a span without valid trace and span IDs is skipped and counted, never guessed.
import { readHex8 } from '../src/hex.js';
import { Model, SpanInput, key53, MISS_END, MISS_HTTP_CODE, MISS_NAME, MISS_SERVICE, MISS_START, KIND_CLIENT, KIND_SERVER } from './model.js';

/** `other`: a request of another OTLP signal (a Collector file exporter shared by the metrics or logs pipeline), not an error. */
export interface DecodeResult { spans: number; bad: number; why: string; error: string | null; other: boolean }

const scratch = new SpanInput();
const KIND_BY_NAME: Record<string, number> = { SPAN_KIND_UNSPECIFIED: 0, SPAN_KIND_INTERNAL: 1, SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3, SPAN_KIND_PRODUCER: 4, SPAN_KIND_CONSUMER: 5 };
const STATUS_BY_NAME: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
/** Resource attributes that name a span's host, in the order Jaeger's clock-skew adjuster reads them (hostKey). */
const HOST_KEYS = ['host.id', 'host.ip', 'host.name'];

type Obj = Record<string, unknown>;
/** An object for keys from span data: no prototype, so a key `__proto__` is a key like any other, not a prototype swap. */
const record = (): Obj => Object.create(null) as Obj;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** OTLP AnyValue → plain JS value (int64 as a number: exact below 2^53, enough for codes and counts). */
export function anyValue(v: unknown, depth = 0): unknown {
  if (!isObj(v) || depth > 8) return null;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (v.intValue !== undefined) { const n = Number(v.intValue); return Number.isFinite(n) ? n : String(v.intValue); }
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (v.doubleValue !== undefined) return typeof v.doubleValue === 'number' ? v.doubleValue : Number(v.doubleValue);
  if (isObj(v.arrayValue)) { const a = v.arrayValue.values; return Array.isArray(a) ? a.map((x) => anyValue(x, depth + 1)) : []; }
  if (isObj(v.kvlistValue)) {
    const o = record();
    const a = v.kvlistValue.values;
    if (Array.isArray(a)) for (const kv of a) if (isObj(kv) && typeof kv.key === 'string') o[kv.key] = anyValue(kv.value, depth + 1);
    return o;
  }
  if (typeof v.bytesValue === 'string') return v.bytesValue;
  return null;
}

/** OTLP unix-nano (decimal string or number) → ms since epoch; NaN when absent or not a number. */
export function nanosToMs(v: unknown): number {
  if (typeof v === 'number') return v > 0 ? v / 1e6 : NaN;
  if (typeof v !== 'string' || v.length === 0 || v.length > 20) return NaN;
  // split so the µs digits keep their precision (a 19-digit nano count is past 2^53)
  const n = v.length;
  const hi = n > 6 ? Number(v.slice(0, n - 6)) : 0;
  const lo = Number(n > 6 ? v.slice(n - 6) : v);
  const ms = hi + lo / 1e6;
  return Number.isFinite(ms) && ms > 0 ? ms : NaN;
}

function enumValue(v: unknown, names: Record<string, number>, max: number): number {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= max ? v : 0;
  if (typeof v === 'string') return Object.hasOwn(names, v) ? names[v]! : 0; // not 'constructor' from Object.prototype
  return 0;
}

/**
 * An ID as lowercase hex: OTLP/JSON's hex (any case), or the base64 of the protobuf JSON mapping, which generic
 * protobuf-to-JSON tools write (OTLP specification, "JSON Protobuf Encoding": hex is OTLP's deviation from it);
 * '' when neither.
 */
export function idHex(s: unknown, chars: number): string {
  if (typeof s !== 'string') return '';
  if (s.length === chars) return s.toLowerCase();
  const bytes = chars >> 1;
  const padded = Math.ceil(bytes / 3) * 4;
  // protobuf JSON: bytes are base64, standard or URL-safe, padded or not (readers must accept all four)
  if (s.length !== padded && (s.length !== Math.ceil((bytes * 4) / 3) || s.includes('='))) return '';
  const url = s.includes('-') || s.includes('_');
  if (url && (s.includes('+') || s.includes('/'))) return ''; // one alphabet or the other, as protobuf readers decode it
  const std = (url ? s.replace(/-/g, '+').replace(/_/g, '/') : s).padEnd(padded, '=');
  const b = Buffer.from(std, 'base64');
  return b.length === bytes && b.toString('base64') === std ? b.toString('hex') : '';
}

function hexWords(s: unknown, chars: number, out: number[]): boolean {
  const l = idHex(s, chars);
  if (l.length !== chars) return false;
  for (let i = 0; i < chars; i += 8) {
    const w = readHex8(l, i);
    if (w !== w) return false;
    out[i >> 3] = w;
  }
  return true;
}

const words: number[] = [0, 0, 0, 0];

/**
 * Decode one request into the model. With `only`, spans of other traces are skipped silently (the line
 * passed the substring prefilter but holds other traces too), unless they link into one of them.
 */
export function decodeRequest(req: unknown, model: Model, only?: ReadonlySet<string>): DecodeResult {
  const r: DecodeResult = { spans: 0, bad: 0, why: '', error: null, other: false };
  if (isObj(req) && req.resourceSpans === undefined && (Array.isArray(req.resourceMetrics) || Array.isArray(req.resourceLogs) || Array.isArray(req.resourceProfiles))) {
    r.other = true;
    return r;
  }
  if (!isObj(req) || !Array.isArray(req.resourceSpans)) {
    r.error = 'not an OTLP ExportTraceServiceRequest (no resourceSpans array)';
    return r;
  }
  const keep = model.attrs !== null;
  for (const rs of req.resourceSpans) {
    if (!isObj(rs)) { r.error ??= 'a resourceSpans entry is not an object: skipped'; continue; }
    let service = '';
    const host = ['', '', '']; // HOST_KEYS' values: the first set names the spans' clock
    let instance = '';
    if (isObj(rs.resource) && Array.isArray(rs.resource.attributes)) {
      for (const kv of rs.resource.attributes) {
        if (!isObj(kv)) continue;
        const at = HOST_KEYS.indexOf(kv.key as string);
        if (kv.key !== 'service.name' && kv.key !== 'service.instance.id' && at < 0) continue;
        let v = anyValue(kv.value);
        if (Array.isArray(v)) v = v[0]; // host.ip is a list
        if (typeof v !== 'string' || v === '') continue;
        if (kv.key === 'service.name') service = v;
        else if (kv.key === 'service.instance.id') instance = v;
        else host[at] = v;
      }
    }
    // without host attributes, one service instance is one process, one clock; '' (no service either): none known
    const clock = host[0] || host[1] || host[2] ? 'host\u0000' + (host[0] || host[1] || host[2]) : service === '' ? '' : 'svc\u0000' + service + '\u0000' + instance;
    // instrumentationLibrarySpans: its name before OTLP 0.15 (Collectors before v0.50 wrote it), still in old files
    const scopes = rs.scopeSpans ?? rs.instrumentationLibrarySpans;
    if (scopes === undefined || scopes === null) continue; // an empty repeated field may be left out (protobuf JSON)
    if (!Array.isArray(scopes)) { r.error ??= 'scopeSpans is not an array: its spans skipped'; continue; }
    for (const ss of scopes) {
      if (!isObj(ss)) { r.error ??= 'a scopeSpans entry is not an object: skipped'; continue; }
      if (ss.spans === undefined || ss.spans === null) continue;
      if (!Array.isArray(ss.spans)) { r.error ??= 'spans is not an array: skipped'; continue; }
      for (const sp of ss.spans) {
        if (!isObj(sp)) { bad(r, 'not an object'); continue; }
        const s = scratch;
        const tid = idHex(sp.traceId, 32);
        if (!hexWords(tid, 32, words) || (words[0]! | words[1]! | words[2]! | words[3]!) === 0) { bad(r, 'traceId is not 32 hex digits (nor 16 bytes in base64)'); continue; }
        // another trace's span is kept when it links into this one (a batch or link-mode consumer): view lists it
        if (only !== undefined && !only.has(tid) && !linksInto(sp.links, only)) continue;
        s.traceId = tid;
        if (!hexWords(sp.spanId, 16, words) || (words[0]! | words[1]!) === 0) { bad(r, 'spanId is not 16 hex digits (nor 8 bytes in base64)'); continue; }
        s.sHi = words[0]!; s.sLo = words[1]!;
        const pid = sp.parentSpanId;
        if (pid === undefined || pid === null || pid === '') { s.hasParent = false; s.pHi = 0; s.pLo = 0; }
        else if (!hexWords(pid, 16, words)) { bad(r, 'parentSpanId is not 16 hex digits (nor 8 bytes in base64)'); continue; }
        else if ((words[0]! | words[1]!) === 0) { s.hasParent = false; s.pHi = 0; s.pLo = 0; }
        else { s.hasParent = true; s.pHi = words[0]!; s.pLo = words[1]!; }
        s.service = service;
        s.clock = clock;
        s.name = typeof sp.name === 'string' ? sp.name : '';
        s.kind = enumValue(sp.kind, KIND_BY_NAME, 5);
        s.status = isObj(sp.status) ? enumValue(sp.status.code, STATUS_BY_NAME, 2) : 0;
        s.start = nanosToMs(sp.startTimeUnixNano);
        s.end = nanosToMs(sp.endTimeUnixNano);
        decodeAttributes(s, sp, keep);
        let miss = 0;
        if (s.name === '') miss |= MISS_NAME;
        if (service === '' || service.startsWith('unknown_service')) miss |= MISS_SERVICE;
        if (s.start !== s.start) miss |= MISS_START;
        if (s.end !== s.end || s.end < s.start) miss |= MISS_END;
        // an HTTP span must say how it ended: a code, or an error status (connection failed: no code)
        if (s.httpSpan && s.http === 0 && s.status !== 2 && (s.kind === KIND_SERVER || s.kind === KIND_CLIENT)) miss |= MISS_HTTP_CODE;
        s.missing = miss;
        s.linkCount = 0;
        s.links = Array.isArray(sp.links) ? decodeLinks(sp.links, model, s) : 0;
        model.add(s);
        r.spans++;
      }
    }
  }
  return r;
}

/**
 * Links: which span IDs are linked to (the audit counts a linked PRODUCER as propagated), and each link with
 * valid trace and span IDs in `s.linkWords` (the services graph draws producer → consumer edges from them);
 * returns the link count.
 */
function decodeLinks(links: unknown[], model: Model, s: SpanInput): number {
  for (const l of links) {
    if (!isObj(l) || !hexWords(l.spanId, 16, words) || (words[0]! | words[1]!) === 0) continue;
    const hi = words[0]!;
    const lo = words[1]!;
    model.linked.add(key53(hi, lo));
    if (!hexWords(l.traceId, 32, words) || (words[0]! | words[1]! | words[2]! | words[3]!) === 0) continue;
    const o = s.linkCount++ * 6;
    const w = s.linkWords;
    w[o] = words[0]!; w[o + 1] = words[1]!; w[o + 2] = words[2]!; w[o + 3] = words[3]!; w[o + 4] = hi; w[o + 5] = lo;
  }
  return links.length;
}

function linksInto(links: unknown, traceIds: ReadonlySet<string>): boolean {
  if (!Array.isArray(links)) return false;
  for (const l of links) if (isObj(l) && traceIds.has(idHex(l.traceId, 32))) return true;
  return false;
}

function bad(r: DecodeResult, why: string): void {
  r.bad++;
  if (r.why === '') r.why = why;
}

/** A key as one part of a '\n'-joined key set: '\\' and '\n' escaped, so a key holding either stays one key. */
const keyPart = (k: string): string => (k.includes('\n') || k.includes('\\') ? k.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : k);

/** The keys of a key set (SpanInput.keys), as keyPart wrote them. */
export function splitKeys(keys: string): string[] {
  if (keys === '') return [];
  const parts = keys.split('\n');
  return keys.includes('\\') ? parts.map((p) => p.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))) : parts;
}

function decodeAttributes(s: SpanInput, sp: Obj, keep: boolean): void {
  s.http = 0; s.resend = 0; s.peer = ''; s.external = false; s.httpSpan = false; s.keys = '';
  let server = '';
  let keys = '';
  const o: Obj | null = keep ? record() : null;
  const list = sp.attributes;
  if (Array.isArray(list)) {
    for (const kv of list) {
      if (!isObj(kv) || typeof kv.key !== 'string') continue;
      const k = kv.key;
      keys = keys === '' ? keyPart(k) : keys + '\n' + keyPart(k);
      if (o !== null) o[k] = anyValue(kv.value);
      switch (k) {
        case 'http.response.status_code': case 'http.status_code': {
          const n = Number(anyValue(kv.value));
          if (Number.isInteger(n) && n > 0 && n < 1000) s.http = n;
          s.httpSpan = true;
          break;
        }
        case 'http.request.method': case 'http.method': s.httpSpan = true; break;
        case 'http.request.resend_count': { const n = Number(anyValue(kv.value)); if (n > 0) s.resend = n; break; }
        case 'peer.service': { const v = anyValue(kv.value); if (typeof v === 'string') s.peer = v; break; }
        case 'server.address': { const v = anyValue(kv.value); if (typeof v === 'string') server = v; break; }
        case 'messaging.destination.name': { const v = anyValue(kv.value); if (typeof v === 'string' && server === '') server = v; break; }
        case 'db.system': case 'db.system.name': s.external = true; break;
        default: break;
      }
    }
  }
  if (s.peer === '') s.peer = server;
  // event attribute keys are checked against the allowlist too (exception.message lives there)
  if (Array.isArray(sp.events)) {
    for (const ev of sp.events) {
      if (!isObj(ev) || !Array.isArray(ev.attributes)) continue;
      for (const kv of ev.attributes) if (isObj(kv) && typeof kv.key === 'string') keys = keys === '' ? keyPart(kv.key) : keys + '\n' + keyPart(kv.key);
    }
  }
  s.keys = keys;
  s.attrs = o;
}
