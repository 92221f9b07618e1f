import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Reporter } from '../src/batch-report.js';

const realNow = Date.now;

/** Runs fn with Date.now stepped by `stepMs` (an NTP step: negative = backwards), then restores it. */
async function withWallStep(stepMs: number, fn: () => Promise<void> | void): Promise<void> {
  Date.now = () => realNow() + stepMs;
  try { await fn(); } finally { Date.now = realNow; }
}

async function until(cond: () => boolean, ms = 2000): Promise<boolean> {
  const end = performance.now() + ms;
  while (!cond() && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
  return cond();
}

test('a wall clock stepped back an hour (NTP) does not silence the drop line: the next one still comes after the interval', async () => {
  const lines: string[] = [];
  const r = new Reporter('dest', 20, (m) => lines.push(m));
  r.note('queueFull', 1, null);
  assert.is(lines.length, 1, 'the first drop is said at once');
  await withWallStep(-3600_000, async () => {
    r.note('queueFull', 2, null);
    assert.ok(await until(() => lines.length === 2), 'the second line came within the 20 ms interval (not an hour later)');
  });
  assert.match(lines[1]!, /dropped 2 spans in the last \d+s \(queue full 2\)/);
  r.flush();
});

test('a wall clock stepped forward does not make every drop a line: the interval still holds', async () => {
  const lines: string[] = [];
  const r = new Reporter('dest', 60_000, (m) => lines.push(m));
  r.note('exportFailed', 1, 'boom');
  await withWallStep(3600_000, () => {
    for (let i = 0; i < 5; i++) r.note('exportFailed', 1, 'boom');
    assert.is(lines.length, 1, 'still one line: the rest wait for the interval');
  });
  r.flush(); // shutdown says what is pending
  assert.is(lines.length, 2);
  assert.match(lines[1]!, /dropped 5 spans in the last \d+s \(export failed 5\)/);
});

test.run();
