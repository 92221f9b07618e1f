// The exporter thread's side of the ring: takes committed records in order, decodes them into ThreadSpans
// and hands them to the ordinary batcher (so OTLP, retries and compression are the in-thread code),
// publishes the totals, then frees the space. Runs in the exporter worker; tests drive it directly.
import { performance } from 'node:perf_hooks';
import type { Span } from '../span.js';
import type { DestinationStats, ProcessorStats, SpanProcessor } from '../processor.js';
import { ByteReader } from './codec.js';
import { DictReader } from './dict.js';
import { decodeSpan } from './thread-span.js';
import { RingReader } from './ring-reader.js';
import { ConsumerTotals, readStats, takeOver } from './stats.js';
import { DestBook, type Carry } from './dest-stats.js';
import { Reporter, reportInterval } from '../batch-report.js';
import * as L from './layout.js';

export interface ConsumerOptions {
  /** Spans the batcher may hold (its maxQueueSize): the consumer leaves the rest in the ring. */
  maxQueue?: number;
  /** A reserved record not committed after this long belongs to a dead thread and is skipped (default 5000 ms). */
  stallMs?: number;
  /** Longest sleep between two looks at the ring (default 100 ms); producers ring the doorbell when it is half full. */
  pollMs?: number;
  /** Where drops at the ring (producers found it full, a record too large, the tracer table full) are reported, rate-limited. */
  logger?: (msg: string) => void;
  /** At most one such line per interval (the batcher's reportIntervalMs, default 10000 ms). */
  reportIntervalMs?: number;
  /** Called once the published abandoned, decodeError or exporterLost totals grew: the owner says them (loss-report.ts). */
  onLoss?: () => void;
}

/** Producer-side drop counters reported by the exporter thread (producers never log: they may be any thread, mid-request). */
const RING_DROPS = [[L.C_RING_FULL, 'queueFull'], [L.C_TOO_LARGE, 'tooLarge'], [L.C_DICT_FULL, 'tracerTableFull'], [L.C_AFTER_SHUTDOWN, 'shutdown']] as const;

/** onReport and carry: the batcher's drop lines (batcher.ts), so that what they said or held outlives this thread. */
type Batcher = SpanProcessor & { stats(): ProcessorStats; onReport?: ((dest: number) => void) | null; carry?: Carry };
/** Records moved per pass before yielding to the event loop (exports, timers). */
const PASS = 1024;

export class Consumer {
  readonly l: L.Layout;
  readonly reader: RingReader;
  readonly batcher: Batcher;
  private readonly dict: DictReader;
  private readonly br: ByteReader;
  private readonly base: ConsumerTotals;
  /** The batcher's destinations on top of the predecessor's, and what their drop lines said. */
  private readonly dests: DestBook;
  private readonly totals = new ConsumerTotals();
  private readonly maxQueue: number;
  private readonly pollMs: number;
  private taken = 0;
  private decodeErrors = 0;
  private sinceStart = 0;
  private stopping = false;
  /** A drop line written now is published by the pass under way (a record being handed over is not counted yet). */
  private inPass = false;
  private shutdownAsked: Promise<unknown> | null = null;
  private readonly ringReport: Reporter | null;
  /** Ring drop counters noted in the report so far: from what earlier exporter threads of this ring said (C_SAID). */
  private readonly ringSeen: number[];
  private readonly onLoss: (() => void) | undefined;
  /** abandoned + decodeError + lost when onLoss was last called (or as the predecessor left them). */
  private lossSeen: number;

  constructor(l: L.Layout, batcher: Batcher, o: ConsumerOptions = {}) {
    this.l = l;
    this.batcher = batcher;
    this.maxQueue = o.maxQueue ?? 2048;
    this.pollMs = o.pollMs ?? 100;
    // Take over the predecessor's totals (its last complete publish); what it held in memory died with it.
    this.base = takeOver(l);
    this.onLoss = o.onLoss;
    this.lossSeen = this.base.abandoned + this.base.decodeError + this.base.lost; // before the takeover: what it adds is news
    this.base.lost += this.base.queued;
    this.base.queued = 0;
    this.dests = new DestBook(this.base.dests, batcher.stats().destinations ?? []);
    this.reader = new RingReader(l, o.stallMs ?? 5000);
    this.dict = new DictReader(l);
    this.br = new ByteReader(Buffer.from(l.sab));
    Atomics.add(l.i32, L.GEN, 1);
    const log = o.logger;
    // said, then marked: a death in between says those drops twice rather than never
    this.ringReport = log ? new Reporter('export ring', reportInterval(o.reportIntervalMs), (m) => { log(m); this.markSaid(); }) : null;
    this.ringSeen = RING_DROPS.map((_, k) => Number(Atomics.load(l.i64, L.C_SAID + k)));
    batcher.onReport = (i) => this.destSaid(i);
    this.inPass = true;
    this.dests.sayRest(batcher.carry?.bind(batcher), log); // what the predecessor's batcher held in its reports when it died
    this.inPass = false;
    this.publish();
  }

