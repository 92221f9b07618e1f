// Where everything lives in the one SharedArrayBuffer that producer threads and the exporter thread share.
// [0, 256): Int32 control words, hot ones on their own 64-byte cache line · [256, 512): 64-bit counters ·
// [512, 1536): producer slots · [1536, 67072): per-destination counters, two copies (dest-stats.ts) · then the
// append-only tracer dictionary · then the record ring (a power of two, 8-aligned).

// 'twr6' (twr5 logged the last 64 skipped regions and a writer stopped inside one counted itself, C_SWEPT: one back
// after 64 more was never counted, nor one that died there; twr4 kept only the last skipped region, twr3 wrote an
// absent link tracestate as '', twr2 had no event/link dropped counts nor destination blocks, twr1 no producer slots)
export const MAGIC = 0x74777236;
export const CTRL_BYTES = 256;
export const COUNTER_BYTES = 256;
/** One Int32 per attached processor: its thread's threadId + 1, 0 = free (see producers.ts). */
export const PRODUCER_SLOTS = 256;
export const SLOTS_OFFSET = CTRL_BYTES + COUNTER_BYTES;
/** Destinations of the exporter thread's batcher listed in stats(): the config file's 64 exporters (more are exported, not listed; warned at start). */
export const MAX_DESTS = 64;
export const DEST_BYTES = 512;
export const DESTS_OFFSET = SLOTS_OFFSET + PRODUCER_SLOTS * 4;
export const DICT_OFFSET = DESTS_OFFSET + 2 * MAX_DESTS * DEST_BYTES;

// Int32 indexes. Line 0: contended by every producer (the reservation CAS and the enqueue count share it anyway).
export const WRITE = 0; // next byte to reserve, absolute, wraps at 2^32
export const ENQ = 1; // span records reserved, mod 2^32 (only differences are read)
// Line 1: written by the consumer only.
export const READ = 16; // next byte to read; everything before it is zeroed and free
export const CK = 17; // position the published consumer counters account for (always >= READ)
export const SEQ = 18; // seqlock over the consumer counters: odd while they are being written
// The region being given up past a dead writer's unmarked record (ring-reader.ts sweep()): SWEEP_OPEN is 1 from
// before its first mark until it is closed, so that a consumer taking over from one that died mid-way finishes it
// (from SWEEP_AT up to the WRITE it had read, SWEEP_LIMIT) instead of counting its rest as another dead writer.
// (19: unused, twr5's count of logged regions.)
export const SWEEP_OPEN = 20;
export const CK_B = 21; // CK of the consumer counters' second copy (see C_CONSUMED)
export const SWEEP_AT = 22;
export const SWEEP_LIMIT = 23;
// Line 2: configuration and control, rarely written.
export const MAGIC_I = 32;
export const RING_BYTES_I = 33;
export const DICT_BYTES_I = 34;
export const DICT_TOP = 35; // bump pointer of the dictionary, bytes used
export const DOORBELL = 36; // bumped + notified when producers want the consumer awake
export const SHUTDOWN = 37; // 1: producers drop (counted), the consumer drains and stops
export const FLUSH_REQ = 38; // flush tickets taken
export const FLUSH_DONE = 39; // flush tickets served
export const STOPPED = 40; // 1: the consumer finished its shutdown
export const GEN = 41; // exporter thread incarnation (restarts = GEN - 1)
export const CRASH_AFTER = 42; // test hook: the consumer throws after reading this many records (0 = off)
export const PRODUCERS = 43; // processors attached beyond the PRODUCER_SLOTS table (their exit cannot be seen from other threads)
export const CRASH_MODE = 44; // test hook: 1 throw, 2 process.exit inside the exporter thread
export const TRACER_IDS = 45; // tracer dictionary entries written
export const SHUTDOWN_MS = 46; // the shutdown deadline the exporter thread works to
export const RESTARTS = 47; // exporter threads started again after one died
export const FLUSH_MS = 48; // forceFlush() timeout chosen by the owner, for every thread
export const DESTS = 49; // destination blocks published (under SEQ), at most MAX_DESTS
export const DESTS_B = 50; // the same, second copy

