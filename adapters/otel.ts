// tracewire/otel: existing OpenTelemetry instrumentations (pg, ioredis, grpc, ORMs...) emit into tracewire.
// registerOpenTelemetry(tracer, api) installs, through the user's own @opentelemetry/api, a TracerProvider,
// a ContextManager and a TextMapPropagator implemented here; their spans get tracewire's sampling,
// limits, allowlist, export and counters. No runtime import of @opentelemetry/api (types only).
//
// Context: one AsyncLocalStorage (src/context.ts) for both; spans nest in either direction.
// Propagation: W3C traceparent/tracestate by the core's rules (no baggage: it carries user data).
// Scope: every instrumentation's spans are exported under the tracewire tracer's scope.
// Keys some library put on Object.prototype (prototype pollution) are read as no attribute, option, span context
// field, status, exception field or carrier header: only the objects' own keys and their classes' are.
//
// Redaction defaults for attributes arriving through the bridge (before the tracer's own allowlist and
// limits; `redaction.keep` exempts keys, `redaction.drop` adds keys; counted in stats().redaction):
//
// | attribute(s)                                              | default                                        |
// |-----------------------------------------------------------|------------------------------------------------|
// | db.query.text, db.statement                               | literals → `?`, comments removed (tokenizer;   |
// |                                                           | dialect from db.system(.name): postgresql and  |
// |                                                           | oracle keep "id" (oracle: q'[..]' quoting),    |
// |                                                           | mysql/mariadb strip ".." and # comments (no    |
// |                                                           | $tag$ quoting), couchbase by N1QL, neo4j by    |
// |                                                           | Cypher (// comments), hive by HiveQL,          |
// |                                                           | spanner by GoogleSQL and PostgreSQL at once,   |
// |                                                           | JSON keeps keys only, redis/memcached keep the |
// |                                                           | command name only; any other system: every     |
// |                                                           | reading at once, SQL Server and SQLite [names] |
// |                                                           | too, so "id" is stripped too).                 |
// |                                                           | Where two readings end a literal at different  |
// |                                                           | places (a backslash with MySQL                 |
// |                                                           | NO_BACKSLASH_ESCAPES, q'[..]' not known to be  |
// |                                                           | Oracle's) the rest is stripped                 |
// | graphql.document, graphql.source (instrumentation-graphql)| string and number literals → `?`, comments     |
// |                                                           | removed (GraphQL: """block strings""", #); in  |
// |                                                           | graphql.source a backslash may not escape (the |
// |                                                           | instrumentation prints values unescaped)       |
// | graphql.variables.* (instrumentation-graphql allowValues) | dropped (variable values)                      |
// | span names (startSpan, updateName) containing `'` or `"`  | literals → `?` (names built from raw SQL)      |
// | url.full, http.url, url.original, messaging.url (amqplib) | user info, query and fragment removed; a       |
// |                                                           | password holding / ? # @ unencoded too. User   |
// |                                                           | info is only in the authority (RFC 3986): an @ |
// |                                                           | after it is the path's (`http://svc/bob@x`:    |
// |                                                           | host svc; `\` a `/` for http(s), ws(s), ftp,   |
// |                                                           | file only). Dropped where the user info cannot |
// |                                                           | be told from the path (`u:12/34@h` vs          |
// |                                                           | `h:12/34@x`, `u/s:pw@h` vs `h/a:b@c`), so a    |
// |                                                           | port or password then an @ (`h:8443/p@q`,      |
// |                                                           | `u:pw@h/a@b`) drops it. User info that is      |
// |                                                           | semconv's placeholder `REDACTED:REDACTED`      |
// |                                                           | (instrumentation-http) is none: the host, port |
// |                                                           | and path after it are kept as parsers read     |
// |                                                           | them (`h:8443/a@b`)                            |
// | http.target, url.path                                     | query and fragment removed (absolute-form:     |
// |                                                           | as url.full)                                   |
// | url.query, url.fragment                                   | dropped                                        |
// | db.connection_string, db.postgresql.values/plan           | dropped                                        |
// | db.user (old db semconv: the database user name)          | dropped (a user name)                          |
// | db.memcached.key (instrumentation-memcached)              | dropped (keys are data: sessions, user IDs)    |
// | db.query.parameter.*, db.operation.parameter.*            | dropped (bound values)                         |
// | db.statement.parameters (instrumentation-typeorm)         | dropped (bound values)                         |
// | http.request.header.*, http.response.header.*             | dropped (cookies, tokens)                      |
// | rpc.{,grpc.,connect_rpc.}{request,response}.metadata.*    | dropped                                        |
// | messaging.message.body(.*), (messaging.)kafka.message.key | dropped (payload)                              |
// | http.{request,response}.body(.content)                    | dropped (payload)                              |
// | sizes: messaging.message.{body,envelope}.size,            | kept as numbers; any other value dropped       |
// | http.{request,response}(.body).size, rpc.message.*_size,  | (it may be the payload)                        |
// | their deprecated names (http.*_content_length, ...)       |                                                |
// | enduser.*, user.* (ids, names, emails, user.hash)         | dropped (PII); enduser.role, enduser.scope,    |
// |                                                           | user.roles kept (permissions, not people)      |
// | session.id, session.previous_id; bare user_id,            | dropped (a session ID is often the cookie's    |
// | customer_id, session_id (OpenLLMetry's Associations)      | bearer value; any links a person's requests)   |
// | gen_ai.input.messages, gen_ai.output.messages,            | dropped (payload: prompts, completions, tool   |
// | gen_ai.system_instructions, gen_ai.prompt(.*),            | calls; tool definitions and descriptions go to |
// | gen_ai.completion(.*), gen_ai.tool.call.arguments and     | the model with the prompt; memory namespaces   |
// | gen_ai.tool.call.result, gen_ai.tool.definitions,         | are user IDs)                                  |
// | gen_ai.tool.description, gen_ai.agent.description,        |                                                |
// | gen_ai.retrieval.*, gen_ai.evaluation.explanation,        |                                                |
// | gen_ai.memory.{content,query,namespace},                  |                                                |
// | gen_ai.prompt.variable.*; any gen_ai.* key not kept below |                                                |
// | gen_ai.usage.* (token counts)                             | kept as numbers; any other value dropped       |
// | gen_ai: provider (system), operation, request and         | kept (the lists: otel-redact-ai.ts; an index   |
// | response model, request settings, finish reasons, IDs     | segment, `.0.`, never changes a key's rule)    |
// | (response, conversation, tool call), agent, tool and      |                                                |
// | prompt names, evaluation scores                           |                                                |
// | mcp.*: method, protocol version, request ID and type,     | kept                                           |
// | tool, prompt, client and server names, result shape       |                                                |
// | (is_error, content count and type), log level             |                                                |
// | mcp.resource.uri                                          | `scheme:` only (`file:`); none: dropped        |
// | mcp.session.id, mcp.request.argument(s), tool and prompt  | dropped (a session a server routes by; tool    |
// | results, mcp.logging.message, any other mcp.* key         | arguments and results; log text)               |
// | traceloop.* (OpenLLMetry): span kind, workflow, entity    | kept                                           |
// | and prompt names and versions                             |                                                |
// | traceloop.entity.input/output, .association.properties.*, | dropped (a function's arguments and return     |
// | .prompt.template(_variables), any other traceloop.* key   | value; user and session IDs)                   |
// | llm.* (OpenLLMetry, OpenInference): vendor, provider,     | kept; llm.usage.*, llm.token_count.*,          |
// | model names, settings, finish reason, function names      | llm.cost.* as numbers only                     |
// | llm.prompts, llm.completions, llm.input/output_messages,  | dropped (payload; function descriptions and    |
// | llm.request.functions.*.description/parameters,           | schemas go with the prompt; invocation         |
// | llm.invocation_parameters, llm.prompt_template.*,         | parameters may hold OpenAI's `user`)           |
// | llm.tools.*, llm.user, any other llm.* key                |                                                |
// | ai.* (Vercel AI SDK): operation, model, provider,         | kept; ai.usage.* as numbers only               |
// | functionId, settings, finish reason, response id, model,  |                                                |
// | timings, tool call name and id, schema name               |                                                |
// | ai.prompt(.*), ai.response.text/toolCalls/object/         | dropped (payload; metadata often holds user    |
// | reasoning/providerMetadata, ai.toolCall.args/result,      | IDs; header values)                            |
// | ai.value(s), ai.embedding(s), ai.schema(.description),    |                                                |
// | ai.telemetry.metadata.*, ai.request.headers.*; any other  |                                                |
// | ai.* key                                                  |                                                |
// | langfuse.*: trace and observation names, type, level,     | kept                                           |
// | model, prompt name and version, usage and cost details    |                                                |
// | langfuse.{trace,observation}.{input,output,metadata},     | dropped (payload, user and session IDs)        |
// | model.parameters, status_message, user.id, session.id     |                                                |
// | input.value, output.value, retrieval.*, reranker.query    | dropped (OpenInference: a span's input and     |
// | and documents, embedding.embeddings.*                     | output, documents, embedded texts); model      |
// |                                                           | names and reranker.top_k kept                  |
// | db.query.result.{document,metadata,vector},               | dropped (OpenLLMetry's vector stores: stored   |
// | db.query.embeddings.vector, db.vector.query.result.*.     | documents and vectors, the query's embedding   |
// | {metadata,values,sparse.*}, db.vector.query.metadata_     | and filter values); result ids, scores and     |
// | filter, db.vector.{get,delete}.selector                   | counts kept                                    |
// | aws.s3.key, aws.s3.copy_source, aws.s3.delete,            | dropped (object and message keys are data);    |
// | aws.dynamodb.item_collection_metrics,                     | aws.s3.bucket, upload_id, part_number kept     |
// | messaging.rocketmq.message.keys,                          |                                                |
// | messaging.gcp_pubsub.message.ordering_key                 |                                                |
// | geo.*, and embedded (client.geo.*)                        | continent, country, region kept; locality,     |
// |                                                           | postal code, coordinates, other keys dropped   |
// | client.address, client.socket.address, source.address,    | dropped (the caller: an end user's IP); their  |
// | http.client_ip                                            | ports kept                                     |
// | network.peer.address, net.peer.ip, net.peer.name,         | dropped on SERVER spans (the caller), kept on  |
// | net.sock.peer.addr, net.sock.peer.name                    | others (the server or broker connected to)     |
// | user_agent.original, http.user_agent                      | kept (client software; names no one once       |
// |                                                           | client addresses are dropped)                  |
// | exception.message, error status message, error.message,   | dropped unless tracer recordErrorMessages      |
// | *.error.message, *.error_message (http., grpc.)           |                                                |
// | exception.stacktrace                                      | dropped (paths and messages)                   |
// | non-string value for a rewritten key (query, URL)         | dropped                                        |
//
// `dbQuery: 'drop' | 'keep'` and `url: 'keep'` change the first rows; 'keep' is an explicit opt-out.
import type { Context, ContextManager, TextMapGetter, TextMapPropagator, TextMapSetter, TracerProvider } from '@opentelemetry/api';
import type { Tracer } from '../src/tracer.js';
import { Bridge } from './otel-span.js';
import { BridgeContextManager } from './otel-context.js';
import { BridgePropagator, BridgeTracer, BridgeTracerProvider } from './otel-tracer.js';
import type { RedactionOptions } from './otel-redact.js';
import { fieldOf } from '../src/own-keys.js';

