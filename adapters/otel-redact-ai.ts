// The bridge's rules for LLM and agent telemetry: semconv's gen_ai.* and mcp.*, and what the libraries people use
// with OpenTelemetry JS write outside them: OpenLLMetry (traceloop.*, llm.*, its vector store events), the Vercel AI
// SDK (ai.*), Langfuse (langfuse.*) and OpenInference (llm.*, input.value, retrieval.*, ...). Each family is an
// allowlist: which model or tool was asked, with what settings, at what cost, under which names and IDs stays; any
// other key in the family is dropped, as new keys there tend to be content (prompts, completions, arguments, results,
// documents, metadata holding user IDs). Read once per key (Redactor.classify caches the answer).
import { Rule, type RuleValue } from './otel-redact-rule.js';

/** A family: keys under `prefix`; `keep` and `numbers` list keys, or prefixes when they end with a dot. */
interface Family {
  readonly prefix: string;
  /** kept as given */
  readonly keep: readonly string[];
  /** kept only as numbers (token counts, costs, sizes): anything else there may be the content itself */
  readonly numbers?: readonly string[];
  /** only the URI's scheme kept */
  readonly scheme?: readonly string[];
}

const FAMILIES: readonly Family[] = [
  {
    // gen_ai.*: never what the model was told or answered (gen_ai.input.messages, .output.messages,
    // .system_instructions, the deprecated gen_ai.prompt / gen_ai.completion, OpenLLMetry's gen_ai.prompt.N.*), tool
    // calls' arguments and results, gen_ai.tool.definitions, gen_ai.tool.description and gen_ai.agent.description
    // (text sent to the model with the prompt), retrieval queries and documents, gen_ai.prompt.variable.* (template
    // values: `user_name`), gen_ai.evaluation.explanation (prose about the answer), memory content and queries, and
    // gen_ai.memory.namespace (user IDs: `user_12345`).
    prefix: 'gen_ai.',
    keep: [
      // provider, operation and model
      'gen_ai.provider.name', 'gen_ai.system', 'gen_ai.operation.name', 'gen_ai.request.model', 'gen_ai.response.model', 'gen_ai.output.type',
      // settings the code chose: numbers, formats, stop sequences
      'gen_ai.request.max_tokens', 'gen_ai.request.temperature', 'gen_ai.request.top_p', 'gen_ai.request.top_k', 'gen_ai.request.seed',
      'gen_ai.request.frequency_penalty', 'gen_ai.request.presence_penalty', 'gen_ai.request.choice.count', 'gen_ai.request.stop_sequences',
      'gen_ai.request.encoding_formats', 'gen_ai.embeddings.dimension.count', 'gen_ai.token.type',
      // how it ended, and IDs (a provider's, usable only with the caller's own key; a conversation's, which authorizes nothing)
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
    ],
    numbers: ['gen_ai.usage.'], // token counts: input_tokens, output_tokens, cache_read.input_tokens, ...
  },
  {
    // mcp.* (semconv; Sentry's MCP integration): the method, protocol, names and counts stay. Dropped: mcp.session.id
    // (the Mcp-Session-Id header: a server routes requests to a session by it, and MCP allows a JWT there),
    // mcp.request.argument.* (tool arguments), tool and prompt results, resource URIs and names in results, log messages.
    prefix: 'mcp.',
    keep: [
      // mcp.request.name: the tool or prompt (semconv before mcp.method.name)
      'mcp.method.name', 'mcp.protocol.version', 'mcp.transport', 'mcp.request.id', 'mcp.request.type', 'mcp.request.name',
      'mcp.notification.type', 'mcp.tool.name', 'mcp.prompt.name', 'mcp.client.name', 'mcp.client.title', 'mcp.client.version',
      'mcp.server.name', 'mcp.server.title', 'mcp.server.version', 'mcp.logging.level', 'mcp.logging.logger', 'mcp.logging.data_type',
      // the result's shape (mcp.tool.result.N.* too: indexes are ignored), not its content
      'mcp.tool.result.is_error', 'mcp.tool.result.content_count', 'mcp.tool.result.content_type', 'mcp.tool.result.mime_type',
      'mcp.tool.result.resource_mime_type', 'mcp.prompt.result.message_count', 'mcp.prompt.result.message_role', 'mcp.prompt.result.role',
    ],
    numbers: ['mcp.tool.result.data_size'],
    // `postgres://db/customers/schema`, `file:///home/bob/report.pdf`, `users://alice/profile`: the authority and path
    // name the resource, often a person or a file; the scheme says which kind of resource was read
    scheme: ['mcp.resource.uri'],
  },
  {
    // OpenLLMetry's workflows: the names its decorators give. Dropped: traceloop.entity.input / .output (a decorated
    // function's arguments and return value), association.properties.* (user, customer and session IDs), prompt
    // templates and their variables, correlation IDs the application chose.
    prefix: 'traceloop.',
    keep: [
      'traceloop.span.kind', 'traceloop.workflow.name', 'traceloop.entity.name', 'traceloop.entity.path', 'traceloop.entity.version',
      'traceloop.prompt.key', 'traceloop.prompt.version', 'traceloop.prompt.version_name', 'traceloop.prompt.version_hash',
      'traceloop.prompt.managed',
    ],
  },
  {
    // llm.*: OpenLLMetry's legacy keys and OpenInference's. Dropped: llm.prompts(.N.*), llm.completions(.N.*),
    // llm.input_messages.* / llm.output_messages.* (content, tool call arguments), llm.request.functions.N.description /
    // .parameters (sent to the model with the prompt; the name stays), llm.tools.*, llm.prompt_template.*,
    // llm.function_call, llm.invocation_parameters (JSON that may hold OpenAI's `user`), llm.user, llm.headers.
    prefix: 'llm.',
    keep: [
      'llm.vendor', 'llm.request.type', 'llm.request.model', 'llm.response.model', 'llm.request.max_tokens', 'llm.temperature', 'llm.top_p',
      'llm.top_k', 'llm.frequency_penalty', 'llm.presence_penalty', 'llm.chat.stop_sequences', 'llm.is_streaming', 'llm.response.finish_reason',
      'llm.response.stop_reason', 'llm.request.functions.name',
      'llm.provider', 'llm.system', 'llm.model_name', 'llm.request.model_name', 'llm.response.model_name', 'llm.finish_reason', // OpenInference
    ],
    numbers: ['llm.usage.', 'llm.token_count.', 'llm.cost.'], // token counts, and OpenInference's costs in USD
  },
  {
    // The Vercel AI SDK's experimental_telemetry (recordInputs and recordOutputs default on). Dropped: ai.prompt(.*),
    // ai.response.text / .toolCalls / .object / .reasoning / .providerMetadata, ai.result.*, ai.toolCall.args / .result,
    // ai.value(s) and ai.embedding(s), ai.schema and its description, ai.telemetry.metadata.* (the application's,
    // often a user ID), ai.request.headers.* (header values).
    prefix: 'ai.',
    keep: [
      'ai.operationId', 'ai.model.id', 'ai.model.provider', 'ai.telemetry.functionId', 'ai.prompt.format', 'ai.schema.name',
      'ai.toolCall.name', 'ai.toolCall.id', 'ai.finishReason', 'ai.response.finishReason', 'ai.response.id', 'ai.response.model',
      'ai.response.timestamp', 'ai.response.msToFirstChunk', 'ai.response.msToFinish', 'ai.response.avgCompletionTokensPerSecond',
      'ai.response.avgOutputTokensPerSecond', 'ai.stream.msToFirstChunk',
      // CallSettings, listed (a prefix would take in whatever a later version files there); not ai.settings.output
      // (generateObject's strategy): a key ending in .output is content everywhere else (fuzz/otel-keys)
      'ai.settings.maxRetries', 'ai.settings.maxOutputTokens', 'ai.settings.maxTokens', 'ai.settings.temperature', 'ai.settings.topP',
      'ai.settings.topK', 'ai.settings.presencePenalty', 'ai.settings.frequencyPenalty', 'ai.settings.stopSequences', 'ai.settings.seed',
      'ai.settings.timeout', 'ai.settings.mode', 'ai.settings.maxSteps', 'ai.settings.maxToolRoundtrips',
    ],
    numbers: ['ai.usage.'],
  },
  {
    // Langfuse's SDK: names, types, model, prompt, usage and cost. Dropped: trace and observation input / output and
    // metadata, model.parameters (may hold OpenAI's `user`), status_message (an error's text), its user and session IDs.
    prefix: 'langfuse.',
    keep: [
      'langfuse.trace.name', 'langfuse.trace.tags', 'langfuse.trace.public', 'langfuse.observation.type', 'langfuse.observation.level',
      'langfuse.observation.model.name', 'langfuse.observation.prompt.name', 'langfuse.observation.prompt.version',
      'langfuse.observation.usage_details', 'langfuse.observation.cost_details', 'langfuse.observation.completion_start_time',
      'langfuse.environment', 'langfuse.release', 'langfuse.version',
    ],
  },
  // OpenInference: retrieved documents (content, IDs, metadata), a reranker's query and documents, embedded texts and vectors
  { prefix: 'retrieval.', keep: [] },
  { prefix: 'reranker.', keep: ['reranker.model_name', 'reranker.top_k'] },
  { prefix: 'embedding.', keep: ['embedding.model_name'] },
];

