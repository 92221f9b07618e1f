// Synthetic OTLP/JSON lines for tests and the scale bench: the same shape the file exporter writes
// (one ExportTraceServiceRequest per line, spans grouped by service), with deterministic IDs.
import { createWriteStream } from 'node:fs';

export interface SynthSpan {
  trace: string; id: string; parent?: string; service: string; name: string;
  kind?: number; start: number; dur: number; status?: number; http?: number; resend?: number;
  attrs?: Record<string, string | number | boolean>;
  links?: ReadonlyArray<{ trace: string; id: string }>;
  /** Resource attributes besides service.name (e.g. host.name). */
  resource?: Record<string, string>;
}

export const BASE_MS = 1_700_000_000_000;

/** Deterministic non-zero IDs: `id32(7)` = 32 hex digits, `id16(7)` = 16. */
export const id32 = (n: number, salt = 0): string => (salt.toString(16).padStart(8, '0') + (n + 1).toString(16).padStart(24, '0')).slice(-32);
export const id16 = (n: number, salt = 0): string => ((salt & 0xffff).toString(16).padStart(4, '0') + (n + 1).toString(16).padStart(12, '0')).slice(-16);

const nanos = (ms: number): string => {
  const whole = Math.floor(ms);
  return String(whole) + String(Math.round((ms - whole) * 1e6)).padStart(6, '0');
};

function value(v: string | number | boolean): unknown {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

export function otlpSpan(s: SynthSpan, base = BASE_MS): Record<string, unknown> {
  const attrs: Record<string, string | number | boolean> = { ...s.attrs };
  if (s.http !== undefined) { attrs['http.request.method'] ??= 'GET'; attrs['http.response.status_code'] = s.http; }
  if (s.resend) attrs['http.request.resend_count'] = s.resend;
  return {
    traceId: s.trace, spanId: s.id, ...(s.parent ? { parentSpanId: s.parent } : {}), flags: 257, name: s.name, kind: s.kind ?? 1,
    startTimeUnixNano: nanos(base + s.start), endTimeUnixNano: nanos(base + s.start + s.dur),
    attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: value(v) })),
    status: s.status ? { code: s.status } : {},
    ...(s.links ? { links: s.links.map((l) => ({ traceId: l.trace, spanId: l.id })) } : {}),
  };
}

/** One ExportTraceServiceRequest line for these spans (grouped by resource, in first-seen order). */
export function otlpLine(spans: readonly SynthSpan[], base = BASE_MS): string {
  const by = new Map<string, { s: SynthSpan; list: Record<string, unknown>[] }>();
  for (const s of spans) {
    const key = s.resource === undefined ? s.service : s.service + '\u0000' + JSON.stringify(s.resource);
    let g = by.get(key);
    if (!g) by.set(key, (g = { s, list: [] }));
    g.list.push(otlpSpan(s, base));
  }
  return JSON.stringify({
    resourceSpans: [...by.values()].map(({ s, list }) => ({
      resource: {
        attributes: [...(s.service === '' ? [] : [['service.name', s.service]]), ...Object.entries(s.resource ?? {})]
          .map(([key, v]) => ({ key, value: { stringValue: v } })),
      },
      scopeSpans: [{ scope: { name: 'tracewire' }, spans: list }],
    })),
  });
}

const SERVICES = ['gateway', 'auth', 'orders', 'inventory', 'payments', 'worker', 'search', 'notify'];

/**
 * A realistic trace of `n` spans: a gateway root, then services calling each other (client → server pairs)
 * with internal spans; every 50th trace has an error, every 7th a retried call.
 */
export function synthTrace(t: number, n: number, salt = 0): SynthSpan[] {
  const trace = id32(t, salt + 1);
  const spans: SynthSpan[] = [];
  const dur = 20 + (t % 17) * 3;
  spans.push({ trace, id: id16(0, t), service: 'gateway', name: 'GET /api/orders/:id', kind: 2, start: t * 5, dur, http: 200 });
  let k = 1;
  while (k < n) {
    const pi = (k * 7919) % spans.length;
    const parent = spans[spans[pi]!.kind === 3 ? pi + 1 : pi]!; // a client span's only child is its server span
    const svc = SERVICES[(k + t) % SERVICES.length]!;
    const off = parent.start + ((k % 5) / 10) * parent.dur;
    const d = Math.max(0.05, parent.dur * 0.3 * (1 + (k % 3)) / 3);
    const err = t % 50 === 0 && k === 2;
    if (k + 1 < n && parent.kind !== 3) {
      const c: SynthSpan = { trace, id: id16(k, t), parent: parent.id, service: parent.service, name: 'POST', kind: 3, start: off, dur: d, http: err ? 503 : 200, status: err ? 2 : 0, resend: t % 7 === 0 && k === 1 ? 1 : 0 };
      spans.push(c);
      spans.push({ trace, id: id16(k + 1, t), parent: c.id, service: svc, name: `POST /${svc}`, kind: 2, start: off + d * 0.1, dur: d * 0.8, http: err ? 503 : 200, status: err ? 2 : 0 });
      k += 2;
    } else {
      spans.push({ trace, id: id16(k, t), parent: parent.id, service: parent.service, name: `work ${k % 4}`, kind: 1, start: off, dur: d * 0.5 });
      k++;
    }
  }
  return spans;
}

/** Write `traces` synthetic traces of `spansPerTrace` spans (plus optional extra traces) as OTLP lines of ~`perLine` spans. */
export async function writeSynthetic(path: string, o: { traces: number; spansPerTrace: number; perLine?: number; extra?: SynthSpan[][] }): Promise<number> {
  const out = createWriteStream(path);
  const perLine = o.perLine ?? 512;
  let buf: SynthSpan[] = [];
  let total = 0;
  const flush = async (): Promise<void> => {
    if (buf.length === 0) return;
    const ok = out.write(otlpLine(buf) + '\n');
    total += buf.length;
    buf = [];
    if (!ok) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  for (let t = 0; t < o.traces; t++) {
    for (const s of synthTrace(t, o.spansPerTrace)) { buf.push(s); if (buf.length >= perLine) await flush(); }
  }
  for (const tr of o.extra ?? []) for (const s of tr) { buf.push(s); if (buf.length >= perLine) await flush(); }
  await flush();
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return total;
}