  /** The batcher's destination i wrote a drop line: published with what it said at once (said, then published, as markSaid). */
  private destSaid(i: number): void {
    this.dests.said(i, this.batcher.stats().destinations?.[i] as DestinationStats | undefined);
    if (!this.inPass) this.publish();
  }

  /** Moves up to `max` committed records into the batcher (no more than it has room for); returns how many. */
  drain(max = PASS): number {
    const room = Math.min(max, this.maxQueue - held(this.batcher.stats()));
    const crashAfter = Atomics.load(this.l.i32, L.CRASH_AFTER);
    const { reader, l } = this;
    const abandoned = reader.abandoned;
    const start = reader.pos;
    let n = 0;
    this.inPass = true;
    while (n < room) {
      const at = reader.next();
      if (at < 0) break;
      n++;
      // A record that cannot be decoded or handed over is counted, never retried: a poison record must not
      // crash-loop the exporter thread.
      try { this.batcher.onEnd(decodeSpan(l.i32, this.br, at, this.dict) as unknown as Span); }
      catch { this.decodeErrors++; continue; }
      this.taken++;
      if (crashAfter > 0 && ++this.sinceStart >= crashAfter) this.crash();
    }
    this.inPass = false;
    if (reader.pos !== start || reader.abandoned !== abandoned) {
      this.publish(); // counters first, then free: a crash in between leaves CK ahead of READ, never behind
      reader.free();
    }
    return n;
  }

  /** Notes new drops at the ring in the rate-limited report: counted by producers, said here (once per interval). */
  reportRingDrops(): void {
    if (this.ringReport === null) return;
    for (let k = 0; k < RING_DROPS.length; k++) {
      const [i, reason] = RING_DROPS[k]!;
      const now = Number(Atomics.load(this.l.i64, i));
      const seen = this.ringSeen[k]!;
      // seen first: note() may write the line at once, and markSaid() records ringSeen
      if (now > seen) { this.ringSeen[k] = now; this.ringReport.note(reason, now - seen, null); }
    }
  }

  /** Everything noted has just been written in a line: a successor starts from here. */
  private markSaid(): void {
    for (let k = 0; k < RING_DROPS.length; k++) Atomics.store(this.l.i64, L.C_SAID + k, BigInt(this.ringSeen[k]!));
  }

  /** Test hook (CRASH_AFTER / CRASH_MODE): die mid-batch, after spans were taken but before they were published. */
  private crash(): never {
    Atomics.store(this.l.i32, L.CRASH_AFTER, 0);
    if (Atomics.load(this.l.i32, L.CRASH_MODE) === 2) process.exit(1);
    throw new Error('tracewire test hook: exporter thread crash');
  }

  publish(): void {
    const s = this.batcher.stats();
    const b = this.base, t = this.totals, r = this.reader;
    // the reservations passed inside a region given up past a dead writer's record: counted now, published with the rest
    r.settle(b.consumed + this.taken + this.decodeErrors + r.abandoned);
    t.consumed = b.consumed + this.taken + this.decodeErrors + r.abandoned;
    t.exported = b.exported + s.exported;
    t.queueFull = b.queueFull + s.dropped.queueFull;
    t.exportFailed = b.exportFailed + s.dropped.exportFailed;
    t.shutdown = b.shutdown + s.dropped.shutdown;
    t.noExporter = b.noExporter + s.dropped.noExporter;
    t.abandoned = b.abandoned + r.abandoned;
    t.decodeError = b.decodeError + this.decodeErrors;
    t.lost = b.lost;
    t.queued = s.queued;
    t.dests = this.dests.totals(s.destinations ?? []);
    t.publish(this.l, r.pos);
    const loss = t.abandoned + t.decodeError + t.lost;
    if (loss !== this.lossSeen) { this.lossSeen = loss; this.onLoss?.(); } // after publish: the owner reads the new totals
  }

  /** Drains everything committed before the call into the batcher and exports it, within `deadline` (performance.now()). */
  async drainAll(deadline: number): Promise<void> {
    const target = Atomics.load(this.l.i32, L.WRITE);
    // A flush gives way to a shutdown (which has its own deadline); the shutdown's own drain does not.
    const interrupt = this.stopping ? null : this.onShutdown();
    while (((this.reader.pos - target) | 0) < 0 && performance.now() < deadline && !this.interrupted()) {
      const n = this.drain();
      if (n > 0 || held(this.batcher.stats()) > 0) await race(this.batcher.forceFlush(), deadline, interrupt);
      else await this.sleep(Math.min(5, Math.max(0, deadline - performance.now()))); // a writer mid-record
    }
    if (!this.interrupted()) await race(this.batcher.forceFlush(), deadline, interrupt);
    this.publish();
  }

