// What the CLI writes to a terminal, run in a real pseudo-terminal (util-linux `script`): colour only on a
// terminal that is not TERM=dumb and without NO_COLOR (no-color.org); the progress and demo status lines are
// redrawn with `\r` only there, and no escape sequence but SGR colour is ever written; pipes get plain text.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { otlpLine, id16, id32, type SynthSpan } from '../cli/synth.js';
import { cli, ROOT, type CliResult } from './helpers/cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-term-'));
const T = id32(1, 0x7e);
const s = (n: number): string => id16(n, 0x7e);
const spans: SynthSpan[] = [
  { trace: T, id: s(1), service: 'gateway', name: 'GET /a', kind: 2, start: 0, dur: 50, http: 200 },
  { trace: T, id: s(2), parent: s(1), service: 'gateway', name: 'GET', kind: 3, start: 5, dur: 20, http: 503, status: 2 },
  { trace: T, id: s(3), parent: s(2), service: 'orders', name: 'GET /orders', kind: 2, start: 6, dur: 18, http: 503, status: 2 },
];
const file = join(dir, 'spans.jsonl');
writeFileSync(file, otlpLine(spans) + '\n');

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const q = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;

/** The CLI with stdout and stderr on one pseudo-terminal (the pty turns \n into \r\n). */
function tty(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const e: Record<string, string | undefined> = { ...process.env, TRACEWIRE_CLI_SOURCE: '1', NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm-256color', ...env };
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  const cmd = [process.execPath, join(ROOT, 'bin/tracewire.mjs'), ...args].map(q).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: dir, env: e as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
  });
}

const ESC = /\x1b/;
const NON_SGR = /\x1b(?!\[\d+m)/; // anything but a colour: cursor moves, erase-line, titles
const BARE_CR = /\r(?!\n)/; // a line redrawn in place (the pty's own \r\n is a newline)
const READERS: string[][] = [['view', T, '--file', file], ['services', '--file', file], ['audit', '--file', file]];
const skip = (): boolean => {
  if (hasScript) return false;
  assert.ok(process.env.TRACEWIRE_REQUIRE_SERVICES !== '1', 'util-linux `script` is needed for a pseudo-terminal');
  console.log('SKIP: no `script` command to run the CLI in a pseudo-terminal');
  return true;
};

test('terminal: on a colour terminal, colours are on and they are the only escape sequences (no erase-line after the progress)', async () => {
  if (skip()) return;
  for (const args of READERS) {
    const r = await tty(args, {});
    assert.ok(r.code === 0 || r.code === 1, args[0] + ': ' + r.out);
    assert.match(r.out, ESC, `${args[0]}: the pty is a terminal, so colour is on (else this test proves nothing)`);
    assert.not.match(r.out, NON_SGR, `${args[0]}: ${JSON.stringify(r.out.slice(0, 300))}`);
  }
});

test('terminal: NO_COLOR (any non-empty value) means no escape sequence at all; --color still wins', async () => {
  if (skip()) return;
  for (const args of READERS) {
    const r = await tty(args, { NO_COLOR: 'yes' });
    assert.ok(r.code === 0 || r.code === 1, args[0] + ': ' + r.out);
    assert.not.match(r.out, ESC, `${args[0]}: ${JSON.stringify(r.out.slice(0, 300))}`);
  }
  const forced = await tty(['view', T, '--file', file, '--color'], { NO_COLOR: '1' });
  assert.match(forced.out, ESC);
});

test('terminal: TERM=dumb means no colour, no escape, no line redrawn with \\r (read progress and the demo\'s bar become lines)', async () => {
  if (skip()) return;
  for (const args of READERS) {
    const r = await tty(args, { TERM: 'dumb' });
    assert.ok(r.code === 0 || r.code === 1, args[0] + ': ' + r.out);
    assert.not.match(r.out, ESC, `${args[0]}: ${JSON.stringify(r.out.slice(0, 300))}`);
    assert.not.match(r.out, BARE_CR, `${args[0]}: ${JSON.stringify(r.out.slice(0, 300))}`);
    assert.not.match(r.out, 'reading spans', 'no progress by default, as on a pipe');
  }
  const p = await tty(['view', T, '--file', file, '--progress'], { TERM: 'dumb' });
  assert.match(p.out, /reading spans: 100% \(0 of 0 MiB\)\r\n/);
  assert.not.match(p.out, BARE_CR);
  const demo = await tty(['demo', '--requests', '4', '--file', join(dir, 'demo.jsonl')], { TERM: 'dumb' });
  assert.is(demo.code, 0, demo.out);
  assert.match(demo.out, '4/4 requests\r\n');
  assert.not.match(demo.out, ESC, JSON.stringify(demo.out.slice(0, 400)));
  assert.not.match(demo.out, BARE_CR, JSON.stringify(demo.out.slice(0, 400)));
  const c = await tty(['view', T, '--file', file, '--color'], { TERM: 'dumb' });
  assert.match(c.out, ESC, '--color is the user asking: it wins over TERM=dumb');
});

test('terminal: the demo\'s progress bar on a terminal is redrawn with \\r and spaces, never an erase sequence', async () => {
  if (skip()) return;
  const demo = await tty(['demo', '--requests', '4', '--file', join(dir, 'demo2.jsonl')], {});
  assert.is(demo.code, 0, demo.out);
  assert.match(demo.out, /\r {2}█+ 4\/4/);
  assert.not.match(demo.out, NON_SGR, JSON.stringify(demo.out.slice(0, 400)));
});

test('pipes: with neither NO_COLOR nor FORCE_COLOR set, output to a pipe has no escape sequence and no \\r', async () => {
  const env = { NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm-256color' };
  for (const args of [...READERS, ['demo', '--requests', '4', '--file', join(dir, 'demo3.jsonl')]]) {
    const r = await cli(args, { cwd: dir, env });
    assert.ok(r.code === 0 || r.code === 1, args[0] + ': ' + r.out + r.err);
    for (const x of [r.out, r.err]) {
      assert.not.match(x, ESC, `${args[0]}: ${JSON.stringify(x.slice(0, 300))}`);
      assert.not.match(x, '\r', `${args[0]}: ${JSON.stringify(x.slice(0, 300))}`);
    }
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
