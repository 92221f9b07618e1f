// Exporters that need no backend: JSON-lines files (read by the tracewire CLI), the console, memory (tests).
import fs from 'node:fs';
import type { Span } from './span.js';
import { ExportError, describeError, type ExportResult, type SpanExporter } from './exporter.js';
import { OtlpJsonEncoder } from './otlp-json.js';

const KIND = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS = ['UNSET', 'OK', 'ERROR'];
const NL = Buffer.from('\n');
// Lines waiting behind the one being written are refused past this many bytes: a write that never completes
// (a FIFO nobody reads, a hung mount) must not make every later batch pile up in memory.
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/** A line waiting for its turn; `line` is dropped (null) as soon as it is written, refused or aborted. */
interface Pending { line: Buffer | null; cut: number; signal: AbortSignal; resolve: (r: ExportResult) => void; onAbort: () => void }

export interface FileExporterOptions {
  /** File to append to; rotated files are `path.1` (newest) … `path.(maxFiles - 1)`. */
  path: string;
  /** Rotate before a write would make the file larger than this (default 10 MiB). */
  maxBytes?: number;
  /** Files kept in total, the live one included (default 5; 1 = truncate on rotation). */
  maxFiles?: number;
}

/**
 * One OTLP JSON ExportTraceServiceRequest per line, appended in order through a non-blocking write stream.
 * Several tracers may share one (concurrent exports queue up); while a write is stuck, an aborted export
 * lets go of its line at once, and past 16 MiB of waiting lines new exports fail at once (TW_ERR_FILE_BUSY).
 */
export class FileExporter implements SpanExporter {
  readonly name: string;
  readonly path: string;
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private readonly encoder = new OtlpJsonEncoder();
  private stream: fs.WriteStream | null = null;
  private size = 0;
  /** The open file's identity: a live file renamed or deleted by someone else (logrotate) is noticed by it. */
  private ino = -1;
  private dev = -1;
  private streamError: unknown = null;
  private readonly queue: Pending[] = [];
  private queuedBytes = 0;
  /** The running write loop (resolved when idle): forceFlush and shutdown wait for it. */
  private draining: Promise<void> = Promise.resolve();
  private writing = false;
  /** reopened: the path no longer led to the open file (renamed or deleted by someone else): a new one was created. */
  private readonly counters = { lines: 0, bytes: 0, rotations: 0, writeErrors: 0, refused: 0, reopened: 0 };

  constructor(o: FileExporterOptions) {
    if (!o || typeof o.path !== 'string' || o.path === '') throw new ExportError('TW_ERR_CONFIG', 'fileExporter: `path` is required');
    this.path = o.path;
    this.name = 'file ' + o.path;
    this.maxBytes = o.maxBytes !== undefined && o.maxBytes > 0 ? o.maxBytes : 10 * 1024 * 1024;
    this.maxFiles = o.maxFiles !== undefined && o.maxFiles >= 1 ? Math.floor(o.maxFiles) : 5;
  }

  export(spans: readonly Span[], signal: AbortSignal): Promise<ExportResult> {
    if (spans.length === 0) return Promise.resolve({ ok: true });
    if (signal.aborted) return Promise.resolve(aborted());
    if (this.queuedBytes >= MAX_QUEUED_BYTES) {
      this.counters.refused++;
      return Promise.resolve({ ok: false, error: new ExportError('TW_ERR_FILE_BUSY', `${this.name}: earlier writes have not completed; batch not written`) });
    }
    // Copy now: the stream keeps the chunk until it is written, and the encoder reuses its buffer.
    const view = this.encoder.encode(spans);
    const cut = spans.length - this.encoder.count;
    const line = Buffer.concat([view, NL]);
    const job: Pending = { line, cut, signal, resolve: noop, onAbort: noop };
    this.queue.push(job);
    this.queuedBytes += line.length;
    // The closures below see `job` only, never `line`: once written or abandoned, nothing here pins the bytes.
    const p = new Promise<ExportResult>((resolve) => { job.resolve = resolve; job.onAbort = () => this.abandon(job); });
    signal.addEventListener('abort', job.onAbort, { once: true });
    if (!this.writing) this.draining = this.drain();
    return p;
  }

