// Header names: case-insensitive matching, the allowlists of headers recorded as attributes (credentials
// refused), and the HTTP token check for the header names the options configure.
import type { AnySpan } from '../src/span.js';

/** An HTTP header name (token, RFC 9110 §5.1 and §5.6.2): checked once, where options are resolved. */
export const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Is `k` the header name `name` (given lower-case), in any case? Length first: most names differ there. */
export function isName(k: unknown, name: string): boolean {
  return typeof k === 'string' && k.length === name.length && (k === name || k.toLowerCase() === name);
}

/** Never recorded, even when allowlisted: credentials and session material (AC-007). */
const NEVER_RECORD = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token']);

/** An allowlist of header names resolved once: lower-case names and their attribute keys. */
export class HeaderAllowlist {
  readonly names: string[];
  readonly keys: string[];
  constructor(names: readonly string[] | undefined, prefix: string, warn: (m: string) => void) {
    this.names = [];
    this.keys = [];
    if (names === undefined) return;
    for (const raw of names) {
      if (typeof raw !== 'string' || raw.length === 0) continue;
      const n = raw.toLowerCase();
      if (NEVER_RECORD.has(n)) { warn(`header ${JSON.stringify(n)} carries credentials and is never recorded, even when allowlisted`); continue; }
      this.names.push(n);
      this.keys.push(prefix + n);
    }
  }
  /** Record allowlisted headers as string arrays (semconv `http.*.header.<name>`). */
  record(span: AnySpan, headers: Record<string, unknown>): void {
    for (let i = 0; i < this.names.length; i++) {
      const v = headers[this.names[i]!];
      if (typeof v === 'string') span.setAttribute(this.keys[i]!, [v]);
      else if (typeof v === 'number') span.setAttribute(this.keys[i]!, [String(v)]);
      else if (Array.isArray(v)) span.setAttribute(this.keys[i]!, v.map(String));
    }
  }
  /** Same, from a flat [name, value, ...] list (what writeHead sends when no header was set before it). */
  recordFlat(span: AnySpan, flat: readonly unknown[]): void {
    const byName: Record<string, unknown> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const k = flat[i];
      if (typeof k !== 'string') continue;
      const n = k.toLowerCase();
      if (!this.names.includes(n)) continue;
      const v = flat[i + 1], cur = byName[n];
      byName[n] = cur === undefined ? v : ([] as unknown[]).concat(cur, v); // repeated names: one list, in order
    }
    this.record(span, byName);
  }
}
