// The package as a user gets it: no runtime dependencies, ESM and CJS builds, every subpath export loads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, cpSync, mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
type Target = { import: { types: string; default: string }; require: { types: string; default: string } };
const targets = Object.entries(pkg.exports as Record<string, unknown>).filter((e): e is [string, Target] => typeof e[1] === 'object' && e[1] !== null);

// dist/ as `npm pack` / `npm publish` (and `npm ci` in a clone) build it: the `prepare` script, into a temp dir.
const dir = mkdtempSync(join(tmpdir(), 'tw-pkg-'));
const dist = join(dir, 'dist');
const after = [dir];
const prepare = /^node (scripts\/build\.mjs)(.*)$/.exec(pkg.scripts.prepare);
const built = prepare ? spawnSync(process.execPath, [join(root, prepare[1]!), ...prepare[2]!.trim().split(/\s+/).filter(Boolean)], { env: { ...process.env, TW_DIST: dist }, encoding: 'utf8' }) : null;

test('no runtime dependencies: only node: built-ins', () => {
  assert.equal(Object.keys(pkg.dependencies ?? {}), []);
  assert.is(pkg.optionalDependencies, undefined);
  assert.is(pkg.peerDependencies, undefined);
});

test('prepare (run by npm pack, npm publish and npm ci) builds every export target: ESM, CJS and their types', () => {
  assert.ok(prepare, `prepare runs scripts/build.mjs: ${pkg.scripts.prepare}`);
  assert.is(built!.status, 0, built!.stderr);
  for (const [sub, t] of targets) {
    for (const f of [t.import.types, t.import.default, t.require.types, t.require.default]) assert.ok(existsSync(join(dir, f)), `${sub}: ${f} missing`);
    assert.ok(t.require.types.endsWith('.d.cts'), `${sub}: require types must be .d.cts (a .d.ts types an ES module in this package)`);
  }
  assert.ok(existsSync(join(dir, pkg.types)), pkg.types);
});

test('esbuild emits ESM and CJS for every subpath export, and both load', () => {
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  const req = createRequire(join(dir, 'package.json'));
  for (const [sub, t] of targets) {
    const cjs = req(join(dir, t.require.default));
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
});

test('a TypeScript consumer type-checks every subpath through import (ESM) and require (CJS)', () => {
  // the package as installed: node_modules/tracewire holds package.json + dist; @types/node and the OTel API from ours
  const app = mkdtempSync(join(tmpdir(), 'tw-pkg-app-')); // outside dir, whose package.json would make 'tracewire' a self-reference
  after.push(app);
  mkdirSync(join(app, 'node_modules/@types'), { recursive: true });
  cpSync(dist, join(app, 'node_modules/tracewire/dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(app, 'node_modules/tracewire/package.json'));
  symlinkSync(join(root, 'node_modules/@types/node'), join(app, 'node_modules/@types/node'));
  symlinkSync(join(root, 'node_modules/@opentelemetry'), join(app, 'node_modules/@opentelemetry'));
  const subs = targets.map(([sub]) => sub === '.' ? 'tracewire' : 'tracewire/' + sub.slice(2));
  writeFileSync(join(app, 'esm.mts'), subs.map((s, i) => `import * as m${i} from '${s}';\nvoid m${i};\n`).join('') + `import { createTracer } from 'tracewire';\ncreateTracer({ service: 'x' }).startSpan('y').end();\n`);
  writeFileSync(join(app, 'cjs.cts'), subs.map((s, i) => `import m${i} = require('${s}');\nvoid m${i};\n`).join('') + `import tw = require('tracewire');\ntw.createTracer({ service: 'x' }).startSpan('y').end();\n`);
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'] }, files: ['esm.mts', 'cjs.cts'] }));
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
});

test('the bin entry and the files list are what npm publishes', () => {
  assert.is(pkg.bin.tracewire, './bin/tracewire.mjs');
  assert.ok(existsSync(join(root, pkg.bin.tracewire)));
  for (const f of ['dist', 'bin', 'schema', 'README.md']) assert.ok(pkg.files.includes(f), f);
});

test.after(() => { for (const d of after) rmSync(d, { recursive: true, force: true }); });

test.run();
