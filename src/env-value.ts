// How every OTEL_* (and TRACEWIRE_CONFIG) reader gets a variable's value (configuration/sdk-environment-variables.md).

/**
 * The trimmed value; undefined when unset or empty (spec: "an empty value" is "unset"). An `env` option holding a
 * number is read as process.env would have stored it (String): a JS test double must not throw at construction.
 */
export function envValue(env: Record<string, string | undefined>, name: string): string | undefined {
  const v: unknown = env[name];
  if (v === undefined || v === null) return undefined;
  const t = String(v).trim();
  return t === '' ? undefined : t;
}