export type { RedactionOptions } from './otel-redact.js';
export { sanitizeQuery, QueryDialect, type QueryDialectValue } from './otel-sql.js';
export { stripUrl, stripQuery } from './otel-redact.js';
export type { BridgeTracer, BridgeTracerProvider, BridgePropagator } from './otel-tracer.js';
export type { BridgeContextManager, BridgeContext } from './otel-context.js';
export type { BridgeSpan } from './otel-span.js';
export type { OtelTraceState } from './otel-convert.js';

/** The parts of `@opentelemetry/api` (1.x) the bridge uses: pass the module object itself. */
export interface OtelApiLike {
  trace: { setGlobalTracerProvider(p: TracerProvider): boolean; disable(): void };
  context: { setGlobalContextManager(m: ContextManager): boolean; disable(): void };
  propagation: { setGlobalPropagator(p: TextMapPropagator): boolean; disable(): void };
  ROOT_CONTEXT: Context;
  defaultTextMapGetter?: TextMapGetter;
  defaultTextMapSetter?: TextMapSetter;
}

export interface OtelBridgeOptions {
  api: OtelApiLike;
  redaction?: RedactionOptions;
  /** Install the W3C propagator (default true); false keeps whatever propagator is registered. */
  propagator?: boolean;
  /** Unregister whatever provider/context manager/propagator is registered first (default false: that is an error). */
  override?: boolean;
}

