// Properties of the Host-header and Server-Timing helpers (adapters/http-host.ts, http-server-timing.ts): hostOf /
// hostPortOf vs an oracle from RFC 9110 §7.2 (Host = uri-host [":" port]) and RFC 3986 §3.2.2-3 (IP-literal in
// brackets, reg-name, port = *DIGIT), on valid Hosts and on any value; isBoundedId vs its documented class as a regex;
// serverTimingValue vs the W3C form `trace;desc=00-<trace>-<span>-<flags>`. Runs: FUZZ_RUNS (default 300).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { isIPv6 } from 'node:net';
import { serverTimingValue, TRACEPARENT_AT } from '../adapters/http-server-timing.js';
import { hostOf, hostPortOf } from '../adapters/http-host.js';
import { isBoundedId } from '../src/bounded-id.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

// RFC 3986 §3.2.2: reg-name = *( unreserved / pct-encoded / sub-delims ); IP-literal = "[" ( IPv6address / IPvFuture ) "]"
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const IPV_FUTURE = /^[vV][0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+$/; // ABNF literals are case-insensitive (RFC 5234 §2.3)
/** RFC 9110 §7.2 split of a Host value into (uri-host, port), or null when it is not one. */
function split(h: string): { host: string; port: string | null } | null {
  let host: string;
  let rest: string;
  if (h.startsWith('[')) {
    const e = h.indexOf(']');
    if (e < 0) return null;
    const lit = h.slice(1, e);
    // node:net accepts a zone (`%eth0`), which RFC 3986 has no room for
    if (!(isIPv6(lit) && !lit.includes('%')) && !IPV_FUTURE.test(lit)) return null;
    host = lit; rest = h.slice(e + 1);
  } else {
    const c = h.indexOf(':');
    host = c < 0 ? h : h.slice(0, c); rest = c < 0 ? '' : h.slice(c);
    if (!REG_NAME.test(host)) return null; // IPv4address is a reg-name too
  }
  if (rest === '') return { host, port: null };
  return /^:[0-9]*$/.test(rest) ? { host, port: rest.slice(1) } : null;
}
/** What hostOf / hostPortOf should give: the name (none when empty or over 255 chars), a port in 1..65535 of at most 5 digits. */
function want(v: string): { name: string | null; port: number } {
  const w = v.length > 255 ? null : split(v);
  if (w === null || w.host === '') return { name: null, port: -1 };
  const n = w.port === null || w.port === '' || w.port.length > 5 ? -1 : Number(w.port);
  return { name: w.host, port: n >= 1 && n <= 65535 ? n : -1 };
}

const label = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), fc.stringMatching(/^(?:[A-Za-z0-9_~!$&'()*+,;=-]|%[0-9A-Fa-f]{2}){1,6}$/));
const regName = fc.array(label, { minLength: 1, maxLength: 4 }).map((a) => a.join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
const ipv6 = fc.oneof(fc.ipV6(), fc.stringMatching(/^[vV][0-9a-fA-F]{1,3}\.[A-Za-z0-9:~!$&'()*+,;=._-]{1,8}$/)); // and IPvFuture
const port = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 70000 }).map(String), fc.constantFrom('', '0', '080', '65535', '65536', '00443'));

test('hostOf / hostPortOf read every RFC 9110 Host built from reg-names, IPv4 and IP-literals', () => {
  fc.assert(fc.property(fc.oneof(regName, ipv4, ipv6.map((a) => '[' + a + ']')), port, (h, p) => {
    const v = p === null ? h : h + ':' + p;
    assert.ok(split(v) !== null, 'the generator builds valid Hosts: ' + v);
    const w = want(v); // port = *DIGIT; a usable one is 1..65535 (leading zeros up to 5 digits)
    assert.is(hostOf(v), w.name, v);
    assert.is(hostPortOf(v), w.port, v);
  }), { numRuns: RUNS * 3 });
});

const piece = fc.constantFrom('[', ']', ':', '::', '.', 'a', 'Z', '0', '9', '-', '_', '1', 'ff', '%20', '%2', '%zz', ' ', '@', '/', '?', '#', 'é', '\u0000',
  'v1.x', 'V1.x', '~', '!', '1.2.3.4', '01.2.3.4', 'fe80', '%25eth0', '080', '65536', ':8080', '[::1]', '[::ffff:1.2.3.4]');
// Near-IPv6 literals (mostly one flaw or none): groups of 1..4 hex (rarely 5, 'g' or none: a second "::"), maybe one "::" anywhere,
// maybe an IPv4 tail (rarely a bad octet or a count other than 4), maybe a tail after the bracket or a zone
const h16ish = fc.oneof({ arbitrary: fc.stringMatching(/^[0-9a-fA-F]{1,4}$/), weight: 20 }, fc.constantFrom('12345', 'g', ''));
const octet = fc.oneof({ arbitrary: fc.constantFrom('0', '1', '9', '99', '199', '249', '255'), weight: 40 }, fc.constantFrom('01', '00', '256', '1000', ''));
const v4ish = fc.oneof({ arbitrary: fc.array(octet, { minLength: 4, maxLength: 4 }), weight: 8 }, fc.array(octet, { minLength: 3, maxLength: 5 })).map((a) => a.join('.'));
const literal = fc.tuple(fc.array(h16ish, { maxLength: 9 }), fc.option(fc.nat(9), { freq: 2 }), fc.option(v4ish, { freq: 2 }), fc.oneof({ arbitrary: fc.constantFrom('', ':80'), weight: 8 }, fc.constantFrom(':', 'x', '%25eth0')))
  .map(([g, at, v4, tail]) => {
    const parts: string[] = [...g];
    if (v4 !== null) parts.push(v4);
    let body = parts.join(':');
    if (at !== null) { const k = Math.min(at, parts.length); body = parts.slice(0, k).join(':') + '::' + parts.slice(k).join(':'); }
    return tail === '%25eth0' ? '[' + body + tail + ']' : '[' + body + ']' + tail;
  });
const messy = fc.oneof(fc.array(piece, { maxLength: 10 }).map((a) => a.join('')), fc.string({ maxLength: 20 }), literal);

test('hostOf / hostPortOf are strict: any value gives the RFC 9110 split of a Host or no name and no port', () => {
  assert.equal([hostOf(']'), hostOf('[::1'), hostOf('a:b:c'), hostOf('h:x'), hostPortOf('@:080'), hostPortOf('[::1]:80:90')], [null, null, null, null, -1, -1]);
  assert.equal([hostOf('[::1]:080'), hostPortOf('[::1]:080'), hostOf("a!b%20c:"), hostPortOf('a:')], ['::1', 80, 'a!b%20c', -1]);
  for (const v of [']', '[', '[::1', '::1', 'a:b:c', 'h:x', 'h:80:90', '@:080', '[::1]x', '[::1]:x', '[1.2.3.4]', '[::1%25eth0]', '[fe80::1%eth0]', '[]', 'a[b]', 'h%2', '[v1.x]:80', 'h:', 'h:0', 'h:00080', 'h:000080',
    '[1:2:3:4:5:6:7::8]', '[1:2:3:4:5:6:7:8::]', '[1:2:3:4:5:6:7::]', '[::1:2:3:4:5:6:7]', '[1::2::3]', '[::ffff:1.2.3.4]', '[::ffff:01.2.3.4]', '[::ffff:256.1.1.1]',
    '[1:2:3:4:5:6:1.2.3.4]', '[1:2:3:4:5:6:7:1.2.3.4]', '[:1::]', '[1:]', '[Va.a]', '[v.a]', '[v1.]', 'a'.repeat(255), 'a'.repeat(256), 'a'.repeat(250) + ':8080']) {
    const w = want(v);
    assert.is(hostOf(v), w.name, JSON.stringify(v));
    assert.is(hostPortOf(v), w.port, JSON.stringify(v));
  }
  fc.assert(fc.property(messy, (v) => {
    const w = want(v);
    assert.is(hostOf(v), w.name, JSON.stringify(v));
    assert.is(hostPortOf(v), w.port, JSON.stringify(v));
  }), { numRuns: RUNS * 10 });
});

test('hostOf is null for a value holding a character no RFC 9110 Host can hold (space, control, non-ASCII, @ / ? #)', () => {
  fc.assert(fc.property(messy, (v) => {
    if (!/[^\x21-\x7e]|[@/?#]/.test(v)) return;
    assert.is(hostOf(v), null, JSON.stringify(v));
  }), { numRuns: RUNS * 3 });
});

test('isBoundedId is 1..max characters of [A-Za-z0-9._:@-]', () => {
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 20 }), fc.stringMatching(/^[A-Za-z0-9._:@-]{0,20}$/), fc.string({ unit: 'binary', maxLength: 8 })), fc.nat(25), (v, max) => {
    assert.is(isBoundedId(v, max), v.length >= 1 && v.length <= max && /^[A-Za-z0-9._:@-]+$/.test(v), `${JSON.stringify(v)} ${max}`);
  }), { numRuns: RUNS * 3 });
});

test('serverTimingValue is `trace;desc=` + the W3C traceparent of the IDs (version 00, flags & 3)', () => {
  const word = fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 });
  fc.assert(fc.property(fc.array(word, { minLength: 6, maxLength: 6 }), fc.nat(255), (w, flags) => {
    const v = serverTimingValue({ t0: w[0]!, t1: w[1]!, t2: w[2]!, t3: w[3]!, s0: w[4]!, s1: w[5]!, traceFlags: flags });
    const m = /^trace;desc=(00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2}))$/.exec(v);
    assert.ok(m !== null, v);
    const big = (ws: number[]) => ws.reduce((a, x) => (a << 32n) | BigInt(x >>> 0), 0n);
    assert.is(BigInt('0x' + m![2]), big(w.slice(0, 4)));
    assert.is(BigInt('0x' + m![3]), big(w.slice(4)));
    assert.is(parseInt(m![4]!, 16), flags & 3);
    assert.is(v.slice(TRACEPARENT_AT), m![1]);
  }), { numRuns: RUNS * 3 });
});

test.run();
