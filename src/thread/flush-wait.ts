// forceFlush() in thread mode: take a flush ticket, then wait (never blocking the event loop) until the exporter
// thread has served it. All the calls waiting on one ring in a thread share one wait: one Atomics.waitAsync and
// one timer, re-armed while any call waits and cleared when the last one settles, however many calls there are.
import * as L from './layout.js';

/** Longest one wait lasts before looking again (STOPPED set without a notify, a missed wake-up). */
const POLL_MS = 250;

interface Waiter { ticket: number; deadline: number; resolve: (served: boolean) => void }

class FlushWaits {
  private readonly i32: Int32Array;
  private list: Waiter[] = [];
  private running = false;
  /** The current wait: when its timer fires, and how to end it early (a call with an earlier deadline). */
  private wakeAt = Infinity;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;

  constructor(i32: Int32Array) {
    this.i32 = i32;
  }

  add(ticket: number, deadline: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      // stopped for good, or no time to wait: answered now, not at the next look of a wait under way
      if (Atomics.load(this.i32, L.STOPPED) !== 0 || deadline <= performance.now()) { resolve(false); return; }
      this.list.push({ ticket, deadline, resolve });
      if (!this.running) { void this.run(); return; }
      // the wait under way ends later than this call's deadline: end it at this deadline instead
      if (deadline < this.wakeAt && this.wake !== null) this.arm(this.wake, deadline - performance.now());
    });
  }

  private arm(wake: () => void, ms: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.wakeAt = performance.now() + ms;
    // ref'd: a pending waitAsync does not keep the event loop alive, so `await forceFlush()` at the end of a
    // script would not wait without it; cleared with the last waiter
    this.timer = setTimeout(wake, Math.max(0, ms));
  }

  private async run(): Promise<void> {
    this.running = true;
    const i32 = this.i32;
    try {
      for (;;) {
        const done = Atomics.load(i32, L.FLUSH_DONE);
        const stopped = Atomics.load(i32, L.STOPPED) !== 0;
        const now = performance.now(); // monotonic: an NTP step must not stretch or cut the wait
        let next = Infinity;
        const left: Waiter[] = [];
        for (const w of this.list) {
          if (((done - w.ticket) | 0) >= 0) w.resolve(true);
          else if (stopped || w.deadline <= now) w.resolve(false);
          else { left.push(w); if (w.deadline < next) next = w.deadline; }
        }
        this.list = left;
        if (left.length === 0) return;
        const slice = Math.min(next - now, POLL_MS);
        const w = L.waitAsync(i32, L.FLUSH_DONE, done, slice);
        if (!w.async) continue; // FLUSH_DONE moved meanwhile
        await new Promise<void>((r) => { this.wake = r; this.arm(r, slice); void w.value.then(() => r()); });
        this.wake = null;
        if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
        this.wakeAt = Infinity;
      }
    } finally {
      this.running = false;
    }
  }
}

const waits = new WeakMap<SharedArrayBuffer, FlushWaits>();

/**
 * Takes a flush ticket and waits until the exporter thread has served it. Resolves false on timeout or when
 * the exporter thread has stopped.
 */
export function requestFlush(l: L.Layout, timeoutMs: number): Promise<boolean> {
  const i32 = l.i32;
  const ticket = (Atomics.add(i32, L.FLUSH_REQ, 1) + 1) | 0;
  Atomics.add(i32, L.DOORBELL, 1);
  Atomics.notify(i32, L.DOORBELL);
  let w = waits.get(l.sab);
  if (w === undefined) { w = new FlushWaits(i32); waits.set(l.sab, w); }
  return w.add(ticket, performance.now() + timeoutMs);
}
