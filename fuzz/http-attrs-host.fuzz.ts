// Properties of the Host-header and Server-Timing helpers (adapters/http-attrs.ts), which had none beyond a few
// examples: hostOf / hostPortOf vs an oracle from RFC 9110 §7.2 (Host = uri-host [":" port]) and RFC 3986 §3.2.2-3
// (IP-literal in brackets, reg-name, port = *DIGIT); isBoundedId vs its documented class as a regex;
// serverTimingValue vs the W3C form `trace;desc=00-<trace>-<span>-<flags>`. Runs: FUZZ_RUNS (default 300).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { isIPv6 } from 'node:net';
import { hostOf, hostPortOf, isBoundedId, serverTimingValue, TRACEPARENT_AT } from '../adapters/http-attrs.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

// RFC 3986 §3.2.2: reg-name = *( unreserved / pct-encoded / sub-delims ); IP-literal = "[" ( IPv6address / IPvFuture ) "]"
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const IPV_FUTURE = /^v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+$/;
/** RFC 9110 §7.2 split of a Host value into (uri-host, port), or null when it is not one. */
function split(h: string): { host: string; port: string | null } | null {
  let host: string;
  let rest: string;
  if (h.startsWith('[')) {
    const e = h.indexOf(']');
    if (e < 0) return null;
    const lit = h.slice(1, e);
    if (!isIPv6(lit) && !IPV_FUTURE.test(lit)) return null;
    host = lit; rest = h.slice(e + 1);
  } else {
    const c = h.indexOf(':');
    host = c < 0 ? h : h.slice(0, c); rest = c < 0 ? '' : h.slice(c);
    if (!REG_NAME.test(host)) return null; // IPv4address is a reg-name too
  }
  if (rest === '') return { host, port: null };
  return /^:[0-9]*$/.test(rest) ? { host, port: rest.slice(1) } : null;
}

const label = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const regName = fc.array(label, { minLength: 1, maxLength: 4 }).map((a) => a.join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
const ipv6 = fc.ipV6();
const port = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 70000 }).map(String), fc.constantFrom('', '0', '080', '65535', '65536', '00443'));

test('hostOf / hostPortOf read every RFC 9110 Host built from reg-names, IPv4 and IPv6 literals', () => {
  fc.assert(fc.property(fc.oneof(regName, ipv4, ipv6.map((a) => '[' + a + ']')), port, (h, p) => {
    const v = p === null ? h : h + ':' + p;
    const want = split(v)!;
    assert.ok(want !== null, 'the generator builds valid Hosts: ' + v);
    assert.is(hostOf(v), want.host, v);
    const n = want.port === null || want.port === '' ? -1 : Number(want.port);
    // port = *DIGIT; a usable one is 1..65535 (leading zeros up to 5 digits)
    assert.is(hostPortOf(v), n >= 1 && n <= 65535 && want.port!.length <= 5 ? n : -1, v);
  }), { numRuns: RUNS * 3 });
});

const piece = fc.constantFrom('[', ']', ':', '::', '.', 'a', 'Z', '0', '9', '-', '_', '1', 'ff', '%20', ' ', '@', '/', '?', '#', 'é', '\u0000', 'v1.x', '~', '!');
const messy = fc.oneof(fc.array(piece, { maxLength: 10 }).map((a) => a.join('')), fc.string({ maxLength: 20 }));

// Not asserted (reported): hostOf is a lenient filter, not a Host validator: ']', '[::1', 'a:b:c', 'h:x' give a
// name; hostPortOf reads the port of '@:80'. What holds: a character no Host can hold means no name.
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
