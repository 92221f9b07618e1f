// Which attribute keys the OpenTelemetry bridge drops, keeps, or keeps only as numbers (adapters/otel-redact.ts):
// user names, payloads, object keys and client addresses go, sizes and token counts stay (AC-007: operational metadata only).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SpanKind } from '@opentelemetry/api';
import { everything, named, setupBridge, unregisterBridge } from './helpers/otel-bridge.js';

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

test('AC-007 gen_ai.*: prompts, completions, system instructions, tool call arguments and results, tool definitions and descriptions, retrieval queries and documents are dropped, counted; model, provider, operation, request settings, finish reasons, IDs and names stay; token counts only as numbers; any other gen_ai.* key is dropped', () => {
  const { cap, otel, reg: r } = setup();
  const operational = {
    'gen_ai.provider.name': 'openai', 'gen_ai.system': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o',
    'gen_ai.response.model': 'gpt-4o-2024-08-06', 'gen_ai.output.type': 'json', 'gen_ai.request.max_tokens': 200, 'gen_ai.request.temperature': 0.2,
    'gen_ai.request.top_p': 1, 'gen_ai.request.top_k': 40, 'gen_ai.request.seed': 7, 'gen_ai.request.choice.count': 1,
    'gen_ai.request.frequency_penalty': 0, 'gen_ai.request.presence_penalty': 0, 'gen_ai.request.stop_sequences': ['\n\n'],
    'gen_ai.request.encoding_formats': ['float'], 'gen_ai.embeddings.dimension.count': 512, 'gen_ai.response.finish_reasons': ['stop'],
    'gen_ai.response.id': 'chatcmpl-123', 'gen_ai.conversation.id': 'conv_5j66', 'gen_ai.agent.id': 'asst_5j66', 'gen_ai.agent.name': 'Math Tutor',
    'gen_ai.agent.version': '1.0.0', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.type': 'function', 'gen_ai.tool.call.id': 'call_VSPy',
    'gen_ai.prompt.name': 'analyze-code', 'gen_ai.data_source.id': 'H7STPQYOND', 'gen_ai.evaluation.name': 'Relevance',
    'gen_ai.evaluation.score.value': 4, 'gen_ai.evaluation.score.label': 'relevant', 'gen_ai.openai.response.system_fingerprint': 'fp_44709d6fcb',
    'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 180, 'gen_ai.usage.cache_read.input_tokens': 50, 'gen_ai.usage.prompt_tokens': 100,
    'gen_ai.memory.store.id': 'ms_abc123', 'gen_ai.memory.scope': 'user', 'gen_ai.memory.search.result.count': 3,
  };
  const payload = {
    'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"SECRET my card is 4111"}]}]',
    'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"SECRET"}]}]',
    'gen_ai.system_instructions': '[{"type":"text","content":"SECRET you are a bank agent"}]',
    'gen_ai.tool.call.arguments': '{"iban":"SECRET"}', 'gen_ai.tool.call.result': '{"balance":"SECRET"}',
    'gen_ai.tool.definitions': '[{"name":"get_weather","description":"SECRET"}]', 'gen_ai.tool.description': 'SECRET', 'gen_ai.agent.description': 'SECRET',
    'gen_ai.retrieval.query.text': 'SECRET', 'gen_ai.retrieval.documents': '[{"id":"SECRET","score":0.9}]', 'gen_ai.evaluation.explanation': 'SECRET',
    'gen_ai.memory.content': 'SECRET', 'gen_ai.memory.query': 'SECRET', 'gen_ai.memory.namespace': 'user_SECRET',
    'gen_ai.prompt': 'SECRET', 'gen_ai.completion': 'SECRET', // deprecated
    'gen_ai.prompt.0.content': 'SECRET', 'gen_ai.completion.0.content': 'SECRET', // OpenLLMetry's indexed form
    'gen_ai.some_future.key': 'SECRET', // unknown: the family's default
  };
  const s = otel.startSpan('chat gpt-4o', { kind: SpanKind.CLIENT, attributes: { ...operational, ...payload } });
  s.setAttribute('gen_ai.output.messages', 'SECRET'); // the setAttribute path
  s.setAttribute('gen_ai.usage.output_tokens', 'SECRET'); // a count that is no number
  s.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': 'SECRET', 'gen_ai.system': 'openai' }); // semconv 1.26's events
  s.end();
  const x = named(cap, 'chat gpt-4o');
  assert.equal(x.attributes, operational);
  assert.equal(x.events[0]!.attrs, ['gen_ai.system', 'openai']);
  assert.not.ok(everything(cap).includes('SECRET'));
  assert.is(r.stats().redaction.dropped, Object.keys(payload).length + 3);
  unregisterBridge();
  const opt = setupBridge('redaction-keys-opt-in', {}, { redaction: { keep: ['gen_ai.tool.description'] } });
  opt.otel.startSpan('opt', { attributes: { 'gen_ai.tool.description': 'Multiply two numbers' } }).end();
  assert.equal(named(opt.cap, 'opt').attributes, { 'gen_ai.tool.description': 'Multiply two numbers' }, 'redaction.keep opts a key back in');
});

