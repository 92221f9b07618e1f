// The traced queue consumer wrappers side by side, each called with one handler, for tests that check they all
// surface a handler's result alike (queue-recipes-errors, queue-thenable); a lazy one-shot thenable for handlers.
import { createTracer } from '../../src/index.js';
import { consumeBatch, consumeMessage } from '../../adapters/queue.js';
import { processJob } from '../../adapters/queue-bullmq.js';
import { processNats } from '../../adapters/queue-nats.js';
import { processJetStream, type JsMsgLike } from '../../adapters/queue-jetstream.js';
import { CaptureProcessor } from './capture.js';

export function setup() {
  const cap = new CaptureProcessor();
  return { cap, tracer: createTracer({ service: 'svc', processor: cap }) };
}

export function jsMsg(seq: number): JsMsgLike {
  return { subject: 'orders.new', data: new Uint8Array(), seq, redelivered: false, info: { stream: 'ORDERS', consumer: 'billing', deliveryCount: 1 } };
}

/** Each wrapper, given a tracer and a handler, as an application calls it. */
export const WRAPPERS: Record<string, (tracer: ReturnType<typeof setup>['tracer'], h: () => unknown) => unknown> = {
  consumeMessage: (t, h) => consumeMessage(t, null, { system: 'rabbitmq', destination: 'q' }, h),
  consumeBatch: (t, h) => consumeBatch(t, [null, null], { system: 'rabbitmq', destination: 'q' }, h),
  processJetStream: (t, h) => processJetStream(t, jsMsg(1), h),
  processNats: (t, h) => processNats(t, { subject: 'orders.new', data: new Uint8Array() }, h),
  processJob: (t, h) => processJob(t, h)({ id: '1', name: 'mail', queueName: 'q' }),
};

/** Lazy and one-shot: its work starts on the first `then` (as a query builder's does); a second `then` throws. */
export class OneShot<T> {
  calls = 0;
  started = false;
  constructor(private readonly outcome: { value?: T; error?: unknown }) {}
  then<A = T, B = never>(onF?: ((v: T) => A | PromiseLike<A>) | null, onR?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    if (++this.calls > 1) throw new Error('one-shot thenable: then called twice');
    this.started = true;
    const p = 'error' in this.outcome ? Promise.reject(this.outcome.error) : Promise.resolve(this.outcome.value as T);
    return p.then(onF, onR);
  }
}
