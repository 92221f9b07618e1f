// AC-004: a rotated sibling or directory entry that logrotate removes after it was listed but before it is
// read (`.2` compressed into `.2.gz`, the oldest deleted) is skipped, counted and said; a named file is not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { otlpLine, id16, id32, type SynthSpan } from '../cli/synth.js';
import { load } from '../cli/args.js';
import { InputError } from '../cli/read.js';

const root = mkdtempSync(join(tmpdir(), 'tw-cli-vanish-'));
const T = id32(1, 0xe4);
const span = (n: number): SynthSpan => ({ trace: T, id: id16(n, 0xe4), service: 'svc', name: 'op' + n, kind: 2, start: n, dur: 1 });

/** Starts load(); while it blocks on the FIFO named first (all files listed and sized by then), `meanwhile` runs, then the FIFO gets one span. */
async function loadWhile(files: string[], fifo: string, meanwhile: () => void) {
  execFileSync('mkfifo', [fifo]);
  const p = load({ file: [fifo, ...files] });
  p.catch(() => {}); // awaited below
  meanwhile();
  const w = await open(fifo, 'w'); // blocks until the reader opened it
  await w.write(otlpLine([span(100)]) + '\n');
  await w.close();
  return p;
}

test('AC-004 a directory entry gone between listing and reading (logrotate) is skipped and counted, the rest is read', async () => {
  const d = join(root, 'dir');
  mkdirSync(d);
  writeFileSync(join(d, 'spans.jsonl.2'), otlpLine([span(1)]) + '\n');
  writeFileSync(join(d, 'spans.jsonl.1'), otlpLine([span(2)]) + '\n');
  writeFileSync(join(d, 'spans.jsonl'), otlpLine([span(3)]) + '\n');
  const { stats } = await loadWhile([d], join(root, 'fifo1'), () => unlinkSync(join(d, 'spans.jsonl.2')));
  assert.is(stats.spans, 3, 'the FIFO\'s span, .1 and the live file');
  assert.is(stats.vanished, 1);
  assert.is(stats.files, 3);
});

test('AC-004 a rotated sibling gone between listing and reading is skipped and counted', async () => {
  const d = join(root, 'siblings');
  mkdirSync(d);
  writeFileSync(join(d, 'spans.jsonl.3'), otlpLine([span(1)]) + '\n');
  writeFileSync(join(d, 'spans.jsonl'), otlpLine([span(3)]) + '\n');
  const { stats } = await loadWhile([join(d, 'spans.jsonl')], join(root, 'fifo2'), () => unlinkSync(join(d, 'spans.jsonl.3')));
  assert.is(stats.spans, 2);
  assert.is(stats.vanished, 1);
});

test('AC-004 a file named by --file that is gone is still an input error', async () => {
  const d = join(root, 'named');
  mkdirSync(d);
  writeFileSync(join(d, 'spans.jsonl'), otlpLine([span(3)]) + '\n');
  const err = await loadWhile([join(d, 'spans.jsonl')], join(root, 'fifo3'), () => unlinkSync(join(d, 'spans.jsonl'))).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof InputError, String(err));
  assert.match((err as Error).message, 'no such file');
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
