// The bridge's table of attribute keys: which are dropped, kept only as numbers, or rewritten (URLs, queries).
// Read once per key by Redactor.classify (adapters/otel-redact.ts), which caches the answer; the user's
// `redaction.keep` / `redaction.drop` and the tracer's recordErrorMessages are applied there, before this table.

/** What happens to a key. SIZE: kept only as a number. PEER: dropped on SERVER spans only (Redactor.apply). */
export const Rule = { KEEP: 0, DROP: 1, URL: 2, TARGET: 3, QUERY: 4, GRAPHQL: 5, GRAPHQL_SOURCE: 6, SIZE: 7, PEER: 8 } as const;
export type RuleValue = (typeof Rule)[keyof typeof Rule];

/** Dropped outright by default: credentials, payloads, parameter values, PII (user names: db.user, enduser.*, user.*). */
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
];
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
 * gen_ai.*: which model was asked what kind of thing and what it cost, never what it was told or answered. Only these
 * keys stay; every other gen_ai.* key is dropped, as new keys in this family tend to be content: prompts and
 * completions (gen_ai.input.messages, .output.messages, .system_instructions, the deprecated gen_ai.prompt and
 * gen_ai.completion, OpenLLMetry's gen_ai.prompt.N.*), tool calls' arguments and results, gen_ai.tool.definitions,
 * gen_ai.tool.description and gen_ai.agent.description (text sent to the model with the prompt), retrieval queries and
 * documents, gen_ai.evaluation.explanation (prose about the answer), memory content and queries, and
 * gen_ai.memory.namespace (user IDs: `user_12345`).
 */
const GEN_AI_KEEP = [
  // provider, operation and model
  'gen_ai.provider.name', 'gen_ai.system', 'gen_ai.operation.name', 'gen_ai.request.model', 'gen_ai.response.model', 'gen_ai.output.type',
  // settings the code chose: numbers, formats, stop sequences
  'gen_ai.request.max_tokens', 'gen_ai.request.temperature', 'gen_ai.request.top_p', 'gen_ai.request.top_k', 'gen_ai.request.seed',
  'gen_ai.request.frequency_penalty', 'gen_ai.request.presence_penalty', 'gen_ai.request.choice.count', 'gen_ai.request.stop_sequences',
  'gen_ai.request.encoding_formats', 'gen_ai.embeddings.dimension.count', 'gen_ai.token.type',
  // how it ended, and IDs (a provider's, usable only with the caller's own key; a conversation's, as session.id)
  'gen_ai.response.finish_reasons', 'gen_ai.response.id', 'gen_ai.conversation.id', 'gen_ai.tool.call.id',
  // names and IDs the application gives its agents, tools, prompt templates and data sources
  'gen_ai.agent.id', 'gen_ai.agent.name', 'gen_ai.agent.version', 'gen_ai.tool.name', 'gen_ai.tool.type', 'gen_ai.prompt.name',
  'gen_ai.data_source.id',
  // evaluations: the metric, its score and a low-cardinality label
  'gen_ai.evaluation.name', 'gen_ai.evaluation.score.value', 'gen_ai.evaluation.score.label',
  // memory operations: which store, what kind, how many
  'gen_ai.memory.id', 'gen_ai.memory.store.id', 'gen_ai.memory.store.name', 'gen_ai.memory.type', 'gen_ai.memory.scope',
  'gen_ai.memory.update.strategy', 'gen_ai.memory.importance', 'gen_ai.memory.expiration_date', 'gen_ai.memory.search.result.count',
  'gen_ai.memory.search.similarity.threshold',
  // the deprecated gen_ai.openai.* settings
  'gen_ai.openai.request.response_format', 'gen_ai.openai.request.seed', 'gen_ai.openai.request.service_tier',
  'gen_ai.openai.response.service_tier', 'gen_ai.openai.response.system_fingerprint',
];
/** gen_ai.usage.*: token counts, kept only as numbers (input_tokens, output_tokens, cache_read.input_tokens, ...). */
const GEN_AI_NUMBERS = 'gen_ai.usage.';
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
  for (let i = 0; i < DROP_PREFIXES.length; i++) if (key.startsWith(DROP_PREFIXES[i]!)) return Rule.DROP;
  if (key.startsWith('gen_ai.')) return GEN_AI_KEEP.includes(key) ? Rule.KEEP : key.startsWith(GEN_AI_NUMBERS) ? Rule.SIZE : Rule.DROP;
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
