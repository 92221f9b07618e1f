// AC-004 / AC-006: a span file found by listing (a directory entry, a rotated sibling) that cannot be read
// (EACCES: another user's 0600 file on a shared volume; a directory where a file was expected) is skipped,
// named and counted; the readable files are still read. A file named by --file that cannot be read is an input error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { otlpLine, id16, id32, type SynthSpan } from '../cli/synth.js';
import { cli } from './helpers/cli-run.js';

const root = mkdtempSync(join(tmpdir(), 'tw-cli-unreadable-'));
chmodSync(root, 0o755);
const T = id32(1, 0xe5);
const span = (n: number): SynthSpan => ({ trace: T, id: id16(n, 0xe5), service: 'svc' + n, name: 'op' + n, kind: 2, start: n, dur: 1 });
// root reads every file whatever its mode: the CLI then runs as nobody, for whom a 0600 file of root's is EACCES
const asOther = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

function dir(name: string, files: Record<string, SynthSpan[]>, unreadable: string[] = []): string {
  const d = join(root, name);
  mkdirSync(d, { mode: 0o755 });
  chmodSync(d, 0o755);
  for (const [f, spans] of Object.entries(files)) writeFileSync(join(d, f), otlpLine(spans) + '\n', { mode: 0o644 });
  for (const f of unreadable) chmodSync(join(d, f), 0o000);
  return d;
}

test('AC-006 --file <dir>: an unreadable span file (EACCES) is skipped, named and counted; the others are read', async () => {
  const d = dir('eacces', { 'a.jsonl': [span(1)], 'b.jsonl': [span(2)], 'c.jsonl': [span(3)] }, ['b.jsonl']);
  const r = await cli(['services', '--file', d, '--json'], asOther);
  assert.is(r.code, 0, r.out + r.err);
  assert.is(JSON.parse(r.out).spans, 2, 'a.jsonl and c.jsonl');
  assert.match(r.err, `${join(d, 'b.jsonl')}: cannot be read (EACCES): skipped`);
  assert.match(r.err, '1 of 3 span files could not be read and were skipped');
  const v = await cli(['view', T, '--file', d, '--json'], asOther);
  assert.is(v.code, 0, v.out + v.err);
  assert.is(JSON.parse(v.out).spanCount, 2);
  assert.match(v.err, 'b.jsonl: cannot be read (EACCES): skipped');
});

test('AC-004 --file <file>: a rotated sibling that is a directory or unreadable is skipped and said; the rest is read', async () => {
  const d = dir('rotated', { 'spans.jsonl.3': [span(1)], 'spans.jsonl.2': [span(2)], 'spans.jsonl': [span(4)] }, ['spans.jsonl.2']);
  mkdirSync(join(d, 'spans.jsonl.1'));
  const r = await cli(['view', T, '--file', join(d, 'spans.jsonl'), '--json'], asOther);
  assert.is(r.code, 0, r.out + r.err);
  assert.is(JSON.parse(r.out).spanCount, 2, 'spans.jsonl.3 and spans.jsonl');
  assert.match(r.err, `${join(d, 'spans.jsonl.1')}: cannot be read (it is a directory): skipped`);
  assert.match(r.err, `${join(d, 'spans.jsonl.2')}: cannot be read (EACCES): skipped`);
  assert.match(r.err, '2 of 4 span files could not be read and were skipped');
});

test('AC-006 a directory whose span files are all unreadable is an input error naming them (exit 2)', async () => {
  const d = dir('none', { 'a.jsonl': [span(1)], 'b.jsonl': [span(2)] }, ['a.jsonl', 'b.jsonl']);
  const r = await cli(['services', '--file', d, '--json'], asOther);
  assert.is(r.code, 2, r.out + r.err);
  assert.is(JSON.parse(r.out).code, 'TW_ERR_INPUT');
  assert.match(r.err, `no span file could be read: ${join(d, 'a.jsonl')} (EACCES), ${join(d, 'b.jsonl')} (EACCES)`);
});

test('AC-004 a file named by --file that cannot be read is still an input error', async () => {
  const d = dir('named', { 'a.jsonl': [span(1)], 'b.jsonl': [span(2)] }, ['b.jsonl']);
  const r = await cli(['services', '--file', join(d, 'a.jsonl'), '--file', join(d, 'b.jsonl')], asOther);
  assert.is(r.code, 2, r.out + r.err);
  assert.match(r.err, `cannot read ${join(d, 'b.jsonl')}: EACCES`);
});

test('AC-006 --file <dir>: a dangling symlink among the span files is skipped, named as such and counted', async () => {
  const d = dir('dangling', { 'a.jsonl': [span(1)], 'c.jsonl': [span(3)] });
  symlinkSync(join(d, 'gone.jsonl'), join(d, 'b.jsonl'));
  const r = await cli(['services', '--file', d, '--json'], asOther);
  assert.is(r.code, 0, r.out + r.err);
  assert.is(JSON.parse(r.out).spans, 2);
  assert.match(r.err, `${join(d, 'b.jsonl')}: cannot be read (dangling symlink to ${join(d, 'gone.jsonl')}): skipped`);
  assert.match(r.err, '1 of 3 span files could not be read and were skipped');
  const only = dir('dangling-only', {});
  symlinkSync('nowhere.jsonl', join(only, 'x.jsonl'));
  const none = await cli(['services', '--file', only, '--json'], asOther);
  assert.is(none.code, 2, none.out + none.err);
  assert.match(none.err, `no span file could be read: ${join(only, 'x.jsonl')} (dangling symlink to nowhere.jsonl)`);
});

test('AC-004 --file <file>: a rotated sibling that is a dangling symlink is named as such, not as rotated away', async () => {
  const d = dir('dangling-rotated', { 'spans.jsonl': [span(4)] });
  symlinkSync('spans.jsonl.1.old', join(d, 'spans.jsonl.1'));
  const r = await cli(['view', T, '--file', join(d, 'spans.jsonl'), '--json'], asOther);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.err, `${join(d, 'spans.jsonl.1')}: cannot be read (dangling symlink to spans.jsonl.1.old): skipped`);
  assert.not.match(r.err, 'is gone');
  assert.match(r.err, '1 of 2 span files could not be read and were skipped');
  const named = await cli(['view', T, '--file', join(d, 'spans.jsonl.1')], asOther);
  assert.is(named.code, 2, named.out + named.err);
  assert.match(named.err, `cannot read ${join(d, 'spans.jsonl.1')}: dangling symlink to spans.jsonl.1.old`);
});

test('AC-004 --file <file> in a directory that can be entered but not listed: the file is read, and its rotated siblings are said to be unsearched', async () => {
  // read permission on a directory is what listing needs; as root it is never denied, so the CLI runs as nobody then
  const d = dir('unlistable', { 'spans.jsonl.1': [span(1)], 'spans.jsonl': [span(2)] });
  chmodSync(d, 0o311); // write+search for the owner, search only for others: no one but root can list it
  try {
    const r = await cli(['view', T, '--file', join(d, 'spans.jsonl'), '--json'], asOther);
    assert.is(r.code, 0, r.out + r.err);
    assert.is(JSON.parse(r.out).spanCount, 1, 'the named file is read; spans.jsonl.1 could not be found');
    assert.match(r.err, `tracewire: cannot list ${d} (EACCES): rotated siblings of ${join(d, 'spans.jsonl')} (.1, .2 ...) not looked for: skipped`);
    assert.match(r.err, '1 directory could not be listed');
  } finally {
    chmodSync(d, 0o755);
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
