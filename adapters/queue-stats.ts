// The queue adapter's own counters (process-wide): what the helpers counted where no tracer was there to count it on.

/** Counters of tracewire/queue that belong to no tracer (a tracer's own are in its `stats().propagation`). */
export class QueueAdapterStats {
  /**
   * injectMessageContext into a carrier that refused the write (frozen, a setter or Proxy that throws), the context
   * being no span of a tracer and no tracer passed: the carrier is handed back without the context. With a tracer (the
   * span's own, or the one passed) it is counted in that tracer's `stats().propagation.carrierUnwritable` instead.
   */
  carrierUnwritable = 0;
  /**
   * injectMessageContext given a `ctx` of null (a JavaScript caller's) and no tracer: the carrier is handed back as it was.
   * With a tracer passed it is counted in that tracer's `stats().propagation.contextMissing` instead.
   */
  contextMissing = 0;
  /**
   * natsCarrier or jobCarrier on metadata that threw when read (a getter, a Proxy, headers nats.js cannot decode) or,
   * for jobCarrier, BullMQ metadata that is not ours: null is returned (no context), never a throw.
   */
  carrierUnreadable = 0;
  /**
   * Handler results that are thenables but no native Promise (kept untouched, see handBack) whose `then` nothing called
   * within the deadline (setThenableDeadline, default 30 s): the span was ended then, marked `tracewire.queue.unsettled`.
   * One whose span the handler had already ended itself is not counted here but in thenablesUnsettledSpanEnded.
   */
  thenablesUnsettled = 0;
  /**
   * As thenablesUnsettled, but the handler had already ended the span itself: the span was left as the handler ended
   * it (not marked, nothing held open); counted apart, as the result was still never awaited (a dropped result).
   */
  thenablesUnsettledSpanEnded = 0;
}

export const queueCounters = new QueueAdapterStats();

/** Snapshot of the queue adapter's counters. */
export function queueStats(): QueueAdapterStats {
  return { ...queueCounters };
}
