// The contract between the tracer and whatever takes ended spans (the batcher, tests, bridges).
import type { Span } from './span.js';
import { timerMs } from './otlp-env.js';

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

/** Default deadlines: shutdown as the batcher's (OTel's 30 s forceFlush bound is its export timeout, our default too). */
export const SHUTDOWN_DEADLINE_MS = 5000;
export const FLUSH_DEADLINE_MS = 30_000;
// Our processors stop at the deadline themselves, then say what they dropped: the export thread takes 100 ms more
// and its exit (thread/supervisor.ts stop()); the tracer stops waiting only past this margin, so none of it is cut.
const GRACE_MS = 250;

/** A deadlineMs option as every processor reads it: a number >= 0 (over 2^31-1 ms: setTimeout's limit), else `fallback`. */
export function deadlineOf(ms: unknown, fallback: number): number {
  return typeof ms === 'number' && ms >= 0 ? timerMs(ms) : fallback;
}

/**
 * forceFlush or shutdown of a processor that may be a user's: never rejects, never throws (a sync throw, a non-promise
 * return), and settles by the deadline (+ GRACE_MS) whatever the processor does. 'late': it had not settled by then.
 */
export function settled(p: SpanProcessor | null, flush: boolean, options: ShutdownOptions | undefined): Promise<'done' | 'late'> {
  if (p === null) return Promise.resolve('done');
  let work: Promise<unknown>;
  try {
    work = Promise.resolve(flush ? p.forceFlush() : p.shutdown(options));
  } catch {
    return Promise.resolve('done');
  }
  const ms = deadlineOf(options?.deadlineMs, flush ? FLUSH_DEADLINE_MS : SHUTDOWN_DEADLINE_MS);
  let t: NodeJS.Timeout | undefined;
  // Ref'd (the caller awaits: a hung processor must not end the process before it returns) unless nobody waits.
  const late = new Promise<'late'>((r) => { t = setTimeout(r, timerMs(ms + GRACE_MS), 'late'); });
  if (options?.keepAlive === false) t!.unref();
  return Promise.race([work.then(done, done), late]).then((r) => { clearTimeout(t); return r; });
}

function done(): 'done' { return 'done'; }
