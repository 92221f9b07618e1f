// The OpenTelemetry bridge tests' common setup: a capturing tracer registered with the real @opentelemetry/api,
// unregistered after each test (call unregisterBridge from test.after.each), and a lookup of exported spans.
import * as assert from 'uvu/assert';
import * as api from '@opentelemetry/api';
import { createTracer, type Span, type TracerOptions } from '../../src/index.js';
import { CaptureProcessor } from './capture.js';
import { registerOpenTelemetry, type OtelBridgeOptions, type OtelRegistration } from '../../adapters/otel.js';

let reg: OtelRegistration | null = null;

export function setupBridge(service: string, opts: TracerOptions = {}, bridge: Partial<OtelBridgeOptions> = {}) {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service, processor: cap, env: {}, ...opts });
  reg = registerOpenTelemetry(tracer, { api, ...bridge });
  return { cap, tracer, otel: api.trace.getTracer('test-instrumentation', '1.0.0'), reg };
}

export function unregisterBridge(): void {
  reg?.();
  reg = null;
}

/** The exported span named `name` (asserted to exist). */
export function named(cap: CaptureProcessor, name: string): Span {
  const s = cap.spans.find((x) => x.name === name);
  assert.ok(s, `span ${name} exported`);
  return s!;
}

/** Every attribute value of `cap`'s spans and their events, as one string: where a secret would show. */
export function everything(cap: CaptureProcessor): string {
  return JSON.stringify(cap.spans.map((x) => [x.attributes, x.events.map((e) => e.attrs)]));
}

/** The attributes of `s`'s `i`th event as an object. */
export function eventAttrs(s: Span, i: number): Record<string, unknown> {
  const a = (s.events[i]!.attrs ?? []) as unknown[];
  const o: Record<string, unknown> = {};
  for (let j = 0; j < a.length; j += 2) o[a[j] as string] = a[j + 1];
  return o;
}
