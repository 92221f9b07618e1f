// subPath detection. A ConfigMap/Secret mounted with `subPath` is a bind mount of one file, taken once:
// the kubelet never updates it (kubernetes/kubernetes#50345), so hot reload can never see a change.
// Heuristic (no Kubernetes API needed):
//   1. a key of a projected volume is a symlink into `..data/`, or sits next to a `..data` entry -> fine;
//   2. otherwise, if /proc/self/mountinfo lists the file itself (or its real path) as a mount point,
//      it is a single-file bind mount: subPath (or `docker run -v file:file`, which has the same problem).
// A plain file in a plain directory (local development) matches neither and is not reported.
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Mount points from mountinfo text (field 5; octal escapes such as \040 for a space decoded). */
export function mountPoints(mountinfo: string): Set<string> {
  const out = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f.length < 5 || f[4] === undefined) continue;
    out.add(f[4].replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

export interface SubPathCheck {
  subPath: boolean;
  /** Why, in a few words (for the log line and tests). */
  reason: string;
}

/** Where the mount table is read from; tests replace `read` (a real single-file bind mount needs root). */
export const mountTable = { read: (): string => readFileSync('/proc/self/mountinfo', 'utf8') };

/** `mountinfo`: the text of /proc/self/mountinfo (read when omitted; absent off Linux = not detected). */
export function detectSubPath(file: string, mountinfo?: string): SubPathCheck {
  try {
    const st = lstatSync(file);
    if (st.isSymbolicLink()) {
      const target = readlinkSync(file);
      if (target.startsWith('..data/')) return { subPath: false, reason: 'key symlink into ..data' };
    }
    if (existsSync(join(dirname(file), '..data'))) return { subPath: false, reason: 'projected volume directory' };
    let text = mountinfo;
    if (text === undefined) {
      try { text = mountTable.read(); } catch { return { subPath: false, reason: 'no mountinfo' }; }
    }
    const points = mountPoints(text);
    let real = file;
    try { real = realpathSync(file); } catch { /* keep the path as given */ }
    if (points.has(file) || points.has(real)) return { subPath: true, reason: 'the file itself is a mount point' };
    return { subPath: false, reason: 'plain file' };
  } catch {
    return { subPath: false, reason: 'not found' };
  }
}
