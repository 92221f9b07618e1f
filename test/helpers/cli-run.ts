// Runs the tracewire CLI as a user does: `node bin/tracewire.mjs ...` in a child process (from the TS
// sources, so a stale dist/ is never what is tested), capturing stdout, stderr and the exit code.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult { code: number | null; out: string; err: string }

export function cli(args: string[], o: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number; uid?: number; gid?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const env: Record<string, string | undefined> = { ...process.env, TRACEWIRE_CLI_SOURCE: '1', NO_COLOR: '1', FORCE_COLOR: undefined, ...o.env }; // Node 24 warns on stderr when both are set
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(process.execPath, [join(ROOT, 'bin/tracewire.mjs'), ...args], { cwd: o.cwd ?? ROOT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], uid: o.uid, gid: o.gid });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => { err += '\n[test] killed after timeout'; child.kill('SIGKILL'); }, o.timeoutMs ?? 60_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
  });
}
