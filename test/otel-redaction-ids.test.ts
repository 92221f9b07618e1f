// Identities, sessions and the payload keys the OpenTelemetry bridge already rewrote or dropped (adapters/otel-redact.ts):
// who a request was for goes, what it was allowed to do stays; queries, header values, exception texts and message
// bodies stay out whichever path (span start, setAttribute, events) brings them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SpanKind } from '@opentelemetry/api';
import { eventAttrs, everything, named, setupBridge, unregisterBridge } from './helpers/otel-bridge.js';

test.after.each(unregisterBridge);

test('AC-007 session.id and session.previous_id are dropped, counted (a server\'s session ID is often the cookie\'s bearer value; in any case one person\'s requests linked); redaction.keep takes them back; gen_ai.conversation.id stays', () => {
  const { cap, otel, reg: r } = setupBridge('redaction-ids-session');
  const s = otel.startSpan('GET /cart', { kind: SpanKind.SERVER, attributes: { 'session.id': 'SECRET-sid', 'http.route': '/cart', 'gen_ai.conversation.id': 'conv_5j66' } });
  s.setAttribute('session.previous_id', 'SECRET-old');
  s.addEvent('session.start', { 'session.id': 'SECRET-sid', 'session.previous_id': 'SECRET-old' }); // semconv's session events
  s.end();
  const x = named(cap, 'GET /cart');
  assert.equal(x.attributes, { 'http.route': '/cart', 'gen_ai.conversation.id': 'conv_5j66' });
  assert.equal(eventAttrs(x, 0), {});
  assert.not.ok(everything(cap).includes('SECRET'));
  assert.is(r.stats().redaction.dropped, 4);
  unregisterBridge();
  const opt = setupBridge('redaction-ids-session-keep', {}, { redaction: { keep: ['session.id'] } });
  opt.otel.startSpan('rum', { attributes: { 'session.id': '9a3f', 'session.previous_id': '77c1' } }).end();
  assert.equal(named(opt.cap, 'rum').attributes, { 'session.id': '9a3f' }, 'redaction.keep opts a key back in');
});

test('AC-007 enduser.role, enduser.scope and user.roles (what a caller may do) stay; who the caller is (enduser.id, enduser.pseudo.id, user.id, user.name, user.full_name, user.email, user.hash) is dropped, counted', () => {
  const { cap, otel, reg: r } = setupBridge('redaction-ids-user');
  const kept = { 'enduser.role': 'admin', 'enduser.scope': 'read:message write:files', 'user.roles': ['admin', 'viewer'] };
  const who = {
    'enduser.id': 'SECRET', 'enduser.pseudo.id': 'SECRET', 'user.id': 'SECRET', 'user.name': 'SECRET', 'user.full_name': 'SECRET',
    'user.email': 'SECRET@example.com', 'user.hash': 'SECRET364fcb',
  };
  const s = otel.startSpan('POST /files', { kind: SpanKind.SERVER, attributes: { ...kept, ...who } });
  s.setAttribute('enduser.id', 'SECRET');
  s.setAttribute('enduser.role', 'admin');
  s.addEvent('authz', { 'enduser.scope': 'read:message', 'user.email': 'SECRET' });
  s.end();
  const x = named(cap, 'POST /files');
  assert.equal(x.attributes, kept);
  assert.equal(eventAttrs(x, 0), { 'enduser.scope': 'read:message' });
  assert.not.ok(everything(cap).includes('SECRET'));
  assert.is(r.stats().redaction.dropped, Object.keys(who).length + 2);
});

test('AC-007 unchanged, through events too: db.statement and graphql.document lose their literals, header values and message bodies are dropped (sizes stay as numbers), an exception event loses its message and stacktrace (type kept), rpc.message.* events stay', () => {
  const { cap, otel, reg: r } = setupBridge('redaction-ids-payloads');
  const s = otel.startSpan('pg.query', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } });
  s.setAttribute('db.statement', "SELECT id FROM users WHERE email = 'SECRET@example.com'");
  s.addEvent('graphql', { 'graphql.document': 'query { user(email: "SECRET") { id } }', 'db.query.text': "UPDATE t SET pw = 'SECRET'" });
  s.addEvent('request', { 'http.request.header.authorization': ['Bearer SECRET'], 'http.response.header.set-cookie': ['sid=SECRET'], 'http.request.method': 'GET' });
  s.addEvent('exception', { 'exception.type': 'QueryFailedError', 'exception.message': 'duplicate key (email)=(SECRET)', 'exception.stacktrace': 'at SECRET (/srv/app.js:1:1)' });
  s.addEvent('message', { 'rpc.message.type': 'SENT', 'rpc.message.id': 1, 'rpc.message.uncompressed_size': 10, 'rpc.message.compressed_size': 'SECRET' });
  s.addEvent('publish', { 'messaging.message.body': 'SECRET', 'messaging.message.body.size': 42 });
  s.end();
  const x = named(cap, 'pg.query');
  assert.equal(x.attributes, { 'db.system.name': 'postgresql', 'db.statement': 'SELECT id FROM users WHERE email = ?' });
  assert.equal(eventAttrs(x, 0), { 'graphql.document': 'query { user(email: ?) { id } }', 'db.query.text': 'UPDATE t SET pw = ?' });
  assert.equal(eventAttrs(x, 1), { 'http.request.method': 'GET' });
  assert.equal(eventAttrs(x, 2), { 'exception.type': 'QueryFailedError' });
  assert.equal(eventAttrs(x, 3), { 'rpc.message.type': 'SENT', 'rpc.message.id': 1, 'rpc.message.uncompressed_size': 10 });
  assert.equal(eventAttrs(x, 4), { 'messaging.message.body.size': 42 });
  assert.not.ok(everything(cap).includes('SECRET'));
  assert.equal([r.stats().redaction.dropped, r.stats().redaction.sanitized], [2 + 2 + 1 + 1, 3]);
});

test.run();
