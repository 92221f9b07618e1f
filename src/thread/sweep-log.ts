// The log of regions the consumer gave up past a dead writer's unmarked record (ring.ts sweep()), in the SAB
// (layout.ts SWEEPS_OFFSET): its last SWEEP_LOG regions, one BigInt64 each, start position (uint32) | length << 32,
// so that an entry is never read half written. The consumer counted each region's dead writer; a writer stopped
// inside one, back once the space was freed (and maybe reused), finds here that it must count itself.
import { SWEEP_LOG, SWEEP_N } from './layout.js';

/** Logs the region [from, from + len); a region logged last already (a predecessor died after logging it) is rewritten, not added. */
export function logSweep(i32: Int32Array, log: BigInt64Array, from: number, len: number): void {
  const n = Atomics.load(i32, SWEEP_N);
  const last = (n - 1) & (SWEEP_LOG - 1);
  const again = n !== 0 && Number(Atomics.load(log, last) & 0xffffffffn) === from >>> 0;
  Atomics.store(log, again ? last : n & (SWEEP_LOG - 1), BigInt(from >>> 0) | (BigInt(len) << 32n));
  if (!again) Atomics.store(i32, SWEEP_N, (n + 1) | 0);
}

/** `pos` is inside a logged region, past its first word. */
export function inSweep(log: BigInt64Array, pos: number): boolean {
  for (let k = 0; k < SWEEP_LOG; k++) {
    const e = Atomics.load(log, k);
    const off = (pos - Number(e & 0xffffffffn)) >>> 0;
    if (off > 0 && off < Number(e >> 32n)) return true;
  }
  return false;
}
