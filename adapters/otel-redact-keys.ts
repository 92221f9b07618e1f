// The bridge's table of attribute keys: which are dropped, kept only as numbers, or rewritten (URLs, queries).
// Read once per key by Redactor.classify (adapters/otel-redact.ts), which caches the answer; the user's
// `redaction.keep` / `redaction.drop` and the tracer's recordErrorMessages are applied there, before this table.

/** What happens to a key. */
export const Rule = { KEEP: 0, DROP: 1, URL: 2, TARGET: 3, QUERY: 4, GRAPHQL: 5, GRAPHQL_SOURCE: 6, SIZE: 7 } as const;
export type RuleValue = (typeof Rule)[keyof typeof Rule];

/** Dropped outright by default: credentials, payloads, parameter values, PII (user names: db.user, enduser.*, user.*). */
const DROP_EXACT = [
  'db.connection_string', 'db.user', 'db.postgresql.values', 'db.postgresql.plan', 'db.statement.parameters', 'url.query', 'url.fragment',
  'http.request.body', 'http.response.body', 'http.request.body.content', 'http.response.body.content', 'messaging.message.body',
  'messaging.kafka.message.key', 'kafka.message.key', 'exception.stacktrace', 'http.request.header', 'http.response.header',
  'db.memcached.key',
];
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

/** The table's rule for `key`: DROP, SIZE, or KEEP (URL, target and query keys are the Redactor's: they depend on its options). */
export function tableRule(key: string): RuleValue {
  if (DROP_EXACT.includes(key)) return Rule.DROP;
  if (SIZE_KEYS.includes(key)) return Rule.SIZE;
  for (let i = 0; i < DROP_PREFIXES.length; i++) if (key.startsWith(DROP_PREFIXES[i]!)) return Rule.DROP;
  return Rule.KEEP;
}
