// BullMQ recipe: the context rides in the job options' `telemetry.metadata` string (BullMQ's own field
// for context propagation, stored with the job), so the job's data stays the caller's. Takes the
// Queue object and wraps the Worker's processor; imports no broker library.
import type { Tracer } from '../src/tracer.js';
import type { AnySpan } from '../src/span.js';
import { storage } from '../src/context.js';
import { consumeMessage, createMessage, startBatchSend, startPublish, UNREADABLE_CARRIER, type Carrier, type ConsumeOptions } from './queue.js';
import { queueCounters } from './queue-stats.js';

export interface BullQueueLike<J = { id?: string | undefined }> {
  name: string;
  add(name: string, data: unknown, opts?: Record<string, unknown>): Promise<J>;
  addBulk?(jobs: BullBulkJob[]): Promise<J[]>;
}
/** One entry of `queue.addBulk`. */
export interface BullBulkJob { name: string; data?: unknown; opts?: Record<string, unknown> }
/** A FlowProducer flow node: a job and the children that run before it (in any queue). */
export interface BullFlowJob { name: string; queueName: string; data?: unknown; prefix?: string; opts?: Record<string, unknown>; children?: BullFlowJob[] }
/** The FlowProducer methods the recipes use (addBulk: several flows in one call, addFlows). */
export interface BullFlowProducerLike<N = unknown> { add(flow: BullFlowJob, opts?: Record<string, unknown>): Promise<N>; addBulk?(flows: BullFlowJob[]): Promise<N[]> }
export interface BullJobLike { id?: string | undefined; name: string; queueName: string; data?: unknown; attemptsMade?: number; repeatJobKey?: string | undefined; opts?: { telemetry?: { metadata?: string }; tm?: string } }

const SYSTEM = 'bullmq';
/**
 * A W3C carrier is two short headers: traceparent (55) and tracestate (≤ 512, every `"` or `\` in it doubled by
 * JSON: ≤ 1024) plus the JSON around them; anything longer is not ours and is not parsed.
 */
const MAX_METADATA = 2048;

/** `queue.add` under a PRODUCER span `publish <queue>`; the job ID becomes `messaging.message.id`. */
export function addJob<J extends { id?: string | undefined }>(tracer: Tracer, queue: BullQueueLike<J>, name: string, data: unknown, opts: Record<string, unknown> = {}): Promise<J> {
  return publishOne(tracer, queue.name, { name, opts }, (o) => queue.add(name, data, o), (job) => job?.id);
}

/**
 * One job under one PRODUCER `publish <queue>` span whose context it carries, its ID from BullMQ's answer: addJob, and a
 * batch of one (semconv: a single message's publish span can be its creation context, no create span needed).
 */
async function publishOne<R>(tracer: Tracer, queueName: string, job: { name: string; opts?: Record<string, unknown> }, send: (opts: Record<string, unknown>) => Promise<R>, idOf: (r: R) => unknown): Promise<R> {
  const carrier: Record<string, string> = {};
  const span = startPublish(tracer, carrier, { system: SYSTEM, destination: queueName, messageId: jobId(job.opts), attributes: { 'messaging.bullmq.job.name': job.name } });
  try {
    const r = await send(withMetadata(job.opts, carrier));
    const id = idOf(r);
    if (id !== undefined && id !== null) span.setAttribute('messaging.message.id', String(id));
    return r;
  } catch (err) {
    span.recordError(err);
    throw err;
  } finally {
    span.end();
  }
}

/** A FlowProducer's JobNode's job ID. */
function nodeId(node: unknown): unknown {
  return (node as { job?: { id?: unknown } } | null | undefined)?.job?.id;
}

function isLeaf(node: BullFlowJob): boolean {
  return !Array.isArray(node.children) || node.children.length === 0;
}

/** `opts` with the carrier as telemetry.metadata (any other telemetry option kept; the caller's object untouched). */
function withMetadata(opts: Record<string, unknown> | undefined, carrier: Record<string, string>): Record<string, unknown> {
  return { ...opts, telemetry: { ...(opts?.telemetry as object | undefined), metadata: JSON.stringify(carrier) } };
}

