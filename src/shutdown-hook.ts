// Opt-in SIGTERM/SIGINT hook for Kubernetes pod termination: on the signal, flush spans within a
// deadline (keep it below terminationGracePeriodSeconds, 30 s by default, minus your own drain time),
// then let the signal do what it would have done.
//
//   const tracer = createTracer({ exporter: otlpExporter() });
//   installShutdownHook(tracer, { deadlineMs: 5000 });
//
// Behaviour:
// - Every hook in the process (one per tracer, any number) shares one listener per signal. On the signal
//   it shuts down every hooked tracer in parallel, each within its own deadline.
// - If that shared listener is the only one for the signal, once all are done it removes itself and
//   re-raises the signal, so the process dies of it as before (exit status 143 for SIGTERM, 130 for
//   SIGINT: what Kubernetes and shells expect).
// - If the application has its own listener, the application owns the exit: tracewire only flushes
//   (the app's handler runs too, as Node calls every listener) and never exits or re-raises.
// - A second signal while flushing re-raises at once (an impatient Ctrl-C is obeyed).
// - A shutdown that has not settled 1 s past its deadline (a custom processor that hangs) is given up on, logged.
// - A ref'd timer keeps the process alive until the flush is done or the deadline passes, so a quiet event
//   loop cannot end the process with status 0 in the middle of it.
import { timerMs } from './otlp-env.js';

export interface ShutdownTarget {
  shutdown(options?: { deadlineMs?: number }): Promise<void>;
}

export interface ShutdownHookOptions {
  /** Longest time spent flushing (default 5000 ms; at most 2^31-1 ms, setTimeout's limit). */
  deadlineMs?: number;
  /** Signals to hook (default SIGTERM and SIGINT). */
  signals?: NodeJS.Signals[];
  /** Where a note about the flush goes (default: nothing). */
  logger?: (msg: string) => void;
}

interface Hook { tracer: ShutdownTarget; deadlineMs: number; signals: NodeJS.Signals[]; log: ((msg: string) => void) | undefined }

/** One per process, shared by every copy of this module (ESM and CJS builds loaded together): a hook must never count another as the app's listener. */
interface Registry { add(hook: Hook): () => void }
const REGISTRY = Symbol.for('tracewire.shutdownHook.v1');
/** Past its deadline a target's shutdown is given this long before the hook goes on without it. */
const GRACE_MS = 1000;

function createRegistry(): Registry {
  const hooks: Hook[] = [];
  const listeners = new Map<NodeJS.Signals, () => void>();
  let running = false;

  const sync = (): void => { // one listener per signal some hook wants, none for the others
    for (const [sig, l] of listeners) if (!hooks.some((h) => h.signals.includes(sig))) { process.removeListener(sig, l); listeners.delete(sig); }
    for (const h of hooks) for (const sig of h.signals) {
      if (listeners.has(sig)) continue;
      const l = (): void => onSignal(sig);
      listeners.set(sig, l);
      process.on(sig, l);
    }
  };

  const reraise = (sig: NodeJS.Signals): void => {
    for (const [s, l] of listeners) process.removeListener(s, l);
    listeners.clear();
    hooks.length = 0;
    process.kill(process.pid, sig);
  };

  const onSignal = (sig: NodeJS.Signals): void => {
    const others = process.listenerCount(sig) - 1; // the application's own listeners
    if (running) {
      if (others === 0) reraise(sig);
      return;
    }
    running = true;
    const mine = hooks.filter((h) => h.signals.includes(sig));
    const keepAlive = setTimeout(() => {}, timerMs(Math.max(0, ...mine.map((h) => h.deadlineMs)) + GRACE_MS)); // ref'd on purpose (see above)
    Promise.all(mine.map((h) => flush(h, sig))).then(() => {
      clearTimeout(keepAlive);
      running = false;
      if (others === 0) reraise(sig);
    });
  };

  return {
    add(hook) {
      hooks.push(hook);
      sync();
      return () => {
        const i = hooks.indexOf(hook);
        if (i >= 0) { hooks.splice(i, 1); sync(); }
      };
    },
  };
}

/** One tracer's shutdown; never rejects, never throws, never waits past deadlineMs + GRACE_MS (a hung one must not swallow the signal). */
function flush(h: Hook, sig: NodeJS.Signals): Promise<void> {
  const started = Date.now();
  let p: Promise<void>;
  try { p = Promise.resolve(h.tracer.shutdown({ deadlineMs: h.deadlineMs })); } catch { p = Promise.resolve(); }
  let t: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((r) => { t = setTimeout(r, timerMs(h.deadlineMs + GRACE_MS), true); });
  return Promise.race([p.then(() => false, () => false), late]).then((timedOut) => {
    clearTimeout(t);
    try { h.log?.(timedOut ? `${sig}: shutdown did not finish within ${h.deadlineMs} ms; going on without it` : `${sig}: spans flushed in ${Date.now() - started} ms`); } catch { /* ignore */ }
  });
}

/** Installs the hook; returns a function that removes it. */
export function installShutdownHook(tracer: ShutdownTarget, options: ShutdownHookOptions = {}): () => void {
  const deadlineMs = typeof options.deadlineMs === 'number' && options.deadlineMs >= 0 ? timerMs(options.deadlineMs) : 5000;
  const signals = options.signals && options.signals.length > 0 ? [...new Set(options.signals)] : (['SIGTERM', 'SIGINT'] as NodeJS.Signals[]);
  const g = globalThis as { [REGISTRY]?: Registry };
  const registry = (g[REGISTRY] ??= createRegistry());
  return registry.add({ tracer, deadlineMs, signals, log: options.logger });
}
