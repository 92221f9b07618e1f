// The exporter contract: small, async, allowed to fail. The batcher calls export() with at most one
// call in flight per destination, bounds it with the export timeout (aborting `signal`), and turns any
// throw, rejection or hang into a counted failure: nothing an exporter does can reach the host.
import type { Span } from './span.js';

export interface ExportResult {
  /** true: the backend took the batch (some spans may still be rejected: see `rejected`). */
  ok: boolean;
  /** Spans the backend refused although ok is true (OTLP partialSuccess.rejectedSpans); counted as exportFailed. */
  rejected?: number;
  /** Why it failed or what the backend said; logged rate-limited. Must not carry secrets (header values). */
  error?: unknown;
}

/**
 * What the backend has acknowledged of a batch so far, for an exporter that sends one batch in pieces (OTLP requests
 * under maxRequestBytes, file lines). The batcher passes a fresh one to each export() and reads it only when it stops
 * waiting (export timeout, shutdown deadline, a failure result): `delivered` spans then count as exported, less
 * `rejected`, and only the rest as dropped. An exporter that never touches it is counted as before: all or nothing.
 */
export interface ExportProgress {
  /** Spans acknowledged so far (2xx, written), partial-success rejections included. Only ever add to it. */
  delivered: number;
  /** Of `delivered`, the spans the backend refused (OTLP partialSuccess.rejectedSpans). */
  rejected: number;
}

/**
 * A destination for ended spans.
 * - `export` gets an array of spans that is valid until the returned promise settles: afterwards the batcher
 *   reuses the array and recycles the spans' attribute arrays (no garbage per batch). Copy what you keep, or
 *   declare `keepsSpans: true` and both are yours. Spans may be shared with other destinations: read-only.
 * - `signal` aborts when the export timeout or the shutdown deadline passes: stop work and settle soon after.
 * - Resolving `undefined` counts as success; throwing or rejecting counts as failure for the batch, less what
 *   `progress` says was delivered.
 */
export interface SpanExporter {
  /** Shown in stats and log lines (e.g. `otlp http://collector:4318/v1/traces`); never includes credentials. */
  readonly name?: string;
  /** true when the exporter keeps the spans or the array after export settles (memory exporter): the batcher then never recycles either. */
  readonly keepsSpans?: boolean;
  export(spans: readonly Span[], signal: AbortSignal, progress?: ExportProgress): Promise<ExportResult | void>;
  /** Flush anything the exporter buffers itself (e.g. a file stream). */
  forceFlush?(): Promise<void>;
  /** Release sockets, files and timers; bounded by the caller's deadline. */
  shutdown?(): Promise<void>;
  /** Exporter-specific counters (requests, retries, bytes...), merged into tracer.stats().destinations. */
  stats?(): Record<string, unknown>;
}

/** An export failure with a stable code (TW_ERR_*) so counters and tests need not parse messages. */
export class ExportError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ExportError';
    this.code = code;
  }
}

/** Short text for a failure reason, safe for logs (no stack; message capped at 200 chars). */
export function describeError(err: unknown): string {
  if (err == null) return 'unknown error';
  if (typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    const msg = (err as { message?: unknown }).message;
    const m = typeof msg === 'string' ? msg.slice(0, 200) : '';
    if (typeof code === 'string' && code && !m.includes(code)) return m ? `${code}: ${m}` : code;
    return m || Object.prototype.toString.call(err);
  }
  return String(err).slice(0, 200);
}
