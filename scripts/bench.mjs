#!/usr/bin/env node
// npm run bench [filter]: runs each bench/*.bench.ts in RUNS fresh processes (round-robin), keeps the
// RESULT lines in bench/results/latest.json, and prints medians across processes with tracewire/otel ratios.
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 3);
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
const summary = { date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, runs: RUNS, files: {} };
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
}
writeFileSync(join(root, 'bench/results/latest.json'), JSON.stringify(summary, null, 2));
