// Streaming reader for OTLP/JSON lines (one ExportTraceServiceRequest per line, as the file exporter
// writes): lines are cut from the byte stream, so memory is bounded by the longest line, never the file.
import { createReadStream, statSync, lstatSync, readlinkSync, openSync, readSync, closeSync } from 'node:fs';
import * as zlib from 'node:zlib';
import type { Duplex, Readable } from 'node:stream';
import { decodeRequest } from './decode.js';
import type { Model } from './model.js';
import type { Unlisted } from './files.js';
import { canRewrite, clean, StatusLine } from './term.js';

/** The OTLP client MUST NOT send more than 64 MiB (specification.md): a longer line is not ours. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;
const MAX_WARNINGS = 10;

export interface ReadOptions {
  /** Only lines containing one of these (lowercase) trace IDs are parsed: `view` skips JSON.parse on the rest. */
  traceIds?: readonly string[];
  /** Progress on stderr (the caller decides: TTY or --progress). */
  progress?: boolean;
  /** Where warnings go (malformed lines); default stderr. */
  warn?: (msg: string) => void;
  maxLineBytes?: number;
  /** Files found by listing (rotated siblings, directory entries), not named: one gone before it is opened (logrotate) is skipped and counted. */
  optional?: ReadonlySet<string>;
  /** Directories that could not be listed for rotated siblings: named and counted with the rest. */
  unlisted?: readonly Unlisted[];
}

export class ReadStats {
  files = 0;
  bytes = 0;
  lines = 0;
  /** lines skipped by the trace-ID prefilter */
  filtered = 0;
  malformed = 0;
  oversize = 0;
  spans = 0;
  badSpans = 0;
  warnings = 0;
  /** listed files gone before they were opened (rotated away, deleted), skipped */
  vanished = 0;
  /** lines of other OTLP signals (metrics, logs, profiles: a Collector file exporter shared by their pipelines), skipped */
  otherSignals = 0;
  /** listed files that could not be read (EACCES, a directory, zstd on an old Node.js ...), skipped and named */
  unreadable = 0;
  /** directories that could not be listed (EACCES), so rotated siblings in them were not looked for */
  unlisted = 0;
}

export class InputError extends Error {
  readonly code = 'TW_ERR_INPUT';
}

/**
 * Read every file into the model. Throws InputError for a named file that can't be read; a listed one (rotated
 * sibling, directory entry) that can't is skipped, named and counted, unless none could be read; bad lines are warned and counted.
 */
export async function readFiles(files: readonly string[], model: Model, o: ReadOptions = {}): Promise<ReadStats> {
  const stats = new ReadStats();
  const warn = o.warn ?? ((m: string) => process.stderr.write(m + '\n'));
  const gone = (f: string): void => { stats.vanished++; warn(`tracewire: ${clean(f, 300)} is gone (rotated away or deleted after it was listed): skipped`); };
  const skipped: string[] = [];
  const unreadable = (f: string, why: string): void => {
    if (++stats.unreadable <= MAX_WARNINGS) { skipped.push(`${f} (${why})`); warn(`tracewire: ${clean(f, 300)}: cannot be read (${clean(why, 300)}): skipped`); }
  };
  for (const u of o.unlisted ?? []) {
    if (++stats.unlisted <= MAX_WARNINGS) warn(`tracewire: cannot list ${clean(u.dir, 300)} (${clean(u.why, 100)}): rotated siblings of ${clean(u.file, 300)} (.1, .2 ...) not looked for: skipped`);
  }
  const sizes = files.map((f) => {
    try {
      const st = statSync(f);
      if (st.isDirectory()) throw new InputError('it is a directory');
      return st.size;
    } catch (e) {
      const code = e instanceof InputError ? e.message : (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      const to = code === 'ENOENT' ? danglingTarget(f) : null;
      if (o.optional?.has(f) === true) {
        if (code === 'ENOENT' && to === null) return -1;
        unreadable(f, to === null ? code : `dangling symlink to ${to}`);
        return -2;
      }
      throw new InputError(`cannot read ${f}: ${to !== null ? `dangling symlink to ${to}` : code === 'ENOENT' ? 'no such file' : code}`);
    }
  });
  const total = sizes.reduce((a, b) => a + Math.max(0, b), 0);
  const progress = o.progress === true ? new Progress(total) : null;
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    if (sizes[i] === -1) { gone(f); continue; }
    if (sizes[i] === -2) continue;
    const r = await readOne(f, model, stats, o, warn, progress);
    if (r === true) stats.files++;
    else if (r === false) gone(f);
    else unreadable(f, r);
  }
  progress?.done();
  if (stats.warnings > MAX_WARNINGS) warn(`tracewire: ${stats.warnings - MAX_WARNINGS} more warnings not shown (${stats.malformed} malformed lines, ${stats.badSpans} bad spans in all)`);
  // said only when they are all there was: otherwise an empty result would have no explanation
  if (stats.otherSignals > 0 && stats.spans === 0) warn(`tracewire: ${stats.otherSignals} line${stats.otherSignals === 1 ? '' : 's'} held other OTLP signals (metrics, logs, profiles), not spans: skipped`);
  if (stats.unreadable > 0) {
    // nothing read at all is no result: the user's next step is the permissions, not an empty graph
    if (stats.files === 0 && stats.lines === 0) throw new InputError(`no span file could be read: ${skipped.join(', ')}${stats.unreadable > skipped.length ? ` and ${stats.unreadable - skipped.length} more` : ''}`);
    warn(`tracewire: ${stats.unreadable} of ${files.length} span files could not be read and were skipped`);
  }
  if (stats.unlisted > 0) warn(`tracewire: ${stats.unlisted} director${stats.unlisted === 1 ? 'y' : 'ies'} could not be listed: rotated span files in ${stats.unlisted === 1 ? 'it' : 'them'}, if any, were not read`);
  return stats;
}

