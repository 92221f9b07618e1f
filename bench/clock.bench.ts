// The clock floor of a span: every span reads a monotonic clock twice. On this VM every clock API costs
// about the same, which bounds how much faster than OTel (three reads per span) a span can get.
import { performance } from 'node:perf_hooks';
import { runTasks, sink, check } from './util.js';
import { now } from '../src/clock.js';

check(Math.abs(now() - Date.now()) < 1000, 'clock anchored to wall time');
const B = 1000;
await runTasks('clock', [
  { name: 'tracewire now() (timeOrigin + performance.now())', group: 'clock', impl: 'tracewire', batch: B, fn() { let s = 0; for (let i = 0; i < B; i++) s += now(); sink.n = s; } },
  { name: 'performance.now()', group: 'clock', impl: 'ref', batch: B, fn() { let s = 0; for (let i = 0; i < B; i++) s += performance.now(); sink.n = s; } },
  { name: 'Date.now() (ms only)', group: 'clock', impl: 'ref', batch: B, fn() { let s = 0; for (let i = 0; i < B; i++) s += Date.now(); sink.n = s; } },
  { name: 'process.hrtime.bigint()', group: 'clock', impl: 'ref', batch: B, fn() { let s = 0n; for (let i = 0; i < B; i++) s += process.hrtime.bigint(); sink.v = s; } },
]);
