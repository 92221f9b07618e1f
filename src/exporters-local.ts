// Exporters that need no backend: JSON-lines files (read by the tracewire CLI) and the console.
// The file's open/rotate/follow mechanics are in rotating-file.ts; the memory exporter (tests) in memory-exporter.ts.
import type { Span } from './span.js';
import { exportName } from './span-name.js';
import { ExportError, describeError, type ExportProgress, type ExportResult, type SpanExporter } from './exporter.js';
import { OtlpJsonEncoder, groupSpans } from './otlp-json.js';
import { RotatingFile } from './rotating-file.js';

// Kept importable from here (src/index.ts, tests, cli/demo.ts).
export { MemoryExporter, memoryExporter, type MemoryExporterOptions, type MemoryFailure } from './memory-exporter.js';

const KIND = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS = ['UNSET', 'OK', 'ERROR'];
// Batches waiting behind the one being written are refused past this many spans (64 default batches): a write that
// never completes (a FIFO nobody reads, a hung mount) must not let callers that never abort pile up without end.
const MAX_QUEUED_SPANS = 32768;

/** A batch waiting for its turn or being written; `spans` is let go (null) once it settles: the caller may reuse them then. */
interface Pending { spans: readonly Span[] | null; signal: AbortSignal; progress: ExportProgress | undefined; resolve: (r: ExportResult) => void; onAbort: () => void }

export interface FileExporterOptions {
  /** File to append to; rotated files are `path.1` (newest) … `path.(maxFiles - 1)`. */
  path: string;
  /** Rotate before a write would make the file larger than this (default 10 MiB). */
  maxBytes?: number;
  /** Files kept in total, the live one included (default 5; 1 = truncate on rotation). */
  maxFiles?: number;
  /** A line's cap in bytes (default 64 MiB, the OTLP request cap; at least 4096): a batch over it goes as several lines. */
  maxLineBytes?: number;
}

/**
 * One OTLP JSON ExportTraceServiceRequest per line, appended in order through a non-blocking write stream.
 * A batch is encoded one line at a time, each line written (straight from the encoder's buffer) before the next is
 * encoded, so the bytes held are one line's, whatever the batch; the export settles after its last line.
 * Several tracers may share one (concurrent exports queue up); while a write is stuck, an aborted export
 * lets go of its spans at once, and past 32768 waiting spans new exports fail at once (TW_ERR_FILE_BUSY).
 */
export class FileExporter implements SpanExporter {
  readonly name: string;
  readonly path: string;
  private readonly file: RotatingFile;
  private readonly encoder: OtlpJsonEncoder;
  private readonly queue: Pending[] = [];
  private queuedSpans = 0;
  /** The running write loop (resolved when idle): forceFlush and shutdown wait for it. */
  private draining: Promise<void> = Promise.resolve();
  private writing = false;
  private readonly counters = { lines: 0, bytes: 0, writeErrors: 0, refused: 0 };

  constructor(o: FileExporterOptions) {
    if (!o || typeof o.path !== 'string' || o.path === '') throw new ExportError('TW_ERR_CONFIG', 'fileExporter: `path` is required');
    this.path = o.path;
    this.name = 'file ' + o.path;
    const maxBytes = o.maxBytes !== undefined && o.maxBytes > 0 ? o.maxBytes : 10 * 1024 * 1024;
    const maxFiles = o.maxFiles !== undefined && o.maxFiles >= 1 ? Math.floor(o.maxFiles) : 5;
    this.file = new RotatingFile(o.path, maxBytes, maxFiles);
    if (o.maxLineBytes !== undefined && !(Number.isInteger(o.maxLineBytes) && o.maxLineBytes >= 4096)) {
      throw new ExportError('TW_ERR_CONFIG', `fileExporter: maxLineBytes must be an integer of at least 4096, got ${String(o.maxLineBytes)}`);
    }
    this.encoder = new OtlpJsonEncoder({ maxBytes: o.maxLineBytes }); // endLine(): the newline fits in the closing reserve
  }

