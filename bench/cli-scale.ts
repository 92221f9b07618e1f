// Scale check for the CLI (not part of npm test): writes a file of SPANS spans (default 1,000,000) plus one
// trace of 10,000 spans to a tmp dir, then times `view`, `services`, `audit` and `report` on it as a user
// runs them (spawned processes). Run: node --import ./scripts/register.mjs bench/cli-scale.ts
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeSynthetic, synthTrace, id32 } from '../cli/synth.js';

const SPANS = Number(process.env.SPANS ?? 1_000_000);
const PER_TRACE = 20;
const BIG = 10_000;
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tracewire-scale-'));
const file = join(dir, 'spans.jsonl');

function run(args: string[]): { ms: number; rssMb: number; out: string; code: number } {
  const t0 = performance.now();
  // /usr/bin/time is not everywhere: ask node for its own peak RSS at exit instead
  const r = spawnSync(process.execPath, ['--max-old-space-size=4096', join(root, 'bin/tracewire.mjs'), ...args, '--file', file], {
    cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1', TRACEWIRE_PEAK_RSS: '1' },
  });
  const ms = performance.now() - t0;
  const m = /peak rss (\d+) MiB/.exec(r.stderr);
  if (r.status !== 0 && r.status !== 1) throw new Error(`tracewire ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
  return { ms, rssMb: m ? Number(m[1]) : NaN, out: r.stdout, code: r.status ?? -1 };
}

try {
  const t0 = performance.now();
  const bigTrace = synthTrace(999_999, BIG, 7);
  const written = await writeSynthetic(file, { traces: Math.ceil((SPANS - BIG) / PER_TRACE), spansPerTrace: PER_TRACE, extra: [bigTrace] });
  const genMs = performance.now() - t0;
  const mb = statSync(file).size / 1048576;
  console.log(`generated ${written.toLocaleString('en-US')} spans (${mb.toFixed(0)} MiB) in ${(genMs / 1000).toFixed(1)} s → ${file}`);
  const rows: Array<[string, number, number, string]> = [];
  const time = (label: string, args: string[], check: (out: string) => boolean): void => {
    const r = run(args);
    if (!check(r.out)) throw new Error(`${label}: unexpected output:\n${r.out.slice(0, 1000)}`);
    rows.push([label, r.ms, r.rssMb, `${(mb / (r.ms / 1000)).toFixed(0)} MiB/s`]);
  };
  const small = id32(Math.floor((SPANS - BIG) / PER_TRACE / 2), 1); // a trace from the middle of the file
  time('view (20-span trace)', ['view', small, '--json'], (o) => JSON.parse(o).spanCount === PER_TRACE);
  time('view (10,000-span trace)', ['view', bigTrace[0]!.trace, '--json'], (o) => JSON.parse(o).spanCount === BIG);
  time('view (unknown ID)', ['view', 'f'.repeat(32)], () => true);
  time('services', ['services', '--json'], (o) => JSON.parse(o).spans === written);
  time('audit', ['audit', '--json'], (o) => JSON.parse(o).spans === written);
  time('report', ['report', '--out', join(dir, 'r.html'), '--json'], (o) => JSON.parse(o).spans === written);
  console.log(`\n${'command'.padEnd(28)} ${'wall'.padStart(9)} ${'peak RSS'.padStart(10)}  read rate`);
  for (const [l, ms, rss, rate] of rows) console.log(`${l.padEnd(28)} ${(ms / 1000).toFixed(2).padStart(8)}s ${(Number.isFinite(rss) ? rss + ' MiB' : '?').padStart(10)}  ${rate}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
