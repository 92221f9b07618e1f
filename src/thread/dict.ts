// Dictionary: each distinct tracer (resource, scope) and attribute key is written once into an append-only
// region of the SAB; records carry small ids instead. It outlives any exporter thread (a restarted one
// reads the same entries), identical entries from different threads are shared, no message is posted.
// Keys are ~half of a typical record's bytes and string work: interning them halves the hand-off cost.
import { ByteReader, ByteWriter } from './codec.js';
import { ALIGN, DICT_OFFSET, DICT_TOP, TRACER_IDS, type Layout } from './layout.js';
import type { AttributeValue } from '../attributes.js';

/** What the encoder reads from `span.tracer`; shared by every span of one dictionary entry. */
export class ThreadTracer {
  readonly resource: Readonly<Record<string, AttributeValue>>;
  readonly scope: { name: string; version: string };
  readonly service: string;
  constructor(resource: Readonly<Record<string, AttributeValue>>, scope: { name: string; version: string }) {
    this.resource = resource;
    this.scope = scope;
    this.service = String(resource['service.name'] ?? '');
  }
}

interface TracerLike {
  readonly resource: Readonly<Record<string, AttributeValue>>;
  readonly scope: { name: string; version?: string };
}

// Entry: word 0 = length | 1 once committed (-length while written), word 1 = type << 24 | byte count.
const ENTRY_HEAD = 8;
const E_TRACER = 1;
const E_KEY = 2;
const MAX_KEY_BYTES = 256; // longer keys travel inline
const KEY_SHARE = 0.75; // keys may fill at most this much of the dictionary: tracers always find room
const MAX_KEYS_PER_THREAD = 2048; // a thread inventing keys (a bug) stops interning, its keys go inline

/** Producer side. ids are entry offsets / 8 (small varints); -1 = not interned. */
export class DictWriter {
  private readonly l: Layout;
  private readonly tracers = new WeakMap<object, number>();
  /** Tracers whose entry did not fit, with TRACER_IDS then: the dictionary only grows, so they look again only once it changed. */
  private readonly missed = new WeakMap<object, number>();
  private lastTracer: object | null = null;
  private lastRef = -1;
  private readonly keys = new Map<string, number>();
  private readonly w = new ByteWriter(1024);

  constructor(l: Layout) {
    this.l = l;
  }

  /** Entry offset for this tracer, writing the entry on first use; -1 when the dictionary is full. */
  ref(t: TracerLike): number {
    if (t === this.lastTracer) return this.lastRef;
    let r = this.tracers.get(t);
    if (r === undefined) {
      // Each look is a scan of the whole dictionary and a serialization: once per span it cost a full table's
      // tracers tens of µs per span on the host thread. An equal entry another thread commits later bumps TRACER_IDS.
      const ids = Atomics.load(this.l.i32, TRACER_IDS);
      if (this.missed.get(t) === ids) return -1;
      r = this.tracerEntry(t);
      if (r < 0) { this.missed.set(t, ids); return -1; }
      this.tracers.set(t, r);
    }
    this.lastTracer = t;
    this.lastRef = r;
    return r;
  }

  /** Key id (for the record: id + 1), or 0 when the key travels inline. */
  key(k: string): number {
    const id = this.keys.get(k);
    if (id !== undefined) return id;
    // Past the cap nothing is remembered either: keys invented per span must not grow this Map without bound.
    if (this.keys.size >= MAX_KEYS_PER_THREAD) return 0;
    let v = 0;
    if (k.length <= MAX_KEY_BYTES) {
      const w = this.w;
      w.pos = 0;
      w.limit = MAX_KEY_BYTES * 3 + 8;
      w.str(k);
      const at = this.intern(E_KEY, w.pos, Math.floor(this.l.dictBytes * KEY_SHARE));
      v = at < 0 ? 0 : at / ALIGN + 1;
    }
    this.keys.set(k, v);
    return v;
  }

  private tracerEntry(t: TracerLike): number {
    const w = this.w;
    w.pos = 0;
    w.limit = this.l.dictBytes;
    try {
      const keys = Object.keys(t.resource);
      w.uvar(keys.length);
      for (const k of keys) { w.str(k); w.value(t.resource[k]); }
      w.str(String(t.scope.name ?? ''));
      w.str(String(t.scope.version ?? ''));
    } catch { return -1; }
    return this.intern(E_TRACER, w.pos, this.l.dictBytes);
  }

