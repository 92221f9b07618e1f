// The rules the bridge's key tables assign (adapters/otel-redact-keys.ts, adapters/otel-redact-ai.ts), applied by the
// Redactor (adapters/otel-redact.ts). Its own module so both tables can name them without importing each other.

/**
 * What happens to a key. SIZE: kept only as a number. PEER: dropped on SERVER spans only (Redactor.apply).
 * SCHEME: only the URI's `scheme:` is kept.
 */
export const Rule = { KEEP: 0, DROP: 1, URL: 2, TARGET: 3, QUERY: 4, GRAPHQL: 5, GRAPHQL_SOURCE: 6, SIZE: 7, PEER: 8, SCHEME: 9 } as const;
export type RuleValue = (typeof Rule)[keyof typeof Rule];
