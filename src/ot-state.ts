// The OpenTelemetry `ot` tracestate member (OTel "TraceState Handling"): `k:v;k:v` sub-keys, of which the
// probability sampling ones are `th` (rejection threshold) and `rv` (explicit randomness).
import type { TraceState } from './tracestate.js';
import { FLAG_RANDOM, type SpanContextLike } from './span-context.js';

/** 2^56: the number of distinct 56-bit randomness values ("MaxAdjustedCount"); a threshold of 2^56 rejects all. */
export const MAX_THRESHOLD = 1n << 56n;
/** The whole `ot` value is a W3C tracestate value: at most 256 chars (OTel TraceState Handling, "Value"). */
export const MAX_OT_LENGTH = 256;

/**
 * Rejection threshold for probability `p` in [0, 1]: T = 2^56 - round(p * 2^56), exact in BigInt, as OTel Java
 * (ComposableProbabilitySampler), JS (sampler-composite) and the Collector's pkg/sampling compute it; computing
 * (1 - p) * 2^56 in doubles instead loses the low bits (p = 0.1 gave ...668 where they write ...666).
 * MAX_THRESHOLD (p = 0, or p < 2^-57) means never sampled.
 */
export function probabilityThreshold(p: number): bigint {
  return MAX_THRESHOLD - BigInt(Math.round(p * 2 ** 56));
}

/** The `th` value: 14 hex digits with trailing zeros removed, '0' for always (OTel "Converting integer threshold to a th-value"). */
export function encodeThreshold(t: bigint): string {
  if (t === 0n) return '0';
  return t.toString(16).padStart(14, '0').replace(/0+$/, '');
}

/**
 * The explicit randomness `rv` of an `ot` value, if valid: exactly 14 lowercase hex digits (OTel tracestate handling,
 * `rv`). A repeated rv: the last one, valid or not (the spec only says keys MUST be unique; OTel JS parseOtelTraceState reads the last).
 */
export function validRv(ot: string | undefined): string | undefined {
  const rv = otSubKey(ot, 'rv', true);
  return rv !== undefined && rv.length === 14 && /^[0-9a-f]{14}$/.test(rv) ? rv : undefined;
}

/** The value of sub-key `key` in an `ot` value `k:v;k:v`: its first occurrence, or its last with `last`. */
export function otSubKey(ot: string | undefined, key: string, last = false): string | undefined {
  if (!ot) return undefined;
  let found: string | undefined;
  for (const part of ot.split(';')) {
    const i = part.indexOf(':');
    if (i > 0 && part.slice(0, i) === key) {
      found = part.slice(i + 1);
      if (!last) return found;
    }
  }
  return found;
}

/** `ot` with `key:value` first and any earlier `key` removed (OTel: "keys MUST be unique"; order need not be kept). */
export function setOtSubKey(ot: string | undefined, key: string, value: string): string {
  const rest = ot ? otherSubKeys(ot, key) : '';
  return rest === '' ? key + ':' + value : key + ':' + value + ';' + rest;
}

/** `ot`'s parts other than `key`, empty ones dropped, joined; no trailing space, which a W3C value may not end in (§3.3.1.3.2). */
function otherSubKeys(ot: string, key: string): string {
  return ot.split(';').filter((p) => p.length > 0 && !p.startsWith(key + ':')).join(';').replace(/ +$/, '');
}

/** `state` without the `ot` sub-key `key` (without the whole `ot` member when nothing else is left); `state` itself when absent. */
export function withoutOtSubKey(state: TraceState, key: string): TraceState {
  const ot = state.get('ot');
  // a string test, not a split: this runs for every unsampled span whose parent has a tracestate
  if (ot === undefined || !(ot.startsWith(key + ':') || ot.includes(';' + key + ':'))) return state;
  const rest = otherSubKeys(ot, key);
  return rest === '' ? state.delete('ot') : state.set('ot', rest);
}

/**
 * The tracestate an unsampled span carries: its parent's without `th`. OTel composite sampler (SDK spec,
 * CompositeSampler): `th` is set only on a positive decision with a reliable threshold, "otherwise th is removed";
 * `rv` and every other member stay. Null when nothing is left.
 */
export function unsampledTraceState(state: TraceState): TraceState | null {
  const out = withoutOtSubKey(state, 'th');
  return out.size === 0 ? null : out;
}

/**
 * A sampled parent's tracestate as a parent-based child passes it on: its `th` erased when it is not 1-14
 * lowercase hex digits, is repeated, or is inconsistent with the sampled flag, R < T (OTel probability sampling, "General
 * requirements": check `rv >= th`, else erase). R is a valid `rv`, else the trace ID's low 56 bits when the W3C
 * random flag is set; with neither, R is unknown and no test is possible: kept. Undefined = unchanged.
 */
export function consistentParentState(parent: SpanContextLike, state: TraceState): TraceState | null | undefined {
  const ot = state.get('ot');
  // a string test first: most tracestates have no ot member, or one without th
  if (ot === undefined || !(ot.startsWith('th:') || ot.includes(';th:'))) return undefined;
  const th = otSubKey(ot, 'th')!;
  // a second th makes the threshold ambiguous (keys MUST be unique; OTel JS reads the last, we the first): none
  const repeated = ot.indexOf(';th:', ot.startsWith('th:') ? 0 : ot.indexOf(';th:') + 1) >= 0;
  if (!repeated && th.length >= 1 && th.length <= 14 && /^[0-9a-f]+$/.test(th)) {
    const rv = validRv(ot);
    let rHi: number, rLo: number;
    if (rv !== undefined) { rHi = parseInt(rv.slice(0, 6), 16); rLo = parseInt(rv.slice(6), 16); }
    else if ((parent.traceFlags & FLAG_RANDOM) !== 0) { rHi = parent.t2 & 0xffffff; rLo = parent.t3 >>> 0; }
    else return undefined;
    const t = th.padEnd(14, '0'); // T in the trace ID's layout: high 24 bits, low 32 bits
    const tHi = parseInt(t.slice(0, 6), 16), tLo = parseInt(t.slice(6), 16);
    if (rHi > tHi || (rHi === tHi && rLo >= tLo)) return undefined;
  }
  const out = withoutOtSubKey(state, 'th');
  return out.size === 0 ? null : out;
}
