// Summing lane counters into tracer totals and per-destination entries (same shape as the batcher's).
import type { DestinationStats } from '../batcher.js';
import { emptyDrops, type DropCounts, type ProcessorStats } from '../processor.js';

export interface Totals { enqueued: number; exported: number; queued: number; inFlight: number; dropped: DropCounts }

export function emptyTotals(): Totals { return { enqueued: 0, exported: 0, queued: 0, inFlight: 0, dropped: emptyDrops() }; }

function addCounts(into: Record<string, number>, from: Record<string, unknown> | undefined): void {
  if (from === undefined) return;
  for (const k of Object.keys(from)) if (typeof from[k] === 'number') into[k] = (into[k] ?? 0) + (from[k] as number);
}

export function addTotals(into: Totals, s: ProcessorStats | Totals): void {
  into.enqueued += s.enqueued || 0;
  into.exported += s.exported || 0;
  into.queued += s.queued || 0;
  into.inFlight += (s.inFlight as number | undefined) || 0;
  addCounts(into.dropped as unknown as Record<string, number>, s.dropped as unknown as Record<string, unknown>);
}

export function emptyDestination(name: string): DestinationStats {
  return { name, ended: 0, enqueued: 0, exported: 0, queued: 0, inFlight: 0, dropped: emptyDrops(), exports: { ok: 0, failed: 0, timedOut: 0, abandoned: 0 }, lastError: null };
}

/** Counters add up; lastError and exporter stats are the latest seen. */
export function addDestination(into: DestinationStats, d: DestinationStats): void {
  into.ended += d.ended; into.enqueued += d.enqueued; into.exported += d.exported; into.queued += d.queued; into.inFlight += d.inFlight;
  addCounts(into.dropped as unknown as Record<string, number>, d.dropped as unknown as Record<string, unknown>);
  addCounts(into.exports as unknown as Record<string, number>, d.exports as unknown as Record<string, unknown>);
  if (d.lastError !== null) into.lastError = d.lastError;
  if (d.exporter !== undefined) into.exporter = d.exporter;
}
