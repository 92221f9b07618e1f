// What the OpenTelemetry bridge keeps of LLM and agent telemetry outside gen_ai.* (adapters/otel-redact-ai.ts): MCP,
// OpenLLMetry (traceloop.*, llm.*), the Vercel AI SDK (ai.*), Langfuse and OpenInference. Each family is an allowlist:
// names, models, settings, counts and IDs stay; prompts, completions, arguments, results, metadata and user IDs go.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SpanKind } from '@opentelemetry/api';
import { eventAttrs, everything, named, setupBridge, unregisterBridge } from './helpers/otel-bridge.js';

function setup() {
  return setupBridge('redaction-llm-test');
}
test.after.each(unregisterBridge);

test('AC-007 mcp.*: method, protocol, request ID, tool and prompt names, client and server names stay; the session ID, tool arguments and results, prompt results and log messages are dropped, counted; mcp.resource.uri keeps its scheme only', () => {
  const { cap, otel, reg: r } = setup();
  // as semconv (mcp.method.name, ...) and Sentry's MCP server integration (mcp.tool.name, mcp.request.argument.*, ...) set them
  const kept = {
    'mcp.method.name': 'tools/call', 'mcp.protocol.version': '2025-06-18', 'mcp.request.id': '42', 'mcp.transport': 'StreamableHTTPServerTransport',
    'mcp.tool.name': 'get_weather', 'mcp.prompt.name': 'analyze-code', 'mcp.request.type': 'call_tool', 'mcp.request.name': 'get_weather',
    'mcp.client.name': 'claude-desktop', 'mcp.client.version': '1.2.0', 'mcp.server.name': 'weather', 'mcp.server.version': '2.0.0',
    'mcp.tool.result.is_error': false, 'mcp.tool.result.content_count': 2, 'mcp.tool.result.0.content_type': 'text',
    'gen_ai.tool.name': 'get_weather', 'gen_ai.operation.name': 'execute_tool', 'jsonrpc.request.id': '42', 'network.transport': 'tcp',
  };
  const payload = {
    'mcp.session.id': 'SECRET191c4850af6c49e08843a3f6c80e5046', 'mcp.request.argument.location': '"SECRET street 1"',
    'mcp.request.arguments': '{"iban":"SECRET"}', 'mcp.tool.result.content': 'SECRET', 'mcp.tool.result.1.content': 'SECRET',
    'mcp.tool.result.uri': 'file:///home/SECRET/a.pdf', 'mcp.prompt.result.description': 'SECRET', 'mcp.prompt.result.message_content': 'SECRET',
    'mcp.response.value': 'SECRET', 'mcp.some_future.key': 'SECRET',
    'gen_ai.prompt.variable.user_name': 'SECRET', 'gen_ai.tool.call.arguments': '{"SECRET":1}', // semconv's MCP spans, opt-in
  };
  const s = otel.startSpan('tools/call get_weather', { kind: SpanKind.SERVER, attributes: { ...kept, ...payload, 'mcp.resource.uri': 'file:///home/SECRET/report.pdf' } });
  s.setAttribute('mcp.session.id', 'SECRET'); // the setAttribute path
  s.setAttribute('mcp.tool.result.data_size', 'SECRET'); // a size that is no number
  s.addEvent('notifications/message', { 'mcp.logging.level': 'info', 'mcp.logging.logger': 'db', 'mcp.logging.message': 'SECRET' });
  s.end();
  const rd = otel.startSpan('resources/read', { kind: SpanKind.CLIENT });
  rd.setAttributes({ 'mcp.method.name': 'resources/read', 'mcp.resource.uri': 'postgres://SECRET/customers/schema', 'mcp.tool.result.data_size': 1024 });
  rd.setAttribute('mcp.resource.uri', 'no scheme SECRET');
  rd.end();
  const x = named(cap, 'tools/call get_weather');
  assert.equal(x.attributes, { ...kept, 'mcp.resource.uri': 'file:' });
  assert.equal(eventAttrs(x, 0), { 'mcp.logging.level': 'info', 'mcp.logging.logger': 'db' });
  // the URI without a scheme is dropped: the earlier reduced one stays
  assert.equal(named(cap, 'resources/read').attributes, { 'mcp.method.name': 'resources/read', 'mcp.resource.uri': 'postgres:', 'mcp.tool.result.data_size': 1024 });
  assert.not.ok(everything(cap).includes('SECRET'));
  assert.is(r.stats().redaction.dropped, Object.keys(payload).length + 3 + 1);
  assert.is(r.stats().redaction.sanitized, 2);
});

