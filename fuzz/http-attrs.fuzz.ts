// Properties of the request-target parser behind `url.path` (AC-007: no query or fragment ever leaves it):
// pathOf ⇔ an independent oracle written from RFC 9112 §3.2 / RFC 3986 §3 as a regex, on targets built from
// the grammar's pieces and on arbitrary strings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { pathOf } from '../adapters/http-url.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

// origin-form: absolute-path [ "?" query ]; absolute-form: scheme "://" authority path-abempty [ "?" query ]
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/;
function oracle(t: string | undefined): string {
  if (t === undefined || t === '') return '/';
  if (t === '*') return '*';
  if (t[0] === '/') return noSession(/^[^?#]*/.exec(t)![0]);
  const m = ABSOLUTE.exec(t);
  return m !== null && m[1] !== '' ? noSession(m[1]!) : '/';
}

// RFC 3986 §3.3 path parameters, segment by segment: `;name=value` with a session / credential name is dropped
const SESSION = new Set(['jsessionid', 'phpsessid', 'sessionid', 'session_id', 'sid', 'token', 'access_token', 'auth', 'api_key', 'apikey']);
function noSession(path: string): string {
  return path.split('/').map((seg) => seg.split(';').filter((p, i) => i === 0 || !(p.includes('=') && SESSION.has(p.slice(0, p.indexOf('=')).toLowerCase()))).join(';')).join('/');
}

// pieces that stress the boundaries: separators, '://' in odd places, non-ASCII
const piece = fc.constantFrom('/', '?', '#', '://', ':', '@', 'a', 'Z', '0', '+', '.', '-', '%2F', 'é', ' ', 'http', 'h.example');
const messy = fc.array(piece, { maxLength: 12 }).map((xs) => xs.join(''));
const pathChars = fc.array(fc.constantFrom('/', 'a', 'b', '.', '-', '%20', ';', '=', ':', '@', 'é'), { maxLength: 8 }).map((xs) => '/' + xs.join(''));
const secret = fc.array(fc.constantFrom('s', 'e', 'c', '=', '&', '/', '?', '://', '#', 'x'), { minLength: 1, maxLength: 10 }).map((xs) => xs.join(''));

test('pathOf agrees with the RFC 9112 / RFC 3986 oracle on arbitrary and near-grammar targets', () => {
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), messy), (t) => {
    assert.is(pathOf(t), oracle(t), JSON.stringify(t));
  }), { numRuns: RUNS * 3 });
});

test('AC-007 no part of a query or fragment reaches url.path, in origin-form or absolute-form', () => {
  const authority = fc.constantFrom('', 'h', 'user:pw@h:8080', '[::1]:80', 'h.example');
  fc.assert(fc.property(fc.boolean(), authority, fc.option(pathChars, { nil: '' }), fc.constantFrom('?', '#'), secret, (absolute, auth, path, sep, tail) => {
    const t = (absolute ? 'http://' + auth : '') + (absolute ? path : path || '/') + sep + 'TOKEN' + tail;
    const got = pathOf(t);
    assert.ok(!got.includes('TOKEN') && !got.includes('?') && !got.includes('#'), `${t} -> ${got}`);
    assert.is(got, (absolute ? path : path || '/') || '/');
  }), { numRuns: RUNS * 3 });
});

test('AC-007 session / credential path parameters (;jsessionid=…) never reach url.path; other parameters stay', () => {
  const name = fc.constantFrom('jsessionid', 'JSESSIONID', 'phpsessid', 'sid', 'token', 'Access_Token', 'api_key');
  const other = fc.constantFrom('', ';color=red', ';v=2', ';sidecar=1', ';x');
  fc.assert(fc.property(fc.boolean(), fc.array(fc.constantFrom('a', 'cart', 'b.c'), { minLength: 1, maxLength: 3 }), name, fc.stringMatching(/^[A-Za-z0-9._-]{0,12}$/), other, fc.constantFrom('', '/next', '?q=1'), (absolute, segs, n, v, keep, tail) => {
    const path = '/' + segs.join('/') + ';' + n + '=SECRET' + v + keep + tail;
    const got = pathOf((absolute ? 'http://h' : '') + path);
    assert.not.ok(got.includes('SECRET'), `${path} -> ${got}`);
    assert.is(got, '/' + segs.join('/') + keep + (tail === '/next' ? '/next' : ''));
  }), { numRuns: RUNS });
});

test.run();
