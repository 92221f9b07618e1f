// Monotonic clock anchored to wall time once: performance.timeOrigin is the wall-clock ms at process
// start, performance.now() a monotonic offset, so spans never see NTP jumps and cost no Date.now().
// Spans store times as (seconds, nanoseconds) since timeOrigin: two Smis, no boxed doubles (-32 B/span).
import { performance } from 'node:perf_hooks';

export const ORIGIN_MS = performance.timeOrigin;
/** timeOrigin split into whole unix seconds and ns: every (sec, ns) span time is relative to this. */
export const ORIGIN_SEC = Math.floor(ORIGIN_MS / 1000);
export const ORIGIN_NS = Math.round((ORIGIN_MS - ORIGIN_SEC * 1000) * 1e6);

/** Wall-clock milliseconds since the epoch, with sub-millisecond (µs) resolution, monotonic. */
export function now(): number {
  return ORIGIN_MS + performance.now();
}

/** Milliseconds since timeOrigin (monotonic). */
export function sinceOrigin(): number {
  return performance.now();
}

/** Times this far (ms) from timeOrigin or farther are unusable: (sec, ns) keep seconds as int32 (±68 years). */
const MAX_REL_MS = 2 ** 31 * 1000;

/**
 * A number no larger than performance.now() is a reading of it, as OpenTelemetry's TimeInput takes one (as epoch
 * ms it would be January 1970, within the process's uptime: no one means that); a Date is always an epoch time.
 */
function isReading(t: unknown): t is number {
  return typeof t === 'number' && t > 0 && t < ORIGIN_MS && t <= performance.now(); // an epoch time never pays the now() call
}

/** Accepts a user time (ms since epoch as number, or Date; or a performance.now() reading) and returns epoch ms, or NaN when unusable. */
export function toMillis(t: number | Date | undefined): number {
  if (t === undefined) return NaN;
  if (isReading(t)) return ORIGIN_MS + t;
  const ms = typeof t === 'number' ? t : t instanceof Date ? t.getTime() : NaN;
  return Number.isFinite(ms) && ms > 0 && Math.abs(ms - ORIGIN_MS) < MAX_REL_MS ? ms : NaN;
}

/** Where exactFromEpoch() writes: (sec, ns) since timeOrigin (one module object, no allocation per call). */
export const EXACT = { sec: 0, ns: 0 };

/**
 * An explicit epoch time (ms, maybe fractional) as (sec, ns) since timeOrigin, to the nearest ns, into EXACT.
 * `ms - ORIGIN_MS` then floor put nearly every integer-ms time 1 ns early (timeOrigin carries a sub-ms fraction).
 */
export function exactFromEpoch(ms: number): void {
  const s = Math.floor(ms / 1000);
  let sec = s - ORIGIN_SEC;
  let ns = Math.round((ms - s * 1000) * 1e6) - ORIGIN_NS; // ms - s * 1000 is exact (Sterbenz: same binade)
  if (ns >= 1e9) { ns -= 1e9; sec++; }
  else if (ns < 0) { ns += 1e9; sec--; }
  EXACT.sec = sec;
  EXACT.ns = ns;
}

/**
 * A user's start or end time (epoch ms or Date, or a performance.now() reading) into EXACT; an unusable one (see toMillis) is replaced by the
 * clock's time and false returned, for the caller to count.
 */
export function explicitTime(t: number | Date | undefined): boolean {
  const usable = isReading(t); // already ms since timeOrigin: no round trip through epoch ms
  if (!usable) {
    const ms = toMillis(t);
    if (ms === ms) { exactFromEpoch(ms); return true; }
  }
  const rel = usable ? (t as number) : performance.now();
  const sec = secOf(rel);
  EXACT.sec = sec;
  EXACT.ns = nsOf(rel, sec);
  return usable;
}

/** Whole seconds part of a time in ms since timeOrigin (may be negative for times before start). */
export function secOf(rel: number): number {
  return Math.floor(rel / 1000) | 0;
}

/** Nanoseconds within the second, given the ms since origin and its secOf(). */
export function nsOf(rel: number, sec: number): number {
  return Math.floor((rel - sec * 1000) * 1e6) | 0;
}

/** ms since epoch from (sec, ns) since timeOrigin. */
export function toEpochMs(sec: number, ns: number): number {
  return ORIGIN_MS + sec * 1000 + ns / 1e6;
}

/** Exact unix time in ns as a decimal string (OTLP fixed64 in JSON), from (sec, ns) since timeOrigin. */
export function unixNanoString(sec: number, ns: number): string {
  let s = ORIGIN_SEC + sec;
  let n = ORIGIN_NS + ns;
  if (n >= 1e9) { n -= 1e9; s++; }
  if (s <= 0) return s < 0 ? '0' : String(n);
  const frac = String(n);
  return String(s) + '000000000'.slice(frac.length) + frac;
}
