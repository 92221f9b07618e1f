#!/usr/bin/env node
// Build dist/: esbuild emits ESM (.js) and CJS (.cjs) per source file (no bundling, so subpath exports
// share modules); tsc emits declarations. Entry points: src/, adapters/, cli/.
import { build } from 'esbuild';
import { readdirSync, statSync, rmSync, existsSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const walk = (d, out = []) => {
  if (!existsSync(join(root, d))) return out;
  for (const e of readdirSync(join(root, d))) {
    const p = join(d, e);
    if (statSync(join(root, p)).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
};
const entryPoints = ['src', 'adapters', 'cli'].flatMap((d) => walk(d));
const dist = process.env.TW_DIST ?? join(root, 'dist'); // TW_DIST: build elsewhere (tests)
rmSync(dist, { recursive: true, force: true });
// bundle: true only so the plugin sees every import: each module stays its own file (all imports external).
const external = (ext) => ({ name: 'per-file', setup(b) {
  b.onResolve({ filter: /.*/ }, (a) => a.kind === 'entry-point' ? undefined : ({ path: /^\.\.?\//.test(a.path) ? a.path.replace(/\.js$/, ext) : a.path, external: true }));
} });
const common = { entryPoints, absWorkingDir: root, outbase: '.', platform: 'node', target: 'node20', sourcemap: true, bundle: true, logLevel: 'warning',
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } }, // as scripts/ts-hooks.mjs: fields assigned in constructors
  logOverride: { 'empty-import-meta': 'silent' } }; // CJS modules locate siblings through __filename instead
await build({ ...common, outdir: join(dist, 'esm'), format: 'esm', plugins: [external('.js')] });
// relative './x.js' imports point at the .cjs siblings in the CJS build
await build({
  ...common, outdir: join(dist, 'cjs'), format: 'cjs', outExtension: { '.js': '.cjs' }, plugins: [external('.cjs')],
  define: { 'import.meta.url': '__tw_import_meta_url' }, // a few modules locate siblings (worker entry) by URL
  banner: { js: 'var __tw_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
});
mkdirSync(join(dist, 'cjs'), { recursive: true });
writeFileSync(join(dist, 'cjs/package.json'), '{"type":"commonjs"}\n');
if (!process.argv.includes('--no-types')) {
  const types = join(dist, 'types');
  const r = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', types], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  // A .d.ts in a "type": "module" package types an ES module: `require` consumers need .d.cts twins whose
  // relative imports name the .cjs files (else TypeScript refuses them, TS1471).
  const cjsTypes = (d) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) cjsTypes(p);
      else if (p.endsWith('.d.ts')) writeFileSync(p.slice(0, -5) + '.d.cts', readFileSync(p, 'utf8').replace(/((?:from|import)\s*\(?\s*)(['"])(\.\.?\/[^'"]*)\.js\2/g, '$1$2$3.cjs$2'));
    }
  };
  cjsTypes(types);
}
console.log(`built ${entryPoints.length} modules into dist/ (esm, cjs${process.argv.includes('--no-types') ? '' : ', types'})`);