test('AC-007 object and message keys are dropped, counted (aws.s3.key, aws.s3.copy_source, aws.s3.delete, DynamoDB\'s item collection key, RocketMQ keys, Pub/Sub ordering keys); the bucket, upload ID and part number stay', () => {
  const { cap, otel, reg: r } = setup();
  const kept = { 'rpc.system': 'aws-api', 'rpc.service': 'S3', 'aws.s3.bucket': 'invoices', 'aws.s3.upload_id': 'dfRtDYWFbkRONycy.Yxwh66Yjlx.cph0gtNBtJ', 'aws.s3.part_number': 3 };
  otel.startSpan('S3.UploadPart', { kind: SpanKind.CLIENT, attributes: { ...kept, 'aws.s3.key': 'users/SECRET@example.com/passport.jpg' } }).end();
  const c = otel.startSpan('S3.CopyObject', { kind: SpanKind.CLIENT, attributes: { 'aws.s3.bucket': 'invoices' } });
  c.setAttributes({ 'aws.s3.copy_source': 'uploads/SECRET.pdf', 'aws.s3.key': 'SECRET.pdf' });
  c.end();
  otel.startSpan('S3.DeleteObjects', { kind: SpanKind.CLIENT, attributes: { 'aws.s3.delete': 'Objects=[{Key=SECRET.pdf}],Quiet=false' } }).end();
  otel.startSpan('DynamoDB.PutItem', { kind: SpanKind.CLIENT, attributes: {
    'aws.dynamodb.table_names': ['Users'], 'aws.dynamodb.item_collection_metrics': '{"Users":[{"ItemCollectionKey":{"email":{"S":"SECRET"}}}]}',
  } }).end();
  otel.startSpan('send', { kind: SpanKind.PRODUCER, attributes: {
    'messaging.system': 'rocketmq', 'messaging.rocketmq.message.keys': ['SECRET'], 'messaging.gcp_pubsub.message.ordering_key': 'SECRET',
  } }).end();
  assert.equal(named(cap, 'S3.UploadPart').attributes, kept);
  assert.equal(named(cap, 'S3.CopyObject').attributes, { 'aws.s3.bucket': 'invoices' });
  assert.equal(named(cap, 'S3.DeleteObjects').attributes, {});
  assert.equal(named(cap, 'DynamoDB.PutItem').attributes, { 'aws.dynamodb.table_names': ['Users'] });
  assert.equal(named(cap, 'send').attributes, { 'messaging.system': 'rocketmq' });
  assert.not.ok(everything(cap).includes('SECRET'));
  assert.is(r.stats().redaction.dropped, 1 + 2 + 1 + 1 + 2);
});

