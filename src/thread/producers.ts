// Who writes into a ring: one Int32 slot per attached processor in the SharedArrayBuffer, holding its
// thread's threadId + 1. stats().thread.producers counts the held slots. A slot is given back by
// shutdown(), when its processor is garbage-collected, when its thread exits by itself (process 'exit' runs
// in a worker that returns, calls process.exit() or throws), and when a Worker ends, terminate() included
// ('exit' of the Worker object, heard in every thread that has loaded this module, processor or not: Worker
// creations are seen on the 'worker_threads' diagnostics channel; the thread frees the slots of the rings it
// knows and tells the other threads on a BroadcastChannel). Not seen: a Worker created before its thread
// loaded this module, ended by terminate(); and processors beyond the slot table (counted in PRODUCERS,
// given back only by their own thread).
import { BroadcastChannel, isMainThread, threadId, type Worker } from 'node:worker_threads';
import dc from 'node:diagnostics_channel';
import * as L from './layout.js';

export class Attachment {
  readonly i32: Int32Array;
  /** Word index of the slot, or -1 when the table was full (counted in PRODUCERS). */
  readonly slot: number;
  released = false;
  constructor(i32: Int32Array, slot: number) {
    this.i32 = i32;
    this.slot = slot;
  }
}

const SELF = threadId + 1;
const FIRST = L.SLOTS_OFFSET >> 2;
/** Attachments of this thread still held (given back all at once on process 'exit'). */
const held = new Set<Attachment>();
/** Rings this thread attached to (weakly): where a Worker's slots are looked for when it ends. */
const rings = new Set<WeakRef<Int32Array>>();
const gone = new FinalizationRegistry<Attachment>(release);
let watching = false;
/** Where ended Worker thread ids are announced (a Worker's 'exit' is heard only in the thread that made it). */
const ENDED = 'tracewire.thread.ended';
let announce: BroadcastChannel | null = null;
// At load, not at the first attach: a Worker made before this thread's processor must be seen too.
dc.subscribe('worker_threads', onWorker);

/** Takes a slot for a processor of this thread (`owner` is what, once collected, gives it back). */
export function attach(i32: Int32Array, owner: object): Attachment {
  watch();
  let slot = -1;
  for (let i = FIRST; i < FIRST + L.PRODUCER_SLOTS; i++) {
    if (Atomics.load(i32, i) === 0 && Atomics.compareExchange(i32, i, 0, SELF) === 0) { slot = i; break; }
  }
  if (slot < 0) Atomics.add(i32, L.PRODUCERS, 1);
  const a = new Attachment(i32, slot);
  held.add(a);
  gone.register(owner, a, a);
  let known = false;
  for (const r of rings) { const v = r.deref(); if (v === undefined) rings.delete(r); else if (v.buffer === i32.buffer) known = true; }
  if (!known) rings.add(new WeakRef(i32));
  return a;
}

/** Gives the slot back (idempotent). */
export function release(a: Attachment): void {
  if (a.released) return;
  a.released = true;
  held.delete(a);
  gone.unregister(a);
  if (a.slot < 0) Atomics.sub(a.i32, L.PRODUCERS, 1);
  else Atomics.compareExchange(a.i32, a.slot, SELF, 0);
}

/** Processors attached to this ring (the owner included), as stats report them. */
export function countProducers(i32: Int32Array): number {
  let n = Atomics.load(i32, L.PRODUCERS);
  for (let i = FIRST; i < FIRST + L.PRODUCER_SLOTS; i++) if (Atomics.load(i32, i) !== 0) n++;
  return n;
}

/** Frees every slot a thread held, in every ring this thread knows (its Worker has ended). */
export function releaseThread(tid: number): void {
  const id = tid + 1;
  for (const r of rings) {
    const i32 = r.deref();
    if (i32 === undefined) { rings.delete(r); continue; }
    for (let i = FIRST; i < FIRST + L.PRODUCER_SLOTS; i++) if (Atomics.load(i32, i) === id) Atomics.compareExchange(i32, i, id, 0);
  }
}

function watch(): void {
  if (watching) return;
  watching = true;
  if (!isMainThread) process.once('exit', releaseAll);
  const ch = new BroadcastChannel(ENDED);
  ch.onmessage = (e) => { const tid = (e as { data?: unknown }).data; if (typeof tid === 'number') releaseThread(tid); };
  ch.unref(); // never keeps a thread alive
}

function releaseAll(): void {
  for (const a of [...held]) release(a);
}

function onWorker(message: unknown): void {
  const w = (message as { worker?: Worker } | null)?.worker;
  if (w === undefined || typeof w.once !== 'function') return;
  const tid = w.threadId; // -1 once the thread has stopped: read it now
  w.once('exit', () => ended(tid));
}

/** A Worker made in this thread ended: free its slots here, and in the rings other threads know. */
function ended(tid: number): void {
  releaseThread(tid);
  try {
    if (announce === null) { announce = new BroadcastChannel(ENDED); announce.unref(); }
    announce.postMessage(tid);
  } catch { /* this thread is closing: the others' counts stay as they were */ }
}
