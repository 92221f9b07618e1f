#!/usr/bin/env node
// A Node binary of another major version, for benchmarks only (not a dependency; nothing is installed):
// `npm pack node-<os>-<arch>@<major|version>` from the npm registry, extracted to .bench-node/<version>/,
// and the binary's path printed on stdout. Idempotent: an already extracted version is reused offline.
//
// usage: node scripts/bench-node.mjs 24            -> /…/.bench-node/24.x.y/package/bin/node
//        NODE_BIN=$(node scripts/bench-node.mjs 24) npm run bench:http   (server processes run on Node 24)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const want = process.argv[2];
if (!want || !/^\d+(\.\d+\.\d+)?$/.test(want)) {
  console.error('usage: node scripts/bench-node.mjs <major|x.y.z>   (prints the path of that Node binary)');
  process.exit(64);
}
const os = process.platform === 'win32' ? 'win' : process.platform;
const pkg = `node-${os}-${process.arch}`;
const exe = process.platform === 'win32' ? 'node.exe' : join('bin', 'node');
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '.bench-node');
const binOf = (version) => join(root, version, 'package', exe);

/** Highest already extracted version matching `want` (offline reuse). */
function cached() {
  if (!existsSync(root)) return null;
  const vs = readdirSync(root).filter((v) => /^\d+\.\d+\.\d+$/.test(v) && (v === want || v.split('.')[0] === want) && existsSync(binOf(v)));
  vs.sort((a, b) => { const x = a.split('.').map(Number), y = b.split('.').map(Number); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
  return vs.length > 0 ? vs[vs.length - 1] : null;
}

let version = cached();
if (version === null) {
  mkdirSync(root, { recursive: true });
  const tmp = mkdtempSync(join(root, '.pack-'));
  try {
    // npm's own client: registry and proxy settings as configured for the project.
    const out = execFileSync('npm', ['pack', `${pkg}@${want}`, '--json', '--pack-destination', tmp], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], shell: process.platform === 'win32' });
    const info = JSON.parse(out)[0];
    version = info.version;
    const dest = join(root, version);
    if (!existsSync(binOf(version))) {
      const x = join(tmp, 'x');
      mkdirSync(x);
      execFileSync('tar', ['-xzf', join(tmp, info.filename), '-C', x], { stdio: 'inherit' });
      rmSync(dest, { recursive: true, force: true });
      renameSync(x, dest); // whole directory at once: a half-extracted tree is never taken as cached
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
const bin = binOf(version);
const v = execFileSync(bin, ['-v'], { encoding: 'utf8' }).trim(); // it runs on this machine
if (v !== 'v' + version) throw new Error(`${bin} reports ${v}, expected v${version}`);
console.log(bin);
