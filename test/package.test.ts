// The package as a user gets it: no runtime dependencies, ESM and CJS builds, every subpath export loads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

test('no runtime dependencies: only node: built-ins', () => {
  assert.equal(Object.keys(pkg.dependencies ?? {}), []);
  assert.is(pkg.optionalDependencies, undefined);
  assert.is(pkg.peerDependencies, undefined);
});

test('esbuild emits ESM and CJS for every subpath export, and both load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-pkg-'));
  try {
    const dist = join(dir, 'dist');
    const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--no-types'], { env: { ...process.env, TW_DIST: dist }, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    const req = createRequire(join(dir, 'package.json'));
    for (const [sub, target] of Object.entries(pkg.exports as Record<string, unknown>)) {
      if (typeof target !== 'object' || target === null) continue;
      const t = target as { import: string; require: string };
      assert.ok(existsSync(join(dir, t.import)), `${sub}: ${t.import} missing`);
      assert.ok(existsSync(join(dir, t.require)), `${sub}: ${t.require} missing`);
      const cjs = req(join(dir, t.require));
      assert.ok(Object.keys(cjs).length > 0, `${sub} (cjs) exports nothing`);
    }
    const esm = spawnSync(process.execPath, ['--input-type=module', '-e', `
      const m = await import(${JSON.stringify(pathToFileURL(join(dist, 'esm/src/index.js')).href)});
      const t = m.createTracer({ service: 'pkg' });
      const s = t.startSpan('x'); s.end();
      console.log(JSON.stringify({ n: Object.keys(m).length, trace: s.traceId.length, ended: t.stats().ended }));`], { encoding: 'utf8' });
    assert.is(esm.status, 0, esm.stderr);
    assert.equal(JSON.parse(esm.stdout), { n: JSON.parse(esm.stdout).n, trace: 32, ended: 1 });
    const cjsRun = spawnSync(process.execPath, ['-e', `
      const m = require(${JSON.stringify(join(dist, 'cjs/src/index.cjs'))});
      const t = m.createTracer({ service: 'pkg' }); const s = t.startSpan('x'); s.end();
      console.log(s.traceId.length + ' ' + t.stats().ended);`], { encoding: 'utf8' });
    assert.is(cjsRun.status, 0, cjsRun.stderr);
    assert.is(cjsRun.stdout.trim(), '32 1');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the bin entry and the files list are what npm publishes', () => {
  assert.is(pkg.bin.tracewire, './bin/tracewire.mjs');
  assert.ok(existsSync(join(root, pkg.bin.tracewire)));
  for (const f of ['dist', 'bin', 'schema', 'README.md']) assert.ok(pkg.files.includes(f), f);
});

test.run();
