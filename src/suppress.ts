// Marks tracewire's own outgoing requests so no adapter traces them (no export loops, however the
// adapters are installed). A Symbol.for brand survives duplicate copies of the library.
export const kNoTrace: unique symbol = Symbol.for('tracewire.noTrace') as never;

/** Brand an object (request options, agent, request) as never-to-be-traced. */
export function markNoTrace<T extends object>(o: T): T {
  (o as Record<symbol, unknown>)[kNoTrace] = true;
  return o;
}

/** True when the options, their agent, or the request carry the brand. */
export function isNoTrace(o: unknown): boolean {
  if (o === null || typeof o !== 'object') return false;
  const r = o as Record<symbol, unknown> & { agent?: unknown };
  if (r[kNoTrace] === true) return true;
  const a = r.agent;
  return a !== null && typeof a === 'object' && (a as Record<symbol, unknown>)[kNoTrace] === true;
}