test('AC-007 OpenLLMetry: traceloop.* workflow, entity and prompt names stay; entity input and output, association properties (user IDs) and prompt templates are dropped, counted; legacy llm.* keys keep the model, settings and token counts (numbers only), not prompts, completions or function definitions', () => {
  const { cap, otel, reg: r } = setup();
  const kept = {
    'traceloop.span.kind': 'task', 'traceloop.workflow.name': 'support_triage', 'traceloop.entity.name': 'classify', 'traceloop.entity.path': 'triage.classify',
    'traceloop.entity.version': 3, 'traceloop.prompt.key': 'joke_generator', 'traceloop.prompt.version': 2,
    'llm.vendor': 'OpenAI', 'llm.request.type': 'chat', 'llm.request.model': 'gpt-4o', 'llm.response.model': 'gpt-4o-2024-08-06',
    'llm.request.max_tokens': 200, 'llm.temperature': 0.2, 'llm.top_p': 1, 'llm.top_k': 40, 'llm.frequency_penalty': 0, 'llm.presence_penalty': 0,
    'llm.chat.stop_sequences': ['\n'], 'llm.is_streaming': true, 'llm.request.functions.0.name': 'get_weather',
    'llm.usage.total_tokens': 280, 'llm.usage.prompt_tokens': 100, 'llm.usage.completion_tokens': 180,
  };
  const payload = {
    'traceloop.entity.input': '{"args":["SECRET"]}', 'traceloop.entity.output': '"SECRET"', 'traceloop.association.properties.user_id': 'SECRET',
    'traceloop.association.properties.chat_id': 'SECRET', 'traceloop.prompt.template': 'Hello {{name}} SECRET', 'traceloop.prompt.template_variables.name': 'SECRET',
    'traceloop.correlation.id': 'SECRET',
    'llm.prompts': 'SECRET', 'llm.prompts.0.content': 'SECRET', 'llm.prompts.0.role': 'user', 'llm.completions.0.content': 'SECRET',
    'llm.request.functions': '[{"name":"f","description":"SECRET"}]', 'llm.request.functions.0.description': 'SECRET',
    'llm.request.functions.0.parameters': '{"SECRET":1}', 'llm.request.functions.0.arguments': '{"SECRET":1}', 'llm.user': 'SECRET', 'llm.headers': 'SECRET',
  };
  const s = otel.startSpan('openai.chat', { kind: SpanKind.CLIENT, attributes: { ...kept, ...payload } });
  s.setAttribute('traceloop.entity.output', 'SECRET'); // decorators set input at start, output at the end
  s.setAttribute('llm.usage.total_tokens', 'SECRET'); // a count that is no number: dropped
  s.setAttribute('llm.usage.total_tokens', 280);
  s.addEvent('llm.content.completion', { 'llm.completions.0.content': 'SECRET', 'llm.request.type': 'chat' });
  s.end();
  // Associations.set writes the bare property names on the active span too
  otel.startSpan('workflow', { attributes: { user_id: 'SECRET', customer_id: 'SECRET', session_id: 'SECRET', conversation_id: 'conv-123' } }).end();
  const x = named(cap, 'openai.chat');
  assert.equal(x.attributes, kept);
  assert.equal(eventAttrs(x, 0), { 'llm.request.type': 'chat' });
  assert.equal(named(cap, 'workflow').attributes, { conversation_id: 'conv-123' });
  assert.not.ok(everything(cap).includes('SECRET'));
  assert.is(r.stats().redaction.dropped, Object.keys(payload).length + 2 + 1 + 3);
});

