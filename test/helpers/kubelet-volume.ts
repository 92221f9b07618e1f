// The directory the kubelet's atomic writer builds for a ConfigMap or Secret volume (..<timestamp> dir, ..data
// symlink, key symlinks into ..data), swapped the same way; and reload events as a queue a test awaits.
import { writeFileSync, mkdirSync, rmSync, symlinkSync, renameSync, readlinkSync, existsSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ReloadEvent } from '../../src/config/index.js';

export const WAIT_MS = 15_000; // generous: machines are noisy; we wait for events, never for time

/** pkg/volume/util/atomic_writer.go, step by step. */
export class KubeletVolume {
  private seq = 0;
  constructor(readonly dir: string) { mkdirSync(dir, { recursive: true }); }
  private tsName(): string {
    const s = String(this.seq++).padStart(2, '0');
    return `..2026_11_21_08_30_${s}.123456789`;
  }
  write(files: Record<string, string>): void {
    const old = existsSync(join(this.dir, '..data')) ? readlinkSync(join(this.dir, '..data')) : null;
    const ts = this.tsName();
    mkdirSync(join(this.dir, ts));
    for (const [k, v] of Object.entries(files)) writeFileSync(join(this.dir, ts, k), v);
    symlinkSync(ts, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data')); // the atomic step
    for (const k of Object.keys(files)) if (!existsSync(join(this.dir, k))) symlinkSync(join('..data', k), join(this.dir, k));
    if (old !== null) rmSync(join(this.dir, old), { recursive: true, force: true });
    for (const e of readdirSync(this.dir)) if (!e.startsWith('..') && !(e in files)) unlinkSync(join(this.dir, e)); // keys no longer in the ConfigMap
  }
}

/** Reload events as a queue the test awaits, with a generous timeout. */
export function reloadEvents() {
  const q: ReloadEvent[] = [];
  const waiters: Array<(e: ReloadEvent) => void> = [];
  return {
    onReload: (e: ReloadEvent) => { const w = waiters.shift(); if (w) w(e); else q.push(e); },
    next(what: string): Promise<ReloadEvent> {
      const e = q.shift();
      if (e) return Promise.resolve(e);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no reload event within ${WAIT_MS} ms: ${what}`)), WAIT_MS);
        waiters.push((ev) => { clearTimeout(t); resolve(ev); });
      });
    },
    get pending() { return q.length; },
  };
}

