// Child of test/config-not-a-file.test.ts: a FIFO blocks its reader and /dev/zero never ends, so a loader that reads
// them hangs or grows here, where the parent's timeout and memory cap end it, not in the test runner.
// argv: the scenarios to run (startup-zero, startup-dir, startup-fifo, reload); prints one JSON object.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, tracerFromConfig } from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-config-not-a-file-'));
const mkfifo = (p: string): void => { execFileSync('mkfifo', [p]); };
const failure = (p: string): string => {
  try { loadConfig(p); return 'loaded'; } catch (e) { return `${(e as { code?: string }).code}: ${(e as Error).message}`; }
};

async function reload(): Promise<unknown> {
  const p = join(dir, 'config.json');
  writeFileSync(p, JSON.stringify({ service: { name: 'good' } }));
  const logs: string[] = [];
  const t = tracerFromConfig({ path: p, watch: false, env: {}, logger: (m) => logs.push(m) });
  const swap = async (make: () => void): Promise<unknown> => {
    rmSync(p, { recursive: true, force: true });
    make();
    const ev = await t.reload();
    return { ok: ev?.ok ?? null, error: ev?.error ? `${ev.error.code}: ${ev.error.message}` : null, service: t.config.service.name };
  };
  const events = [await swap(() => mkfifo(p)), await swap(() => symlinkSync('/dev/zero', p)), await swap(() => mkdirSync(p))];
  const afterBad = t.configStats();
  const again = await swap(() => writeFileSync(p, JSON.stringify({ service: { name: 'good' } })));
  const s = t.configStats();
  await t.shutdown();
  return { events, afterBad: { reloadFailures: afterBad.reloadFailures, fileRejected: afterBad.fileRejected, lastError: afterBad.lastError }, again, fileRejected: s.fileRejected, logs };
}

async function startupTracer(p: string): Promise<unknown> {
  const logs: string[] = [];
  const t = tracerFromConfig({ path: p, watch: false, env: {}, logger: (m) => logs.push(m) });
  const s = t.configStats();
  await t.shutdown();
  return { loaded: s.loaded, lastError: s.lastError, fileRejected: s.fileRejected, logs };
}

const out: Record<string, unknown> = {};
for (const s of process.argv.slice(2)) {
  if (s === 'startup-zero') out[s] = [failure('/dev/zero'), await startupTracer('/dev/zero')];
  else if (s === 'startup-dir') out[s] = failure(dir);
  else if (s === 'startup-fifo') { const f = join(dir, 'fifo.json'); mkfifo(f); out[s] = [failure(f), await startupTracer(f)]; }
  else if (s === 'reload') out[s] = await reload();
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify(out));
