// The README's runnable examples run: code blocks that need no network or server are executed as written,
// with `tracewire` imports pointed at the sources.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';

const root = join(new URL('.', import.meta.url).pathname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
const src = (p: string) => pathToFileURL(join(root, p)).href;

function run(code: string): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tw-readme-'));
  try {
    const file = join(dir, 'example.mjs');
    writeFileSync(file, code.replace(/from 'tracewire'/g, `from '${src('src/index.ts')}'`));
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.FORCE_COLOR; // uvu's runner sets it: console.log would colour the numbers the test reads
    const r = spawnSync(process.execPath, ['--import', join(root, 'scripts/register.mjs'), file], { encoding: 'utf8', timeout: 30_000, env });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

test('README core API example runs and exports its spans', () => {
  const block = blocks.find((b) => b.includes('memoryExporter()'));
  assert.ok(block, 'core example present');
  const r = run(block!);
  assert.is(r.status, 0, r.out);
  assert.match(r.out, /^2 \{/m, r.out); // two spans reached the exporter, then the stats object
});

test('README W3C example prints what its comments say', () => {
  const block = blocks.find((b) => b.includes('parseTraceparent('));
  assert.ok(block);
  const lines = block!.split('\n').map((l) => {
    const m = /^(.*?);\s*\/\/ '(.*)'$/.exec(l);
    return m ? `if (String(${m[1]}) !== ${JSON.stringify(m[2])}) { console.error('mismatch', String(${m[1]})); process.exit(3); }` : l;
  });
  const r = run(lines.join('\n'));
  assert.is(r.status, 0, r.out);
});

test('every name the README code imports from tracewire is exported there (package.json exports -> sources)', async () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const docs = [readme, readFileSync(join(root, 'k8s-examples/README.md'), 'utf8')];
  const code = docs.flatMap((d) => [...d.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!));
  let checked = 0;
  for (const m of code.join('\n').matchAll(/import\s*\{([^}]*)\}\s*from\s*'(tracewire(?:\/[\w.-]+)?)'/g)) {
    const sub = m[2] === 'tracewire' ? '.' : '.' + m[2]!.slice('tracewire'.length);
    const target = pkg.exports[sub]?.import?.default as string | undefined;
    assert.ok(target, `package.json exports has ${sub} for import`);
    const mod = await import(src(target!.replace(/^\.\/dist\/esm\//, '').replace(/\.js$/, '.ts')));
    for (const name of m[1]!.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]!).filter(Boolean)) {
      assert.ok(name in mod, `README imports { ${name} } from '${m[2]}', which does not export it`);
      checked++;
    }
  }
  assert.ok(checked >= 20, `checked ${checked} names`);
});

test.run();
