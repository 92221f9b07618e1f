// retry(tracer, fn, policy): one INTERNAL span for the logical operation, each attempt run under a
// context that tells the HTTP/fetch adapters its `http.request.resend_count` (semconv: one CLIENT span
// per attempt on the wire, resend_count on attempts after the first).
import { SpanContext, type SpanContextLike } from '../src/span-context.js';
import { Span, SpanKind, type AnySpan } from '../src/span.js';
import type { Tracer } from '../src/tracer.js';

/** The logical operation's context plus which attempt is running; adapters read `resendCount`. */
export class AttemptContext extends SpanContext {
  readonly resendCount: number;
  readonly tracer: Tracer;
  constructor(of: SpanContextLike, resendCount: number, tracer: Tracer) {
    super(of.t0, of.t1, of.t2, of.t3, of.s0, of.s1, of.traceFlags, false, of.traceState);
    this.resendCount = resendCount;
    this.tracer = tracer;
  }
}

/**
 * Resend count of the attempt running in `ctx` (0 outside retry()). Only a request made directly in the
 * attempt sees it: a span of the caller's own around the request is the active context there, and spans do
 * not inherit the attempt number (README, fetch).
 */
export function resendCountOf(ctx: SpanContextLike | undefined): number {
  return ctx instanceof AttemptContext ? ctx.resendCount : 0;
}

/** The tracer that owns the active context, else `fallback` (several services in one process each keep their own). */
export function tracerOf(ctx: SpanContextLike | undefined, fallback: Tracer): Tracer {
  if (ctx instanceof Span || ctx instanceof AttemptContext) return ctx.tracer;
  return fallback;
}

export interface RetryPolicy<T> {
  /** Name of the logical-operation span (default `retry`). */
  name?: string;
  /** Attempts after the first (default 2, at most 10). */
  retries?: number;
  /** First backoff in ms (default 50), doubled per attempt, capped at maxDelayMs (default 1000), with full jitter. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Retry this outcome? Default: a thrown error, or a result whose `status`/`statusCode` is 429, 502, 503 or 504. */
  retryOn?: (error: unknown, result: T | undefined, attempt: number) => boolean;
  /** Test hook / custom timers: wait `ms` (default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

function defaultRetryOn(error: unknown, result: unknown): boolean {
  if (error !== undefined) return true;
  if (result === null || typeof result !== 'object') return false;
  const r = result as { status?: unknown; statusCode?: unknown };
  const code = typeof r.status === 'number' ? r.status : r.statusCode;
  return typeof code === 'number' && RETRYABLE.has(code);
}

const sleepTimeout = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Run `fn(attempt)` until it succeeds or the retries are used up. Each attempt runs under the
 * logical-operation span, so an HTTP call inside becomes its child with `http.request.resend_count`.
 * Resolves with the last result (a retryable result included) or rejects with the last error.
 */
export async function retry<T>(tracer: Tracer, fn: (attempt: number) => T | Promise<T>, policy: RetryPolicy<T> = {}): Promise<T> {
  const retries = Math.min(Math.max(0, Math.floor(policy.retries ?? 2)), 10);
  const minDelay = Math.max(0, policy.minDelayMs ?? 50);
  const maxDelay = Math.max(minDelay, policy.maxDelayMs ?? 1000);
  const retryOn = policy.retryOn ?? defaultRetryOn;
  const sleep = policy.sleep ?? sleepTimeout;
  const span: AnySpan = tracer.startSpan(policy.name ?? 'retry', { kind: SpanKind.INTERNAL });
  let attempt = 0;
  try {
    for (;;) {
      const ctx = new AttemptContext(span, attempt, tracer);
      let error: unknown;
      let result: T | undefined;
      let failed = false;
      try {
        result = await tracer.withSpan(ctx, fn, attempt);
      } catch (err) {
        error = err;
        failed = true;
      }
      const again = attempt < retries && retryOn(failed ? (error ?? new Error('undefined thrown')) : undefined, result, attempt);
      if (!again) {
        span.setAttribute('tracewire.retry.attempts', attempt + 1);
        if (failed) { span.recordError(error); throw error; }
        return result as T;
      }
      attempt++;
      const cap = Math.min(maxDelay, minDelay * 2 ** (attempt - 1));
      await sleep(Math.floor(Math.random() * cap)); // full jitter: spreads retries from many callers
    }
  } finally {
    span.end();
  }
}
