// Properties of the CLI's OTLP/JSON reader (cli/decode.ts), which had none: (a) spans with random IDs, unicode
// names and services, kinds, statuses, ns times, attributes and links, written by tracewire's own encoder,
// decode to the same IDs / service / name / kind / status / times (ms, oracle: the decimal string read as
// "<ms>.<ns>"); (b) the same request with IDs in protobuf JSON's base64 and enums as names (the Collector file
// exporter's form) decodes identically; (c) any JSON value never throws and counts bad spans as an oracle
// written from the OTLP "JSON Protobuf Encoding" rules says. Runs: FUZZ_RUNS (default 200).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createTracer } from '../src/index.js';
import type { Span } from '../src/span.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';
import { decodeRequest } from '../cli/decode.js'; // before model.js: decode → model → read → decode is a cycle
import { Model, KIND_NAMES } from '../cli/model.js';
import { CaptureProcessor } from '../test/helpers/capture.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const enc = new OtlpJsonEncoder();
const wf = (s: string): string => (s as unknown as { toWellFormed(): string }).toWellFormed();

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`)).filter((s) => !/^0+$/.test(s));
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 10 }), fc.constantFrom('', '"', '\\', '\u2028', '\ud800', 'unknown_service:node'));
// ns since epoch, 2001..2096, any ns digit
const nanos = fc.bigInt({ min: 1_000_000_000_000_000_000n, max: 4_000_000_000_000_000_000n });
const attrVal: fc.Arbitrary<string | number | boolean> = fc.oneof(text, fc.integer(), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }));
const spanSpec = fc.record({
  service: fc.nat(2),
  parent: fc.option(fc.tuple(hex(32), hex(16)), { nil: undefined }),
  name: text,
  kind: fc.integer({ min: 1, max: 5 }),
  status: fc.integer({ min: 0, max: 2 }),
  start: nanos,
  dur: fc.bigInt({ min: 0n, max: 10_000_000_000_000n }),
  attrs: fc.dictionary(fc.oneof(text, fc.constantFrom('http.response.status_code', 'peer.service', 'db.system')), attrVal, { maxKeys: 4 }),
  links: fc.array(fc.tuple(hex(32), hex(16)), { maxLength: 3 }),
});

/** A span's ms from its OTLP decimal nano string, read as the decimal "<ms>.<6 digits>" (one correct rounding). */
function msOf(ns: string): number {
  const p = ns.padStart(7, '0');
  return Number(p.slice(0, -6) + '.' + p.slice(-6));
}
/** The decoder may round twice (ms + ns/1e6): one ulp of slack. */
function near(got: number, want: number, what: string): void {
  const ulp = 2 ** (Math.floor(Math.log2(want)) - 52);
  assert.ok(Math.abs(got - want) <= ulp, `${what}: ${got} vs ${want}`);
}

type Spec = typeof spanSpec extends fc.Arbitrary<infer T> ? T : never;
function build(services: string[], specs: Spec[]): Span[] {
  const caps = services.map(() => new CaptureProcessor());
  const tracers = services.map((service, i) => createTracer({ service, processor: caps[i]!, env: {} }));
  const out: Span[] = [];
  for (const sp of specs) {
    const t = tracers[sp.service % services.length]!;
    const parent = sp.parent ? t.extract({ traceparent: `00-${sp.parent[0]}-${sp.parent[1]}-01` }) : null;
    const s = t.startSpan(sp.name, { parent, kind: sp.kind, startTime: Number(sp.start) / 1e6 }) as Span;
    for (const [k, v] of Object.entries(sp.attrs)) s.setAttribute(k, v);
    for (const [lt, ls] of sp.links) s.addLink(t.extract({ traceparent: `00-${lt}-${ls}-01` })!);
    s.setStatus(sp.status);
    s.end(Number(sp.start + sp.dur) / 1e6);
    out.push(s);
  }
  return out;
}

function byId(m: Model): Map<string, number> {
  const ix = new Map<string, number>();
  for (let i = 0; i < m.n; i++) ix.set(m.spanId(i), i);
  return ix;
}

function checkAgainst(spans: Span[], m: Model): void {
  assert.is(m.n, spans.length);
  const ix = byId(m);
  spans.forEach((s) => {
    const i = ix.get(s.spanId);
    assert.ok(i !== undefined, 'span ' + s.spanId + ' decoded');
    assert.is(m.traceIds[m.trace[i!]!], s.traceId);
    assert.is(m.parentId(i!), s.hasParent ? s.parentSpanId : '');
    // the tracer's resource: an empty or blank service option becomes unknown_service:node there
    assert.is(m.serviceName(i!), wf(String((s.tracer.resource as Record<string, unknown>)['service.name'])));
    assert.is(m.opName(i!), wf(s.name));
    assert.is(KIND_NAMES[m.kind[i!]!], ['', 'internal', 'server', 'client', 'producer', 'consumer'][s.kind]);
    assert.is(m.status[i!], s.status);
    near(m.start[i!]!, msOf(s.startUnixNano), 'start');
    near(m.end[i!]!, msOf(s.endUnixNano), 'end');
    const links: string[] = [];
    for (let j = m.linkFirst(i!); j < m.nLinks && m.linkFrom[j] === i; j++) links.push(m.linkTraceId(j) + '-' + m.linkSpanId(j));
    assert.equal(links, s.links.map((l) => l.traceId + '-' + l.spanId));
    assert.is(m.links[i!], s.links.length);
  });
}

const b64 = (h: string): string => Buffer.from(h, 'hex').toString('base64');
/** The same bytes as URL-safe base64 without padding, which protobuf JSON readers must accept too. */
const b64url = (h: string): string => Buffer.from(h, 'hex').toString('base64url');
const KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUSES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
/** The Collector file exporter's form of the same request: bytes as base64, enums as their names. */
function collectorForm(j: any, enc64: (h: string) => string = b64): any {
  for (const rs of j.resourceSpans) for (const ss of rs.scopeSpans) for (const sp of ss.spans) {
    sp.traceId = enc64(sp.traceId); sp.spanId = enc64(sp.spanId);
    if (sp.parentSpanId) sp.parentSpanId = enc64(sp.parentSpanId);
    sp.kind = KINDS[sp.kind ?? 0];
    sp.status = { ...sp.status, code: STATUSES[sp.status?.code ?? 0] };
    for (const l of sp.links ?? []) { l.traceId = enc64(l.traceId); l.spanId = enc64(l.spanId); }
  }
  return j;
}

const services = fc.array(text, { minLength: 1, maxLength: 3 });

test('(a) encoder → decodeRequest round trip keeps IDs, service, name, kind, status, times and links', () => {
  fc.assert(fc.property(services, fc.array(spanSpec, { minLength: 1, maxLength: 6 }), (svc, specs) => {
    const spans = build(svc, specs);
    const m = new Model({ keepAttributes: true });
    const r = decodeRequest(JSON.parse(Buffer.from(enc.encode(spans)).toString('utf8')), m);
    assert.equal({ spans: r.spans, bad: r.bad, error: r.error }, { spans: spans.length, bad: 0, error: null });
    checkAgainst(spans, m);
  }), { numRuns: RUNS });
});

test('(b) IDs in base64 (standard, and URL-safe unpadded) and enums by name (Collector file exporter form) decode identically', () => {
  fc.assert(fc.property(services, fc.array(spanSpec, { minLength: 1, maxLength: 6 }), (svc, specs) => {
    const spans = build(svc, specs);
    const line = Buffer.from(enc.encode(spans)).toString('utf8');
    for (const enc64 of [b64, b64url]) {
      const m = new Model();
      const r = decodeRequest(collectorForm(JSON.parse(line), enc64), m);
      assert.equal({ spans: r.spans, bad: r.bad, error: r.error }, { spans: spans.length, bad: 0, error: null });
      checkAgainst(spans, m);
    }
  }), { numRuns: RUNS });
});

// ---- (c) garbage -------------------------------------------------------------------------------------
// An ID is valid as hex of its length (any case) or as the base64 of its bytes, standard or URL-safe, padded or
// not (protobuf JSON mapping: "either standard or URL-safe base64 encoding with/without paddings"); all-zero is none.
function idOk(v: unknown, bytes: number): 'ok' | 'zero' | 'bad' {
  if (typeof v !== 'string') return 'bad';
  let h: string | null = null;
  const full = 4 * Math.ceil(bytes / 3);
  const bare = Math.ceil((bytes * 8) / 6); // base64 digits without padding
  if (v.length === bytes * 2) h = /^[0-9a-fA-F]+$/.test(v) ? v : null;
  else if ((/^[A-Za-z0-9+/]*={0,2}$/.test(v) || /^[A-Za-z0-9_-]*={0,2}$/.test(v)) && (v.length === full || (v.length === bare && !v.includes('=')))) {
    const std = [...v].map((c) => (c === '-' ? '+' : c === '_' ? '/' : c)).join('') + '='.repeat(full - v.length);
    const b = Buffer.from(std, 'base64');
    h = b.length === bytes && b.toString('base64') === std ? b.toString('hex') : null;
  }
  if (h === null) return 'bad';
  return /^0+$/.test(h) ? 'zero' : 'ok';
}
const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Good and bad span counts of a request, from the OTLP rules (a span needs a trace ID and span ID; a parent ID, when given, must be one). */
function expectedCounts(req: unknown): { spans: number; bad: number } | null {
  if (!obj(req) || !Array.isArray(req.resourceSpans)) return null;
  let spans = 0;
  let bad = 0;
  for (const rs of req.resourceSpans) {
    if (!obj(rs)) continue;
    const scopes = rs.scopeSpans ?? rs.instrumentationLibrarySpans;
    if (!Array.isArray(scopes)) continue;
    for (const ss of scopes) {
      if (!obj(ss) || !Array.isArray(ss.spans)) continue;
      for (const sp of ss.spans) {
        const p = obj(sp) ? sp.parentSpanId : undefined;
        const good = obj(sp) && idOk(sp.traceId, 16) === 'ok' && idOk(sp.spanId, 8) === 'ok' && (p === undefined || p === null || p === '' || idOk(p, 8) !== 'bad');
        if (good) spans++; else bad++;
      }
    }
  }
  return { spans, bad };
}

const idish = (bytes: number) => fc.oneof(hex(bytes * 2), hex(bytes * 2).map((h) => h.toUpperCase()), hex(bytes * 2).map(b64), fc.constant('0'.repeat(bytes * 2)),
  fc.constant(b64('00'.repeat(bytes))), fc.string({ maxLength: bytes * 2 + 2 }), fc.stringMatching(/^[A-Za-z0-9+/_-]{10,26}={0,2}$/), fc.jsonValue({ maxDepth: 1 }), fc.constant(undefined));
const messySpan = fc.oneof(
  { weight: 4, arbitrary: fc.record({ traceId: idish(16), spanId: idish(8), parentSpanId: idish(8), name: fc.jsonValue({ maxDepth: 1 }), kind: fc.jsonValue({ maxDepth: 1 }),
    status: fc.jsonValue({ maxDepth: 2 }), startTimeUnixNano: fc.jsonValue({ maxDepth: 1 }), endTimeUnixNano: fc.jsonValue({ maxDepth: 1 }),
    attributes: fc.jsonValue({ maxDepth: 3 }), links: fc.oneof(fc.array(fc.record({ traceId: idish(16), spanId: idish(8) }, { requiredKeys: [] }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })),
    events: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
const messyRequest = fc.record({
  resourceSpans: fc.array(fc.oneof(
    { weight: 5, arbitrary: fc.record({ resource: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ attributes: fc.array(fc.record({ key: fc.constantFrom('service.name', 'x'), value: fc.jsonValue({ maxDepth: 2 }) })) })),
      scopeSpans: fc.oneof({ weight: 5, arbitrary: fc.array(fc.oneof({ weight: 5, arbitrary: fc.record({ spans: fc.oneof({ weight: 5, arbitrary: fc.array(messySpan, { maxLength: 5 }) }, fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] }) }, fc.jsonValue({ maxDepth: 1 })), { maxLength: 3 }) }, fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] }) },
    fc.jsonValue({ maxDepth: 2 })), { maxLength: 3 }),
});

test('(c) messy requests never throw and every span is counted: kept or bad, as the oracle says', () => {
  fc.assert(fc.property(messyRequest, (req0) => {
    const req = JSON.parse(JSON.stringify(req0)); // what a line holds: no undefined, no -0
    const m = new Model({ keepAttributes: true });
    const r = decodeRequest(req, m);
    const want = expectedCounts(req)!;
    assert.equal({ spans: r.spans, bad: r.bad }, want, JSON.stringify(req));
    assert.is(m.n, r.spans);
    assert.is(r.bad > 0, r.why !== '');
  }), { numRuns: RUNS * 2 });
});

test('(c) arbitrary JSON values, parsed strings and truncated lines never throw out of decodeRequest', () => {
  const line = Buffer.from(enc.encode(build(['svc'], [{ service: 0, parent: undefined, name: 'n', kind: 2, status: 2, start: 1_700_000_000_000_000_000n, dur: 5n, attrs: { a: 1 }, links: [] }])) as Uint8Array).toString('utf8');
  fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.nat(line.length).map((n) => line.slice(0, n)), fc.nat(line.length).map((n) => line.slice(n))), (v) => {
    let req: unknown = v;
    if (typeof v === 'string') { try { req = JSON.parse(v); } catch { /* the string itself */ } }
    const m = new Model();
    const r = decodeRequest(req, m);
    const want = expectedCounts(req);
    if (want === null) assert.is(r.spans + r.bad, 0);
    else assert.equal({ spans: r.spans, bad: r.bad }, want);
    assert.is(m.n, r.spans);
  }), { numRuns: RUNS * 2 });
});

test.run();
