// Per-destination counters of the exporter thread's batcher, in the SAB: one 512-byte block per destination
// (14 int64 counters, its name, its last error, then in its last 24 bytes what its drop lines have said), in two
// copies written by the exporter thread under the consumer latch (stats.ts) whenever it publishes, so any thread's stats() lists
// `destinations` as the in-thread batcher does, with no message per span or per read.
import type { DestinationStats } from '../batcher.js';
import { Reporter } from '../batch-report.js';
import * as L from './layout.js';

const WORDS = L.DEST_BYTES >> 3; // int64 slots per block
const NAME_AT = 128; // byte offsets in a block: u16 length + UTF-8
const NAME_MAX = 126;
const ERR_AT = 256;
// The said counts took the error's last 24 bytes (it had 254): every older offset is unchanged, and a reader of the
// older layout never reads past the length written here.
const SAID = ['saidQueueFull', 'saidExportFailed', 'saidShutdown'] as const;
const SAID_AT = WORDS - SAID.length; // int64 index in a block
const ERR_MAX = SAID_AT * 8 - ERR_AT - 2;

/** One destination's totals across exporter thread restarts (matched by name). */
export class DestTotals {
  name = ''; ended = 0; enqueued = 0; exported = 0; queued = 0; inFlight = 0;
  queueFull = 0; exportFailed = 0; shutdown = 0; noExporter = 0;
  ok = 0; failed = 0; timedOut = 0; abandoned = 0;
  /** queued in an exporter thread that died */
  lost = 0;
  /** queueFull, exportFailed, shutdown as they stood when this destination's last drop line was written (the rest is unsaid) */
  saidQueueFull = 0; saidExportFailed = 0; saidShutdown = 0;
  lastError: string | null = null;
}

// Counter order in a block (after it: nothing but padding up to NAME_AT).
const FIELDS = ['ended', 'enqueued', 'exported', 'queued', 'inFlight', 'queueFull', 'exportFailed', 'shutdown', 'noExporter', 'ok', 'failed', 'timedOut', 'abandoned', 'lost'] as const;

function i64(l: L.Layout): BigInt64Array {
  return new BigInt64Array(l.sab, L.DESTS_OFFSET, (2 * L.MAX_DESTS * L.DEST_BYTES) >> 3);
}

/** Block i of a copy: copy 1 follows copy 0's MAX_DESTS blocks. */
const block = (copy: number, i: number): number => copy * L.MAX_DESTS + i;
const countAt = (copy: number): number => (copy === 0 ? L.DESTS : L.DESTS_B);

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

/** Destination i of this exporter thread's batcher: a drop line held in its report is said there (false: no such destination). */
export type Carry = (i: number, queueFull: number, exportFailed: number, shutdown: number, lastError: string | null) => boolean;

/**
 * One exporter thread's destinations on top of its predecessor's: what it publishes, and what their drop lines
 * said (a successor or the owner says the rest once, see unsaid). What the dead one held in memory is lost, not queued.
 */
export class DestBook {
  /** The predecessor's destination each of ours continues (by index), matched by the name its slot kept and, among equal names, in order. */
  private readonly of: (DestTotals | undefined)[] = [];
  /** The predecessor's destinations ours lack: still listed. */
  private readonly rest: DestTotals[] = [];
  /** Per destination of ours: queueFull, exportFailed, shutdown as they stood at its last drop line (undefined: none yet). */
  private readonly saidAt: (readonly [number, number, number] | undefined)[] = [];

  constructor(prev: readonly DestTotals[], ours: readonly DestinationStats[]) {
    const byName = new Map<string, DestTotals[]>();
    for (const d of prev) {
      d.lost += d.queued; d.queued = 0; d.inFlight = 0;
      // a line written after the last publish said drops these totals lack: what is unsaid is counted from the totals
      d.saidQueueFull = Math.min(d.saidQueueFull, d.queueFull); d.saidExportFailed = Math.min(d.saidExportFailed, d.exportFailed); d.saidShutdown = Math.min(d.saidShutdown, d.shutdown);
      const same = byName.get(d.name);
      if (same === undefined) byName.set(d.name, [d]); else same.push(d);
    }
    for (const d of ours) this.of.push(byName.get(slotName(d.name))?.shift());
    for (const list of byName.values()) this.rest.push(...list);
  }

  /** Says once what the predecessor counted but never said: in our destination's next line, else in a line of its own. */
  sayRest(carry: Carry | undefined, log: ((m: string) => void) | undefined): void {
    for (let i = 0; i < this.of.length; i++) {
      const b = this.of[i];
      if (b === undefined) continue;
      const u = unsaid(b);
      if (u.queueFull + u.exportFailed + u.shutdown === 0 || carry?.(i, u.queueFull, u.exportFailed, u.shutdown, b.lastError) === true) continue;
      if (log !== undefined) sayUnsaid(b, log);
    }
    if (log !== undefined) for (const b of this.rest) sayUnsaid(b, log);
  }

