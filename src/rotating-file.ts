// The file under the file exporter (exporters-local.ts): appended through one non-blocking write stream,
// rotated by size, reopened when someone else renamed or deleted it, a torn last line ended before the next.
import fs from 'node:fs';

export const NL = Buffer.from('\n');

export class RotatingFile {
  private stream: fs.WriteStream | null = null;
  private size = 0;
  /** The open file's identity: a live file renamed or deleted by someone else (logrotate) is noticed by it. */
  private ino = -1;
  private dev = -1;
  /** The stream's last 'error' (the failed write reports it too), kept for stats. */
  streamError: unknown = null;
  rotations = 0;
  /** The path no longer led to the open file (renamed or deleted by someone else): a new one was created. */
  reopened = 0;

  /** `path.1` (newest) … `path.(maxFiles - 1)` are the rotated files; maxFiles 1 = truncate on rotation. */
  constructor(readonly path: string, private readonly maxBytes: number, private readonly maxFiles: number) {}

  /**
   * Opens, follows (when `follow`: the first line of a batch) or rotates the file as needed, then writes `line`;
   * resolves once the stream is done with `line`; rejects on any error (the caller closes).
   */
  async write(line: Buffer, follow = true): Promise<void> {
    if (this.stream === null) await this.open();
    else if (follow) await this.follow();
    if (this.size > 0 && this.size + line.length > this.maxBytes) await this.rotate();
    await new Promise<void>((resolve, reject) => this.stream!.write(line, (e) => (e ? reject(e) : resolve())));
    this.size += line.length;
  }

  private async open(): Promise<void> {
    const fh = await fs.promises.open(this.path, 'a');
    let torn = false;
    try {
      const st = await fh.stat();
      this.size = st.size; this.ino = st.ino; this.dev = st.dev;
      if (st.isFile() && st.size > 0) torn = !(await endsWithNewline(this.path, st.size));
    } catch (e) { await fh.close().catch(noop); throw e; }
    const s = fh.createWriteStream();
    s.on('error', (e) => { this.streamError = e; }); // surfaced through the write callback; never an unhandled 'error'
    this.stream = s;
    this.streamError = null;
    // A line cut short (disk full, a crash mid-write) is ended here: the next line must not be glued to it and lost with it.
    if (torn) { s.write(NL); this.size += 1; }
  }

  /**
   * One stat per batch: after logrotate's `create` (rename) or a deletion, writes to the open file would land in the
   * rotated or unlinked file while the live path stays empty, counted as exported; so a new file is opened there.
   * After `copytruncate` the size is re-read (O_APPEND already writes at the new end).
   */
  private async follow(): Promise<void> {
    let st: fs.Stats | null = null;
    try { st = await fs.promises.stat(this.path); } catch { /* gone: reopen */ }
    if (st !== null && st.ino === this.ino && st.dev === this.dev) { this.size = st.size; return; }
    this.reopened++;
    await this.close();
    await this.open();
  }

  close(): Promise<void> {
    const s = this.stream;
    this.stream = null;
    if (s === null) return Promise.resolve();
    return new Promise((resolve) => { s.end(() => resolve()); s.once('error', () => resolve()); });
  }

  private async rotate(): Promise<void> {
    await this.close();
    const p = this.path;
    const rm = async (f: string): Promise<void> => { await fs.promises.rm(f, { force: true }); };
    if (this.maxFiles <= 1) await rm(p);
    else {
      await rm(`${p}.${this.maxFiles - 1}`);
      for (let i = this.maxFiles - 2; i >= 1; i--) await fs.promises.rename(`${p}.${i}`, `${p}.${i + 1}`).catch(() => {});
      await fs.promises.rename(p, `${p}.1`);
    }
    this.rotations++;
    await this.open();
  }
}

function noop(): void {}

/** Whether a file's last byte is '\n'; true when it cannot be read (a write-only file: appending must still work). */
async function endsWithNewline(file: string, size: number): Promise<boolean> {
  let fh: fs.promises.FileHandle;
  try { fh = await fs.promises.open(file, 'r'); } catch { return true; }
  try {
    const b = Buffer.alloc(1);
    return (await fh.read(b, 0, 1, size - 1)).bytesRead !== 1 || b[0] === 10;
  } catch { return true; } finally { await fh.close().catch(noop); }
}