// BigInt64 indexes (from byte CTRL_BYTES). Producer-side counters, Atomics.add from any thread (cold: drops only).
export const C_RING_FULL = 0;
export const C_TOO_LARGE = 1;
export const C_AFTER_SHUTDOWN = 2;
export const C_DICT_FULL = 3;
export const C_TRUNCATED = 4; // records trimmed to fit (attributes, events or links dropped and counted in the span)
export const C_LATE = 5; // reservations whose writer resumed after the consumer skipped them as abandoned (not written; counted in C_ABANDONED)
// 6: unused (twr5's C_SWEPT: reservations inside a skipped region are counted by the consumer now, ring-reader.ts settle())
// Consumer-side counters (line 1 of the block), single writer, published under SEQ in two copies (a seqcount latch,
// stats.ts): this one with CK and DESTS, the second at + COPY_B with CK_B and DESTS_B. A thread dying or stopped inside
// a publish leaves one complete copy, read by every reader and taken over by its successor.
export const C_CONSUMED = 8; // span records taken off the ring (read, or given up: C_ABANDONED)
export const C_EXPORTED = 9;
export const C_W_QUEUE_FULL = 10;
export const C_EXPORT_FAILED = 11;
export const C_W_SHUTDOWN = 12;
export const C_NO_EXPORTER = 13;
export const C_ABANDONED = 14; // reserved by a thread that died (or stopped) before committing: skipped after the stall timeout, each reservation once
export const C_DECODE_ERR = 15;
export const C_LOST = 16; // held in memory by an exporter thread that died
export const C_W_QUEUED = 17; // held by the exporter thread (batcher queue or export in flight)
// Ring drops (C_RING_FULL, C_TOO_LARGE, C_DICT_FULL, C_AFTER_SHUTDOWN) said in an 'export ring' log line so far: a
// restarted exporter thread says the rest, including what its predecessor had noted but not yet written when it died.
export const C_SAID = 18; // .. 21, in that order
export const COPY_B = 14; // C_CONSUMED + COPY_B .. C_W_QUEUED + COPY_B: 22 .. 31
// The exporter thread's batcher says its drops per destination, one line each: its said counts are in the destination
// blocks (dest-stats.ts), published with the totals.

// Record header word: committed length (a multiple of 8) | type; negative = -length, reserved and being written;
// negative with low bits set = given up by the consumer (see ring.ts), a late writer must not write: -length | 7 a
// marked record (counted by the consumer), -length | 5 the first word of a region given up past a dead writer's
// unmarked record (counted by the consumer: that writer), SWEPT (-8 | 6) any other word of such a region (a writer
// that starts there is counted by the consumer too, later: ring-reader.ts settle()).
export const T_SPAN = 1;
export const T_PAD = 2;
export const TYPE_MASK = 7;
export const ALIGN = 8;
export const SWEPT = -ALIGN | 6;
export const T_SWEEP = 5;

export const DEFAULT_RING_BYTES = 8 << 20;
export const MIN_RING_BYTES = 4096;
export const MAX_RING_BYTES = 1 << 30; // positions are uint32: the ring size must divide 2^32
export const DEFAULT_DICT_BYTES = 64 << 10;

/** What a producer thread needs to write into the ring: structured-clone safe (pass it in workerData). */
export interface ThreadHandle {
  readonly kind: 'tracewire.thread';
  readonly version: 1;
  readonly sab: SharedArrayBuffer;
}

export interface Layout {
  readonly sab: SharedArrayBuffer;
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;
  readonly u8: Uint8Array;
  /** Byte offset of the ring data in the SAB. */
  readonly base: number;
  readonly ringBytes: number;
  readonly dictBytes: number;
}

/** Smallest power of two >= n within [MIN_RING_BYTES, MAX_RING_BYTES]. */
export function ringSize(n: number | undefined): number {
  const want = typeof n === 'number' && n > 0 ? n : DEFAULT_RING_BYTES;
  let s = MIN_RING_BYTES;
  while (s < want && s < MAX_RING_BYTES) s *= 2;
  return s;
}

export function createLayout(ringBytes?: number, dictBytes?: number): Layout {
  const ring = ringSize(ringBytes);
  const dict = Math.max(1024, Math.ceil((dictBytes ?? DEFAULT_DICT_BYTES) / ALIGN) * ALIGN);
  const sab = new SharedArrayBuffer(DICT_OFFSET + dict + ring);
  const l = viewLayout(sab, ring, dict);
  l.i32[MAGIC_I] = MAGIC;
  l.i32[RING_BYTES_I] = ring;
  l.i32[DICT_BYTES_I] = dict;
  return l;
}

/** Views over a SAB made by createLayout (in another thread); throws on anything else. */
export function openLayout(sab: unknown): Layout {
  if (!(sab instanceof SharedArrayBuffer) || sab.byteLength < DICT_OFFSET) throw new TypeError('tracewire/thread: not a thread handle (expected the SharedArrayBuffer from processor.handle())');
  const i32 = new Int32Array(sab, 0, CTRL_BYTES >> 2);
  if (Atomics.load(i32, MAGIC_I) !== MAGIC) throw new TypeError('tracewire/thread: thread handle of an unknown version');
  return viewLayout(sab, Atomics.load(i32, RING_BYTES_I), Atomics.load(i32, DICT_BYTES_I));
}

function viewLayout(sab: SharedArrayBuffer, ring: number, dict: number): Layout {
  return {
    sab,
    i32: new Int32Array(sab),
    i64: new BigInt64Array(sab, CTRL_BYTES, COUNTER_BYTES >> 3),
    u8: new Uint8Array(sab),
    base: DICT_OFFSET + dict,
    ringBytes: ring,
    dictBytes: dict,
  };
}

type WaitResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
/** Atomics.waitAsync (Node >= 16; typed here because the project's lib is ES2022): never blocks the caller. */
export const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, timeoutMs?: number) => WaitResult }).waitAsync;