  /** The export timed out: answer now. A queued line is let go; one being written stays with the stream until it completes. */
  private abandon(job: Pending): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) { this.queue.splice(i, 1); this.queuedBytes -= job.line!.length; job.line = null; }
    job.resolve(aborted());
  }

  /** Writes queued lines one at a time, in order; never rejects. */
  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const job = this.queue.shift()!;
        const line = job.line!;
        job.line = null;
        this.queuedBytes -= line.length;
        const r = await this.append(line, job.cut);
        job.signal.removeEventListener('abort', job.onAbort);
        job.resolve(r);
      }
    } catch { /* append never throws */ } finally {
      this.writing = false;
    }
  }

  private async append(line: Buffer, cut: number): Promise<ExportResult> {
    try {
      if (this.stream === null) await this.open();
      else await this.follow();
      if (this.size > 0 && this.size + line.length > this.maxBytes) await this.rotate();
      await new Promise<void>((resolve, reject) => this.stream!.write(line, (e) => (e ? reject(e) : resolve())));
      this.size += line.length;
      this.counters.lines++;
      this.counters.bytes += line.length;
      return cut > 0 ? { ok: true, rejected: cut, error: new ExportError('TW_ERR_OTLP_TOO_LARGE', `${cut} spans over the line size cap`) } : { ok: true };
    } catch (e) {
      this.counters.writeErrors++;
      this.close();
      return { ok: false, error: new ExportError('TW_ERR_FILE_WRITE', `${this.name}: ${describeError(e)}`) };
    }
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
    this.counters.reopened++;
    await this.close();
    await this.open();
  }

  private close(): Promise<void> {
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
    this.counters.rotations++;
    await this.open();
  }

  async forceFlush(): Promise<void> {
    await this.draining;
  }

  async shutdown(): Promise<void> {
    await this.draining;
    await this.close();
  }

  stats(): Record<string, unknown> {
    return { path: this.path, ...this.counters, queuedBytes: this.queuedBytes, lastStreamError: this.streamError ? describeError(this.streamError) : null };
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

function aborted(): ExportResult {
  return { ok: false, error: new ExportError('TW_ERR_FILE_ABORTED', 'aborted') };
}

export interface ConsoleExporterOptions {
  /** Where lines go (default process.stdout). One call per batch; a throw fails that export (counted). */
  write?: (text: string) => void;
}

/** One readable line per span: time, kind, name, duration, status, IDs, attributes. */
export class ConsoleExporter implements SpanExporter {
  readonly name = 'console';
  private readonly write: ((text: string) => void) | null;
  constructor(o: ConsoleExporterOptions = {}) {
    this.write = o.write ?? null;
  }
  async export(spans: readonly Span[], _signal?: AbortSignal): Promise<ExportResult> {
    let out = '';
    for (const s of spans) out += formatSpan(s) + '\n';
    let err: unknown = null;
    if (this.write === null) err = writeStdout(out);
    else try { this.write(out); } catch (e) { err = e; }
    return err === null ? { ok: true } : { ok: false, error: new ExportError('TW_ERR_CONSOLE_WRITE', `console: ${describeError(err)}`) };
  }
}

/** Set once process.stdout failed (a closed pipe): the stream is destroyed, later exports fail without writing. */
let stdoutError: unknown = null;

/**
 * A write error on stdout (a closed pipe, `app | head`: EPIPE) must not become an uncaught 'error' event, which
 * ends the host: the export fails instead (counted). Our listener is added whatever else listens: a piped
 * Worker's stdout listens too, and that listener rethrows when it is the only one (stream.pipe's onerror).
 */
function writeStdout(text: string): unknown {
  if (stdoutError !== null) return stdoutError;
  const stream = process.stdout;
  try {
    stream.once('error', noop); // a synchronous error (files, TTYs)
    stream.write(text, stdoutWritten); // not awaited: a write patched by the host (log capture) may never call back
    return null;
  } catch (e) {
    return e;
  } finally {
    stream.removeListener('error', noop);
  }
}

/** An asynchronous write error (pipes) is emitted after this callback: a listener of ours must be there. */
function stdoutWritten(e: Error | null | undefined): void {
  if (e != null && stdoutError === null) { stdoutError = e; process.stdout.once('error', noop); }
}

/** `2026-01-02T03:04:05.678Z SERVER "GET /x" 12.345ms ERROR "msg" trace=… span=… parent=… service=… k=v …` */
export function formatSpan(s: Span): string {
  let line = `${new Date(s.startTime).toISOString()} ${KIND[s.kind] ?? s.kind} ${quote(s.name)} ${s.duration.toFixed(3)}ms ${STATUS[s.status] ?? s.status}`;
  if (s.statusMessage) line += ' ' + quote(s.statusMessage);
  line += ` trace=${s.traceId} span=${s.spanId} parent=${s.parentSpanId || '-'} service=${text(String(s.tracer.resource['service.name']))}`;
  const a = s.attrs;
  for (let i = 0, n = s.nAttr; i < n; i++) line += ` ${text(String(a![2 * i]))}=${formatValue(a![2 * i + 1])}`;
  for (const e of s.events) line += ` event=${quote(e.name)}`;
  if (s.links.length > 0) line += ` links=${s.links.length}`;
  return line;
}

// What a terminal acts on that JSON.stringify leaves as is: DEL, C1 (0x9b is a one-byte CSI), bidi controls, line separators, BOM.
const TERM_UNSAFE = /[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const PLAIN = /^[\w./:@-]+$/;
const hex4 = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** A JSON string literal with nothing a terminal would interpret (still valid JSON: same value parsed back). */
function quote(v: string): string {
  return JSON.stringify(v).replace(TERM_UNSAFE, hex4);
}

/** Keys, service and string values: bare when plain, else quoted, so a key or value cannot fake `k=v` pairs or lines. */
function text(v: string): string {
  return PLAIN.test(v) ? v : quote(v);
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return text(v);
  if (v instanceof Uint8Array) return 'base64:' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (Array.isArray(v)) return JSON.stringify(v).replace(TERM_UNSAFE, hex4);
  return String(v);
}

/** How the memory exporter misbehaves on purpose (tests of the batcher's isolation). */
export type MemoryFailure = 'result' | 'reject' | 'throw' | 'hang' | 'never' | 'partial';

export interface MemoryExporterOptions {
  /** Fail every export this way until `fail(null)`. */
  fail?: MemoryFailure | null;
  /** Spans rejected per batch in 'partial' mode (default 1). */
  rejected?: number;
  /** Answer after this many ms (honours the abort signal). */
  delayMs?: number;
}

/** Keeps exported spans in `spans` (for tests); can fail on demand. */
export class MemoryExporter implements SpanExporter {
  readonly name = 'memory';
  readonly keepsSpans = true;
  spans: Span[] = [];
  /** export() calls, and how many overlapped at most (the batcher allows one per destination). */
  calls = 0;
  concurrent = 0;
  maxConcurrent = 0;
  failure: MemoryFailure | null;
  rejected: number;
  delayMs: number;
  shutdownCalled = false;

  constructor(o: MemoryExporterOptions = {}) {
    this.failure = o.fail ?? null;
    this.rejected = o.rejected ?? 1;
    this.delayMs = o.delayMs ?? 0;
  }

  /** Set (or clear with null) the forced failure mode. */
  fail(mode: MemoryFailure | null): this {
    this.failure = mode;
    return this;
  }

  reset(): void {
    this.spans = [];
    this.calls = 0;
    this.maxConcurrent = 0;
  }

  export(spans: readonly Span[], signal: AbortSignal): Promise<ExportResult> {
    this.calls++;
    const mode = this.failure;
    if (mode === 'throw') throw new Error('memory exporter: forced throw');
    this.concurrent++;
    if (this.concurrent > this.maxConcurrent) this.maxConcurrent = this.concurrent;
    const done = <T>(v: T): T => { this.concurrent--; return v; };
    if (mode === 'never') return new Promise<ExportResult>(() => {}); // a callback never called: ignores the signal too
    if (mode === 'hang') return new Promise<ExportResult>((resolve) => signal.addEventListener('abort', () => resolve(done({ ok: false, error: new Error('aborted') })), { once: true }));
    const answer = (): Promise<ExportResult> => {
      if (mode === 'reject') return Promise.reject(done(new Error('memory exporter: forced rejection')));
      if (mode === 'result') return Promise.resolve(done({ ok: false, error: new Error('memory exporter: forced failure') }));
      this.spans.push(...spans);
      return Promise.resolve(done(mode === 'partial' ? { ok: true, rejected: this.rejected } : { ok: true }));
    };
    if (this.delayMs <= 0) return answer();
    return new Promise<ExportResult>((resolve, reject) => {
      const onAbort = (): void => { clearTimeout(t); resolve(done({ ok: false, error: new Error('aborted') })); };
      const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); answer().then(resolve, reject); }, this.delayMs);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async shutdown(): Promise<void> {
    this.shutdownCalled = true;
  }
}

export function fileExporter(options: FileExporterOptions): FileExporter {
  return new FileExporter(options);
}

export function consoleExporter(options?: ConsoleExporterOptions): ConsoleExporter {
  return new ConsoleExporter(options);
}

export function memoryExporter(options?: MemoryExporterOptions): MemoryExporter {
  return new MemoryExporter(options);
}
