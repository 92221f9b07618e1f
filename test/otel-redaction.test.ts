// Redaction through the OpenTelemetry bridge of what real instrumentations set (adapters/otel-redact.ts,
// adapters/otel-sql.ts): the attribute keys they use, in the order they set them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as api from '@opentelemetry/api';
import { createTracer, type Span } from '../src/index.js';
import { CaptureProcessor } from './helpers/capture.js';
import { registerOpenTelemetry, type OtelRegistration } from '../adapters/otel.js';

const { trace } = api;
let reg: OtelRegistration | null = null;
function setup() {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'redaction-test', processor: cap, env: {} });
  reg = registerOpenTelemetry(tracer, api);
  return { cap, otel: trace.getTracer('test-instrumentation'), reg };
}
test.after.each(() => { reg?.(); reg = null; });
const named = (cap: CaptureProcessor, name: string): Span => {
  const s = cap.spans.find((x) => x.name === name);
  assert.ok(s, `span ${name} exported`);
  return s!;
};

test('AC-007 instrumentation-graphql with allowValues: graphql.source is sanitized and graphql.variables.* dropped', () => {
  const { cap, otel, reg: r } = setup();
  // as @opentelemetry/instrumentation-graphql sets them (AttributeNames.SOURCE, addInputVariableAttributes)
  const s = otel.startSpan('graphql.execute', { attributes: { 'graphql.operation.name': 'Login' } });
  s.setAttribute('graphql.source', 'mutation Login { login(email: "bob@example.com", password: "hunter2", pin: 1234) { token } }');
  s.setAttribute('graphql.variables.password', 'hunter2');
  s.setAttribute('graphql.variables.input.card.0', '4111111111111111');
  s.end();
  const x = named(cap, 'graphql.execute');
  assert.equal(x.attributes, {
    'graphql.operation.name': 'Login',
    'graphql.source': 'mutation Login { login(email: ?, password: ?, pin: ?) { token } }',
  });
  assert.equal([r.stats().redaction.dropped, r.stats().redaction.sanitized], [2, 1]);
});

test.run();
