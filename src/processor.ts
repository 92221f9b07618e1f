// The contract between the tracer and whatever takes ended spans (the batcher, tests, bridges).
import type { Span } from './span.js';

export interface DropCounts {
  /** ring full when the span ended */
  queueFull: number;
  /** the exporter failed for good (non-retryable, retries exhausted, timeout) or rejected them (partial success) */
  exportFailed: number;
  /** ended after shutdown, or still queued when the shutdown deadline passed */
  shutdown: number;
  /** no exporter configured */
  noExporter: number;
  /** other reasons a processor reports (e.g. the export thread's) */
  [reason: string]: number;
}

export interface DestinationStats {
  name: string;
  /** spans offered to this destination: ended = exported + dropped (all reasons) + queued */
  ended: number;
  enqueued: number;
  exported: number;
  queued: number;
  inFlight: number;
  dropped: DropCounts;
  exports: { ok: number; failed: number; timedOut: number; abandoned: number };
  lastError: string | null;
  exporter?: Record<string, unknown>;
}

export interface ProcessorStats {
  enqueued: number;
  exported: number;
  /** waiting in the ring or in an export in flight */
  queued: number;
  /** part of queued: handed to an exporter that has not settled yet */
  inFlight?: number;
  dropped: DropCounts;
  /** per destination, when a processor exports to several */
  destinations?: readonly DestinationStats[];
  [extra: string]: unknown;
}

export interface ShutdownOptions {
  /** Give up waiting for the backend after this many ms (default 5000); whatever is left is dropped and counted. */
  deadlineMs?: number;
  /**
   * Default true: the drain keeps the process alive until it ends (the caller awaits it). false: a drain
   * nobody waits for (a destination retired by a config reload) never delays the process's exit.
   */
  keepAlive?: boolean;
}

/** onEnd must not throw and must not block: it runs inside the host's request path. */
export interface SpanProcessor {
  onEnd(span: Span): void;
  forceFlush(): Promise<void>;
  shutdown(options?: ShutdownOptions): Promise<void>;
  stats(): ProcessorStats;
}

export function emptyDrops(): DropCounts {
  return { queueFull: 0, exportFailed: 0, shutdown: 0, noExporter: 0 };
}

/** forceFlush or shutdown of a processor that may be a user's: never rejects, never throws (a sync throw, a non-promise return). */
export function settled(p: SpanProcessor | null, flush: boolean, options: ShutdownOptions | undefined): Promise<void> {
  if (p === null) return Promise.resolve();
  try {
    return Promise.resolve(flush ? p.forceFlush() : p.shutdown(options)).then(() => {}, () => {});
  } catch {
    return Promise.resolve();
  }
}
