// In-process A/B of the span path: another checkout's src (BASE, e.g. a `git worktree` of the commit to compare)
// and this one's, loaded side by side in one process, the span bench's work interleaved round by round, so the
// VM's drift (up to 2x within a minute here) cancels out of the per-round ratio.
// usage: git worktree add /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/node_modules
//        BASE=/tmp/base node --import ./scripts/register.mjs bench/span-ab.ts     (R = rounds, default 40)
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import * as B from '../src/index.js';
import { ATTRS } from './otel-setup.js';
import { check } from './util.js';

if (!process.env.BASE) { console.error('set BASE to the root of the checkout to compare with'); process.exit(64); }
const A = (await import(pathToFileURL(resolve(process.env.BASE, 'src/index.ts')).href)) as typeof B;
class Noop { n = 0; async export(s: readonly unknown[]) { this.n += s.length; return { ok: true }; } }
const ta = A.createTracer({ service: 'ab', exporter: new Noop() as never });
const tb = B.createTracer({ service: 'ab', exporter: new Noop() as never });
const pa = ta.startSpan('p', { root: true }), pb = tb.startSpan('p', { root: true });
const sink: { v: unknown } = { v: null };
let ea = 0, eb = 0;
// One function per side, so each has its own feedback and inlining (as one app would).
function fa(t: typeof ta, parent?: unknown) { const s = t.startSpan('op', { attributes: ATTRS, parent: parent as never }); s.setAttribute('app.user_id', 'u-1234'); s.setAttribute('app.cache_hit', true); s.setStatus(1); s.end(); if ((++ea & 511) === 0) void t.processor?.forceFlush(); return s; }
function fb(t: typeof tb, parent?: unknown) { const s = t.startSpan('op', { attributes: ATTRS, parent: parent as never }); s.setAttribute('app.user_id', 'u-1234'); s.setAttribute('app.cache_hit', true); s.setStatus(1); s.end(); if ((++eb & 511) === 0) void t.processor?.forceFlush(); return s; }
check(fa(ta, pa).isRecording() === false && fb(tb, pb).isRecording() === false && ta.stats().ended === 1 && tb.stats().ended === 1, 'both sides record and end spans');
const tasks: [string, () => unknown][] = [['base root', () => fa(ta)], ['this root', () => fb(tb)], ['base child', () => fa(ta, pa)], ['this child', () => fb(tb, pb)]];
const per: Record<string, number[]> = {};
const ratio: Record<string, number[]> = { root: [], child: [] };
const R = Number(process.env.R ?? 40);
for (let r = 0; r < R; r++) {
  const cur: Record<string, number> = {};
  for (let k = 0; k < tasks.length; k++) {
    const [name, fn] = tasks[(k + r) % tasks.length]!;
    const t0 = performance.now();
    for (let i = 0; i < 20000; i++) sink.v = fn();
    cur[name] = (performance.now() - t0) * 1e6 / 20000;
    await new Promise((res) => setImmediate(res));
  }
  if (r < 5) continue; // warm-up
  for (const n in cur) (per[n] ??= []).push(cur[n]!);
  ratio.root!.push(cur['base root']! / cur['this root']!);
  ratio.child!.push(cur['base child']! / cur['this child']!);
}
const med = (a: number[]): number => { const b = [...a].sort((x, y) => x - y); return b[b.length >> 1]!; };
for (const [n, a] of Object.entries(per)) console.log(n.padEnd(11), med(a).toFixed(1), 'ns');
for (const [n, a] of Object.entries(ratio)) console.log(`base / this, ${n}: ${med(a).toFixed(3)} (>1: this checkout is faster)`);
