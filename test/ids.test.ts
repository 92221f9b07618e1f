import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomWord, fillTraceId, fillSpanId } from '../src/ids.js';
import { hex8, readHex8, readHex2, writeHex8, BYTE_HEX } from '../src/hex.js';

test('hex8/readHex8 round-trip words, including negative int32 and zero', () => {
  for (const w of [0, 1, -1, 0x7fffffff, -0x80000000, 0x12345678 | 0, 0xdeadbeef | 0]) {
    const h = hex8(w);
    assert.is(h.length, 8);
    assert.ok(/^[0-9a-f]{8}$/.test(h));
    assert.is(readHex8(h, 0), w | 0);
  }
});

test('readHex8 rejects uppercase and non-hex with NaN', () => {
  assert.ok(Number.isNaN(readHex8('DEADBEEF', 0)));
  assert.ok(Number.isNaN(readHex8('deadbeeg', 0)));
  assert.ok(Number.isNaN(readHex8('deadbee', 0))); // too short: charCodeAt past the end is NaN
  assert.ok(Number.isNaN(readHex8('deadbeé0', 0)));
  assert.is(readHex2('ff', 0), 255);
  assert.is(readHex2('0F', 0), -1);
});

test('writeHex8 writes the same digits as hex8', () => {
  const buf = new Uint8Array(16);
  const end = writeHex8(buf, 4, 0xa1b2c3d4 | 0);
  assert.is(end, 12);
  assert.is(Buffer.from(buf.subarray(4, 12)).toString('latin1'), 'a1b2c3d4');
  assert.is(BYTE_HEX[10], '0a');
});

test('randomWord draws from crypto in bulk and varies', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 5000; i++) seen.add(randomWord());
  assert.ok(seen.size > 4990, 'words repeat far more than chance allows: ' + seen.size);
});

test('fillTraceId/fillSpanId give non-zero IDs', () => {
  const o = { t0: 0, t1: 0, t2: 0, t3: 0, s0: 0, s1: 0 };
  for (let i = 0; i < 1000; i++) {
    fillTraceId(o); fillSpanId(o);
    assert.ok((o.t0 | o.t1 | o.t2 | o.t3) !== 0);
    assert.ok((o.s0 | o.s1) !== 0);
  }
});

test('fillTraceId/fillSpanId across pool refills: every word is an int32 from the pool, none handed out twice', () => {
  // 4- and 2-word draws interleaved unevenly, so refills land mid-ID and the pool's tail gets skipped
  const o = { t0: 0, t1: 0, t2: 0, t3: 0, s0: 0, s1: 0 };
  const words: number[] = [];
  for (let i = 0; i < 30000; i++) {
    if (i % 3 !== 1) { fillTraceId(o); words.push(o.t0, o.t1, o.t2, o.t3); }
    fillSpanId(o); words.push(o.s0, o.s1);
    if (i % 7 === 0) words.push(randomWord());
  }
  assert.ok(words.length > 4 * 16384, 'several refills: ' + words.length);
  for (const w of words) if (typeof w !== 'number' || w !== (w | 0)) assert.unreachable('not an int32 word: ' + w);
  // ~145k random words in 2^32: ~2.5 equal pairs by chance; a reused slot or a stalled index gives thousands
  assert.ok(new Set(words).size > words.length - 30, 'words repeat: ' + (words.length - new Set(words).size));
});

test('the generator never uses Math.random', () => {
  const orig = Math.random;
  let calls = 0;
  Math.random = () => { calls++; return orig(); };
  try {
    const o = { t0: 0, t1: 0, t2: 0, t3: 0, s0: 0, s1: 0 };
    for (let i = 0; i < 3000; i++) { fillTraceId(o); fillSpanId(o); }
  } finally { Math.random = orig; }
  assert.is(calls, 0);
});

test.run();
