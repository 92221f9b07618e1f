// Watches the directories holding the config file and its secret files the way the kubelet updates
// them: a new `..<timestamp>` directory, a `..data_tmp` symlink renamed over `..data` (atomic_writer.go).
// File-level watches miss that swap (spf13/viper#284), so the directory is watched (and every directory holding a
// symlink on the file's path: a link into a volume mounted elsewhere sees no event of its own); any event, debounced,
// triggers a check that re-reads through the path and compares content. A watcher that dies (directory
// removed or replaced) is re-armed; a slow poll covers filesystems where fs.watch reports nothing.
import { watch, statSync, lstatSync, readlinkSync, type FSWatcher } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** Symlinks followed resolving one path before giving up (Linux's MAXSYMLINKS). */
const MAX_LINKS = 40;

/**
 * The directories to watch for a file: its own, plus every directory holding a symlink on its way (a key link
 * into `..data` and `..data` itself, a link from another directory into a mounted volume, a directory link a
 * git-sync style updater swaps). A swap replaces one of those links, so only their directories see it.
 */
export function watchDirs(file: string): string[] {
  const out = new Set<string>([dirname(file)]);
  let cur = '/'; // resolved so far: no symlink in it, so ".." is its parent
  let rest = resolve(file).split('/');
  let links = 0;
  while (rest.length > 0) {
    const name = rest.shift()!;
    if (name === '' || name === '.') continue;
    if (name === '..') { cur = dirname(cur); continue; }
    const next = join(cur, name);
    let link = false;
    try { link = lstatSync(next).isSymbolicLink(); } catch { break; } // missing: watch what was found so far
    if (!link) { cur = next; continue; }
    if (++links > MAX_LINKS) break;
    out.add(cur);
    let target: string;
    try { target = readlinkSync(next); } catch { break; }
    if (isAbsolute(target)) cur = '/';
    rest = [...target.split('/'), ...rest];
  }
  return [...out];
}

export interface WatchOptions {
  /** Quiet time after the last event before checking (default 200 ms: the kubelet's swap is a burst). */
  debounceMs?: number;
  /** Check this often even without events, and re-arm dead watchers (default 10 s; 0 = never). */
  pollMs?: number;
  /** Reported once per directory that cannot be watched. */
  onWarn?: (msg: string) => void;
}

interface Armed { watcher: FSWatcher | null; ino: number; dev: number }

export class DirWatcher {
  private readonly armed = new Map<string, Armed>();
  private readonly warned = new Set<string>();
  private debounce: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly debounceMs: number;
  private readonly onWarn: (msg: string) => void;

  constructor(dirs: readonly string[], private readonly onChange: () => void, o: WatchOptions = {}) {
    this.debounceMs = o.debounceMs ?? 200;
    this.onWarn = o.onWarn ?? (() => {});
    this.setDirs(dirs);
    const pollMs = o.pollMs ?? 10_000;
    if (pollMs > 0) {
      this.poll = setInterval(() => { this.rearm(); this.onChange(); }, pollMs);
      this.poll.unref();
    }
  }

  /** Watch exactly these directories (the secret files' directories change with the config). */
  setDirs(dirs: readonly string[]): void {
    if (this.closed) return;
    const want = new Set(dirs);
    for (const [d, a] of this.armed) if (!want.has(d)) { a.watcher?.close(); this.armed.delete(d); }
    for (const d of want) if (!this.armed.has(d)) this.arm(d);
  }

  /** Directories currently watched with a live watcher. */
  get watching(): string[] {
    return [...this.armed].filter(([, a]) => a.watcher !== null).map(([d]) => d);
  }

  private arm(dir: string): void {
    const a: Armed = { watcher: null, ino: -1, dev: -1 };
    this.armed.set(dir, a);
    try {
      const st = statSync(dir);
      a.ino = st.ino; a.dev = st.dev;
      const w = watch(dir, { persistent: false }, () => this.kick());
      w.on('error', () => { w.close(); if (a.watcher === w) a.watcher = null; this.kick(); });
      w.unref();
      a.watcher = w;
      this.warned.delete(dir);
    } catch (e) {
      if (!this.warned.has(dir)) {
        this.warned.add(dir);
        this.onWarn(`cannot watch ${dir} (${(e as { code?: string })?.code ?? 'error'}); checking every poll interval instead`);
      }
    }
  }

  /** Re-arm watchers whose directory vanished or was replaced (a different inode now sits at the path). */
  rearm(): void {
    if (this.closed) return;
    for (const [d, a] of this.armed) {
      let same = false;
      try { const st = statSync(d); same = st.ino === a.ino && st.dev === a.dev; } catch { /* gone */ }
      if (!same || a.watcher === null) { a.watcher?.close(); this.arm(d); }
    }
  }

  private kick(): void {
    if (this.closed) return;
    if (this.debounce !== null) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => { this.debounce = null; this.rearm(); this.onChange(); }, this.debounceMs);
    this.debounce.unref();
  }

  close(): void {
    this.closed = true;
    if (this.debounce !== null) clearTimeout(this.debounce);
    if (this.poll !== null) clearInterval(this.poll);
    for (const a of this.armed.values()) a.watcher?.close();
    this.armed.clear();
  }
}
