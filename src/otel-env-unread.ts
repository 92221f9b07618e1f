// The SDK-spec OTEL_* variables (configuration/sdk-environment-variables.md) a tracer ignores, named once when it
// is built: someone coming from OpenTelemetry would otherwise find OTEL_PROPAGATORS=b3 or OTEL_LOG_LEVEL
// silently without effect. Other signals' variables and instrumentations' own are not ours to judge.
import type { TracerOptions } from './tracer-options.js';
import { envValue } from './env-value.js';

type Env = Record<string, string | undefined>;

/** Read by no tracewire API: the name, what tracewire does instead, and a value that asks for just that (not said). */
const NEVER_READ: ReadonlyArray<readonly [string, string, ((v: string) => boolean)?]> = [
  ['OTEL_PROPAGATORS', 'W3C tracecontext only', (v) => v.split(',').every((p) => { const t = p.trim().toLowerCase(); return t === '' || t === 'tracecontext'; })],
  ['OTEL_LOG_LEVEL', 'warnings go to the logger option'],
  ['OTEL_CONFIG_FILE', 'the config file is TRACEWIRE_CONFIG'],
  ['OTEL_EXPERIMENTAL_CONFIG_FILE', 'the config file is TRACEWIRE_CONFIG'],
];

/** Read by tracerFromConfig, not createTracer: said only when createTracer's matching option is not given either. */
const CONFIG_ONLY: ReadonlyArray<readonly [string, (o: TracerOptions) => unknown]> = [
  ['OTEL_TRACES_SAMPLER', (o) => o.sampler],
  ['OTEL_TRACES_EXPORTER', (o) => o.exporter ?? o.processor],
  ['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', (o) => o.attributes?.maxCount],
  ['OTEL_ATTRIBUTE_COUNT_LIMIT', (o) => o.attributes?.maxCount],
  ['OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', (o) => o.attributes?.maxValueLength],
  ['OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', (o) => o.attributes?.maxValueLength],
  ['OTEL_SPAN_EVENT_COUNT_LIMIT', (o) => o.attributes?.maxEvents],
  ['OTEL_SPAN_LINK_COUNT_LIMIT', (o) => o.attributes?.maxLinks],
  ['OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', (o) => o.attributes?.maxEventAttributes],
  ['OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', (o) => o.attributes?.maxLinkAttributes],
];

/**
 * One line naming the OTEL_* variables set in `env` that the tracer ignores, or null. `createTracer`: that tracer's
 * options (the variables tracerFromConfig reads count too); null for tracerFromConfig.
 */
export function unreadOtelEnv(env: Env, createTracer: TracerOptions | null): string | null {
  const never: string[] = [];
  for (const [name, instead, quiet] of NEVER_READ) {
    const v = envValue(env, name);
    if (v !== undefined && quiet?.(v) !== true) never.push(`${name} (${instead})`);
  }
  const configOnly = createTracer === null ? [] : CONFIG_ONLY.filter(([name, given]) => envValue(env, name) !== undefined && given(createTracer) === undefined).map(([name]) => name);
  if (never.length === 0 && configOnly.length === 0) return null;
  const parts: string[] = [];
  if (never.length > 0) parts.push(`OTEL_* variables tracewire does not read, ignored: ${never.join(', ')}`);
  if (configOnly.length > 0) parts.push(`read by tracerFromConfig, not createTracer (pass the option instead): ${configOnly.join(', ')}`);
  return parts.join('; ') + ' (README: Environment variables)';
}

/** createTracer's one warning; a throwing logger must not fail the tracer's construction. */
export function warnUnreadOtelEnv(o: TracerOptions, logger: (m: string) => void): void {
  const line = unreadOtelEnv(o.env ?? process.env, o);
  if (line !== null) try { logger(line); } catch { /* ignore */ }
}
