// AC-005: a config path that is not a regular file (a FIFO, a character device such as /dev/zero, a directory) is
// refused unread with TW_CONFIG_UNREADABLE, at startup and on reload (the last good config stays, the failure is
// counted): reading a FIFO waits for a writer forever and /dev/zero never ends. The scenarios run in a child
// process with a timeout (test/helpers/nonfile-config-child.ts), so a regression fails instead of hanging.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

function run(...scenarios: string[]): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the child's JSON
  // No `ulimit -v`: Node 24 reserves more address space at start than a 2 GB cap allows ("Failed to reserve virtual memory for CodeRange").
  // A loader that reads /dev/zero to its end is bounded by the timeout (and Node's 4 GiB Buffer limit) instead.
  const args = [join(ROOT, 'test/helpers/nonfile-config-child.ts'), ...scenarios];
  const r = spawnSync(process.execPath, ['--import', join(ROOT, 'scripts/register.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 15_000, killSignal: 'SIGKILL' });
  assert.ok(r.status === 0, `child ${r.signal ? `killed (${r.signal}): it hung or grew without bound` : `exited ${r.status}`} on ${scenarios.join(', ')}\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout);
}

test('AC-005 startup: /dev/zero, a directory and a FIFO are refused unread with TW_CONFIG_UNREADABLE, saying what the path is', () => {
  if (!hasMkfifo) { console.log('SKIP: no mkfifo'); return; }
  const o = run('startup-zero', 'startup-dir', 'startup-fifo');
  assert.match(o['startup-zero'][0], /^TW_CONFIG_UNREADABLE: \/dev\/zero: not a regular file \(a character device\)/);
  assert.match(o['startup-dir'], /^TW_CONFIG_UNREADABLE: .*: not a regular file \(a directory\)/);
  assert.match(o['startup-fifo'][0], /^TW_CONFIG_UNREADABLE: .*fifo\.json: not a regular file \(a FIFO\)/);
  // tracerFromConfig (not strict): one log line, tracing on OTEL_* and defaults, the failure in configStats
  for (const t of [o['startup-zero'][1], o['startup-fifo'][1]]) {
    assert.equal([t.loaded, t.lastError, t.fileRejected], [false, 'TW_CONFIG_UNREADABLE', true]);
    assert.match(t.logs.join('\n'), /config not applied \(TW_CONFIG_UNREADABLE\): .*not a regular file/);
  }
});

test('AC-005 reload: a FIFO, a link to /dev/zero or a directory swapped in is rejected and counted; the last good config stays', () => {
  if (!hasMkfifo) { console.log('SKIP: no mkfifo'); return; }
  const o = run('reload').reload;
  const kinds = ['a FIFO', 'a character device', 'a directory'];
  o.events.forEach((ev: { ok: boolean; error: string; service: string }, i: number) => {
    assert.is(ev.ok, false, kinds[i]);
    assert.match(ev.error, `TW_CONFIG_UNREADABLE`);
    assert.match(ev.error, `not a regular file (${kinds[i]})`);
    assert.is(ev.service, 'good', 'the last good config stays in effect');
  });
  // three different bad versions: each reported and counted once
  assert.equal(o.afterBad, { reloadFailures: 3, fileRejected: true, lastError: 'TW_CONFIG_UNREADABLE' });
  assert.is(o.logs.filter((l: string) => l.startsWith('config reload rejected (TW_CONFIG_UNREADABLE)')).length, 3);
  assert.is(o.again.service, 'good');
  assert.is(o.fileRejected, false, 'the good file back: no longer rejected');
});

test.run();
