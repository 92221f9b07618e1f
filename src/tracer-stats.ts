// What tracer.stats() reports: the span API's own counters and the merged shape with processor, propagation and sampling.
import type { AttributeStats } from './attributes.js';
import { emptyDrops, type ProcessorStats, type SpanProcessor } from './processor.js';
import type { PropagationStats } from './propagation.js';
import { samplingStats, type Sampler, type SamplingStats } from './sampler.js';

/** Counters of the span API itself; processor and propagation counters are merged in stats(). */
export class TracerCounters {
  started = 0; // recording spans started
  ended = 0; // recording spans ended
  unsampled = 0; // non-recording spans handed out
  endedTwice = 0;
  afterEnd = 0; // calls on an ended span, ignored
  linksDropped = 0;
  eventsDropped = 0;
  processorErrors = 0; // a processor threw from onEnd (it must not); the span counts as dropped
  samplerErrors = 0; // a sampler threw: the span was started unsampled
  invalidTimes = 0; // a start/end/event time that was not a usable epoch time (ms or Date): the clock's time was used
  invalidNames = 0; // a span name that is not a string: startSpan used String(name), updateName() ignored it
  processorTimeouts = 0; // a processor's forceFlush/shutdown had not settled by the deadline: the tracer stopped waiting
  processorStatsErrors = 0; // a processor had no stats() or it threw: stats() read its counts as 0 rather than throw
  invalidCallbacks = 0; // startActiveSpan without a function last: no span started, undefined returned
}

export interface TracerStats extends ProcessorStats {
  dropped: ProcessorStats['dropped'] & { processorError: number };
  started: number;
  ended: number;
  unsampled: number;
  endedTwice: number;
  afterEnd: number;
  linksDropped: number;
  eventsDropped: number;
  processorErrors: number;
  samplerErrors: number;
  invalidTimes: number;
  invalidNames: number;
  processorTimeouts: number;
  /** Calls of stats() that found the processor's stats() missing or throwing (its counts then read 0). */
  processorStatsErrors: number;
  /** startActiveSpan calls without a function as their last argument: no span was started, undefined returned. */
  invalidCallbacks: number;
  attributes: { dropped: number; truncated: number; rejected: number; invalid: number };
  propagation: PropagationStats;
  /**
   * thDropped: sampled spans whose `ot=th` did not fit in 256 chars (none written, the parent's erased);
   * thInconsistent: parent-based children whose sampled parent's `th` was malformed or R < T (erased);
   * randomnessPresumed: probability decisions under a parent without the random flag and without `rv` (said once).
   */
  sampling: SamplingStats;
  /** OTEL_SDK_DISABLED (or the `disabled` option) is in effect: nothing is recorded, so every count stays 0. */
  disabled: boolean;
}

/** tracer.stats(): the processor's stats (zeros without one) merged with the tracer's own counters. */
export function tracerStats(c: TracerCounters, processor: SpanProcessor | null, noExporterDrops: number, attrStats: AttributeStats, propagationStats: PropagationStats, sampler: Sampler, disabled = false): TracerStats {
  const p: ProcessorStats = processorStats(c, processor) ?? { enqueued: 0, exported: 0, queued: 0, dropped: emptyDrops() };
  const dropped = { ...p.dropped, noExporter: (p.dropped.noExporter ?? 0) + noExporterDrops, processorError: c.processorErrors };
  return {
    ...p,
    started: c.started, ended: c.ended, unsampled: c.unsampled, endedTwice: c.endedTwice, afterEnd: c.afterEnd,
    linksDropped: c.linksDropped, eventsDropped: c.eventsDropped, processorErrors: c.processorErrors, samplerErrors: c.samplerErrors, invalidTimes: c.invalidTimes, invalidNames: c.invalidNames, processorTimeouts: c.processorTimeouts,
    processorStatsErrors: c.processorStatsErrors, invalidCallbacks: c.invalidCallbacks,
    dropped,
    attributes: { dropped: attrStats.dropped, truncated: attrStats.truncated, rejected: attrStats.rejected, invalid: attrStats.invalid },
    propagation: { ...propagationStats },
    sampling: samplingStats(sampler),
    disabled,
  };
}

/** A processor of the user's (plain JS) may lack stats() or throw from it: a health endpoint reading stats() must not throw. */
function processorStats(c: TracerCounters, processor: SpanProcessor | null): ProcessorStats | null {
  if (processor === null) return null;
  try {
    const p = processor.stats();
    if (p !== null && typeof p === 'object' && p.dropped !== null && typeof p.dropped === 'object') return p;
  } catch { /* counted below */ }
  c.processorStatsErrors++;
  return null;
}
