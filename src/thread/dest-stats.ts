// Per-destination counters of the exporter thread's batcher, in the SAB: one 512-byte block per destination
// (14 int64 counters, its name, its last error), written by the exporter thread under the consumer seqlock
// (stats.ts) whenever it publishes, so any thread's stats() lists `destinations` as the in-thread batcher
// does, with no message per span or per read.
import type { DestinationStats } from '../batcher.js';
import * as L from './layout.js';

const WORDS = L.DEST_BYTES >> 3; // int64 slots per block
const NAME_AT = 128; // byte offsets in a block: u16 length + UTF-8
const NAME_MAX = 126;
const ERR_AT = 256;
const ERR_MAX = 254;

/** One destination's totals across exporter thread restarts (matched by name). */
export class DestTotals {
  name = ''; ended = 0; enqueued = 0; exported = 0; queued = 0; inFlight = 0;
  queueFull = 0; exportFailed = 0; shutdown = 0; noExporter = 0;
  ok = 0; failed = 0; timedOut = 0; abandoned = 0;
  /** queued in an exporter thread that died */
  lost = 0;
  lastError: string | null = null;
}

// Counter order in a block (after it: nothing but padding up to NAME_AT).
const FIELDS = ['ended', 'enqueued', 'exported', 'queued', 'inFlight', 'queueFull', 'exportFailed', 'shutdown', 'noExporter', 'ok', 'failed', 'timedOut', 'abandoned', 'lost'] as const;

function i64(l: L.Layout): BigInt64Array {
  return new BigInt64Array(l.sab, L.DESTS_OFFSET, (L.MAX_DESTS * L.DEST_BYTES) >> 3);
}

/** The predecessor's totals (a restarted thread) plus this batcher's, per destination name. */
export function addDest(base: DestTotals | undefined, d: DestinationStats): DestTotals {
  const t = new DestTotals();
  t.name = d.name;
  t.ended = d.ended; t.enqueued = d.enqueued; t.exported = d.exported; t.queued = d.queued; t.inFlight = d.inFlight;
  t.queueFull = d.dropped.queueFull; t.exportFailed = d.dropped.exportFailed; t.shutdown = d.dropped.shutdown; t.noExporter = d.dropped.noExporter;
  t.ok = d.exports.ok; t.failed = d.exports.failed; t.timedOut = d.exports.timedOut; t.abandoned = d.exports.abandoned;
  t.lastError = d.lastError;
  if (base !== undefined) {
    for (const f of FIELDS) t[f] += base[f];
    if (t.lastError === null) t.lastError = base.lastError;
  }
  return t;
}

/**
 * Totals a new exporter thread takes over: what the dead one held in memory is lost, not queued. Keyed by the
 * name as its slot holds it (slotName), in order: two exporters may share a name (two to one URL).
 */
export function takeOver(prev: readonly DestTotals[]): Map<string, DestTotals[]> {
  const m = new Map<string, DestTotals[]>();
  for (const d of prev) {
    d.lost += d.queued; d.queued = 0; d.inFlight = 0;
    const same = m.get(d.name);
    if (same === undefined) m.set(d.name, [d]); else same.push(d);
  }
  return m;
}

/** `name` as a block stores it (readDests gives it back so): at most NAME_MAX UTF-8 bytes, never cut inside a character. */
export function slotName(name: string): string {
  const b = Buffer.from(name, 'utf8');
  return b.length <= NAME_MAX ? name : b.subarray(0, fit(b, NAME_MAX)).toString('utf8');
}

function fit(b: Buffer, max: number): number {
  let n = Math.min(b.length, max);
  while (n > 0 && n < b.length && (b[n]! & 0xc0) === 0x80) n--; // never cut inside a UTF-8 sequence
  return n;
}

/** Called between the seqlock's two increments. `shown` remembers the strings already in the SAB (one writer). */
export function writeDests(l: L.Layout, dests: readonly DestTotals[], shown: (string | null)[]): void {
  const v = i64(l);
  const n = Math.min(dests.length, L.MAX_DESTS);
  for (let i = 0; i < n; i++) {
    const d = dests[i]!;
    for (let k = 0; k < FIELDS.length; k++) Atomics.store(v, i * WORDS + k, BigInt(d[FIELDS[k]!]));
    if (shown[2 * i] !== d.name) { writeStr(l, i, NAME_AT, NAME_MAX, d.name); shown[2 * i] = d.name; }
    if (shown[2 * i + 1] !== d.lastError) { writeStr(l, i, ERR_AT, ERR_MAX, d.lastError ?? ''); shown[2 * i + 1] = d.lastError; }
  }
  Atomics.store(l.i32, L.DESTS, n);
}

export function readDests(l: L.Layout): DestTotals[] {
  const v = i64(l);
  const n = Math.min(Math.max(0, Atomics.load(l.i32, L.DESTS)), L.MAX_DESTS);
  const out: DestTotals[] = [];
  for (let i = 0; i < n; i++) {
    const d = new DestTotals();
    for (let k = 0; k < FIELDS.length; k++) d[FIELDS[k]!] = Number(Atomics.load(v, i * WORDS + k));
    d.name = readStr(l, i, NAME_AT, NAME_MAX);
    const e = readStr(l, i, ERR_AT, ERR_MAX);
    d.lastError = e === '' ? null : e;
    out.push(d);
  }
  return out;
}

/** As the in-thread batcher reports it; `stopped`: the exporter thread is gone, what it held is a shutdown drop. */
export function destStats(d: DestTotals, stopped: boolean): DestinationStats {
  const queued = stopped ? 0 : d.queued;
  return {
    name: d.name, ended: d.ended, enqueued: d.enqueued, exported: d.exported, queued, inFlight: stopped ? 0 : d.inFlight,
    dropped: { queueFull: d.queueFull, exportFailed: d.exportFailed, shutdown: d.shutdown + (d.queued - queued), noExporter: d.noExporter, exporterLost: d.lost },
    exports: { ok: d.ok, failed: d.failed, timedOut: d.timedOut, abandoned: d.abandoned },
    lastError: d.lastError,
  };
}

function writeStr(l: L.Layout, i: number, at: number, max: number, s: string): void {
  const p = L.DESTS_OFFSET + i * L.DEST_BYTES + at;
  const b = Buffer.from(s, 'utf8');
  const n = fit(b, max);
  l.u8.set(b.subarray(0, n), p + 2);
  l.u8[p] = n & 0xff;
  l.u8[p + 1] = n >> 8;
}

function readStr(l: L.Layout, i: number, at: number, max: number): string {
  const p = L.DESTS_OFFSET + i * L.DEST_BYTES + at;
  const n = Math.min(l.u8[p]! | (l.u8[p + 1]! << 8), max);
  return Buffer.from(l.sab, p + 2, n).toString('utf8');
}
