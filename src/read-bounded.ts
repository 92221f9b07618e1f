// Bounded reads of small mounted files (Secret values, PEM certificates): a device (/dev/zero never ends), a FIFO or
// a directory is refused unread, and a file is never read past max + 1 bytes (one that grew after fstat is still refused).
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** The bytes read (n <= max + 1: n > max means too large), or the reason: an errno code or a fixed phrase, never content. */
export type Bounded = { ok: true; buf: Buffer; n: number } | { ok: false; reason: string };

// O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused after fstat); no effect on regular files.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

const NOT_REGULAR = 'not a regular file';
const LARGER = 'larger than ';

/** What a path that is not a regular file is, for the reason (an operator mounted the wrong thing). */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return st.isSocket() ? 'a socket' : 'an unknown file type';
}

function refuse(st: Stats, max: number): Bounded | null {
  if (!st.isFile()) return { ok: false, reason: `${NOT_REGULAR} (${kindOf(st)})` };
  if (st.size > max) return { ok: false, reason: `${LARGER}${max} bytes` };
  return null;
}

/** The reason says the path is not a regular file (refused after fstat, unread). */
export const notRegularFile = (reason: string): boolean => reason.startsWith(NOT_REGULAR);
/** The reason says the file is over `max` (by fstat, or it grew while read). */
export const overMax = (reason: string): boolean => reason.startsWith(LARGER);

function reasonOf(e: unknown, fallback: string): Bounded {
  const c = (e as { code?: unknown } | null)?.code;
  return { ok: false, reason: typeof c === 'string' ? c : fallback };
}

/** Never throws; `fallback` is the reason for an error without an errno code. */
export function readBoundedSync(file: string, max: number, fallback: string): Bounded {
  let fd = -1;
  try {
    fd = openSync(file, OPEN_FLAGS);
    const refused = refuse(fstatSync(fd), max);
    if (refused !== null) return refused;
    const buf = Buffer.allocUnsafe(max + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    return { ok: true, buf, n };
  } catch (e) {
    return reasonOf(e, fallback);
  } finally {
    if (fd !== -1) try { closeSync(fd); } catch { /* nothing to do */ }
  }
}

/** readBoundedSync for reloads: the event loop never waits on a slow volume. */
export async function readBounded(file: string, max: number, fallback: string): Promise<Bounded> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(file, OPEN_FLAGS);
    const refused = refuse(await fh.stat(), max);
    if (refused !== null) return refused;
    const buf = Buffer.allocUnsafe(max + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = (await fh.read(buf, n, buf.length - n, null)).bytesRead;
    return { ok: true, buf, n };
  } catch (e) {
    return reasonOf(e, fallback);
  } finally {
    await fh?.close().catch(() => {});
  }
}
