// Node ESM loader hooks: run .ts sources directly (tests, benches, CLI in dev) via esbuild's transform.
// Inline source maps let c8 report coverage against the .ts files.
import { readFile, writeFile, rename, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, next) {
  // TypeScript sources import siblings as './x.js' (NodeNext style); map to './x.ts' when that exists.
  if (specifier.endsWith('.js') && (specifier.startsWith('.') || specifier.startsWith('file:')) && context.parentURL?.startsWith('file:')) {
    const url = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true, format: 'module' };
  }
  return next(specifier, context);
}

// Class fields as constructor assignments (tsconfig useDefineForClassFields: false): with [[Define]] semantics every
// `new Span` first defined its 17 fields as undefined in a separate initializer (measured 1.2% of the span bench profile).
const TSCONFIG = { compilerOptions: { useDefineForClassFields: false } };

// Transforms cached by content: every child process (CLI tests, export threads) otherwise starts its own esbuild
// service and re-transforms ~70 modules: a `tracewire --help` spawn took 0.64–0.74 s, 0.34–0.43 s with the cache.
const OPTIONS = { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', tsconfigRaw: TSCONFIG };
const ESBUILD = JSON.parse(await readFile(new URL('../node_modules/esbuild/package.json', import.meta.url), 'utf8')).version;
const KEY = `${ESBUILD}\0${JSON.stringify(OPTIONS)}\0`;
const CACHE = fileURLToPath(new URL('../node_modules/.cache/tracewire-ts/', import.meta.url));

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const path = fileURLToPath(url);
    const src = await readFile(path, 'utf8');
    const key = createHash('sha256').update(KEY).update(path).update('\0').update(src).digest('hex');
    const cached = CACHE + key + '.mjs';
    try { return { format: 'module', source: await readFile(cached, 'utf8'), shortCircuit: true }; } catch { /* miss */ }
    const { transform } = await import('esbuild'); // loaded on a miss only: a warm child process never loads it
    const out = await transform(src, { ...OPTIONS, sourcefile: path });
    // write then rename: a parallel process never reads half a file; a failed write only costs the next one a transform
    try { await mkdir(CACHE, { recursive: true }); const tmp = `${cached}.${process.pid}.tmp`; await writeFile(tmp, out.code); await rename(tmp, cached); } catch { /* read-only tree */ }
    return { format: 'module', source: out.code, shortCircuit: true };
  }
  return next(url, context);
}