function jobId(opts: Record<string, unknown> | undefined): string | undefined {
  const id = opts?.jobId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * `queue.addBulk` as a batch publish (messaging conventions): a `create <queue>` PRODUCER span per job whose
 * context the job carries, then a CLIENT `send <queue>` span over the call with `messaging.batch.message_count`
 * and a link per job. Each worker span is the child of its own job's create span. One job: as addJob.
 */
export async function addJobs<J extends { id?: string | undefined }>(tracer: Tracer, queue: BullQueueLike<J>, jobs: ReadonlyArray<BullBulkJob>): Promise<J[]> {
  if (typeof queue.addBulk !== 'function') throw new TypeError('tracewire/queue-bullmq: addJobs needs a Queue with addBulk');
  if (jobs.length === 1) return publishOne(tracer, queue.name, jobs[0]!, (opts) => queue.addBulk!([{ ...jobs[0]!, opts }]), (out) => out?.[0]?.id);
  const o = { system: SYSTEM, destination: queue.name };
  const creations: AnySpan[] = [];
  const out: BullBulkJob[] = [];
  for (const j of jobs) {
    const carrier: Record<string, string> = {};
    creations.push(createMessage(tracer, carrier, { ...o, messageId: jobId(j.opts), attributes: { 'messaging.bullmq.job.name': j.name } }));
    out.push({ ...j, opts: withMetadata(j.opts, carrier) });
  }
  const span = startBatchSend(tracer, creations, o);
  try {
    return await queue.addBulk(out);
  } catch (err) {
    span.recordError(err);
    throw err;
  } finally {
    span.end();
  }
}

/**
 * `flowProducer.add` as a batch publish: every job of the tree gets its own `create <queue>` PRODUCER span and
 * carries its context; a child's create span is the child of its parent job's, so the whole flow (and every
 * worker span under it) is one trace. A CLIENT `send <root queue>` span covers the call, linking every job.
 * A flow of one job (no children): as addJob.
 */
export async function addFlow<N>(tracer: Tracer, producer: BullFlowProducerLike<N>, flow: BullFlowJob, opts?: Record<string, unknown>): Promise<N> {
  if (isLeaf(flow)) return publishOne(tracer, flow.queueName, flow, (o) => (opts === undefined ? producer.add({ ...flow, opts: o }) : producer.add({ ...flow, opts: o }, opts)), nodeId);
  const creations: AnySpan[] = [];
  const traced = flowNode(tracer, flow, undefined, creations);
  const span = startBatchSend(tracer, creations, { system: SYSTEM, destination: flow.queueName, attributes: { 'messaging.bullmq.flow.name': flow.name } });
  try {
    return await (opts === undefined ? producer.add(traced) : producer.add(traced, opts));
  } catch (err) {
    span.recordError(err);
    throw err;
  } finally {
    span.end();
  }
}

/**
 * `flowProducer.addBulk` (several flows, one Redis transaction) as addFlow does each flow: every job its own
 * `create <queue>` span (each flow's root under the active span, children under their parent job's), one CLIENT
 * `send` span over the call linking every job, named `send <queue>` when all flows start in one queue, else `send`.
 * One flow of one job: as addJob.
 */
export async function addFlows<N>(tracer: Tracer, producer: BullFlowProducerLike<N>, flows: ReadonlyArray<BullFlowJob>): Promise<N[]> {
  if (typeof producer.addBulk !== 'function') throw new TypeError('tracewire/queue-bullmq: addFlows needs a FlowProducer with addBulk');
  if (flows.length === 1 && isLeaf(flows[0]!)) return publishOne(tracer, flows[0]!.queueName, flows[0]!, (opts) => producer.addBulk!([{ ...flows[0]!, opts }]), (out) => nodeId(out?.[0]));
  const creations: AnySpan[] = [];
  const traced = flows.map((f) => flowNode(tracer, f, undefined, creations));
  const queue = common(flows, (f) => f.queueName);
  const name = common(flows, (f) => f.name);
  const span = startBatchSend(tracer, creations, { system: SYSTEM, destination: queue ?? '', attributes: name === undefined ? undefined : { 'messaging.bullmq.flow.name': name } });
  try {
    return await producer.addBulk(traced);
  } catch (err) {
    span.recordError(err);
    throw err;
  } finally {
    span.end();
  }
}

/** The value all flows share, or undefined (semconv: a batch attribute only when it applies to every message). */
function common(flows: ReadonlyArray<BullFlowJob>, get: (f: BullFlowJob) => string): string | undefined {
  if (flows.length === 0) return undefined;
  const v = get(flows[0]!);
  for (let i = 1; i < flows.length; i++) if (get(flows[i]!) !== v) return undefined;
  return v;
}

/** A copy of `node` (and its children) with each job's creation context in its options; the caller's tree untouched. */
function flowNode(tracer: Tracer, node: BullFlowJob, parent: AnySpan | undefined, creations: AnySpan[]): BullFlowJob {
  const carrier: Record<string, string> = {};
  const span = createMessage(tracer, carrier, { system: SYSTEM, destination: node.queueName, messageId: jobId(node.opts), attributes: { 'messaging.bullmq.job.name': node.name } }, parent);
  creations.push(span);
  const copy: BullFlowJob = { ...node, opts: withMetadata(node.opts, carrier) };
  if (Array.isArray(node.children)) copy.children = node.children.map((c) => flowNode(tracer, c, span, creations));
  return copy;
}

/**
 * The carrier stored by addJob, or null when absent or not ours. A sandboxed (file) processor gets the job's
 * options as stored in Redis, telemetry.metadata under its short key `tm` (bullmq Job.optsAsJSON). Metadata that is
 * not ours or throws when read (a getter, a Proxy): null, counted in queueStats().carrierUnreadable, never a throw.
 */
export function jobCarrier(job: BullJobLike): Carrier | null {
  const c = readJobCarrier(job);
  if (c !== UNREADABLE_CARRIER) return c;
  queueCounters.carrierUnreadable++;
  return null;
}

/** jobCarrier, with metadata that is there but not ours, or throws when read, as UNREADABLE_CARRIER (counted when extracted). */
function readJobCarrier(job: BullJobLike): Carrier | null {
  let m: unknown;
  try {
    const o = job.opts;
    m = o?.telemetry?.metadata ?? o?.tm;
  } catch {
    return UNREADABLE_CARRIER;
  }
  if (m === undefined || m === null) return null;
  if (typeof m !== 'string' || m.length > MAX_METADATA || m.charCodeAt(0) !== 123) return UNREADABLE_CARRIER;
  try {
    const v: unknown = JSON.parse(m);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Carrier) : UNREADABLE_CARRIER;
  } catch {
    return UNREADABLE_CARRIER;
  }
}

