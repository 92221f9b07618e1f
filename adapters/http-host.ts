// The Host header read strictly, by charCodeAt over lookup tables (no regex, no URL): RFC 9110 §7.2
// Host = uri-host [ ":" port ], uri-host per RFC 3986 §3.2.2 (IP-literal / IPv4address / reg-name), port §3.2.3.
// Anything else names no server: the adapter falls back to the socket's address and counts it (hostRejected).

const PERCENT = 37;
const DOT = 46;
const COLON = 58;
const LBRACKET = 91;
const RBRACKET = 93;
/** Longest Host value read: a DNS name is at most 253 characters; a port adds 6. */
const MAX_HOST = 255;

/** 1: unreserved / sub-delims (RFC 3986 §2.3, §2.2), the characters of a reg-name besides pct-encoded. */
const REG_CHAR = new Uint8Array(128);
for (let c = 48; c <= 57; c++) REG_CHAR[c] = 1;
for (let c = 65; c <= 90; c++) REG_CHAR[c] = REG_CHAR[c + 32] = 1;
for (const ch of "-._~!$&'()*+,;=") REG_CHAR[ch.charCodeAt(0)] = 1;
/** Hex digit value + 1 (0 = not HEXDIG; ABNF is case-insensitive). */
const HEX1 = new Uint8Array(128);
for (let i = 0; i < 16; i++) HEX1['0123456789abcdef'.charCodeAt(i)] = HEX1['0123456789ABCDEF'.charCodeAt(i)] = i + 1;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => c < 128 && HEX1[c] !== 0;

/** reg-name = *( unreserved / pct-encoded / sub-delims ), over s[from, to). */
function isRegName(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === PERCENT) {
      if (i + 2 >= to || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return false;
      i += 2;
    } else if (c >= 128 || REG_CHAR[c] === 0) return false;
  }
  return true;
}

/** IPv4address = dec-octet 3( "." dec-octet ), dec-octet 0..255 without leading zeros, over s[from, to). */
function isIPv4(s: string, from: number, to: number): boolean {
  let octets = 0;
  let i = from;
  while (true) {
    const start = i;
    let n = 0;
    for (; i < to && i - start < 4 && isDigit(s.charCodeAt(i)); i++) n = n * 10 + s.charCodeAt(i) - 48;
    const len = i - start;
    if (len === 0 || len > 3 || n > 255 || (len > 1 && s.charCodeAt(start) === 48)) return false;
    if (++octets === 4) return i === to;
    if (i >= to || s.charCodeAt(i) !== DOT) return false;
    i++;
  }
}

/**
 * IPv6address (RFC 3986 §3.2.2): eight h16 groups, or at most seven around one "::", the last two of them
 * possibly an IPv4address; over s[from, to). No zone ID: RFC 3986 has none.
 */
function isIPv6(s: string, from: number, to: number): boolean {
  let groups = 0;
  let elided = false;
  let i = from;
  if (i < to && s.charCodeAt(i) === COLON) {
    if (i + 1 >= to || s.charCodeAt(i + 1) !== COLON) return false;
    elided = true;
    i += 2;
  }
  while (i < to) {
    const start = i;
    while (i < to && i - start < 5 && isHex(s.charCodeAt(i))) i++;
    if (i === start) return false;
    if (i < to && s.charCodeAt(i) === DOT) { // ls32 as an IPv4address: the last 32 bits
      if (!isIPv4(s, start, to)) return false;
      groups += 2;
      break;
    }
    if (i - start > 4) return false;
    groups++;
    if (i === to) break;
    if (s.charCodeAt(i) !== COLON || ++i === to) return false;
    if (s.charCodeAt(i) === COLON) {
      if (elided) return false;
      elided = true;
      i++;
    }
  }
  return elided ? groups <= 7 : groups === 8;
}

/** IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ), over s[from, to). */
function isIPvFuture(s: string, from: number, to: number): boolean {
  if ((s.charCodeAt(from) | 32) !== 118) return false; // 'v' or 'V'
  let i = from + 1;
  while (i < to && isHex(s.charCodeAt(i))) i++;
  if (i === from + 1 || i >= to - 1 || s.charCodeAt(i) !== DOT) return false;
  for (i++; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c !== COLON && (c >= 128 || REG_CHAR[c] === 0)) return false;
  }
  return true;
}

/**
 * Where the uri-host of a Host value ends (its port's ':', or the value's length), or -1 when the value is
 * no RFC 9110 Host (or longer than MAX_HOST).
 */
function hostEnd(host: string): number {
  const n = host.length;
  if (n > MAX_HOST) return -1;
  let end: number;
  if (n > 0 && host.charCodeAt(0) === LBRACKET) {
    end = host.indexOf(']');
    if (end < 0 || !(isIPv6(host, 1, end) || isIPvFuture(host, 1, end))) return -1;
    end++;
  } else {
    end = host.indexOf(':');
    if (end < 0) end = n;
    if (!isRegName(host, 0, end)) return -1;
  }
  if (end === n) return n;
  if (host.charCodeAt(end) !== COLON) return -1;
  for (let i = end + 1; i < n; i++) if (!isDigit(host.charCodeAt(i))) return -1; // port = *DIGIT
  return end;
}

/** Host name of a Host header (no port, no brackets), or null when absent, empty or no RFC 9110 Host. */
export function hostOf(host: string | undefined): string | null {
  if (host === undefined) return null;
  const e = hostEnd(host);
  if (e <= 0) return null;
  if (host.charCodeAt(0) === LBRACKET) return host.slice(1, e - 1);
  return e === host.length ? host : host.slice(0, e);
}

/** Port of a Host header in 1..65535 (at most 5 digits), or -1 when it has none, a bad one, or is no Host. */
export function hostPortOf(host: string | undefined): number {
  if (host === undefined) return -1;
  const e = hostEnd(host);
  return e > 0 && e < host.length ? portAt(host, e + 1) : -1;
}

/** The port written from `from` to the end of `s` (*DIGIT, RFC 3986 §3.2.3), if in 1..65535 in at most 5 digits; else -1. */
export function portAt(s: string, from: number): number {
  if (from >= s.length || s.length - from > 5) return -1;
  let n = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n > 0 && n < 65536 ? n : -1;
}