test('AC-007 the Vercel AI SDK (ai.*): model, provider, operation, function ID, settings, finish reason, response IDs and timings stay, token counts as numbers; prompts, messages, tool definitions, generated text and objects, tool call arguments and results, embedded values, telemetry metadata and request headers are dropped, counted', () => {
  const { cap, otel, reg: r } = setup();
  const kept = {
    'operation.name': 'ai.generateText.doGenerate support-bot', 'resource.name': 'support-bot', 'ai.operationId': 'ai.generateText.doGenerate',
    'ai.model.id': 'gpt-4o', 'ai.model.provider': 'openai.chat', 'ai.telemetry.functionId': 'support-bot', 'ai.settings.maxRetries': 2,
    'ai.settings.maxOutputTokens': 512, 'ai.settings.temperature': 0.3, 'ai.prompt.format': 'messages', 'ai.response.finishReason': 'stop',
    'ai.response.id': 'chatcmpl-123', 'ai.response.model': 'gpt-4o-2024-08-06', 'ai.response.timestamp': '2025-01-01T00:00:00.000Z',
    'ai.response.msToFirstChunk': 120, 'ai.usage.promptTokens': 100, 'ai.usage.completionTokens': 180, 'ai.usage.inputTokens': 100,
    'ai.toolCall.name': 'get_weather', 'ai.toolCall.id': 'call_VSPy', 'ai.schema.name': 'Recipe',
    'gen_ai.system': 'openai.chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 100,
  };
  const payload = {
    'ai.prompt': '{"prompt":"SECRET"}', 'ai.prompt.messages': '[{"role":"user","content":"SECRET"}]', 'ai.prompt.tools': ['{"name":"f","description":"SECRET"}'],
    'ai.prompt.toolChoice': '{"type":"tool","toolName":"SECRET"}', 'ai.response.text': 'SECRET', 'ai.response.toolCalls': '[{"args":"SECRET"}]',
    'ai.response.object': '{"SECRET":1}', 'ai.response.reasoning': 'SECRET', 'ai.response.providerMetadata': '{"openai":{"SECRET":1}}',
    'ai.result.text': 'SECRET', 'ai.toolCall.args': '{"city":"SECRET"}', 'ai.toolCall.result': '"SECRET"', 'ai.value': 'SECRET',
    'ai.values': ['SECRET'], 'ai.embedding': '[0.1]', 'ai.embeddings': ['[0.1]'], 'ai.schema': '{"SECRET":1}', 'ai.schema.description': 'SECRET',
    'ai.telemetry.metadata.userId': 'SECRET', 'ai.request.headers.authorization': 'Bearer SECRET', 'ai.some_future.key': 'SECRET',
  };
  const s = otel.startSpan('ai.generateText.doGenerate', { kind: SpanKind.CLIENT, attributes: { ...kept, ...payload } });
  s.setAttributes({ 'ai.response.text': 'SECRET', 'ai.usage.completionTokens': 'SECRET' }); // outputs recorded at the end; a count that is no number
  s.addEvent('ai.stream.firstChunk', { 'ai.stream.msToFirstChunk': 120, 'ai.response.text': 'SECRET' });
  s.end();
  const x = named(cap, 'ai.generateText.doGenerate');
  assert.equal(x.attributes, kept);
  assert.equal(eventAttrs(x, 0), { 'ai.stream.msToFirstChunk': 120 });
  assert.not.ok(everything(cap).includes('SECRET'));
  assert.is(r.stats().redaction.dropped, Object.keys(payload).length + 2 + 1);
});

test('AC-007 Langfuse: trace and observation names, types, levels, model, prompt name and version, usage and cost stay; input, output, metadata, model parameters and its own user and session IDs are dropped, counted', () => {
  const { cap, otel, reg: r } = setup();
  const kept = {
    'langfuse.trace.name': 'chat', 'langfuse.trace.tags': ['support'], 'langfuse.observation.type': 'generation', 'langfuse.observation.level': 'DEFAULT',
    'langfuse.observation.model.name': 'gpt-4o', 'langfuse.observation.prompt.name': 'triage', 'langfuse.observation.prompt.version': 3,
    'langfuse.observation.usage_details': '{"input":10,"output":20}', 'langfuse.observation.cost_details': '{"total":0.01}',
    'langfuse.observation.completion_start_time': '"2025-01-01T00:00:00.000Z"', 'langfuse.environment': 'production', 'langfuse.release': 'v1.2.3',
    'langfuse.version': '1.0',
  };
  const payload = {
    'langfuse.trace.input': '"SECRET"', 'langfuse.trace.output': '"SECRET"', 'langfuse.observation.input': '[{"content":"SECRET"}]',
    'langfuse.observation.output': '"SECRET"', 'langfuse.trace.metadata': '{"SECRET":1}', 'langfuse.observation.metadata.email': 'SECRET',
    'langfuse.observation.model.parameters': '{"user":"SECRET"}', 'langfuse.observation.status_message': 'SECRET', 'langfuse.user.id': 'SECRET',
    'langfuse.session.id': 'SECRET', 'user.id': 'SECRET', 'session.id': 'SECRET',
  };
  const s = otel.startSpan('generation', { attributes: { ...kept, ...payload } });
  s.setAttribute('langfuse.observation.output', 'SECRET');
  s.addEvent('update', { 'langfuse.observation.input': 'SECRET', 'langfuse.observation.level': 'ERROR' });
  s.end();
  const x = named(cap, 'generation');
  assert.equal(x.attributes, kept);
  assert.equal(eventAttrs(x, 0), { 'langfuse.observation.level': 'ERROR' });
  assert.not.ok(everything(cap).includes('SECRET'));
  assert.is(r.stats().redaction.dropped, Object.keys(payload).length + 1 + 1);
});

