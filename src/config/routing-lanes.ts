// A routing lane and its exporter: one exporter instance per distinct settings, shared by the lanes that use it
// (shut down with the last), the view of it each lane's batcher gets, and a lane's counters as a destination entry.
import { inspect } from 'node:util';
import type { Span } from '../span.js';
import type { SpanExporter, ExportProgress, ExportResult } from '../exporter.js';
import type { BatchOptions, DestinationStats } from '../batcher.js';
import type { ProcessorStats, SpanProcessor } from '../processor.js';
import { addTotals, emptyDestination, type Totals } from './routing-stats.js';

/** One exporter instance shared by every lane with the same settings; shut down with its last lane. */
export class SharedExporter {
  refs = 0;
  constructor(readonly key: string, readonly exporter: SpanExporter) {}
  // The exporter holds header values (credentials): dumping a tracer must not descend into it.
  [inspect.custom](): string { return `Exporter(${this.exporter.name ?? '?'})`; }
  toJSON(): string { return `Exporter(${this.exporter.name ?? '?'})`; }
}

/**
 * What a lane's batcher sees: the shared exporter minus shutdown (the pool owns its lifetime). A span
 * that other lanes also hold must not have its attributes recycled after this lane's export: keepsSpans.
 */
export class LaneExporter implements SpanExporter {
  readonly name: string;
  readonly keepsSpans: boolean;
  constructor(private readonly shared: SharedExporter, dest: string, exclusive: boolean) {
    const inner = shared.exporter;
    this.name = inner.name && inner.name !== dest ? `${dest} (${inner.name})` : dest;
    this.keepsSpans = !exclusive || inner.keepsSpans === true;
  }
  export(spans: readonly Span[], signal: AbortSignal, progress?: ExportProgress): Promise<ExportResult | void> { return this.shared.exporter.export(spans, signal, progress); }
  forceFlush(): Promise<void> { return this.shared.exporter.forceFlush ? this.shared.exporter.forceFlush() : Promise.resolve(); }
  async shutdown(): Promise<void> {}
  stats(): Record<string, unknown> { return this.shared.exporter.stats?.() ?? {}; }
  [inspect.custom](): string { return `LaneExporter(${this.name})`; }
  toJSON(): string { return `LaneExporter(${this.name})`; }
}

export type Role = 'primary' | 'copy';

export class Lane {
  /** Set while a reload or shutdown drains it: settles once its last span is exported or dropped. */
  retiring: Promise<void> | null = null;
  constructor(readonly key: string, readonly name: string, readonly role: Role, readonly exclusive: boolean,
    readonly shared: SharedExporter, readonly processor: SpanProcessor, readonly batch: BatchOptions) {}
}

/** A lane's numbers as one destination entry (its batcher has exactly one destination). */
export function laneDestination(l: Lane, s: ProcessorStats): DestinationStats {
  const d = (s as { destinations?: DestinationStats[] }).destinations?.[0];
  if (d !== undefined) return { ...d, name: l.name };
  const e = emptyDestination(l.name);
  addTotals(e as unknown as Totals, s);
  e.ended = e.exported + e.queued + Object.values(e.dropped).reduce((a, b) => a + b, 0);
  return e;
}