  /** Serves flush tickets taken up to now (requestFlush in any thread). */
  async serveFlush(timeoutMs: number): Promise<void> {
    const i32 = this.l.i32;
    const req = Atomics.load(i32, L.FLUSH_REQ);
    await this.drainAll(performance.now() + timeoutMs);
    Atomics.store(i32, L.FLUSH_DONE, req);
    Atomics.notify(i32, L.FLUSH_DONE);
  }

  /** Shutdown: drain and export what is there within the owner's deadline, then stop the batcher. */
  async stop(): Promise<void> {
    const i32 = this.l.i32;
    this.stopping = true;
    const deadline = performance.now() + Math.max(0, Atomics.load(i32, L.SHUTDOWN_MS));
    await this.drainAll(deadline);
    await this.batcher.shutdown({ deadlineMs: Math.max(0, deadline - performance.now()) });
    this.publish();
    this.reportRingDrops();
    // Records still in the ring never leave: stats() counts them as shutdown drops once STOPPED is set (a record
    // committed between this read and STOPPED is counted there but not said here).
    const left = readStats(this.l).thread.inRing;
    if (left > 0) this.ringReport?.note('shutdown', left, null);
    this.ringReport?.flush();
    Atomics.store(i32, L.FLUSH_DONE, Atomics.load(i32, L.FLUSH_REQ));
    Atomics.store(i32, L.STOPPED, 1);
    Atomics.notify(i32, L.FLUSH_DONE);
    Atomics.notify(i32, L.STOPPED);
  }

  /** The exporter thread's life: drain, serve flushes, sleep on the doorbell; returns after stop(). */
  async run(flushTimeoutMs = 30_000): Promise<void> {
    const i32 = this.l.i32;
    // A pending Atomics.waitAsync does not keep a worker's event loop alive (Node 20): this handle does.
    const keepAlive = setInterval(noop, 1 << 30);
    try { await this.loop(i32, flushTimeoutMs); } finally { clearInterval(keepAlive); }
  }

  private async loop(i32: Int32Array, flushTimeoutMs: number): Promise<void> {
    for (;;) {
      if (Atomics.load(i32, L.SHUTDOWN) !== 0) { await this.stop(); return; }
      const bell = Atomics.load(i32, L.DOORBELL);
      const n = this.drain();
      this.reportRingDrops();
      if (Atomics.load(i32, L.FLUSH_REQ) !== Atomics.load(i32, L.FLUSH_DONE)) { await this.serveFlush(flushTimeoutMs); continue; }
      this.publish(); // exports settle between passes: keep exported/queued current for stats() readers
      if (n === PASS) { await new Promise<void>((r) => setImmediate(r)); continue; }
      const w = L.waitAsync(i32, L.DOORBELL, bell, this.pollMs);
      if (w.async) await w.value;
    }
  }

  private interrupted(): boolean {
    return !this.stopping && Atomics.load(this.l.i32, L.SHUTDOWN) !== 0;
  }

  /** Settles when shutdown is asked (the owner notifies SHUTDOWN), so a long flush wait ends at once. */
  private onShutdown(): Promise<unknown> {
    if (this.shutdownAsked === null) {
      const w = L.waitAsync(this.l.i32, L.SHUTDOWN, 0);
      this.shutdownAsked = w.async ? w.value : Promise.resolve();
    }
    return this.shutdownAsked;
  }

  private async sleep(ms: number): Promise<void> {
    const w = L.waitAsync(this.l.i32, L.DOORBELL, Atomics.load(this.l.i32, L.DOORBELL), ms);
    if (w.async) await w.value;
  }
}

function noop(): void {}

/**
 * Spans waiting in the least busy destination's queue (in-flight exports have left the queue). Not the
 * busiest: a destination whose backend hangs would stop the ring for all of them; as in-thread, it drops
 * from its own full queue (counted in its stats) while the others keep exporting.
 */
function held(s: ProcessorStats): number {
  const d = s.destinations;
  if (!Array.isArray(d) || d.length === 0) return s.queued;
  let min = Infinity;
  for (const x of d as { queued: number; inFlight?: number }[]) min = Math.min(min, x.queued - (x.inFlight ?? 0));
  return min;
}

function race(p: Promise<unknown>, deadline: number, interrupt: Promise<unknown> | null): Promise<unknown> {
  const ms = deadline - performance.now();
  if (ms <= 0) return Promise.resolve();
  let t: NodeJS.Timeout | undefined;
  const late = new Promise<void>((r) => { t = setTimeout(r, ms); });
  return Promise.race(interrupt === null ? [p, late] : [p, late, interrupt]).finally(() => clearTimeout(t));
}
