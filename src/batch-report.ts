// Drops and export failures become at most one log line per destination per interval (users of
// OTel SDKs asked for exactly this: opentelemetry-java#7103, opentelemetry-python#3152), never one per span.
import { performance } from 'node:perf_hooks';
import { describeError } from './exporter.js';
import { timerMs } from './otlp-env.js';

// tooLarge / tracerTableFull: drops at the off-thread export ring, reported by the exporter thread (thread/consumer.ts);
// abandoned / decodeError / exporterLost: off-thread drops only the exporter side counts, reported by the owner (thread/loss-report.ts)
export type DropReason = 'queueFull' | 'exportFailed' | 'shutdown' | 'tooLarge' | 'tracerTableFull' | 'abandoned' | 'decodeError' | 'exporterLost';

export class Reporter {
  private queueFull = 0;
  private exportFailed = 0;
  private shutdown = 0;
  private tooLarge = 0;
  private tracerTableFull = 0;
  private abandoned = 0;
  private decodeError = 0;
  private exporterLost = 0;
  private lastError: string | null = null;
  /** performance.now() of the last line: a wall clock stepped back (NTP) would silence lines for the step, forward spam them. */
  private lastAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  /** Lines written so far (tests assert the rate limit with it). */
  lines = 0;

  constructor(readonly name: string, readonly intervalMs: number, private readonly log: (msg: string) => void) {}

  /** Cheap on the hot path: a counter bump, and a clock read only when no line is pending. */
  note(reason: DropReason, n: number, err: unknown): void {
    this[reason] += n;
    if (err !== null && err !== undefined) this.lastError = describeError(err);
    if (this.timer !== null) return;
    const wait = this.lastAt + this.intervalMs - performance.now();
    if (wait <= 0) { this.flush(); return; }
    this.timer = setTimeout(flushReporter, wait, this);
    this.timer.unref();
  }

  /** Drops an exporter thread counted but died before saying (thread/dest-stats.ts): in this report's next line, with the usual timing. */
  carry(queueFull: number, exportFailed: number, shutdown: number, lastError: string | null): void {
    this.queueFull += queueFull;
    this.shutdown += shutdown;
    this.note('exportFailed', exportFailed, exportFailed > 0 ? lastError : null);
  }

  /** Writes the pending line now, if there is one (also called at shutdown so nothing goes unsaid). */
  flush(): void {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    const total = this.queueFull + this.exportFailed + this.shutdown + this.tooLarge + this.tracerTableFull + this.abandoned + this.decodeError + this.exporterLost;
    if (total === 0) return;
    const parts = dropParts(this.queueFull, this.exportFailed, this.shutdown, this.tooLarge, this.tracerTableFull, this.abandoned, this.decodeError, this.exporterLost);
    const since = this.lastAt === -Infinity ? '' : ` in the last ${Math.round((performance.now() - this.lastAt) / 1000)}s`;
    const err = this.lastError !== null && this.exportFailed > 0 ? `; last error: ${this.lastError}` : '';
    this.queueFull = this.exportFailed = this.shutdown = this.tooLarge = this.tracerTableFull = this.abandoned = this.decodeError = this.exporterLost = 0;
    this.lastError = null;
    this.lastAt = performance.now();
    this.lines++;
    try {
      this.log(`${this.name}: dropped ${total} span${total === 1 ? '' : 's'}${since} (${parts.join(', ')})${err}; see tracer.stats()`);
    } catch { /* a throwing logger must not reach the host */ }
  }

  /** The caller just wrote its own line about these drops: the next line here waits for the interval (unless one is pending). */
  said(): void {
    if (this.timer === null) this.lastAt = performance.now();
  }
}

/** The `queue full 3, shutdown 2` list of a drop line, in one order wherever drops are said. */
export function dropParts(queueFull: number, exportFailed: number, shutdown: number, tooLarge: number, tracerTableFull: number,
  abandoned = 0, decodeError = 0, exporterLost = 0): string[] {
  const parts: string[] = [];
  if (queueFull > 0) parts.push(`queue full ${queueFull}`);
  if (exportFailed > 0) parts.push(`export failed ${exportFailed}`);
  if (shutdown > 0) parts.push(`shutdown ${shutdown}`);
  if (tooLarge > 0) parts.push(`too large ${tooLarge}`);
  if (tracerTableFull > 0) parts.push(`tracer table full ${tracerTableFull}`);
  if (abandoned > 0) parts.push(`abandoned ${abandoned}`);
  if (decodeError > 0) parts.push(`decode error ${decodeError}`);
  if (exporterLost > 0) parts.push(`exporter lost ${exporterLost}`);
  return parts;
}

/** The batcher's reportIntervalMs as it reads it: a number >= 0, at most setTimeout's limit; else 10000 ms. */
export function reportInterval(ms: unknown): number {
  return typeof ms === 'number' && ms >= 0 && !Number.isNaN(ms) ? timerMs(ms) : 10_000;
}

function flushReporter(r: Reporter): void {
  r.flush();
}
