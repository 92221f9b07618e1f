#!/usr/bin/env node
// npm test: type-check, then every test/**/*.test.ts and fuzz/**/*.fuzz.ts in its own process
// (adapters patch globals; isolation keeps one file from hiding another's failure), all under
// V8 coverage reported by c8 with thresholds. Ends with the line `N passed, N failed`.
// `--fuzz` runs only fuzz/ with FUZZ_RUNS (default 200000), without coverage.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, rmSync, mkdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';

const root = fileURLToPath(new URL('..', import.meta.url));
const fuzzOnly = process.argv.includes('--fuzz');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 180_000);
let passed = 0;
let failed = 0;
const failures = [];

function walk(dir, suffix, out = []) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, suffix, out);
    else if (p.endsWith(suffix)) out.push(p);
  }
  return out;
}

const bin = (name) => join(root, 'node_modules', '.bin', name);

// 1. type-check
if (!fuzzOnly && filters.length === 0) {
  process.stdout.write('typecheck: tsc --noEmit ... ');
  const r = spawnSync(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], { cwd: root, encoding: 'utf8' });
  if (r.status === 0) { passed++; console.log('ok'); }
  else { failed++; failures.push('typecheck'); console.log('FAILED\n' + r.stdout + r.stderr); }
}

// 2. test files
let files = fuzzOnly ? walk(join(root, 'fuzz'), '.fuzz.ts') : [...walk(join(root, 'test'), '.test.ts'), ...walk(join(root, 'fuzz'), '.fuzz.ts')];
if (filters.length) files = files.filter((f) => filters.some((x) => relative(root, f).includes(x))); // relative: a checkout path holding the word must not match every file

const covDir = join(root, 'coverage', 'tmp');
const withCoverage = !fuzzOnly && filters.length === 0 && process.env.TEST_COVERAGE !== '0';
if (withCoverage) { rmSync(join(root, 'coverage'), { recursive: true, force: true }); mkdirSync(covDir, { recursive: true }); }

const env = { ...process.env, NO_COLOR: '1' };
delete env.FORCE_COLOR; // with NO_COLOR also set, Node 24 prints a warning on every child's stderr
if (withCoverage) env.NODE_V8_COVERAGE = covDir;
if (fuzzOnly && !env.FUZZ_RUNS) env.FUZZ_RUNS = '200000';

function runFile(file) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', join(root, 'scripts', 'register.mjs'), file], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => { out += `\n[runner] killed after ${FILE_TIMEOUT_MS} ms\n`; child.kill('SIGKILL'); }, FILE_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? NaN);
      const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? NaN);
      const rel = relative(root, file);
      let p = 0, f = 0;
      if (Number.isNaN(total) || Number.isNaN(ok)) f = 1; // crashed or never reported: one failure for the file
      else { p = ok; f = total - ok; if (code !== 0 && f === 0) f = 1; }
      passed += p; failed += f;
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      console.log(`${f ? 'FAIL' : 'ok  '} ${rel} (${p} passed, ${f} failed, ${secs}s)`);
      if (f) { failures.push(rel); console.log(out.split('\n').map((l) => '   | ' + l).join('\n')); }
      else if (process.env.TEST_VERBOSE) console.log(out);
      resolve();
    });
  });
}

const queue = [...files];
const workers = Math.max(1, Math.min(Number(process.env.TEST_JOBS ?? cpus().length), 4));
await Promise.all(Array.from({ length: workers }, async () => { while (queue.length) await runFile(queue.shift()); }));

// 3. coverage thresholds over src/ and adapters/
if (withCoverage) {
  const r = spawnSync(bin('c8'), ['report', '--temp-directory', covDir, '--reports-dir', join(root, 'coverage'), '--reporter', 'text-summary', '--reporter', 'json-summary', '--all', '--src', root,
    '--include', 'src/**/*.ts', '--include', 'adapters/**/*.ts', '--check-coverage', '--lines', '85', '--functions', '80', '--branches', '75', '--statements', '85'], { cwd: root, encoding: 'utf8' });
  console.log(r.stdout + r.stderr);
  if (r.status === 0) passed++; else { failed++; failures.push('coverage thresholds (src/, adapters/)'); }
}

if (failures.length) console.log('failed: ' + failures.join(', '));
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
