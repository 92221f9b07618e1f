// OTEL_SDK_DISABLED (SDK env spec, General SDK Configuration): "true" makes the SDK a no-op; propagation is untouched.
// A disabled tracer gets passThrough as its own startSpan at construction, so an enabled tracer's span path is the
// prototype's, unchanged: it records nothing and passes the parent's context on as it came.
import { envValue } from './env-value.js';
import { storage } from './context.js';
import { fillSpanId } from './ids.js';
import { NonRecordingSpan, INVALID_SPAN } from './non-recording-span.js';
import { FLAG_SAMPLED, KNOWN_FLAGS, type SpanContextLike } from './span-context.js';
import type { AnySpan, SpanOptions } from './span.js';

export const DISABLED_NOTE = 'tracing is off: spans record nothing, nothing is exported, and an incoming trace context is passed on unchanged to downstream calls (responses carry no trace headers); README: Environment variables';

/** OTEL_SDK_DISABLED as the spec's Boolean: only "true" (any case) is true; any other value but "false" is warned about. */
export function sdkDisabledEnv(env: Record<string, string | undefined>, warn: (m: string) => void): boolean {
  const v = envValue(env, 'OTEL_SDK_DISABLED');
  if (v === undefined) return false;
  const l = v.toLowerCase();
  if (l === 'true') return true;
  if (l !== 'false') warn(`OTEL_SDK_DISABLED=${JSON.stringify(v.slice(0, 40))} is not true or false; tracing stays on`);
  return false;
}

/**
 * Whether the tracer is disabled (`disabled` option, else OTEL_SDK_DISABLED), and if so its startSpan becomes
 * passThrough. Said once when the variable decided it: an operator's switch, not the application's.
 */
export function disabledAtStart(t: { startSpan: unknown }, option: boolean | undefined, env: Record<string, string | undefined>, logger: (m: string) => void): boolean {
  const disabled = option ?? sdkDisabledEnv(env, logger);
  if (!disabled) return false;
  t.startSpan = passThrough;
  if (option === undefined) logger(`OTEL_SDK_DISABLED=true: ${DISABLED_NOTE}`);
  return true;
}

/**
 * A disabled tracer's startSpan. The parent (explicit, else the active span) is passed on as it came: IDs, flags and
 * tracestate (a parent that is already non-recording, itself). `sampleAsRoot` (trust preserve-ids) keeps the trace ID
 * but not the caller's sampled flag, which must not decide; a flag change takes a new span ID (W3C), as unsampled.
 */
export function passThrough(_name: string, options?: SpanOptions): AnySpan {
  let parent: SpanContextLike | null | undefined = options?.root === true ? null : options?.parent;
  if (parent === undefined) parent = storage.getStore() ?? null;
  if (parent === null || (parent.t0 | parent.t1 | parent.t2 | parent.t3) === 0 || (parent.s0 | parent.s1) === 0) return INVALID_SPAN; // no trace to pass on
  if (options?.sampleAsRoot === true) {
    const nr = new NonRecordingSpan(parent.t0, parent.t1, parent.t2, parent.t3, 0, 0, parent.traceFlags & KNOWN_FLAGS & ~FLAG_SAMPLED, parent.traceState);
    fillSpanId(nr);
    return nr;
  }
  if (parent instanceof NonRecordingSpan) return parent;
  const nr = new NonRecordingSpan(parent.t0, parent.t1, parent.t2, parent.t3, parent.s0, parent.s1, parent.traceFlags & KNOWN_FLAGS, null);
  nr.traceState = parent.traceState; // as it came: the constructor erases `th`, which describes a decision made here
  return nr;
}