  /** Appends the scratch bytes as an entry (or finds an equal one); returns its offset, -1 when past `limit`. */
  private intern(type: number, n: number, limit: number): number {
    const found = this.find(type, n);
    if (found >= 0) return found;
    const total = Math.ceil((ENTRY_HEAD + n) / ALIGN) * ALIGN;
    const i32 = this.l.i32;
    let at: number;
    for (;;) {
      at = Atomics.load(i32, DICT_TOP);
      if (at + total > limit) return -1;
      if (Atomics.compareExchange(i32, DICT_TOP, at, at + total) === at) break;
    }
    const abs = DICT_OFFSET + at;
    Atomics.store(i32, abs >> 2, -total);
    this.l.u8.set(this.w.buf.subarray(0, n), abs + ENTRY_HEAD);
    Atomics.store(i32, (abs >> 2) + 1, (type << 24) | n);
    Atomics.store(i32, abs >> 2, total | 1); // commit: the bytes above are visible to whoever sees this
    if (type === E_TRACER) Atomics.add(i32, TRACER_IDS, 1);
    return at;
  }

  /** An existing committed entry with the same bytes (threads with the same service share one group). */
  private find(type: number, n: number): number {
    const { i32, u8 } = this.l;
    const top = Atomics.load(i32, DICT_TOP);
    const b = this.w.buf;
    const want = (type << 24) | n;
    for (let at = 0; at < top;) {
      const abs = DICT_OFFSET + at;
      const h = Atomics.load(i32, abs >> 2);
      if (h === 0) return -1; // a writer between its CAS and its length mark: stop here
      if (h > 0 && Atomics.load(i32, (abs >> 2) + 1) === want) {
        let same = true;
        for (let i = 0; i < n; i++) if (u8[abs + ENTRY_HEAD + i] !== b[i]) { same = false; break; }
        if (same) return at;
      }
      at += h < 0 ? -h : h & ~1;
    }
    return -1;
  }
}

/** Consumer side: offsets -> ThreadTracer / key string, cached; equal resources share one object (one OTLP group). */
export class DictReader {
  private readonly l: Layout;
  private readonly r: ByteReader;
  private readonly byRef = new Map<number, ThreadTracer>();
  private readonly keys = new Map<number, string>();
  private readonly resources = new Map<string, Readonly<Record<string, AttributeValue>>>();

  constructor(l: Layout) {
    this.l = l;
    this.r = new ByteReader(Buffer.from(l.sab));
  }

  get(ref: number): ThreadTracer {
    let t = this.byRef.get(ref);
    if (t === undefined) { t = this.readTracer(ref); this.byRef.set(ref, t); }
    return t;
  }

  /** Key for a record's key id (id + 1 as written by DictWriter.key). */
  key(v: number): string {
    let k = this.keys.get(v);
    if (k === undefined) {
      const r = this.r;
      const pos = r.pos;
      r.pos = this.entry((v - 1) * ALIGN, E_KEY);
      k = r.str();
      r.pos = pos;
      this.keys.set(v, k);
    }
    return k;
  }

  /** Byte offset of a committed entry's payload; throws on anything else. */
  private entry(ref: number, type: number): number {
    if (!(ref >= 0 && ref + ENTRY_HEAD <= this.l.dictBytes && ref % ALIGN === 0)) throw new RangeError('bad dictionary reference');
    const abs = DICT_OFFSET + ref;
    const h = Atomics.load(this.l.i32, abs >> 2);
    if (h <= 0 || (h & 1) !== 1 || Atomics.load(this.l.i32, (abs >> 2) + 1) >>> 24 !== type) throw new RangeError('dictionary entry not committed');
    return abs + ENTRY_HEAD;
  }

  private readTracer(ref: number): ThreadTracer {
    const r = this.r;
    const start = (r.pos = this.entry(ref, E_TRACER));
    const n = r.uvar();
    const resource = Object.create(null) as Record<string, AttributeValue>; // `__proto__` is an ordinary resource key
    for (let i = 0; i < n; i++) { const k = r.str(); resource[k] = r.value() as AttributeValue; }
    const resEnd = r.pos;
    const name = r.str();
    const version = r.str();
    const key = r.buf.toString('latin1', start, resEnd);
    let res = this.resources.get(key);
    if (res === undefined) { res = Object.freeze(resource); this.resources.set(key, res); }
    return new ThreadTracer(res, { name, version });
  }
}
