// Properties of the bridge's LLM and agent key families (adapters/otel-redact-ai.ts) and of the scheme-only rule for
// MCP resource URIs. The oracle is the key's shape: a key whose last segment names content (content, text, arguments,
// result, metadata, headers...) holds it, whatever family, middle segments or list indexes come before, so its string
// value never reaches a span; and an index segment (`.0.`) never changes a key's rule.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Redactor, Rule } from '../adapters/otel-redact.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const family = fc.constantFrom('gen_ai', 'mcp', 'traceloop', 'llm', 'ai', 'langfuse', 'retrieval', 'reranker', 'embedding');
/** Middle segments: words the families' kept keys are made of, so a content key looks as much like a kept one as it can. */
const middle = fc.array(fc.constantFrom('request', 'response', 'model', 'tool', 'result', 'prompt', 'settings', 'observation', 'trace',
  'entity', 'usage', 'agent', 'memory', 'call', 'functions', 'message', 'messages', 'name', 'input', 'output', 'logging', 'telemetry',
  'token_count', 'cost', 'document', 'embedding', 'association', 'properties', 'schema', 'stream'), { maxLength: 3 });
const content = fc.constantFrom('content', 'text', 'arguments', 'args', 'result', 'input', 'output', 'messages', 'prompt', 'completion',
  'document', 'documents', 'query', 'value', 'values', 'metadata', 'headers', 'description', 'parameters', 'template', 'variables',
  'body', 'object', 'toolCalls', 'reasoning', 'explanation', 'system_instructions');
const index = fc.nat({ max: 12 }).map(String);

const redactor = new Redactor();

test('a family key whose last segment names content: its string value never reaches a span, with or without list indexes', () => {
  fc.assert(fc.property(family, middle, content, fc.array(fc.tuple(fc.nat(), index), { maxLength: 2 }), (f, mid, last, idx) => {
    const segs: string[] = [f, ...mid, last];
    for (const [at, n] of idx) segs.splice(1 + (at % (segs.length - 1)), 0, n); // after the family, before the last segment
    const key = segs.join('.');
    const r = redactor.rule(key);
    assert.ok(r === Rule.DROP || r === Rule.SIZE || r === Rule.SCHEME, `${key}: rule ${r}`); // SIZE and SCHEME drop this value too
    const v = redactor.apply(r, 'SECRET text', undefined, 1);
    assert.is(v, undefined, `${key} -> ${String(v)}`);
  }), { numRuns: RUNS * 3 });
});

test('an index segment never changes a family key\'s rule (lists are ruled per item)', () => {
  const any = fc.constantFrom('content', 'name', 'id', 'model', 'input_tokens', 'role', 'type', 'score', 'content_type', 'data_size', 'format');
  fc.assert(fc.property(family, middle, any, fc.nat(), index, (f, mid, last, at, n) => {
    const segs: string[] = [f, ...mid, last];
    const key = segs.join('.');
    segs.splice(1 + (at % (segs.length - 1)), 0, n);
    const withIndex = segs.join('.');
    assert.is(new Redactor().rule(withIndex), new Redactor().rule(key), `${withIndex} vs ${key}`);
  }), { numRuns: RUNS * 3 });
});

test('mcp.resource.uri keeps a scheme at most: a prefix of the URI, followed by / or \\, never what comes after', () => {
  const part = fc.constantFrom('file', 'postgres', 'users', 'a+b.c-d', 'SECRET', ':', '/', '\\', '//', '@', '?', '#', 'x', '1', ' ', 'é');
  fc.assert(fc.property(fc.array(part, { maxLength: 8 }), (xs) => {
    const u = xs.join('');
    const got = redactor.apply(Rule.SCHEME, u, undefined, 1);
    if (got === undefined) return;
    assert.type(got, 'string');
    const g = got as string;
    assert.ok(/^[A-Za-z][A-Za-z0-9+.-]{0,31}:$/.test(g), `${u} -> ${g}`);
    assert.ok(u.startsWith(g) && (u[g.length] === '/' || u[g.length] === '\\'), `${u} -> ${g}`);
  }), { numRuns: RUNS * 3 });
});

test.run();