export interface OtelBridgeStats {
  suppressed: number;
  invalidContexts: number;
  foreignErrors: number;
  startErrors: number;
  invalidExceptions: number;
  redaction: { dropped: number; sanitized: number; statusMessages: number };
}

/** Call it to unregister (idempotent); also carries the bridge's counters and parts. */
export interface OtelRegistration {
  (): void;
  stats(): OtelBridgeStats;
  readonly tracerProvider: BridgeTracerProvider;
  readonly contextManager: BridgeContextManager;
  readonly propagator: BridgePropagator;
}

export class OtelRegistrationError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'OtelRegistrationError';
    this.code = code;
  }
}

function isApi(x: unknown): x is OtelApiLike {
  const a = x as OtelApiLike | null;
  return a != null && typeof a.trace?.setGlobalTracerProvider === 'function' && typeof a.context?.setGlobalContextManager === 'function'
    && typeof a.propagation?.setGlobalPropagator === 'function' && a.ROOT_CONTEXT != null;
}

/**
 * Make `tracer` the OpenTelemetry API's tracer provider, context manager and propagator. Throws
 * OtelRegistrationError (at startup, never later) when `api` is not the API module or another
 * implementation is already registered and `override` is not set.
 */
export function registerOpenTelemetry(tracer: Tracer, apiOrOptions: OtelApiLike | OtelBridgeOptions): OtelRegistration {
  const o: OtelBridgeOptions = isApi(apiOrOptions) ? { api: apiOrOptions } : (apiOrOptions as OtelBridgeOptions);
  const api = o == null ? undefined : fieldOf(o, 'api');
  if (!isApi(api)) throw new OtelRegistrationError('TW_ERR_OTEL_API', 'registerOpenTelemetry(tracer, api): pass the @opentelemetry/api module object (or { api })');
  // options read as their own keys: one on Object.prototype (pollution) is not the user's
  const withPropagator = fieldOf(o, 'propagator') !== false;
  const b = new Bridge(tracer, fieldOf(o, 'redaction') as RedactionOptions | undefined);
  const cm = new BridgeContextManager(b, api.ROOT_CONTEXT);
  const provider = new BridgeTracerProvider(new BridgeTracer(b, cm));
  const propagator = new BridgePropagator(b, cm, api.defaultTextMapGetter, api.defaultTextMapSetter);
  if (fieldOf(o, 'override') === true) {
    api.trace.disable();
    api.context.disable();
    if (withPropagator) api.propagation.disable();
  }
  // setGlobal* return false (and log through diag) when another implementation holds the slot.
  const okTrace = api.trace.setGlobalTracerProvider(provider) !== false;
  const okContext = api.context.setGlobalContextManager(cm) !== false;
  const okProp = !withPropagator || api.propagation.setGlobalPropagator(propagator) !== false;
  if (!okTrace || !okContext || !okProp) {
    if (okTrace) api.trace.disable();
    if (okContext) api.context.disable();
    if (okProp && withPropagator) api.propagation.disable();
    const taken = [!okTrace && 'TracerProvider', !okContext && 'ContextManager', !okProp && 'propagator'].filter(Boolean).join(', ');
    throw new OtelRegistrationError('TW_ERR_OTEL_REGISTERED', `an OpenTelemetry ${taken} is already registered; disable it first or pass { override: true }`);
  }
  let registered = true;
  const unregister = (): void => {
    if (!registered) return;
    registered = false;
    api.trace.disable();
    api.context.disable();
    if (withPropagator) api.propagation.disable();
  };
  return Object.assign(unregister, {
    stats: (): OtelBridgeStats => ({ ...b.counters, redaction: { ...b.redactor.stats } }),
    tracerProvider: provider,
    contextManager: cm,
    propagator,
  });
}