test('AC-007 geo.*: continent, country and region stay; locality, postal code and coordinates are dropped, counted, under geo.* and embedded (client.geo.*), as is any other geo key', () => {
  const { cap, otel, reg: r } = setup();
  const coarse = { 'geo.continent.code': 'EU', 'geo.country.iso_code': 'FR', 'geo.region.iso_code': 'FR-IDF', 'client.geo.country.iso_code': 'FR' };
  const fine = { 'geo.locality.name': 'Montreuil', 'geo.postal_code': '93100', 'geo.location.lat': 48.8638, 'geo.location.lon': 2.4485, 'client.geo.postal_code': '93100', 'geo.street': 'x' };
  const s = otel.startSpan('GET /', { kind: SpanKind.SERVER, attributes: { ...coarse, ...fine } });
  s.setAttribute('geo.location.lat', 48.8638);
  s.end();
  assert.equal(named(cap, 'GET /').attributes, coarse);
  assert.is(r.stats().redaction.dropped, Object.keys(fine).length + 1);
});

test('AC-007 client addresses: client.address, source.address, http.client_ip and client.socket.address are dropped on every span; the peer address (network.peer.address, net.peer.ip, net.sock.peer.addr, net.peer.name) on server spans only (it is the caller\'s), kept on client, producer, consumer and internal spans (the server or broker connected to); ports and the user agent stay', () => {
  const { cap, otel, reg: r } = setup();
  const kept = { 'client.port': 51234, 'source.port': 51234, 'network.peer.port': 51234, 'net.peer.port': 51234, 'user_agent.original': 'Mozilla/5.0', 'http.user_agent': 'Mozilla/5.0', 'server.address': 'api.example' };
  const caller = { 'client.address': '203.0.113.9', 'source.address': '203.0.113.9', 'http.client_ip': '203.0.113.9', 'client.socket.address': '203.0.113.9' };
  const peer = { 'network.peer.address': '203.0.113.9', 'net.peer.ip': '203.0.113.9', 'net.sock.peer.addr': '203.0.113.9', 'net.peer.name': 'host-203-0-113-9.example', 'net.sock.peer.name': 'host-203-0-113-9.example' };
  // instrumentation-http's server span: attributes at start, more later, an event
  const srv = otel.startSpan('GET /users', { kind: SpanKind.SERVER, attributes: { ...kept, ...caller, ...peer } });
  srv.setAttribute('network.peer.address', '203.0.113.9');
  srv.setAttributes({ 'net.sock.peer.addr': '203.0.113.9' });
  srv.addEvent('retry', { 'network.peer.address': '203.0.113.9' });
  srv.end();
  const dropped = r.stats().redaction.dropped;
  assert.is(dropped, Object.keys(caller).length + Object.keys(peer).length + 3);
  // a client span and instrumentation-net's tcp.connect (INTERNAL): the peer is the server; the client address fields still go
  const cli = otel.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'server.address': 'api.example', 'client.address': '10.0.0.7' } });
  cli.setAttributes({ 'network.peer.address': '10.1.2.3', 'network.peer.port': 443 });
  cli.end();
  otel.startSpan('tcp.connect', { attributes: { 'network.peer.address': '10.1.2.3', 'net.peer.ip': '10.1.2.3' } }).end();
  otel.startSpan('publish', { kind: SpanKind.PRODUCER, attributes: { 'net.sock.peer.addr': '10.1.2.4' } }).end();
  otel.startSpan('receive', { kind: SpanKind.CONSUMER, attributes: { 'network.peer.address': '10.1.2.4' } }).end();
  assert.equal(named(cap, 'GET /users').attributes, kept);
  assert.equal(named(cap, 'GET /users').events.map((e) => e.attrs ?? []), [[]], 'the event stays, without the address');
  assert.equal(named(cap, 'GET').attributes, { 'server.address': 'api.example', 'network.peer.address': '10.1.2.3', 'network.peer.port': 443 });
  assert.equal(named(cap, 'tcp.connect').attributes, { 'network.peer.address': '10.1.2.3', 'net.peer.ip': '10.1.2.3' });
  assert.equal(named(cap, 'publish').attributes, { 'net.sock.peer.addr': '10.1.2.4' });
  assert.equal(named(cap, 'receive').attributes, { 'network.peer.address': '10.1.2.4' });
  assert.is(r.stats().redaction.dropped, dropped + 1);
  assert.not.ok(everything(cap).includes('203.0.113'));
});

test.run();
