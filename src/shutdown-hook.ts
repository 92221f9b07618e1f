// Opt-in SIGTERM/SIGINT hook for Kubernetes pod termination: on the signal, flush spans within a
// deadline (keep it below terminationGracePeriodSeconds, 30 s by default, minus your own drain time),
// then let the signal do what it would have done.
//
//   const tracer = createTracer({ exporter: otlpExporter() });
//   installShutdownHook(tracer, { deadlineMs: 5000 });
//
// Behaviour:
// - If tracewire's listener is the only one for that signal, it runs tracer.shutdown({ deadlineMs }),
//   removes itself and re-raises the signal, so the process dies of it as before (exit status 143 for
//   SIGTERM, 130 for SIGINT: what Kubernetes and shells expect).
// - If the application has its own listener, the application owns the exit: tracewire only flushes
//   (the app's handler runs too, as Node calls every listener) and never exits or re-raises.
// - A second signal while flushing re-raises at once (an impatient Ctrl-C is obeyed).
// - A ref'd timer keeps the process alive until the flush is done or the deadline passes, so a quiet event
//   loop cannot end the process with status 0 in the middle of it.

export interface ShutdownTarget {
  shutdown(options?: { deadlineMs?: number }): Promise<void>;
}

export interface ShutdownHookOptions {
  /** Longest time spent flushing (default 5000 ms). */
  deadlineMs?: number;
  /** Signals to hook (default SIGTERM and SIGINT). */
  signals?: NodeJS.Signals[];
  /** Where a note about the flush goes (default: nothing). */
  logger?: (msg: string) => void;
}

/** Installs the hook; returns a function that removes it. */
export function installShutdownHook(tracer: ShutdownTarget, options: ShutdownHookOptions = {}): () => void {
  const deadlineMs = typeof options.deadlineMs === 'number' && options.deadlineMs >= 0 ? options.deadlineMs : 5000;
  const signals = options.signals && options.signals.length > 0 ? [...new Set(options.signals)] : (['SIGTERM', 'SIGINT'] as NodeJS.Signals[]);
  const log = options.logger;
  let running = false;
  const handlers = new Map<NodeJS.Signals, () => void>();

  const uninstall = (): void => {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
    handlers.clear();
  };

  const onSignal = (sig: NodeJS.Signals): void => {
    const others = process.listenerCount(sig) - 1; // the application's own listeners
    if (running) {
      if (others === 0) { uninstall(); process.kill(process.pid, sig); }
      return;
    }
    running = true;
    const keepAlive = setTimeout(() => {}, deadlineMs + 1000); // ref'd on purpose (see above)
    const started = Date.now();
    let p: Promise<void>;
    try { p = Promise.resolve(tracer.shutdown({ deadlineMs })); } catch { p = Promise.resolve(); }
    p.catch(() => {}).then(() => {
      clearTimeout(keepAlive);
      try { log?.(`${sig}: spans flushed in ${Date.now() - started} ms`); } catch { /* ignore */ }
      if (others === 0) { uninstall(); process.kill(process.pid, sig); }
    });
  };

  for (const sig of signals) {
    const h = (): void => onSignal(sig);
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return uninstall;
}
