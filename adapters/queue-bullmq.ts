// BullMQ recipe: the context rides in the job options' `telemetry.metadata` string (BullMQ's own field
// for context propagation, stored with the job), so the job's data stays the caller's. Takes the
// Queue object and wraps the Worker's processor; imports no broker library.
import type { Tracer } from '../src/tracer.js';
import type { AnySpan } from '../src/span.js';
import { storage } from '../src/context.js';
import { consumeMessage, startPublish, type Carrier, type ConsumeOptions } from './queue.js';

export interface BullQueueLike<J = { id?: string | undefined }> { name: string; add(name: string, data: unknown, opts?: Record<string, unknown>): Promise<J> }
export interface BullJobLike { id?: string | undefined; name: string; queueName: string; data?: unknown; attemptsMade?: number; repeatJobKey?: string | undefined; opts?: { telemetry?: { metadata?: string }; tm?: string } }

const SYSTEM = 'bullmq';
/**
 * A W3C carrier is two short headers: traceparent (55) and tracestate (≤ 512, every `"` or `\` in it doubled by
 * JSON: ≤ 1024) plus the JSON around them; anything longer is not ours and is not parsed.
 */
const MAX_METADATA = 2048;

/** `queue.add` under a PRODUCER span `publish <queue>`; the job ID becomes `messaging.message.id`. */
export async function addJob<J extends { id?: string | undefined }>(tracer: Tracer, queue: BullQueueLike<J>, name: string, data: unknown, opts: Record<string, unknown> = {}): Promise<J> {
  const carrier: Record<string, string> = {};
  const span = startPublish(tracer, carrier, { system: SYSTEM, destination: queue.name, attributes: { 'messaging.bullmq.job.name': name } });
  const telemetry = { ...(opts.telemetry as object | undefined), metadata: JSON.stringify(carrier) };
  try {
    const job = await queue.add(name, data, { ...opts, telemetry });
    if (job?.id !== undefined) span.setAttribute('messaging.message.id', String(job.id));
    return job;
  } catch (err) {
    span.recordError(err);
    throw err;
  } finally {
    span.end();
  }
}

/**
 * The carrier stored by addJob, or null when absent or not ours. A sandboxed (file) processor gets the job's
 * options as stored in Redis, telemetry.metadata under its short key `tm` (bullmq Job.optsAsJSON).
 */
export function jobCarrier(job: BullJobLike): Carrier | null {
  const o = job.opts;
  const m = o?.telemetry?.metadata ?? o?.tm;
  if (typeof m !== 'string' || m.length > MAX_METADATA || m.charCodeAt(0) !== 123) return null;
  try {
    const v: unknown = JSON.parse(m);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Carrier) : null;
  } catch {
    return null;
  }
}

/**
 * Wrap a Worker processor: a CONSUMER span `process <queue>` per job (per attempt), active while it runs.
 * BullMQ calls it from the Worker's loop, which runs in the context `new Worker` was called in (often a request
 * that ended long ago): no ambient span of the job (js#4001), so none is active when its span starts. An
 * iteration of a repeatable job (BullMQ copies the first add's context into every one) starts its own trace
 * with a link to that add: as its child, every iteration for months would join one trace.
 */
export function processJob<J extends BullJobLike, R>(tracer: Tracer, processor: (job: J, token: string | undefined, span: AnySpan) => Promise<R> | R, options: { mode?: ConsumeOptions['mode'] } = {}): (job: J, token?: string) => Promise<R> {
  return (job, token) => storage.run(undefined, consumeJob, tracer, processor, options.mode, job, token);
}

function consumeJob<J extends BullJobLike, R>(tracer: Tracer, processor: (job: J, token: string | undefined, span: AnySpan) => Promise<R> | R, mode: ConsumeOptions['mode'], job: J, token: string | undefined): Promise<R> {
  return consumeMessage(tracer, jobCarrier(job), {
    system: SYSTEM,
    destination: job.queueName,
    mode: typeof job.repeatJobKey === 'string' && job.repeatJobKey.length > 0 ? 'link' : mode,
    messageId: job.id === undefined ? undefined : String(job.id),
    attributes: { 'messaging.bullmq.job.name': job.name, 'messaging.bullmq.job.attempts_made': job.attemptsMade ?? 0 },
  }, (span) => processor(job, token, span));
}
