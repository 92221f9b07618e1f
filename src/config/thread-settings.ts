// What `exportThread` in the config file means: on or off, the thread's settings, and the one thing the
// export thread cannot do yet (send tenants to different exporters). No I/O, no thread code: the validator
// and normalize.ts use it.
import type { ExportThreadSettings } from './types.js';

type Raw = Record<string, unknown>;

/** `true`, or an object without `"enabled": false`, turns it on. Only call with a validated value. */
export function threadSettings(raw: unknown): ExportThreadSettings | null {
  if (raw === true) return {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || (raw as Raw).enabled === false) return null;
  const o = raw as Raw;
  const s: ExportThreadSettings = {};
  if (typeof o.ringBytes === 'number') s.ringBytes = o.ringBytes;
  if (typeof o.niceness === 'number') s.niceness = o.niceness;
  if (typeof o.flushTimeoutMs === 'number') s.flushTimeoutMs = o.flushTimeoutMs;
  return s;
}

/** Names of `a` then `b`, each once: the exporters of one route (`all` first, as routing.ts orders them). */
export function routeUnion(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  for (const n of a) if (!out.includes(n)) out.push(n);
  for (const n of b) if (!out.includes(n)) out.push(n);
  return out;
}

export interface RouteConflict { tenant: string; route: string[]; fallback: string[] }

/** The first tenant whose spans would go to other exporters than everyone else's, or null. */
export function routeConflict(r: { tenants: Readonly<Record<string, readonly string[]>>; default: readonly string[]; all: readonly string[] }): RouteConflict | null {
  const fallback = routeUnion(r.all, r.default);
  for (const tenant of Object.keys(r.tenants)) {
    const route = routeUnion(r.all, r.tenants[tenant]!);
    if (route.length !== fallback.length || route.some((n) => !fallback.includes(n))) return { tenant, route, fallback };
  }
  return null;
}
