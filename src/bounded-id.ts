// Bounded identifiers (tenant IDs from a request header): letters, digits and `._-:@` only, length-capped. In the
// core so the config validator can tell which tenants a request can carry; the http adapter checks each request.

/** The http adapter's default `tenantMaxLength`. */
export const DEFAULT_TENANT_MAX_LENGTH = 64;

const ID_CHAR = new Uint8Array(128);
for (let c = 48; c <= 57; c++) ID_CHAR[c] = 1;
for (let c = 65; c <= 90; c++) ID_CHAR[c] = 1;
for (let c = 97; c <= 122; c++) ID_CHAR[c] = 1;
for (const ch of '._-:@') ID_CHAR[ch.charCodeAt(0)] = 1;

/** True when `v` is 1..maxLength chars of `[A-Za-z0-9._:@-]`. */
export function isBoundedId(v: string, maxLength: number): boolean {
  const n = v.length;
  if (n === 0 || n > maxLength) return false;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c >= 128 || ID_CHAR[c] === 0) return false;
  }
  return true;
}
