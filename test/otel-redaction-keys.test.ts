// Which attribute keys the OpenTelemetry bridge drops, keeps, or keeps only as numbers (adapters/otel-redact.ts):
// user names and payloads go, sizes of payloads stay (AC-007: operational metadata only).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { named, setupBridge, unregisterBridge } from './helpers/otel-bridge.js';

function setup() {
  return setupBridge('redaction-keys-test');
}
test.after.each(unregisterBridge);

test('AC-007 db.user (a database user name, set by instrumentations on the old db semconv, deprecated) and kafka.message.key (semconv\'s name for messaging.kafka.message.key) are dropped, counted, as enduser.*, user.* and db.connection_string are; user_agent.original and db.namespace stay', () => {
  const { cap, otel, reg: r } = setup();
  const s = otel.startSpan('pg', { attributes: {
    'db.system': 'postgresql', 'db.user': 'bob.smith', 'db.namespace': 'app', 'db.connection_string': 'postgresql://db:5432/app',
    'enduser.id': 'bob', 'user.email': 'bob@example.com', 'user_agent.original': 'node',
  } });
  s.setAttribute('db.user', 'alice.jones'); // the setAttribute path too
  s.end();
  otel.startSpan('kafka', { attributes: { 'messaging.system': 'kafka', 'kafka.message.key': 'user-bob', 'messaging.kafka.message.key': 'user-bob' } }).end();
  assert.equal(named(cap, 'pg').attributes, { 'db.system': 'postgresql', 'db.namespace': 'app', 'user_agent.original': 'node' });
  assert.equal(named(cap, 'kafka').attributes, { 'messaging.system': 'kafka' });
  assert.is(r.stats().redaction.dropped, 7);
});

test('AC-007 sizes of payloads are kept as numbers (messaging.message.body.size was dropped with the body; its siblings kept any value); a size that is no number is dropped, counted; bodies stay dropped (http.request.body.content and http.response.body.content were kept)', () => {
  const { cap, otel, reg: r } = setup();
  const sizes = {
    'messaging.message.body.size': 1439, 'messaging.message.envelope.size': 2738, 'messaging.message_payload_size_bytes': 1439,
    'http.request.body.size': 3495, 'http.response.body.size': 0, 'http.request.size': 3600, 'http.response.size': 120,
    'http.request_content_length': 12, 'http.response_content_length_uncompressed': 40, 'rpc.message.uncompressed_size': 10,
  };
  otel.startSpan('sizes', { attributes: sizes }).end();
  const s = otel.startSpan('sizes-set');
  s.setAttribute('messaging.message.body.size', 7); // the setAttribute path
  s.addEvent('message', { 'message.type': 'SENT', 'message.uncompressed_size': 10, 'message.compressed_size': 'secret-body' }); // grpc's message events
  s.end();
  // a non-number under a size key: whatever it holds, it reaches no span
  const n = otel.startSpan('not-numbers', { attributes: { 'messaging.message.body.size': 'secret-body', 'http.request.body.size': '{"card":"4111"}' } });
  n.setAttribute('messaging.message.envelope.size', ['secret-body']);
  n.setAttribute('http.response.body.size', true);
  n.end();
  otel.startSpan('bodies', { attributes: {
    'messaging.message.body': 'secret-body', 'messaging.message.body.text': 'secret-body', 'http.request.body.content': '{"password":"hunter2"}',
    'http.response.body.content': 'secret-body', 'http.request.body': 'secret-body', 'messaging.system': 'kafka',
  } }).end();
  assert.equal(named(cap, 'sizes').attributes, sizes);
  assert.equal(named(cap, 'sizes-set').attributes, { 'messaging.message.body.size': 7 });
  assert.equal(named(cap, 'sizes-set').events[0]!.attrs, ['message.type', 'SENT', 'message.uncompressed_size', 10]);
  assert.equal(named(cap, 'not-numbers').attributes, {});
  assert.equal(named(cap, 'bodies').attributes, { 'messaging.system': 'kafka' });
  const all = JSON.stringify(cap.spans.map((x) => [x.attributes, x.events.map((e) => e.attrs)]));
  for (const secret of ['secret', 'hunter2', '4111']) assert.not.ok(all.includes(secret), secret);
  assert.is(r.stats().redaction.dropped, 1 + 4 + 5);
});

test.run();
