import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ring, nextPow2, MAX_RING_SIZE } from '../src/ring.js';

test('capacity rounds up to a power of two; the limit is kept exactly', () => {
  assert.is(nextPow2(1), 1);
  assert.is(nextPow2(2048), 2048);
  assert.is(nextPow2(3000), 4096);
  assert.is(nextPow2(0), 1);
  assert.is(nextPow2(1e12), MAX_RING_SIZE);
  const r = new Ring<number>(3000);
  assert.is(r.size, 4096);
  assert.is(r.limit, 3000);
  for (let i = 0; i < 3000; i++) assert.ok(r.push(i));
  assert.not.ok(r.push(3000), 'refuses past the limit');
  assert.is(r.length, 3000);
});

test('FIFO order across many wrap-arounds, full and empty told apart without a wasted slot', () => {
  const r = new Ring<number>(8);
  let next = 0, expect = 0;
  for (let round = 0; round < 1000; round++) {
    const add = (round * 7) % 9;
    for (let i = 0; i < add; i++) if (r.push(next)) next++;
    assert.ok(r.length <= 8);
    const take = (round * 5) % 9;
    for (let i = 0; i < take && r.length > 0; i++) assert.is(r.shift(), expect++);
  }
  for (let i = 0; i < 8 && r.length < 8; i++) r.push(next++);
  assert.is(r.length, 8, 'all 8 slots usable');
  assert.not.ok(r.push(-1));
  while (r.length) assert.is(r.shift(), expect++);
  assert.is(r.shift(), undefined);
});

test('shift and take clear the slot (the ring never keeps a span alive)', () => {
  const r = new Ring<object>(4);
  const a = {}, b = {}, c = {};
  r.push(a); r.push(b); r.push(c);
  assert.is(r.shift(), a);
  const slots = (r as unknown as { slots: unknown[] }).slots;
  assert.is(slots.filter((x) => x === a).length, 0);
  assert.equal(r.take(10), [b, c]);
  assert.ok(slots.every((x) => x === undefined));
  r.push(a); r.push(b);
  assert.is(r.clear(), 2);
  assert.ok(slots.every((x) => x === undefined));
  assert.is(r.length, 0);
});

test('take returns at most max items in order', () => {
  const r = new Ring<number>(16);
  for (let i = 0; i < 10; i++) r.push(i);
  assert.equal(r.take(4), [0, 1, 2, 3]);
  assert.equal(r.take(100), [4, 5, 6, 7, 8, 9]);
  assert.equal(r.take(3), []);
});

test('takeInto fills a reused array in FIFO order across the wrap, clears the slots it read, and a short ring leaves the rest undefined', () => {
  const r = new Ring<number>(8);
  const slots = (r as unknown as { slots: unknown[] }).slots;
  let next = 0, expect = 0;
  const out = new Array<number>(3);
  for (let round = 0; round < 200; round++) {
    while (r.length < 5 + (round % 4)) r.push(next++);
    assert.is(r.takeInto(out), out);
    assert.equal(out, [expect, expect + 1, expect + 2]);
    expect += 3;
    assert.is(r.length, (next - expect));
    assert.is(slots.filter((x) => x !== undefined).length, r.length, 'only queued items are held');
  }
  while (r.length > 1) r.shift();
  const last = r.shift()! + 1;
  r.push(last);
  assert.equal(r.takeInto(out), [last, undefined, undefined]);
  assert.is(r.length, 0);
  assert.is(r.push(7), true);
  assert.is(r.shift(), 7, 'head and tail still agree after a short takeInto');
});

test('invalid limits fall back to one slot', () => {
  assert.is(new Ring(0).limit, 1);
  assert.is(new Ring(-5).limit, 1);
  assert.is(new Ring(1.5).limit, 1);
});

test.run();