  export(spans: readonly Span[], signal: AbortSignal, progress?: ExportProgress): Promise<ExportResult> {
    if (spans.length === 0) return Promise.resolve({ ok: true });
    if (signal.aborted) return Promise.resolve(aborted());
    if (this.queuedSpans >= MAX_QUEUED_SPANS) {
      this.counters.refused++;
      return Promise.resolve({ ok: false, error: new ExportError('TW_ERR_FILE_BUSY', `${this.name}: earlier writes have not completed; batch not written`) });
    }
    const job: Pending = { spans, signal, progress, resolve: noop, onAbort: noop };
    this.queue.push(job);
    this.queuedSpans += spans.length;
    const p = new Promise<ExportResult>((resolve) => { job.resolve = resolve; job.onAbort = () => this.abandon(job); });
    signal.addEventListener('abort', job.onAbort, { once: true });
    if (!this.writing) this.draining = this.drain();
    return p;
  }

  /** The export timed out: answer now and let go of its spans. A line being written stays with the stream until it completes. */
  private abandon(job: Pending): void {
    if (job.spans === null) return;
    const i = this.queue.indexOf(job);
    if (i >= 0) { this.queue.splice(i, 1); this.queuedSpans -= job.spans.length; }
    job.spans = null;
    job.resolve(aborted());
  }

  /** Writes queued batches one at a time, in order; every job is answered (a throw, e.g. spans that are not spans, fails its own); never rejects. */
  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const job = this.queue.shift()!;
        this.queuedSpans -= job.spans!.length;
        let r: ExportResult;
        try { r = await this.writeBatch(job); } catch (e) { r = { ok: false, error: new ExportError('TW_ERR_FILE_INTERNAL', `${this.name}: ${describeError(e)}`) }; }
        job.signal.removeEventListener('abort', job.onAbort);
        if (job.spans !== null) { job.spans = null; job.resolve(r); }
      }
    } finally {
      this.writing = false;
    }
  }

  /**
   * The batch as lines under the cap, each a whole request, filled in order (a new line where the next span does not
   * fit), each written before the next is encoded; stops reading the spans as soon as the export is abandoned.
   */
  private async writeBatch(job: Pending): Promise<ExportResult> {
    const g = groupSpans(job.spans!);
    const enc = this.encoder;
    let cut = 0;
    let written = 0;
    for (let i = 0; i < g.length;) {
      if (job.spans === null) return aborted(); // aborted while a line was written: the spans are the caller's again
      enc.begin();
      const stop = enc.add(g, i, g.length);
      cut += enc.skipped;
      if (stop === i) { cut++; i++; continue; } // this span alone is over the cap: left out, counted
      const n = enc.count;
      i = stop;
      if (n === 0) continue;
      const line = enc.endLine(); // a view of the encoder's buffer: not reused before the stream is done with it
      try {
        await this.file.write(line, written === 0); // one identity check (logrotate) per batch
      } catch (e) {
        this.counters.writeErrors++;
        void this.file.close();
        const error = new ExportError('TW_ERR_FILE_WRITE', `${this.name}: ${describeError(e)}`);
        return written === 0 ? { ok: false, error } : { ok: true, rejected: g.length - written, error };
      }
      this.counters.lines++;
      this.counters.bytes += line.length;
      written += n;
      if (job.progress !== undefined) job.progress.delivered += n;
    }
    if (written === 0) return { ok: false, error: new ExportError('TW_ERR_OTLP_TOO_LARGE', `${this.name}: no span could be written (each over the ${enc.maxBytes}-byte line cap, or unreadable)`) };
    return cut > 0 ? { ok: true, rejected: cut, error: new ExportError('TW_ERR_OTLP_TOO_LARGE', `${cut} spans over the line size cap`) } : { ok: true };
  }

  async forceFlush(): Promise<void> {
    await this.draining;
  }

  async shutdown(): Promise<void> {
    await this.draining;
    await this.file.close();
  }

  stats(): Record<string, unknown> {
    const c = this.counters;
    const f = this.file;
    // rotations and reopened are the file's counters; queuedSpans: spans waiting behind the batch being written.
    return { path: this.path, lines: c.lines, bytes: c.bytes, rotations: f.rotations, writeErrors: c.writeErrors, refused: c.refused, reopened: f.reopened,
      queuedSpans: this.queuedSpans, lastStreamError: f.streamError ? describeError(f.streamError) : null };
  }
}

function noop(): void {}

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
  let line = `${new Date(s.startTime).toISOString()} ${KIND[s.kind] ?? s.kind} ${quote(exportName(s))} ${s.duration.toFixed(3)}ms ${STATUS[s.status] ?? s.status}`;
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

export function fileExporter(options: FileExporterOptions): FileExporter {
  return new FileExporter(options);
}

export function consoleExporter(options?: ConsoleExporterOptions): ConsoleExporter {
  return new ConsoleExporter(options);
}