/** Where a symlink points when that is missing (ENOENT on the path, the link itself there); else null. */
function danglingTarget(f: string): string | null {
  try { return lstatSync(f).isSymbolicLink() ? readlinkSync(f) : null; } catch { return null; }
}

/** Resolves false when an optional file is gone by the time it is opened (ENOENT), and why when it cannot be read. */
function readOne(file: string, model: Model, stats: ReadStats, o: ReadOptions, warn: (m: string) => void, progress: Progress | null): Promise<boolean | string> {
  const maxLine = o.maxLineBytes ?? MAX_LINE_BYTES;
  // each ID as written: hex in either case, or base64 (protobuf JSON mapping; see decode.ts idHex)
  const needle = o.traceIds !== undefined ? o.traceIds.flatMap((id) => [id, id.toUpperCase(), Buffer.from(id, 'hex').toString('base64')]).map((x) => Buffer.from(x)) : null;
  const only = o.traceIds !== undefined ? new Set(o.traceIds) : undefined;
  const report = (line: number, msg: string): void => {
    // clean(): JSON.parse's message quotes the bad line's bytes, which may be escape sequences
    if (++stats.warnings <= MAX_WARNINGS) warn(`${clean(file, 300)}:${line}: ${clean(msg, 300)}`);
  };
  let lineNo = 0;
  let parts: Buffer[] = [];
  let partLen = 0;
  let skipping = false; // inside an over-long line: drop bytes until its newline

  const onLine = (buf: Buffer, a: number, b: number, last = false): void => {
    lineNo++;
    if (b > a && buf[b - 1] === 13) b--; // CRLF
    if (lineNo === 1 && b - a >= 3 && buf[a] === 0xef && buf[a + 1] === 0xbb && buf[a + 2] === 0xbf) a += 3; // BOM
    if (b <= a) return;
    stats.lines++;
    if (b - a > maxLine) { stats.oversize++; report(lineNo, `line longer than ${maxLine} bytes skipped`); return; }
    if (needle !== null) {
      const view = buf.subarray(a, b);
      let hit = false;
      for (let k = 0; k < needle.length && !hit; k++) hit = view.indexOf(needle[k]!) >= 0;
      if (!hit) { stats.filtered++; return; }
    }
    let obj: unknown;
    try {
      obj = JSON.parse(buf.toString('utf8', a, b));
    } catch (e) {
      stats.malformed++;
      // no newline after it: the exporter is mid-write (or was killed mid-write), not a corrupt file
      report(lineNo, last ? 'incomplete last line skipped (no newline: the file is still being written?)' : `malformed JSON line skipped (${(e as Error).message.slice(0, 120)})`);
      return;
    }
    const r = decodeRequest(obj, model, only);
    if (r.other) { stats.otherSignals++; return; }
    stats.spans += r.spans;
    if (r.error !== null) {
      stats.malformed++;
      report(lineNo, r.error);
    }
    if (r.bad > 0) {
      stats.badSpans += r.bad;
      report(lineNo, `${r.bad} span(s) skipped: ${r.why}`);
    }
  };

  const optional = o.optional?.has(file) === true;
  return new Promise<boolean | string>((resolve, reject) => {
    let unzip: Duplex | null;
    try { unzip = decompressor(file); } catch (e) {
      if (optional && e instanceof InputError) { resolve(e.message.slice(`cannot read ${file}: `.length)); return; }
      throw e;
    }
    const raw = createReadStream(file, { highWaterMark: 1 << 20 });
    raw.on('error', (e: NodeJS.ErrnoException) => {
      if (ended) return;
      ended = true;
      unzip?.destroy();
      const code = e.code ?? e.message;
      if (!optional) reject(new InputError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code}`));
      else if (code === 'ENOENT') resolve(false);
      else resolve(lineNo > 0 ? `${code} after line ${lineNo}, the rest of it` : code); // the lines before it stay read
    });
    raw.on('data', (chunk: Buffer | string) => { stats.bytes += chunk.length; progress?.add(chunk.length); });
    const stream: Readable = unzip === null ? raw : raw.pipe(unzip);
    // a compressed file cut short (still being written, or copied half-way): keep what was read, say so
    unzip?.on('error', (e: Error) => {
      if (ended) return;
      report(lineNo + 1, `compressed data ends early or is corrupt (${e.message}): the rest of the file skipped`);
      parts = []; partLen = 0; // the line it cut is torn
      finish();
    });
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      if (partLen > 0) { const whole = Buffer.concat(parts); parts = []; partLen = 0; onLine(whole, 0, whole.length, true); }
      else if (skipping) lineNo++;
      raw.destroy();
      resolve(true);
    };
    stream.on('data', (chunk: Buffer | string) => {
      if (ended) return;
      const buf = chunk as Buffer;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl < 0) break;
        if (skipping) { skipping = false; lineNo++; start = nl + 1; continue; }
        if (partLen > 0) {
          parts.push(buf.subarray(start, nl));
          const whole = Buffer.concat(parts);
          parts = []; partLen = 0;
          onLine(whole, 0, whole.length);
        } else onLine(buf, start, nl);
        start = nl + 1;
      }
      if (start < buf.length && !skipping) {
        partLen += buf.length - start;
        if (partLen > maxLine) {
          parts = []; partLen = 0; skipping = true;
          stats.oversize++;
          report(lineNo + 1, `line longer than ${maxLine} bytes skipped`);
        } else parts.push(Buffer.from(buf.subarray(start))); // copy: the stream may reuse its chunk
      }
    });
    stream.on('end', finish);
  });
}

/** gzip (logrotate, `gzip -k`) and zstd (the OpenTelemetry Collector file exporter's `compression: zstd`) by magic number. */
function decompressor(file: string): Duplex | null {
  const head = Buffer.alloc(4);
  let n = 0;
  try {
    if (!statSync(file).isFile()) return null; // a pipe or FIFO (--file /dev/stdin, <(zcat f)): read once, by the stream only
    const fd = openSync(file, 'r');
    try { n = readSync(fd, head, 0, 4, 0); } finally { closeSync(fd); }
  } catch { return null; } // the stream reports it
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return zlib.createGunzip();
  if (n === 4 && head.readUInt32LE(0) === 0xfd2fb528) {
    const zstd = (zlib as unknown as { createZstdDecompress?: () => Duplex }).createZstdDecompress; // Node >= 22.15; @types/node 20 lacks it
    if (typeof zstd === 'function') return zstd();
    throw new InputError(`cannot read ${file}: zstd-compressed, which this Node.js ${process.version} cannot decompress (Node.js >= 22.15 can): run \`zstd -d ${file}\` first`);
  }
  return null;
}

/** Bytes-read progress on stderr, at most every 200 ms; redrawn on a terminal, one line per second otherwise (pipe, TERM=dumb). */
class Progress {
  private read = 0;
  private last = 0;
  private readonly tty = canRewrite(process.stderr);
  private readonly line = new StatusLine(process.stderr);
  constructor(private readonly total: number) {}
  add(n: number): void {
    this.read += n;
    const t = Date.now();
    if (t - this.last < (this.tty ? 200 : 1000)) return;
    this.last = t;
    const pct = this.total > 0 ? Math.floor((this.read / this.total) * 100) : 100;
    const msg = `reading spans: ${pct}% (${(this.read / 1048576).toFixed(0)} of ${(this.total / 1048576).toFixed(0)} MiB)`;
    if (this.tty) this.line.set(msg);
    else process.stderr.write(msg + '\n');
  }
  done(): void {
    this.line.clear();
  }
}