/**
 * Wrap a Worker processor: a CONSUMER span `process <queue>` per job (per attempt), active while it runs.
 * BullMQ calls it from the Worker's loop, which runs in the context `new Worker` was called in (often a request
 * that ended long ago): no ambient span of the job (js#4001), so none is active when its span starts. An
 * iteration of a repeatable job (BullMQ copies the first add's context into every one) starts its own trace
 * with a link to that add: as its child, every iteration for months would join one trace. The wrapper returns what
 * the processor does (a synchronous throw thrown, recorded first), as consumeMessage.
 */
export function processJob<J extends BullJobLike, R>(tracer: Tracer, processor: (job: J, token: string | undefined, span: AnySpan) => R, options: { mode?: ConsumeOptions['mode'] } = {}): (job: J, token?: string) => R {
  return (job, token) => storage.run(undefined, consumeJob, tracer, processor, options.mode, job, token);
}

function consumeJob<J extends BullJobLike, R>(tracer: Tracer, processor: (job: J, token: string | undefined, span: AnySpan) => R, mode: ConsumeOptions['mode'], job: J, token: string | undefined): R {
  return consumeMessage(tracer, readJobCarrier(job), {
    system: SYSTEM,
    destination: job.queueName,
    mode: typeof job.repeatJobKey === 'string' && job.repeatJobKey.length > 0 ? 'link' : mode,
    messageId: job.id === undefined ? undefined : String(job.id),
    attributes: { 'messaging.bullmq.job.name': job.name, 'messaging.bullmq.job.attempts_made': job.attemptsMade ?? 0 },
  }, (span) => processor(job, token, span));
}
