// Redaction through the OpenTelemetry bridge of what real instrumentations set (adapters/otel-redact.ts,
// adapters/otel-sql.ts): the attribute keys they use, in the order they set them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { named, setupBridge, unregisterBridge } from './helpers/otel-bridge.js';
import { dialectFor, QueryDialect, sanitizeQuery, type QueryDialectValue } from '../adapters/otel-sql.js';
import { stripUrl, urlWithoutSecrets } from '../adapters/otel-redact.js';

function setup() {
  return setupBridge('redaction-test');
}
test.after.each(unregisterBridge);

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

test('AC-007 a session in a path parameter (;jsessionid=…) is dropped from url.full, http.url, http.target and url.path', () => {
  const { cap, otel } = setup();
  const s = otel.startSpan('GET /cart', { attributes: {
    'url.full': 'https://shop.example/cart;jsessionid=0123ABCD?x=1', 'http.url': 'http://shop.example/cart;JSESSIONID=0123ABCD',
    'http.target': '/cart;jsessionid=0123ABCD;v=2?x=1', 'url.path': '/cart;jsessionid=0123ABCD/items',
  } });
  s.end();
  const x = named(cap, 'GET /cart');
  assert.equal(x.attributes, { 'url.full': 'https://shop.example/cart', 'http.url': 'http://shop.example/cart', 'http.target': '/cart;v=2', 'url.path': '/cart/items' });
});

test('AC-007 a query recorded before db.system(.name) is set is stripped by that system\'s dialect all the same', () => {
  const { cap, otel } = setup();
  // one setAttributes object with the statement first: redis arguments are all data
  const a = otel.startSpan('redis-obj');
  a.setAttributes({ 'db.statement': 'SET session:bob hunter2', 'db.system': 'redis' });
  a.end();
  // separate calls, the system last: MySQL "..." is a string
  const b = otel.startSpan('mysql-calls');
  b.setAttribute('db.query.text', 'SELECT id FROM users WHERE password = "hunter2"');
  b.setAttribute('db.system.name', 'mysql');
  b.end();
  // started with the queries, the system set afterwards
  const c = otel.startSpan('redis-late', { attributes: { 'db.statement': 'AUTH default hunter2', 'db.query.text': 'GET session:bob' } });
  c.setAttribute('db.system', 'redis');
  c.end();
  assert.is(named(cap, 'redis-obj').getAttribute('db.statement'), 'SET ?');
  assert.is(named(cap, 'mysql-calls').getAttribute('db.query.text'), 'SELECT id FROM users WHERE password = ?');
  assert.equal(named(cap, 'redis-late').attributes, { 'db.statement': 'AUTH ?', 'db.query.text': 'GET ?', 'db.system': 'redis' });
  const all = JSON.stringify(cap.spans.map((s) => s.attributes));
  for (const secret of ['bob', 'hunter2']) assert.not.ok(all.includes(secret), secret);
});

test('AC-007 Cypher (neo4j), GoogleSQL (spanner) and HiveQL read "..." as a string literal, as MySQL does', () => {
  const { cap, otel } = setup();
  const queries: [string, string, string][] = [
    ['neo4j', 'MATCH (u:User {email: "bob@example.com"}) WHERE u.pin = "1234" RETURN u', 'MATCH (u:User {email: ?}) WHERE u.pin = ? RETURN u'],
    ['gcp.spanner', 'SELECT `id` FROM Users WHERE email = "bob@example.com"', 'SELECT `id` FROM Users WHERE email = ?'],
    ['spanner', 'SELECT id FROM Users WHERE email = "bob@example.com"', 'SELECT id FROM Users WHERE email = ?'],
    ['hive', 'SELECT `id` FROM users WHERE email = "bob@example.com"', 'SELECT `id` FROM users WHERE email = ?'],
  ];
  for (const [system, q] of queries) otel.startSpan(system, { attributes: { 'db.system.name': system, 'db.query.text': q } }).end();
  assert.equal(queries.map(([system]) => named(cap, system).getAttribute('db.query.text')), queries.map((x) => x[2]));
});

