// The bridge's table of attribute keys: which are dropped, kept only as numbers, or rewritten (URLs, queries); LLM and
// agent telemetry (gen_ai.*, mcp.*, llm.*, ai.*, ...) has its own table, adapters/otel-redact-ai.ts.
// Read once per key by Redactor.classify (adapters/otel-redact.ts), which caches the answer; the user's
// `redaction.keep` / `redaction.drop` and the tracer's recordErrorMessages are applied there, before this table.

import { aiRule } from './otel-redact-ai.js';
import { Rule, type RuleValue } from './otel-redact-rule.js';

export { Rule, type RuleValue } from './otel-redact-rule.js';

/** Dropped outright by default: credentials, payloads, parameter values, PII (user names and IDs: db.user, enduser.*, user.*). */
const DROP_EXACT = [
  'db.connection_string', 'db.user', 'db.postgresql.values', 'db.postgresql.plan', 'db.statement.parameters', 'url.query', 'url.fragment',
  'http.request.body', 'http.response.body', 'http.request.body.content', 'http.response.body.content', 'messaging.message.body',
  'messaging.kafka.message.key', 'kafka.message.key', 'exception.stacktrace', 'http.request.header', 'http.response.header',
  'db.memcached.key',
  // object and message keys are data (user IDs, emails, file names), as db.memcached.key and kafka's
  'aws.s3.key', // the object's key; aws.s3.bucket (a resource name), upload_id (S3's opaque ID) and part_number stay
  'aws.s3.copy_source', // `bucket/key` of the copy's source, or the key alone (semconv's example): the key is data
  'aws.s3.delete', // `Objects=[{Key=...}]`: the keys of the objects deleted
  'aws.dynamodb.item_collection_metrics', // JSON holding ItemCollectionKey, a partition key's value
  'messaging.rocketmq.message.keys', 'messaging.gcp_pubsub.message.ordering_key',
  // the caller's address: on a server, an end user's IP (from X-Forwarded-For / Forwarded too); its port stays
  'client.address', 'client.socket.address', 'source.address', 'http.client_ip',
  // a server's session ID is often the session cookie's value (a bearer credential); any session ID links one person's requests
  'session.id', 'session.previous_id',
  'user_id', 'customer_id', 'session_id', // bare: what OpenLLMetry's Associations.set writes on the active span
];
/** What a caller may do, not who it is: kept under the enduser.* / user.* drop (roles and OAuth scopes name permissions). */
const KEEP_EXACT = ['enduser.role', 'enduser.scope', 'user.roles'];
/**
 * The socket peer: on a SERVER span the caller (an end user, or the proxy in front of them), dropped; on any other
 * span the server or broker connected to (instrumentation-net's tcp.connect is INTERNAL), kept. Ports always stay.
 */
const PEER_KEYS = ['network.peer.address', 'net.peer.ip', 'net.sock.peer.addr', 'net.peer.name', 'net.sock.peer.name'];
const DROP_PREFIXES = [
  'http.request.header.', 'http.response.header.', 'rpc.request.metadata.', 'rpc.response.metadata.',
  'rpc.grpc.request.metadata.', 'rpc.grpc.response.metadata.', 'rpc.connect_rpc.request.metadata.',
  'rpc.connect_rpc.response.metadata.', 'db.query.parameter.', 'db.operation.parameter.', 'messaging.message.body.',
  'enduser.', 'user.', 'graphql.variables.',
];
/**
 * Sizes of payloads (bytes): operational metadata, kept, but only as numbers (anything else under such a key may be
 * the payload itself). messaging.message.body.size would fall under the messaging.message.body.* drop otherwise.
 */
const SIZE_KEYS = [
  'messaging.message.body.size', 'messaging.message.envelope.size', 'messaging.message_payload_size_bytes',
  'messaging.message_payload_compressed_size_bytes', 'http.request.body.size', 'http.response.body.size', 'http.request.size',
  'http.response.size', 'http.request_content_length', 'http.request_content_length_uncompressed', 'http.response_content_length',
  'http.response_content_length_uncompressed', 'rpc.message.compressed_size', 'rpc.message.uncompressed_size',
  'message.compressed_size', 'message.uncompressed_size', 'azure.cosmosdb.request.body.size', 'db.cosmosdb.request_content_length',
];
/**
 * geo.* (where a client is, from its IP or device), also embedded (`client.geo.*`): a country or region holds
 * millions and stays; a locality (a village), a postal code (a street in places) or coordinates (a house) go, as
 * does any other geo key.
 */
const GEO_KEEP = ['continent.code', 'country.iso_code', 'region.iso_code'];

export const URL_KEYS = ['url.full', 'http.url', 'url.original', 'messaging.url']; // messaging.url: instrumentation-amqplib
export const TARGET_KEYS = ['http.target', 'url.path'];
export const QUERY_KEYS: readonly string[] = ['db.query.text', 'db.statement'];
/**
 * An error's message: exception.message, error.message (semconv), a domain's `*.error.message` (feature_flag.), or
 * `*.error_message` as instrumentation-http (http.error_message) and instrumentation-grpc (grpc.error_message) set it.
 */
export function isErrorMessage(key: string): boolean {
  return key === 'exception.message' || key === 'error.message' || key.endsWith('.error.message') || key.endsWith('.error_message');
}

/**
 * The table's rule for `key`: DROP, SIZE, PEER or KEEP (URL, target and query keys are the Redactor's: they depend on
 * its options).
 */
export function tableRule(key: string): RuleValue {
  if (DROP_EXACT.includes(key)) return Rule.DROP;
  if (SIZE_KEYS.includes(key)) return Rule.SIZE;
  if (KEEP_EXACT.includes(key)) return Rule.KEEP;
  for (let i = 0; i < DROP_PREFIXES.length; i++) if (key.startsWith(DROP_PREFIXES[i]!)) return Rule.DROP;
  const ai = aiRule(key);
  if (ai !== -1) return ai;
  const g = geoTail(key);
  if (g >= 0) return GEO_KEEP.includes(key.slice(g)) ? Rule.KEEP : Rule.DROP;
  if (PEER_KEYS.includes(key)) return Rule.PEER;
  return Rule.KEEP;
}

/** Where the part after `geo.` starts in a `geo.*` key or an embedded `*.geo.*` one (`client.geo.postal_code`), or -1. */
function geoTail(key: string): number {
  if (key.startsWith('geo.')) return 4;
  const i = key.indexOf('.geo.');
  return i < 0 ? -1 : i + 5;
}
