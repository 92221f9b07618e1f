// Which files a --file names: a span file plus its rotated siblings, or every span file of a directory
// (a mounted log volume, the file exporter's directory), in one stable order: by name, oldest rotation first.
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from './read.js';

/** `f.2`, and logrotate's `compress` (`f.2.gz`) or `compresscmd zstd` (`f.2.zst`): rotation number in group 2. */
const ROTATED = /^(.*)\.(\d+)(?:\.(?:gz|zst))?$/;
/** Span files in a directory: JSON lines (tracewire's exporter), NDJSON, the Collector file exporter's `.json`. */
const SPAN_FILE = /\.(?:jsonl|ndjson|json)(?:\.\d+)?(?:\.(?:gz|zst))?$/;
export const DIR_PATTERNS = '*.jsonl, *.ndjson, *.json (also rotated .1, .2 ... and .gz/.zst)';

/** A directory whose entries could not be listed (EACCES on a mode like 0711): rotated siblings of `file` in it were not looked for. */
export interface Unlisted { dir: string; file: string; why: string }

/**
 * Expand the user's --file list: each file plus its rotated siblings (`f.1`, `f.2`, ...), oldest first;
 * a directory becomes its span files. Missing siblings are fine; a missing named file is for the reader to report.
 */
export function expandFiles(files: readonly string[]): { files: string[]; unlisted: Unlisted[] } {
  const out: string[] = [];
  const unlisted: Unlisted[] = [];
  const seen = new Set<string>();
  const add = (p: string): void => { const k = resolve(p); if (!seen.has(k)) { seen.add(k); out.push(p); } };
  for (const f of files) {
    if (isDirectory(f)) for (const p of spanFilesIn(f)) add(p);
    else {
      for (const p of rotatedOf(f, unlisted)) add(p);
      add(f);
    }
  }
  return { files: out, unlisted };
}

function isDirectory(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

/** The rotated siblings of `f` that exist, oldest (highest number) first. */
function rotatedOf(f: string, unlisted: Unlisted[]): string[] {
  const dir = dirname(f);
  const base = basename(f);
  const rotated: Array<[number, string]> = [];
  try {
    for (const e of readdirSync(dir)) {
      const m = ROTATED.exec(e);
      if (m !== null && m[1] === base) rotated.push([Number(m[2]), join(dir, e)]);
    }
  } catch (e) {
    // no directory at all: the named file is missing too, which the reader reports
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    if (why !== 'ENOENT' && why !== 'ENOTDIR') unlisted.push({ dir, file: f, why });
    return [];
  }
  return rotated.sort((a, b) => b[0] - a[0]).map((x) => x[1]);
}

/**
 * Every span file directly in `dir` (not its subdirectories, not dotfiles), grouped by live name in code-unit
 * order, each group oldest rotation first and its live file last (the order the exporter wrote them).
 */
export function spanFilesIn(dir: string): string[] {
  let names: string[];
  try { names = readdirSync(dir); } catch (e) {
    throw new InputError(`cannot read directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const found: Array<{ key: string; n: number; path: string }> = [];
  let other = 0;
  for (const name of names) {
    const path = join(dir, name);
    if (name.startsWith('.') || !SPAN_FILE.test(name) || !(isFile(path) || isDangling(path))) { other++; continue; } // a dangling symlink: the reader names it
    const m = ROTATED.exec(name);
    found.push(m !== null ? { key: m[1]!, n: Number(m[2]), path } : { key: name, n: -1, path }); // -1: the live file, after its rotations
  }
  if (found.length === 0) throw new InputError(`no span files in directory ${dir}: looked for ${DIR_PATTERNS}${other > 0 ? `; ${other} other entr${other === 1 ? 'y' : 'ies'} ignored` : ''}`);
  found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : b.n - a.n));
  return found.map((x) => x.path);
}

function isFile(p: string): boolean {
  try { return statSync(p).isFile(); } catch { return false; }
}

/** A symlink whose target is missing (or a loop): its name says it is a span file, so a skip must be said. */
function isDangling(p: string): boolean {
  try { statSync(p); return false; } catch { /* below */ }
  try { return lstatSync(p).isSymbolicLink(); } catch { return false; }
}
