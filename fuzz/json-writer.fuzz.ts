// Properties of the JSON writer's word-wise writes (src/json-writer.ts): Frag copies write 8-byte words
// that run up to 7 bytes past a fragment, hex IDs and 19-digit timestamps go in as 16/32-bit stores.
// Whatever the mix, sizes and buffer growth, the bytes must be exactly the sequential result.
// Runs: FUZZ_RUNS (default 200).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Frag, JsonWriter } from '../src/json-writer.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

/** Exposes the protected writes. */
class W extends JsonWriter {
  constructor(initial: number) { super(1 << 20, initial); }
  begin(): void { this.reset(); }
  frag(f: Frag): void { this.rawFR(f); }
  bytes(b: Uint8Array): void { this.rawR(b); }
  one(c: number): void { this.byte(c); }
  ids(a: number, b: number, c: number, d: number): void { this.reserve(32); const p = this.pos; this.pos += 32; this.hexAt(p, a, b, c, d); }
  nanos(sec: number, ns: number): void { this.reserve(19); const p = this.pos; this.pos += 19; this.nanosAt(p, sec, ns); }
  out(): Buffer { return Buffer.from(this.result()); }
}

const hex8 = (x: number): string => (x >>> 0).toString(16).padStart(8, '0');
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

type Op = { k: 'frag'; b: Uint8Array } | { k: 'bytes'; b: Uint8Array } | { k: 'byte'; c: number } | { k: 'ids'; w: number[] } | { k: 'nanos'; sec: number; ns: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.uint8Array({ maxLength: 70 }).map((b) => ({ k: 'frag' as const, b })),
  fc.uint8Array({ maxLength: 12 }).map((b) => ({ k: 'bytes' as const, b })),
  fc.integer({ min: 0, max: 255 }).map((c) => ({ k: 'byte' as const, c })),
  fc.tuple(int32, int32, int32, int32).map((w) => ({ k: 'ids' as const, w })),
  fc.tuple(fc.integer({ min: 1e9, max: 1e10 - 2 }), fc.integer({ min: 0, max: 2e9 - 1 })).map(([sec, ns]) => ({ k: 'nanos' as const, sec, ns })),
);

function expectedBytes(o: Op): Buffer {
  switch (o.k) {
    case 'frag': case 'bytes': return Buffer.from(o.b);
    case 'byte': return Buffer.from([o.c]);
    case 'ids': return Buffer.from(o.w.map(hex8).join(''), 'latin1');
    case 'nanos': return Buffer.from((BigInt(o.sec) * 1_000_000_000n + BigInt(o.ns)).toString().padStart(19, '0'), 'latin1');
  }
}

test('word-wise writes give exactly the sequential bytes, through growth and reuse', () => {
  fc.assert(fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 256, max: 2048 }), (ops, initial) => {
    const w = new W(initial);
    for (let round = 0; round < 2; round++) { // the second round writes over the first's bytes
      w.begin();
      for (const o of ops) {
        if (o.k === 'frag') w.frag(new Frag(o.b));
        else if (o.k === 'bytes') w.bytes(o.b);
        else if (o.k === 'byte') w.one(o.c);
        else if (o.k === 'ids') w.ids(o.w[0]!, o.w[1]!, o.w[2]!, o.w[3]!);
        else w.nanos(o.sec, o.ns);
      }
      assert.ok(w.out().equals(Buffer.concat(ops.map(expectedBytes))));
    }
  }), { numRuns: RUNS });
});

test('a Frag is word-copied unless a word reads as a NaN, and either way copies its bytes', () => {
  // 0x7ff8... little-endian: the quiet-NaN pattern; 0xfff0...01: a signalling one. Neither is ever in ASCII or UTF-8.
  const nan = Uint8Array.of(0x22, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0x2c);
  const snan = Uint8Array.of(1, 0, 0, 0, 0, 0, 0xf0, 0xff);
  const text = new TextEncoder().encode('{"key":"é😀","value":');
  assert.is(new Frag(nan).w, null);
  assert.is(new Frag(snan).w, null);
  assert.ok(new Frag(text).w !== null);
  const w = new W(256);
  w.begin();
  w.frag(new Frag(nan)); w.frag(new Frag(text)); w.frag(new Frag(snan));
  assert.ok(w.out().equals(Buffer.concat([nan, text, snan])));
  // a Frag of a range copies only that range
  const f = new Frag(text, 2, 5);
  assert.is(f.n, 3);
  assert.equal([...f.bytes], [...text.subarray(2, 5)]);
});

test.run();
