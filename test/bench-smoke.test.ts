// Every bench/*.bench.ts runs in BENCH_QUICK mode (a few ms per task) and passes its own preflight and
// after-run checks, so a bench that no longer asserts, hangs or breaks is caught by npm test. No timing asserted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.bench.ts')).sort();
const HANG_MS = 25_000; // a guard against a bench that does not exit (a quick run takes 1-3 s), not a timing assertion

interface Run { code: number | null; out: string; err: string }
function run(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_QUICK: '1' };
  delete env.NODE_V8_COVERAGE; // bench runs must not count as test coverage of src/
  for (const k of ['RUNS', 'BENCH_TIME_MS', 'BENCH_WARMUP_MS', 'BENCH_ROUNDS', 'ALLOC_WINDOWS', 'E2E_LOAD_MS', 'DELAY_ROUNDS']) delete env[k];
  Object.assign(env, extraEnv);
  return new Promise((resolve) => {
    const c = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => { err += `\n[bench-smoke] killed after ${HANG_MS} ms`; c.kill('SIGKILL'); }, HANG_MS);
    c.on('close', (code) => { clearTimeout(t); resolve({ code, out, err }); });
  });
}
const benchArgs = (f: string): string[] => ['--import', join(root, 'scripts/register.mjs'), ...(/alloc/.test(f) ? ['--expose-gc'] : []), join('bench', f)];

// two at a time: the machine has two cores
const results = new Map<string, Promise<Run>>();
{
  const queue = [...files];
  const next = (): Promise<void> | undefined => {
    const f = queue.shift();
    if (f === undefined) return undefined;
    const p = run(benchArgs(f));
    results.set(f, p);
    return p.then(() => next());
  };
  next(); next();
}
const resultOf = async (f: string): Promise<Run> => {
  while (!results.has(f)) await new Promise((r) => setTimeout(r, 20));
  return results.get(f)!;
};

test('bench/ has the bench files scripts/bench.mjs runs', () => {
  for (const f of ['span', 'span-alloc', 'ids', 'clock', 'propagation-extract', 'propagation-inject', 'otlp-json', 'export-e2e', 'otel-bridge', 'thread']) assert.ok(files.includes(`${f}.bench.ts`), f);
});

for (const f of files) {
  test(`${f} runs in BENCH_QUICK mode, passes its checks and reports every task`, async () => {
    const r = await resultOf(f);
    assert.is(r.code, 0, `${f} exited ${r.code}:\n${r.err.slice(-3000)}`);
    const lines = r.out.split('\n').filter((l) => l.startsWith('RESULT '));
    assert.ok(lines.length > 0, 'a RESULT line');
    for (const l of lines) {
      const j = JSON.parse(l.slice(7)) as { tasks: { name: string; medianNs: number; samples: number }[]; alloc?: Record<string, number> };
      if (j.alloc !== undefined) {
        for (const k of ['tracewireRoot', 'tracewireChild', 'otelRoot', 'otelChild']) assert.ok(Number.isFinite(j.alloc[k]), `${k} measured`);
        continue;
      }
      assert.ok(j.tasks.length > 0, 'tasks');
      for (const t of j.tasks) assert.ok(t.samples > 0 && Number.isFinite(t.medianNs) && t.medianNs > 0, `${t.name}: samples taken`);
    }
  });
}

test('npm run bench in BENCH_QUICK mode: runs a file end to end, prints its ratios, keeps bench/results/latest.json', async () => {
  const latest = join(root, 'bench/results/latest.json');
  const before = statSync(latest).mtimeMs;
  const r = await run([join(root, 'scripts/bench.mjs'), 'clock']);
  assert.is(r.code, 0, r.err.slice(-2000));
  assert.match(r.out, /## clock\.bench\.ts/);
  assert.match(r.out, /tracewire now\(\)/);
  assert.is(statSync(latest).mtimeMs, before, 'a quick run does not overwrite the published results');
});

test.run();
