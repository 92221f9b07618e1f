// installShutdownHook with several tracers in one process: one shared listener per signal, every tracer
// flushed in parallel, and the signal re-raised once (never each hook counting the other as the app's).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { installShutdownHook } from '../src/shutdown-hook.js';
import { startReceiver } from './helpers/otlp-receiver.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A child with `n` tracers, each with its own hook; SIGTERM once ready; SIGKILL if it is still alive after `killAfterMs`. */
function child(url: string, n: number, killAfterMs = 8000): Promise<{ code: number | null; signal: string | null; out: string }> {
  const src = `
    import { createTracer } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};
    import { otlpExporter } from ${JSON.stringify(new URL('../src/otlp-http.ts', import.meta.url).href)};
    import { installShutdownHook } from ${JSON.stringify(new URL('../src/shutdown-hook.ts', import.meta.url).href)};
    for (let k = 0; k < ${n}; k++) {
      const tracer = createTracer({ service: 'hook' + k, exporter: otlpExporter({ url: ${JSON.stringify(url)}, env: {} }), env: {} });
      installShutdownHook(tracer, { deadlineMs: 3000, logger: (m) => console.log('tracer ' + k + ' ' + m) });
      for (let i = 0; i < 10; i++) tracer.startSpan('work ' + k + '.' + i, { root: true }).end();
    }
    setInterval(() => {}, 1000);
    console.log('ready');`;
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', fileURLToPath(new URL('../scripts/register.mjs', import.meta.url)), '--input-type=module', '-e', src], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let sent = false;
    const kill = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.stdout.on('data', (d) => { out += d; if (out.includes('ready') && !sent) { sent = true; p.kill('SIGTERM'); } });
    p.on('exit', (code, signal) => { clearTimeout(kill); resolve({ code, signal, out }); });
  });
}

test('AC-007 two tracers, each with installShutdownHook: SIGTERM flushes both, then the process dies of SIGTERM (not kept alive)', async () => {
  const r = await startReceiver();
  const res = await child(r.url, 2);
  assert.is(res.signal, 'SIGTERM', JSON.stringify(res)); // SIGKILL here = SIGTERM did not end the process
  assert.match(res.out, 'tracer 0 SIGTERM: spans flushed');
  assert.match(res.out, 'tracer 1 SIGTERM: spans flushed');
  assert.is(r.spans().length, 20);
  await r.close();
});

test('hooks share one listener per signal; all tracers shut down in parallel, each once; uninstallers remove only their own', async () => {
  const before = process.listenerCount('SIGUSR2');
  const calls: string[] = [];
  let releaseA!: () => void;
  const a = { shutdown: (o?: { deadlineMs?: number }) => { calls.push('a ' + o?.deadlineMs); return new Promise<void>((r) => { releaseA = r; }); } };
  const b = { shutdown: async (o?: { deadlineMs?: number }) => { calls.push('b ' + o?.deadlineMs); } };
  const offA = installShutdownHook(a, { signals: ['SIGUSR2'], deadlineMs: 100 });
  const offB = installShutdownHook(b, { signals: ['SIGUSR2'], deadlineMs: Infinity });
  assert.is(process.listenerCount('SIGUSR2'), before + 1, 'one shared listener');
  const mine = () => {}; // an app listener too, so the hooks do not re-raise in this process
  process.on('SIGUSR2', mine);
  try {
    process.emit('SIGUSR2', 'SIGUSR2');
    await new Promise((r) => setImmediate(r));
    assert.equal(calls, ['a 100', `b ${2 ** 31 - 1}`], 'b is not waiting for a; Infinity is the timer maximum');
    process.emit('SIGUSR2', 'SIGUSR2'); // while flushing, with the app's listener: nothing more
    releaseA();
    await new Promise((r) => setTimeout(r, 10));
    assert.is(calls.length, 2);
    offA();
    assert.is(process.listenerCount('SIGUSR2'), before + 2, 'b still hooked (plus the app listener)');
    offB();
    offB(); // idempotent
  } finally { process.off('SIGUSR2', mine); }
  assert.is(process.listenerCount('SIGUSR2'), before);
});

test('hooks on different signals: a signal shuts down only the tracers hooked to it', async () => {
  const calls: string[] = [];
  const offA = installShutdownHook({ shutdown: async () => { calls.push('a'); } }, { signals: ['SIGUSR2'] });
  const offB = installShutdownHook({ shutdown: async () => { calls.push('b'); } }, { signals: ['SIGWINCH'] });
  const mine = () => {};
  process.on('SIGWINCH', mine);
  try {
    process.emit('SIGWINCH', 'SIGWINCH');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(calls, ['b']);
  } finally { offA(); offB(); process.off('SIGWINCH', mine); }
});

test('AC-007 a tracer whose shutdown never settles (a custom processor that hangs): the hook gives up at its deadline and SIGTERM still ends the process', async () => {
  const src = `
    import { installShutdownHook } from ${JSON.stringify(new URL('../src/shutdown-hook.ts', import.meta.url).href)};
    installShutdownHook({ shutdown: () => new Promise(() => {}) }, { deadlineMs: 100, logger: (m) => console.log(m) });
    installShutdownHook({ shutdown: async () => {} }, { deadlineMs: 100, logger: (m) => console.log(m) });
    setInterval(() => {}, 1000); // a server: the process does not end by itself
    console.log('ready');`;
  const res = await new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) => {
    const p = spawn(process.execPath, ['--import', fileURLToPath(new URL('../scripts/register.mjs', import.meta.url)), '--input-type=module', '-e', src], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let sent = false;
    const kill = setTimeout(() => p.kill('SIGKILL'), 8000);
    p.stdout.on('data', (d) => { out += d; if (out.includes('ready') && !sent) { sent = true; p.kill('SIGTERM'); } });
    p.on('exit', (code, signal) => { clearTimeout(kill); resolve({ code, signal, out }); });
  });
  assert.is(res.signal, 'SIGTERM', JSON.stringify(res)); // SIGKILL here = the hook waited forever and swallowed SIGTERM
  assert.match(res.out, /SIGTERM: shutdown did not finish within 100 ms/);
  assert.match(res.out, /SIGTERM: spans flushed/);
});

test.run();