  /** Our destination i just wrote a drop line: every drop it counted (`d`, and the predecessor's carried in) is said. */
  said(i: number, d: DestinationStats | undefined): void {
    if (d === undefined || i >= L.MAX_DESTS) return;
    const b = this.of[i];
    this.saidAt[i] = [(b?.queueFull ?? 0) + d.dropped.queueFull, (b?.exportFailed ?? 0) + d.dropped.exportFailed, (b?.shutdown ?? 0) + d.dropped.shutdown];
  }

  /** The totals to publish: ours on top of the predecessor's, then its destinations we lack. */
  totals(ours: readonly DestinationStats[]): DestTotals[] {
    const out: DestTotals[] = [];
    for (let i = 0; i < ours.length; i++) {
      const b = this.of[i];
      const t = addDest(b, ours[i]!);
      const said = this.saidAt[i];
      if (said !== undefined) [t.saidQueueFull, t.saidExportFailed, t.saidShutdown] = said;
      else if (b !== undefined) { t.saidQueueFull = b.saidQueueFull; t.saidExportFailed = b.saidExportFailed; t.saidShutdown = b.saidShutdown; }
      out.push(t);
    }
    for (const b of this.rest) out.push(b);
    return out;
  }
}

/** Drops counted for this destination but in no line yet: its exporter thread died holding them in its report. */
export function unsaid(d: DestTotals): { queueFull: number; exportFailed: number; shutdown: number } {
  return { queueFull: Math.max(0, d.queueFull - d.saidQueueFull), exportFailed: Math.max(0, d.exportFailed - d.saidExportFailed), shutdown: Math.max(0, d.shutdown - d.saidShutdown) };
}

/** Says d's unsaid drops in the batcher's line for it (`<name>: dropped N spans (...)`), at once, and counts them said. */
export function sayUnsaid(d: DestTotals, log: (m: string) => void): void {
  const u = unsaid(d);
  if (u.queueFull + u.exportFailed + u.shutdown === 0) return;
  new Reporter(d.name, 0, log).carry(u.queueFull, u.exportFailed, u.shutdown, d.lastError);
  d.saidQueueFull = d.queueFull; d.saidExportFailed = d.exportFailed; d.saidShutdown = d.shutdown;
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

/** Writes one copy, while no reader uses it (stats.ts). `shown` remembers the strings already in that copy (one writer). */
export function writeDests(l: L.Layout, dests: readonly DestTotals[], shown: (string | null)[], copy = 0): void {
  const v = i64(l);
  const n = Math.min(dests.length, L.MAX_DESTS);
  for (let i = 0; i < n; i++) {
    const d = dests[i]!;
    const b = block(copy, i);
    for (let k = 0; k < FIELDS.length; k++) Atomics.store(v, b * WORDS + k, BigInt(d[FIELDS[k]!]));
    for (let k = 0; k < SAID.length; k++) Atomics.store(v, b * WORDS + SAID_AT + k, BigInt(d[SAID[k]!]));
    if (shown[2 * i] !== d.name) { writeStr(l, b, NAME_AT, NAME_MAX, d.name); shown[2 * i] = d.name; }
    if (shown[2 * i + 1] !== d.lastError) { writeStr(l, b, ERR_AT, ERR_MAX, d.lastError ?? ''); shown[2 * i + 1] = d.lastError; }
  }
  Atomics.store(l.i32, countAt(copy), n);
}

export function readDests(l: L.Layout, copy = 0): DestTotals[] {
  const v = i64(l);
  const n = Math.min(Math.max(0, Atomics.load(l.i32, countAt(copy))), L.MAX_DESTS);
  const out: DestTotals[] = [];
  for (let i = 0; i < n; i++) {
    const d = new DestTotals();
    const b = block(copy, i);
    for (let k = 0; k < FIELDS.length; k++) d[FIELDS[k]!] = Number(Atomics.load(v, b * WORDS + k));
    for (let k = 0; k < SAID.length; k++) d[SAID[k]!] = Number(Atomics.load(v, b * WORDS + SAID_AT + k));
    d.name = readStr(l, b, NAME_AT, NAME_MAX);
    const e = readStr(l, b, ERR_AT, ERR_MAX);
    d.lastError = e === '' ? null : e;
    out.push(d);
  }
  return out;
}

/** A new exporter thread's takeover (stats.ts takeOver): copy `from` made copy `to` again, block by block. */
export function copyDests(l: L.Layout, from: number, to: number): void {
  const n = Math.min(Math.max(0, Atomics.load(l.i32, countAt(from))), L.MAX_DESTS);
  const at = (c: number): number => L.DESTS_OFFSET + block(c, 0) * L.DEST_BYTES;
  l.u8.copyWithin(at(to), at(from), at(from) + n * L.DEST_BYTES);
  Atomics.store(l.i32, countAt(to), n);
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
