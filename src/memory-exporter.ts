// An exporter that keeps spans in memory and fails on demand: for tests (of the batcher's isolation above all).
import type { Span } from './span.js';
import type { ExportResult, SpanExporter } from './exporter.js';

/** How the memory exporter misbehaves on purpose (tests of the batcher's isolation). */
export type MemoryFailure = 'result' | 'reject' | 'throw' | 'hang' | 'never' | 'partial';

export interface MemoryExporterOptions {
  /** Fail every export this way until `fail(null)`. */
  fail?: MemoryFailure | null;
  /** Spans rejected per batch in 'partial' mode (default 1). */
  rejected?: number;
  /** Answer after this many ms (honours the abort signal). */
  delayMs?: number;
}

/** Keeps exported spans in `spans` (for tests); can fail on demand. */
export class MemoryExporter implements SpanExporter {
  readonly name = 'memory';
  readonly keepsSpans = true;
  spans: Span[] = [];
  /** export() calls, and how many overlapped at most (the batcher allows one per destination). */
  calls = 0;
  concurrent = 0;
  maxConcurrent = 0;
  failure: MemoryFailure | null;
  rejected: number;
  delayMs: number;
  shutdownCalled = false;

  constructor(o: MemoryExporterOptions = {}) {
    this.failure = o.fail ?? null;
    this.rejected = o.rejected ?? 1;
    this.delayMs = o.delayMs ?? 0;
  }

  /** Set (or clear with null) the forced failure mode. */
  fail(mode: MemoryFailure | null): this {
    this.failure = mode;
    return this;
  }

  reset(): void {
    this.spans = [];
    this.calls = 0;
    this.maxConcurrent = 0;
  }

  export(spans: readonly Span[], signal: AbortSignal): Promise<ExportResult> {
    this.calls++;
    const mode = this.failure;
    if (mode === 'throw') throw new Error('memory exporter: forced throw');
    this.concurrent++;
    if (this.concurrent > this.maxConcurrent) this.maxConcurrent = this.concurrent;
    const done = <T>(v: T): T => { this.concurrent--; return v; };
    if (mode === 'never') return new Promise<ExportResult>(() => {}); // a callback never called: ignores the signal too
    if (mode === 'hang') return new Promise<ExportResult>((resolve) => signal.addEventListener('abort', () => resolve(done({ ok: false, error: new Error('aborted') })), { once: true }));
    const answer = (): Promise<ExportResult> => {
      if (mode === 'reject') return Promise.reject(done(new Error('memory exporter: forced rejection')));
      if (mode === 'result') return Promise.resolve(done({ ok: false, error: new Error('memory exporter: forced failure') }));
      this.spans.push(...spans);
      return Promise.resolve(done(mode === 'partial' ? { ok: true, rejected: this.rejected } : { ok: true }));
    };
    if (this.delayMs <= 0) return answer();
    return new Promise<ExportResult>((resolve, reject) => {
      const onAbort = (): void => { clearTimeout(t); resolve(done({ ok: false, error: new Error('aborted') })); };
      const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); answer().then(resolve, reject); }, this.delayMs);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async shutdown(): Promise<void> {
    this.shutdownCalled = true;
  }
}

export function memoryExporter(options?: MemoryExporterOptions): MemoryExporter {
  return new MemoryExporter(options);
}