test('AC-007 instrumentation-typeorm with collectParameters: db.statement.parameters (bound values) is dropped', () => {
  const { cap, otel, reg: r } = setup();
  const s = otel.startSpan('typeorm.query', { attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM "user" WHERE "email" = $1' } });
  s.setAttribute('db.statement.parameters', JSON.stringify({ 0: 'bob@example.com' }));
  s.end();
  assert.equal(named(cap, 'typeorm.query').attributes, { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM "user" WHERE "email" = $1' });
  assert.is(r.stats().redaction.dropped, 1);
});

test('AC-007 sanitizeQuery: Oracle q-quoting, MySQL # comments, "..." of an unknown system and MySQL NO_BACKSLASH_ESCAPES leave no literal behind', () => {
  const { ORACLE, DQ_STRING, SQL, UNKNOWN } = QueryDialect;
  const cases: [string, number, string][] = [
    // Oracle alternative quoting: q'<delim>...<close>'; the literal holds quotes freely
    ["SELECT q'[it's a secret]' FROM dual WHERE b = 1", ORACLE, 'SELECT ? FROM dual WHERE b = ?'],
    ["SELECT Q'{se'cret}', nq'<x'secret>', q'!a'secret!' FROM dual", ORACLE, 'SELECT ?, ?, ? FROM dual'],
    ["SELECT 'C:\\' , 'secret' FROM dual", ORACLE, 'SELECT ? , ? FROM dual'], // Oracle has no backslash escapes
    // the system unknown: a q-quote read either way; where the readings part, the rest is stripped
    ["SELECT q'[it's a secret]' FROM dual", UNKNOWN, 'SELECT ?'],
    ["SELECT q'[plain]' FROM dual", UNKNOWN, 'SELECT ? FROM dual'],
    ["SELECT q'[it's a secret]' FROM dual", SQL, 'SELECT ?'],
    // MySQL # comments
    ['SELECT a FROM t # user=bob-secret\nWHERE b = 1', DQ_STRING, 'SELECT a FROM t \nWHERE b = ?'],
    ['SELECT a FROM t # user=bob-secret\nWHERE b = 1', UNKNOWN, 'SELECT a FROM t \nWHERE b = ?'],
    ["SELECT a FROM t WHERE b #>> '{x}' = 'secret'", SQL, "SELECT a FROM t WHERE b #>> ? = ?"], // PostgreSQL: # is an operator
    // unknown system: "..." may be a MySQL string; a lost identifier is better than a leaked literal
    ['SELECT a FROM t WHERE b = "bob-secret"', UNKNOWN, 'SELECT a FROM t WHERE b = ?'],
    // MySQL NO_BACKSLASH_ESCAPES: 'a\' is a whole literal there, and "a\" too
    ["SELECT 'a\\' , 'secret' FROM t", DQ_STRING, 'SELECT ?'],
    ['SELECT "a\\" , "secret" FROM t', DQ_STRING, 'SELECT ?'],
    ["SELECT 'a\\' , 'secret' FROM t", UNKNOWN, 'SELECT ?'],
  ];
  for (const [q, d, want] of cases) {
    const got = sanitizeQuery(q, d as QueryDialectValue);
    assert.is(got, want, q);
    assert.not.ok(got.includes('secret'), q);
  }
  assert.equal(['oracle', 'oracle.db', 'postgresql', 'mysql', 'sqlite', 'mssql', undefined].map(dialectFor), [ORACLE, ORACLE, SQL, DQ_STRING, UNKNOWN, UNKNOWN, UNKNOWN]);
  assert.is(sanitizeQuery('SELECT a FROM t WHERE b = "bob-secret"'), 'SELECT a FROM t WHERE b = ?', 'the default dialect is UNKNOWN');
});

test('AC-007 a query of an unknown system, and a span name, are stripped as any dialect would read them', () => {
  const { cap, otel } = setup();
  otel.startSpan('SELECT * FROM t WHERE email = "bob@example.com"', { attributes: { 'db.query.text': 'SELECT * FROM t WHERE email = "bob@example.com"' } }).end();
  otel.startSpan('sqlite', { attributes: { 'db.system.name': 'sqlite', 'db.query.text': 'SELECT * FROM t WHERE email = "bob@example.com"' } }).end();
  otel.startSpan('pg', { attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT "email" FROM t' } }).end();
  const all = JSON.stringify(cap.spans.map((s) => [s.name, s.attributes]));
  assert.not.ok(all.includes('bob@'), all);
  assert.is(named(cap, 'pg').getAttribute('db.query.text'), 'SELECT "email" FROM t', 'a PostgreSQL identifier is kept');
});

test('AC-007 a password holding an unencoded / ? # @ or [ never survives in url.full; where user info and path cannot be told apart the URL is dropped, counted', () => {
  const cases: [string, string][] = [
    ['postgres://user:pa/ss-secret@db.example/app', 'postgres://db.example/app'], // WHATWG reads host "user", port "pa": no URL, so a password
    ['https://u:p?w-secret@h.example/p', 'https://h.example/p'],
    ['https://u:p#w-secret@h.example/p', 'https://h.example/p'],
    ['redis://:a/b/c-secret@h:6379/0', 'redis://h:6379/0'],
    ['https://user:pa\\ss-secret@h.example/p', 'https://h.example/p'],
    ['https://user:pw-secret', 'https://user'], // no host at all: nothing after the colon is kept
    // an @ in the path with no colon before it: the path, as every URL parser reads it
    ['https://registry.npmjs.org/@types/node', 'https://registry.npmjs.org/@types/node'],
    ['https://cdn.jsdelivr.net/npm/vue@3/dist/vue.js?v=1', 'https://cdn.jsdelivr.net/npm/vue@3/dist/vue.js'],
    ['https://u:pw-secret@h.example:8443/a/b?x=1#f', 'https://h.example:8443/a/b'],
    // a password holding @[ (read as an IPv6 literal's [) and a : but no ]: the ] of the real host further on is no end of it
    ['https://u:@[pw-secret:/?@[::1]/p', 'https://[::1]/p'],
    ['redis://:@[pw-secret:/#@[::1]:6379', 'redis://[::1]:6379'],
  ];
  for (const [u, want] of cases) assert.is(stripUrl(u), want, u);
  for (const [u, want] of cases.slice(-2)) assert.is(urlWithoutSecrets(u, true), want, `${u} (bridge)`);
  // `user:12/34@host` reads as `host:12` with `/34@host` as path: either reading's secret goes, and the bridge drops such a URL
  // and `user:pa/ss@db/app?to=a@b` may hold its password up to either @
  for (const u of ['postgres://user-secret:12/34-secret@db.example/app', 'http://svc:8080/users/bob@example.com', 'https://u:1@2/3-secret@h.example/p', 'http://h:80?to=x-secret@y',
    'postgres://user-secret:pa/ss-secret@db.example/app?sslmode=require&to=a@b.example']) {
    const got = stripUrl(u);
    assert.not.ok(got.includes('secret'), `${u} -> ${got}`);
  }
  const { cap, otel, reg: r } = setup();
  otel.startSpan('dropped', { attributes: { 'url.full': 'postgres://user:12/34-secret@db.example/app', 'http.url': 'http://svc:8080/users/bob@example.com',
    'url.original': 'postgres://user:pa/ss-secret@db.example/app?to=a@b.example' } }).end();
  otel.startSpan('kept', { attributes: { 'url.full': 'postgres://user:pa/ss-secret@db.example/app' } }).end();
  assert.equal(named(cap, 'dropped').attributes, {});
  assert.equal(named(cap, 'kept').attributes, { 'url.full': 'postgres://db.example/app' });
  assert.equal([r.stats().redaction.dropped, r.stats().redaction.sanitized], [3, 1]);
});

test('AC-007 user info is only in the authority (RFC 3986 §3.2, WHATWG URL): an @ in the path, query or fragment keeps the host before it (http://svc/bob@example.com was recorded as http://example.com); a : before an @ in the first path segment (us/er:pw@h) still drops the URL in the bridge, counted', () => {
  const cases: [string, string][] = [
    ['http://svc/bob@example.com', 'http://svc/bob@example.com'],
    ['http://svc/bob@example.com?x=1#f', 'http://svc/bob@example.com'],
    ['https://us/er@h.example:8443/a/b', 'https://us/er@h.example:8443/a/b'],
    ['https://us/er@x@h.example/p', 'https://us/er@x@h.example/p'],
    ['//svc/bob@example.com', '//svc/bob@example.com'],
    ['svc/bob@example.com', 'svc/bob@example.com'], // no scheme: what precedes the first / is read as the authority
    ['postgres://svc/reader@db/app', 'postgres://svc/reader@db/app'],
    ['http://[::1]/bob@example.com', 'http://[::1]/bob@example.com'],
    ['http://10.0.0.1/a@10.0.0.2', 'http://10.0.0.1/a@10.0.0.2'],
    ['http://svc?to=bob@example.com', 'http://svc'],
    ['http://svc#bob@example.com', 'http://svc'],
    ['http://svc/p?to=bob@example.com#a@b', 'http://svc/p'],
    // a special scheme's \ is a / (WHATWG): it ends the authority; another scheme's is the user info's
    ['https://svc\\bob@example.com/p', 'https://svc\\bob@example.com/p'],
    ['postgres://DOMAIN\\bob@db.example/app', 'postgres://db.example/app'],
    ['mssql://DOMAIN\\bob:pw-secret@db.example/app', 'mssql://db.example/app'],
    // unchanged: user info in the authority goes, an @ after it stays the path's
    ['https://u@h.example/npm/vue@3', 'https://h.example/npm/vue@3'],
    ['https://unpkg.com/react@18.2.0/umd/react.js', 'https://unpkg.com/react@18.2.0/umd/react.js'],
    ['https://registry.npmjs.org/@types/node', 'https://registry.npmjs.org/@types/node'],
    ['http://localhost/a@b/c', 'http://localhost/a@b/c'],
    ['http://svc/users/bob@example.com', 'http://svc/users/bob@example.com'],
    ['https://h.example/x:y/vue@3#a@b', 'https://h.example/x:y/vue@3'],
  ];
  for (const [u, want] of cases) {
    assert.is(stripUrl(u), want, u);
    assert.is(urlWithoutSecrets(u, true), want, `${u} (bridge)`);
    if (/^(https?|postgres|mssql):/.test(u)) { // the host every WHATWG parser reads
      const a = new URL(u), b = new URL(want);
      assert.equal([b.host, b.username, b.password], [a.host, '', ''], `${u}: the host is WHATWG URL's`);
    }
  }
  // a password after a username holding / (or a path segment a:b@c): stripUrl takes the user info to the @, the bridge drops the URL
  for (const u of ['https://us/er:pw-secret@h.example/p', 'https://h.example/us:pw-secret@h2.example/p']) {
    const got = stripUrl(u);
    assert.not.ok(got.includes('secret'), `${u} -> ${got}`);
    assert.is(urlWithoutSecrets(u, true), undefined, u);
  }
  const { cap, otel, reg: r } = setup();
  otel.startSpan('path', { attributes: { 'url.full': 'http://svc/bob@example.com?t=1', 'http.url': 'https://us/er:pw-secret@h.example/p' } }).end();
  assert.equal(named(cap, 'path').attributes, { 'url.full': 'http://svc/bob@example.com' });
  assert.equal([r.stats().redaction.dropped, r.stats().redaction.sanitized], [1, 1]);
});

test('AC-007 semconv\'s placeholder user info (REDACTED:REDACTED@, what instrumentation-http writes in url.full for a request with auth) followed by a port or an @ in the path, query or fragment: host, port and path are kept (the URL was dropped, counted); a real password or a port there still drops it', () => {
  const kept: [string, string][] = [
    ['https://REDACTED:REDACTED@host:8443/a@b?x=1', 'https://host:8443/a@b'],
    ['http://REDACTED:REDACTED@svc/users/bob@example.com', 'http://svc/users/bob@example.com'],
    ['https://REDACTED:REDACTED@registry.example:4873/@types%2fnode', 'https://registry.example:4873/@types%2fnode'],
    ['https://REDACTED:REDACTED@[::1]:8443/p@q#f@g', 'https://[::1]:8443/p@q'],
    ['https://REDACTED:REDACTED@h.example?to=a@b', 'https://h.example'],
    ['postgres://REDACTED:REDACTED@db:5432/app@v2', 'postgres://db:5432/app@v2'],
  ];
  for (const [u, want] of kept) {
    assert.is(stripUrl(u), want, u);
    assert.is(urlWithoutSecrets(u, true), want, `${u} (bridge)`);
    if (/^https?:/.test(u)) { // the host and path every WHATWG parser reads
      const a = new URL(u), b = new URL(want);
      assert.equal([b.host, b.pathname, b.username, b.password], [a.host, a.pathname, '', ''], u);
    }
  }
  // not the placeholder: a password (or a username) that reads as a port or holds @ and /, so the @ further on may end it
  const dropped = ['https://user:pw@host:8443/a@b?x=1', 'https://host:8443/p@q', 'https://REDACTED:REDACTEDx@host:8443/a@b',
    'https://redacted:redacted@host:8443/a@b', 'https://REDACTED@host:8443/a@b', 'https://u:REDACTED:REDACTED@host/a@b', 'https://u:p@REDACTED:REDACTED@host/a@b'];
  for (const u of dropped) assert.is(urlWithoutSecrets(u, true), undefined, u);
  const { cap, otel, reg: r } = setup();
  otel.startSpan('GET', { kind: 2, attributes: { 'url.full': kept[0]![0], 'http.url': kept[1]![0] } }).end();
  otel.startSpan('ambiguous', { attributes: { 'url.full': dropped[0]!, 'http.url': dropped[1]! } }).end();
  assert.equal(named(cap, 'GET').attributes, { 'url.full': kept[0]![1], 'http.url': kept[1]![1] });
  assert.equal(named(cap, 'ambiguous').attributes, {});
  assert.equal([r.stats().redaction.dropped, r.stats().redaction.sanitized], [2, 2]);
});

test('AC-007 amqplib\'s messaging.url (its password mask misses a password holding /), a memcached key and an absolute-form http.target with user info leave no credential behind', () => {
  const { cap, otel, reg: r } = setup();
  // instrumentation-amqplib: censorPassword is url.replace(/:[^:@/]*@/, ':***@')
  otel.startSpan('amqp', { attributes: { 'messaging.system': 'rabbitmq', 'messaging.url': 'amqp://user:pa/ss-secret@rabbit.example:5672/vhost?heartbeat=30' } }).end();
  otel.startSpan('amqp-masked', { attributes: { 'messaging.url': 'amqp://user:***@rabbit.example:5672/vhost' } }).end();
  // instrumentation-memcached: the key is data, as the statement's arguments are
  otel.startSpan('memcached', { attributes: { 'db.system': 'memcached', 'db.memcached.key': 'session:secret-token', 'db.statement': 'get session:secret-token' } }).end();
  // a forward proxy's request target is absolute-form
  otel.startSpan('proxy', { attributes: { 'http.target': 'http://user:pw-secret@h.example/p?q=1', 'url.path': '/a;jsessionid=secret/b' } }).end();
  assert.equal(named(cap, 'amqp').attributes, { 'messaging.system': 'rabbitmq', 'messaging.url': 'amqp://rabbit.example:5672/vhost' });
  assert.equal(named(cap, 'amqp-masked').attributes, { 'messaging.url': 'amqp://rabbit.example:5672/vhost' });
  assert.equal(named(cap, 'memcached').attributes, { 'db.system': 'memcached', 'db.statement': 'get ?' });
  assert.equal(named(cap, 'proxy').attributes, { 'http.target': 'http://h.example/p', 'url.path': '/a/b' });
  assert.not.ok(JSON.stringify(cap.spans.map((x) => x.attributes)).includes('secret'));
  assert.equal([r.stats().redaction.dropped, r.stats().redaction.sanitized], [1, 5]);
});

test('AC-007 error messages instrumentations set as attributes (instrumentation-http http.error_message, instrumentation-grpc grpc.error_message, error.message) are dropped unless the tracer records messages', () => {
  const msgs = {
    'http.error_message': 'invalid token for bob@example.com', 'grpc.error_message': 'user bob@example.com not found',
    'error.message': 'quota of bob@example.com', 'feature_flag.error.message': 'flag for bob@example.com', 'exception.message': 'bob@example.com',
  };
  const names = { 'http.error_name': 'Error', 'grpc.error_name': 'Error' };
  const { cap, otel, reg: r } = setup();
  otel.startSpan('off', { attributes: { ...names, ...msgs } }).end();
  assert.equal(named(cap, 'off').attributes, names);
  assert.is(r.stats().redaction.dropped, 5);
  unregisterBridge();
  const on = setupBridge('redaction-messages', { recordErrorMessages: true });
  on.otel.startSpan('on', { attributes: { ...names, ...msgs } }).end();
  assert.equal(named(on.cap, 'on').attributes, { ...names, ...msgs });
});

test.run();