/**
 * Dropped wherever they sit: OpenInference's input.value / output.value (any span's input and output), and
 * OpenLLMetry's vector store events: retrieved documents, their metadata and vectors, the query's embedding (text can be
 * recovered from it) and its metadata filter or selector (values); ids, scores, distances and counts stay.
 */
const DROP = [
  'input.value', 'output.value', 'db.query.embeddings.vector', 'db.query.result.document', 'db.query.result.metadata', 'db.query.result.vector',
  'db.vector.query.embeddings.vector', 'db.vector.query.metadata_filter', 'db.vector.query.result.metadata', 'db.vector.query.result.values',
  'db.vector.query.result.sparse.indices', 'db.vector.query.result.sparse.values', 'db.vector.get.selector', 'db.vector.delete.selector',
];

/** `key` without its index segments (`llm.prompts.0.content` → `llm.prompts.content`): lists are ruled per item. */
function unindexed(key: string): string {
  return key.replace(/\.\d+(?=\.|$)/g, '');
}

function listed(list: readonly string[] | undefined, key: string): boolean {
  if (list === undefined) return false;
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    if (e.endsWith('.') ? key.startsWith(e) : key === e) return true;
  }
  return false;
}

/** The rule for an LLM or agent telemetry key (KEEP, DROP, SIZE or SCHEME), or -1 when `key` is none of these. */
export function aiRule(key: string): RuleValue | -1 {
  let f: Family | undefined;
  for (let i = 0; i < FAMILIES.length && f === undefined; i++) if (key.startsWith(FAMILIES[i]!.prefix)) f = FAMILIES[i];
  if (f === undefined && !key.startsWith('db.') && !key.endsWith('.value')) return -1; // the common case: no regex
  const k = unindexed(key);
  if (DROP.includes(k)) return Rule.DROP;
  if (f === undefined) return -1;
  if (listed(f.keep, k)) return Rule.KEEP;
  if (listed(f.numbers, k)) return Rule.SIZE;
  if (listed(f.scheme, k)) return Rule.SCHEME;
  return Rule.DROP;
}