test('AC-007 OpenInference: input.value and output.value (a span\'s input and output), llm input and output messages, invocation parameters, prompt templates, tool schemas, retrieval documents, reranker queries and documents and embedded texts are dropped, counted; models, providers, token counts and costs (numbers), mime types stay', () => {
  const { cap, otel, reg: r } = setup();
  const kept = {
    'openinference.span.kind': 'LLM', 'input.mime_type': 'application/json', 'output.mime_type': 'text/plain', 'llm.provider': 'openai', 'llm.system': 'openai',
    'llm.model_name': 'gpt-4o', 'llm.request.model_name': 'gpt-4o', 'llm.response.model_name': 'gpt-4o-2024-08-06', 'llm.finish_reason': 'stop',
    'llm.token_count.prompt': 100, 'llm.token_count.completion': 180, 'llm.token_count.total': 280, 'llm.token_count.prompt_details.cache_read': 50,
    'llm.cost.total': 0.0066, 'embedding.model_name': 'text-embedding-3-small', 'reranker.model_name': 'rerank-v3', 'reranker.top_k': 3,
  };
  const payload = {
    'input.value': '{"messages":[{"content":"SECRET"}]}', 'output.value': 'SECRET', 'llm.input_messages.0.message.content': 'SECRET',
    'llm.input_messages.0.message.role': 'user', 'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"SECRET":1}',
    'llm.invocation_parameters': '{"user":"SECRET"}', 'llm.prompt_template.template': 'SECRET {x}', 'llm.prompt_template.variables': '{"x":"SECRET"}',
    'llm.tools.0.tool.json_schema': '{"description":"SECRET"}', 'llm.function_call': '{"SECRET":1}',
    'retrieval.documents.0.document.content': 'SECRET', 'retrieval.documents.0.document.id': 'SECRET', 'reranker.query': 'SECRET',
    'reranker.input_documents.0.document.content': 'SECRET', 'embedding.embeddings.0.embedding.text': 'SECRET',
    'embedding.embeddings.0.embedding.vector': [0.1, 0.2],
  };
  const s = otel.startSpan('ChatCompletion', { attributes: { ...kept, ...payload } });
  s.setAttribute('output.value', 'SECRET');
  s.setAttribute('llm.token_count.total', 'SECRET'); // no number
  s.addEvent('retrieved', { 'retrieval.documents.1.document.content': 'SECRET', 'reranker.top_k': 3 });
  s.end();
  const x = named(cap, 'ChatCompletion');
  assert.equal(x.attributes, kept);
  assert.equal(eventAttrs(x, 0), { 'reranker.top_k': 3 });
  assert.not.ok(everything(cap).includes('SECRET'));
  assert.is(r.stats().redaction.dropped, Object.keys(payload).length + 2 + 1);
});

test('AC-007 vector stores (OpenLLMetry\'s pinecone, chroma, qdrant events): result documents, metadata, vectors, the query\'s embedding and metadata filter are dropped, counted; result IDs, scores, distances and counts stay', () => {
  const { cap, otel, reg: r } = setup();
  const s = otel.startSpan('pinecone.query', { kind: SpanKind.CLIENT, attributes: {
    'db.system': 'pinecone', 'db.vector.query.top_k': 3, 'db.vector.query.metadata_filter': '{"email":"SECRET"}', 'db.vector.query.result.matches_length': 1,
  } });
  s.addEvent('db.query.embeddings', { 'db.query.embeddings.vector': '[0.1,0.2]' });
  s.addEvent('db.query.result', {
    'db.query.result.id': 'vec-1', 'db.query.result.score': 0.92, 'db.query.result.distance': 0.08,
    'db.query.result.document': 'SECRET', 'db.query.result.metadata': '{"SECRET":1}', 'db.query.result.vector': [0.1, 0.2],
  });
  s.setAttributes({ 'db.vector.query.result.0.metadata': '{"SECRET":1}', 'db.vector.query.result.0.values': [0.1], 'db.vector.query.result.0.score': 0.92 });
  s.end();
  const x = named(cap, 'pinecone.query');
  assert.equal(x.attributes, { 'db.system': 'pinecone', 'db.vector.query.top_k': 3, 'db.vector.query.result.matches_length': 1, 'db.vector.query.result.0.score': 0.92 });
  assert.equal(eventAttrs(x, 0), {});
  assert.equal(eventAttrs(x, 1), { 'db.query.result.id': 'vec-1', 'db.query.result.score': 0.92, 'db.query.result.distance': 0.08 });
  assert.not.ok(everything(cap).includes('SECRET'));
  assert.is(r.stats().redaction.dropped, 1 + 1 + 3 + 2);
});

test.run();
