#!/usr/bin/env node
// Build dist/: esbuild emits ESM (.js) and CJS (.cjs) per source file (no bundling, so subpath exports
// share modules); tsc emits declarations. Entry points: src/, adapters/, cli/.
import { build } from 'esbuild';
import { readdirSync, statSync, rmSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
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
rmSync(join(root, 'dist'), { recursive: true, force: true });
const common = { entryPoints, absWorkingDir: root, outbase: '.', platform: 'node', target: 'node20', sourcemap: true, bundle: false, logLevel: 'warning' };
await build({ ...common, outdir: join(root, 'dist/esm'), format: 'esm' });
await build({
  ...common, outdir: join(root, 'dist/cjs'), format: 'cjs', outExtension: { '.js': '.cjs' },
  // relative './x.js' imports must point at the .cjs siblings in the CJS build
  plugins: [{ name: 'cjs-ext', setup(b) { b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (a) => ({ path: a.path.replace(/\.js$/, '.cjs'), external: true })); } }],
});
mkdirSync(join(root, 'dist/cjs'), { recursive: true });
writeFileSync(join(root, 'dist/cjs/package.json'), '{"type":"commonjs"}\n');
if (!process.argv.includes('--no-types')) {
  const r = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
console.log(`built ${entryPoints.length} modules into dist/ (esm, cjs${process.argv.includes('--no-types') ? '' : ', types'})`);
