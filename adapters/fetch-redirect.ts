// Redirect hops of one fetch, for the channel (fetch-channel): undici publishes each hop as a new request and
// ties nothing between them (no field, handler or options object, in undici 6 and 7). Fetch follows a redirect
// in the promise continuations of the 3xx response: the next hop's request:create comes before the event loop
// moves on, in the async context the first hop was created in. So a 3xx response of a traced request arms a
// hop (its Location resolved, the store the request was created under), and a request created before the next
// check phase, for that URL, under that same store, is taken as the hop: same parent as the first (or, with
// none, under the first hop's span: one trace per chain), resend_count one more. Anything else (a redirect
// not followed: `redirect: 'manual'` / 'error', a Location fetch cannot use) expires unmatched, and the next
// request is traced as any.
import type { AnySpan } from '../src/span.js';
import type { SpanContextLike } from '../src/span-context.js';
import { resendCountOf } from './retry.js';
import { isName } from './http-headers.js';
import { httpStats } from './http-stats.js';
import { hasTrace } from '../src/context.js';

/** A redirect answered and maybe about to be followed. */
export class Hop {
  constructor(
    /** `origin + path` the next hop is dispatched with (path with the query, no fragment). */
    readonly url: string,
    /** The async store the redirected request was created under (the next hop is created under it too). */
    readonly store: SpanContextLike | undefined,
    /** The next hop's parent when the chain has none of its own: the chain's first span. Null: the active context. */
    readonly root: AnySpan | null,
    /** resend_count of the redirected request; the next hop's is one more. */
    readonly resend: number,
  ) {}
}

/** Hops armed since the last check phase, oldest first; bounded (redirects answered in one turn of the loop). */
const armed: Hop[] = [];
const MAX_ARMED = 64;
let sweep: { unref?: () => unknown } | null = null;

function expire(): void {
  sweep = null;
  armed.length = 0;
}

/** The redirect statuses fetch follows (Fetch §2.2.6 redirect status). */
export function isRedirect(status: unknown): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** The `location` of undici's flat raw response headers (Buffers or strings), or null. */
function locationOf(headers: unknown): string | null {
  if (!Array.isArray(headers)) return null;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const k = headers[i];
    if (isName(typeof k === 'string' ? k : String(k), 'location')) return String(headers[i + 1]);
  }
  return null;
}

/**
 * A traced request got a redirect status: arm its next hop. `chain` is the hop it was itself (undefined for a
 * first request), `store` what was active when it was created. False when there is nothing to arm.
 */
export function armHop(origin: string, path: string, headers: unknown, span: AnySpan, store: SpanContextLike | undefined, chain: Hop | undefined): boolean {
  const location = locationOf(headers);
  if (location === null) return false;
  let next: URL;
  try { next = new URL(location, origin + path); } catch { return false; } // fetch fails on the same Location
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return false;
  const root = chain !== undefined ? chain.root : hasTrace(store) ? null : span;
  const resend = chain !== undefined ? chain.resend + 1 : resendCountOf(store);
  if (armed.length === MAX_ARMED) { armed.shift(); httpStats.redirectHopsDropped++; }
  armed.push(new Hop(next.origin + next.pathname + next.search, store, root, resend));
  if (sweep === null) { sweep = setImmediate(expire); sweep.unref?.(); }
  return true;
}

/** The armed hop this new request is, if any (taken: a hop is matched once). Only called while one is armed. */
export function takeHop(origin: string, path: string, store: SpanContextLike | undefined): Hop | undefined {
  let url: string;
  try { const u = new URL(origin + path); url = u.origin + u.pathname + u.search; } catch { return undefined; }
  for (let i = 0; i < armed.length; i++) {
    const h = armed[i]!;
    if (h.store === store && h.url === url) { armed.splice(i, 1); return h; }
  }
  return undefined;
}

/** Is any hop armed? (The channel's create checks this first: no URL work for requests when none is.) */
export function anyArmed(): boolean {
  return armed.length > 0;
}
