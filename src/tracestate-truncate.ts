// W3C `tracestate` size limit [§3.3.1.5]: a header over the limit loses whole entries, never parts of one.
import { EMPTY_TRACESTATE, MAX_TRACESTATE_CHARS, TraceState } from './tracestate.js';

/** Entries longer than this are dropped first when truncating [§3.3.1.5]. */
const LONG_ENTRY = 128;

/**
 * Fit `state` into `maxChars` by dropping whole entries [§3.3.1.5]: entries longer than 128 chars first
 * (right-most first), then from the right. Returns `state` itself when it already fits.
 */
export function truncateTracestate(state: TraceState, maxChars = MAX_TRACESTATE_CHARS): TraceState {
  if (!(maxChars >= 0)) maxChars = 0;
  let length = state.toString().length;
  if (length <= maxChars) return state;
  const entries = Array.from(state.entries());
  const entryLength = (i: number): number => entries[i]![0].length + 1 + entries[i]![1].length;
  const drop = (i: number): void => {
    length -= entryLength(i) + (entries.length > 1 ? 1 : 0);
    entries.splice(i, 1);
  };
  for (let i = entries.length - 1; i >= 0 && length > maxChars; i--) if (entryLength(i) > LONG_ENTRY) drop(i);
  while (entries.length > 0 && length > maxChars) drop(entries.length - 1);
  return fromArrays(entries.map((e) => e[0]), entries.map((e) => e[1]));
}

function fromArrays(keys: string[], values: string[]): TraceState {
  if (keys.length === 0) return EMPTY_TRACESTATE;
  let header = keys[0]! + '=' + values[0]!;
  for (let i = 1; i < keys.length; i++) header += ',' + keys[i]! + '=' + values[i]!;
  return new TraceState(header, keys.length, keys, values);
}
