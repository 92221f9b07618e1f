// A batch over maxRequestBytes goes as several requests (otlp-http.ts export()): each part encoded up to the cap,
// in slices that yield to the event loop, and the parts' answers folded into the one result the batcher counts.
import { performance } from 'node:perf_hooks';
import type { Span } from './span.js';
import { ExportError, type ExportProgress, type ExportResult } from './exporter.js';
import type { OtlpJsonEncoder } from './otlp-json.js';

const CHUNK = 32; // spans encoded between two reads of the clock (the slice budget is checked per CHUNK)
/** The code of a request the backend answered 413 (Payload Too Large): the exporter sends its spans again in smaller requests. */
export const PAYLOAD_TOO_LARGE = 'TW_ERR_OTLP_PAYLOAD_TOO_LARGE';
/**
 * 413 answers one batch may act on (halve the request, or drop a span refused alone); past them a 413 fails the rest
 * of the batch. Halving 64 MiB takes 16 steps down to 1 KiB: a backend refusing everything costs 24 requests, not one per span.
 */
export const MAX_TOO_LARGE_ANSWERS = 24;

/**
 * Encodes grouped spans from `from` into `enc` (begun) until the size cap or the end, yielding between slices of at most
 * `sliceSize` spans or `budgetMs`; returns the index it stopped at (the first span that did not fit), -1 if aborted meanwhile.
 */
export async function encodePart(enc: OtlpJsonEncoder, grouped: readonly Span[], from: number, sliceSize: number, budgetMs: number, signal: AbortSignal): Promise<number> {
  let turnStart = performance.now();
  let inTurn = 0;
  for (let i = from; i < grouped.length;) {
    const end = Math.min(i + CHUNK, i + sliceSize - inTurn, grouped.length);
    const written = enc.add(grouped, i, end);
    if (written < end) return written;
    inTurn += end - i;
    i = end;
    if (i < grouped.length && (inTurn >= sliceSize || performance.now() - turnStart >= budgetMs)) {
      await new Promise(setImmediate); // let I/O and timers run between slices
      if (signal.aborted) return -1;
      turnStart = performance.now();
      inTurn = 0;
    }
  }
  return grouped.length;
}

/** Whether the next part is worth sending after `r` failed: a refused status is about that request's spans; anything else (network, TLS, timeout, throttling) would meet the next part too. */
export function partOnly(r: ExportResult): boolean {
  return (r.error as { code?: unknown } | undefined)?.code === 'TW_ERR_OTLP_HTTP_STATUS';
}

/**
 * The parts of one batch, folded into one result: exported + rejected = the batch, as the batcher counts it.
 * Each acknowledged part is also added to `progress` as it arrives: a batcher that stops waiting counts those as exported.
 */
export class PartTally {
  parts = 0;
  accepted = 0; // spans in parts answered 2xx (their partialSuccess rejections included)
  rejected = 0; // partialSuccess rejections
  failed = 0; // spans in parts that failed, or were not sent after a failure
  tooLarge = 0; // a span alone over the cap
  refusedLarge = 0; // a span the backend refused alone with 413
  skipped = 0; // spans the encoder could not read
  last: ExportResult | null = null;
  lastFailure: ExportResult | null = null;
  warning: unknown = undefined;

  constructor(private readonly progress: ExportProgress | undefined) {}

  add(n: number, r: ExportResult): void {
    this.parts++;
    this.last = r;
    if (r.ok) {
      const rej = Math.min(n, r.rejected ?? 0);
      this.accepted += n;
      this.rejected += rej;
      if (r.error !== undefined) this.warning = r.error;
      if (this.progress !== undefined) { this.progress.delivered += n; this.progress.rejected += rej; }
    } else { this.failed += n; this.lastFailure = r; }
  }

  /** One part and nothing cut: its answer as is. Nothing accepted: a failure (the whole batch is counted). Else ok, the rest rejected. */
  result(maxBytes: number): ExportResult {
    const cut = this.tooLarge + this.refusedLarge + this.skipped;
    if (this.parts === 1 && cut === 0 && this.failed === 0) return this.last!;
    const tooBig = cut > 0 ? new ExportError('TW_ERR_OTLP_TOO_LARGE', this.cutMessage(maxBytes)) : null;
    if (this.accepted === 0) return { ok: false, error: this.lastFailure?.error ?? tooBig ?? new ExportError('TW_ERR_OTLP_INTERNAL', 'no span could be encoded') };
    const lost = this.failed + cut + this.rejected;
    if (lost === 0) return this.warning === undefined ? { ok: true } : { ok: true, error: this.warning };
    return { ok: true, rejected: lost, error: this.lastFailure?.error ?? tooBig ?? this.warning };
  }

  private cutMessage(maxBytes: number): string {
    const refused = `refused by the backend as too large (HTTP 413) even alone`;
    if (this.refusedLarge === 0) return this.accepted === 0 ? `request over ${maxBytes} bytes; not sent` : `${this.tooLarge + this.skipped} spans left out (over the ${maxBytes}-byte request cap)`;
    if (this.tooLarge === 0) return this.accepted === 0 ? `span ${refused}` : `${this.refusedLarge + this.skipped} spans left out (${refused})`;
    return `${this.tooLarge + this.refusedLarge + this.skipped} spans left out (${this.tooLarge} over the ${maxBytes}-byte request cap, ${this.refusedLarge} ${refused})`;
  }
}
