// Generated IDs: valid, non-zero, unique across a million draws (FUZZ_RUNS scales the count in `npm run fuzz`).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer } from '../src/index.js';

const N = Math.max(1_000_000, Number(process.env.FUZZ_RUNS ?? 0) * 5);

test(`trace IDs are valid, non-zero and unique across ${N} draws`, () => {
  const tracer = createTracer({ service: 'ids' });
  const seen = new Set<string>();
  const spanIds = new Set<string>();
  for (let i = 0; i < N; i++) {
    const s = tracer.startSpan('x', { root: true });
    const t = s.traceId;
    if (t.length !== 32 || t === '0'.repeat(32)) assert.unreachable('bad trace id ' + t);
    seen.add(t);
    if (i < 200_000) spanIds.add(s.spanId);
  }
  assert.is(seen.size, N);
  assert.is(spanIds.size, Math.min(N, 200_000));
  for (const t of Array.from(seen).slice(0, 1000)) assert.ok(/^[0-9a-f]{32}$/.test(t));
});

test.run();
