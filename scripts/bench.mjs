#!/usr/bin/env node
// npm run bench [filter]: runs each bench/*.bench.ts in RUNS fresh processes (round-robin), keeps the
// RESULT lines in bench/results/latest.json, and prints medians across processes with tracewire/otel ratios.
// BENCH_QUICK=1: one process per file, a few ms per task (bench/util.ts): checks the benches run and assert;
// its numbers mean nothing, so latest.json is left as it is.
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const root = fileURLToPath(new URL('..', import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = Number(process.env.RUNS ?? (QUICK ? 1 : 3));
const filters = process.argv.slice(2);
const files = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.bench.ts') && (!filters.length || filters.some((x) => f.includes(x)))).sort();
const all = {};
for (let run = 0; run < RUNS; run++) {
  for (const f of files) {
    const args = ['--import', join(root, 'scripts/register.mjs')];
    if (/alloc/.test(f)) args.push('--expose-gc');
    const r = spawnSync(process.execPath, [...args, join('bench', f)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
    if (r.status !== 0) { console.error(`bench ${f} failed (exit ${r.status})`); process.exitCode = 1; continue; }
    for (const line of r.stdout.split('\n')) if (line.startsWith('RESULT ')) (all[f] ??= []).push(JSON.parse(line.slice(7)));
  }
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const command = `RUNS=${RUNS}${QUICK ? ' BENCH_QUICK=1' : ''} node scripts/bench.mjs ${filters.join(' ')}`.trim();
const summary = { date: new Date().toISOString(), command, node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), runs: RUNS, files: {} };
console.log(`${command}: Node ${process.version}, ${summary.cpu} x ${summary.cores}, ${summary.memGiB} GiB, ${os.platform()} ${os.arch()}; medians across ${RUNS} process(es) [min–max]`);
for (const [f, runs] of Object.entries(all)) {
  const byName = {};
  for (const r of runs) for (const t of r.tasks ?? []) { const b = (byName[t.name] ??= { ...t, medians: [], paired: [] }); b.medians.push(t.medianNs); if (t.pairedRatio) b.paired.push(t.pairedRatio); }
  summary.files[f] = { tasks: Object.values(byName).map((t) => ({ name: t.name, group: t.group, impl: t.impl, medianNs: median(t.medians), min: Math.min(...t.medians), max: Math.max(...t.medians), ...(t.paired.length ? { pairedRatio: median(t.paired), pairedMin: Math.min(...t.paired), pairedMax: Math.max(...t.paired) } : {}) })), extra: runs.map((r) => { const { tasks, ...rest } = r; return rest; }) };
  console.log(`\n## ${f}`);
  const tasks = summary.files[f].tasks;
  for (const t of tasks) {
    let ratio = '';
    if ((t.impl === 'tracewire' || t.impl === 'ref') && t.group) { const o = tasks.find((x) => x.group === t.group && x.impl === 'otel'); if (o) ratio = `  ${(o.medianNs / t.medianNs).toFixed(1)}x faster than OTel` + (t.pairedRatio ? ` (paired within rounds: ${t.pairedRatio.toFixed(2)}x [${t.pairedMin.toFixed(2)}–${t.pairedMax.toFixed(2)}])` : ''); }
    console.log(`${t.name.padEnd(64)} ${t.medianNs.toFixed(1).padStart(9)} ns [${t.min.toFixed(1)}–${t.max.toFixed(1)}]${ratio}`);
  }
  const allocs = summary.files[f].extra.map((x) => x.alloc).filter(Boolean); // span-alloc: heap bytes per span, one figure per process
  for (const k of allocs.length ? ['tracewireRoot', 'tracewireChild', 'otelRoot', 'otelChild'] : []) {
    const v = allocs.map((a) => a[k]);
    console.log(`heap bytes per span, ${k.padEnd(52)} ${median(v).toFixed(1).padStart(9)} B  [${v.map((x) => x.toFixed(0)).join(', ')}]`);
  }
}
if (QUICK) console.log('\nBENCH_QUICK: a correctness run, not a measurement; bench/results/latest.json not written');
else writeFileSync(join(root, 'bench/results/latest.json'), JSON.stringify(summary, null, 2));
