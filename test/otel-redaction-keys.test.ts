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

test.run();
