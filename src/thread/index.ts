// tracewire/thread: off-thread export. Ended spans become compact binary records in a lock-free
// SharedArrayBuffer ring; one exporter worker_thread turns them into OTLP and does all I/O.
//
//   main:    const processor = threadProcessor({ exporter: { type: 'otlp', url } });
//            const tracer = createTracer({ service: 'api', processor });
//            new Worker(file, { workerData: { tracing: processor.handle() } });
//   worker:  const tracer = createTracer({ service: 'api', processor: attachThreadProcessor(workerData.tracing) });
//
// One exporter thread and one set of connections per process; tracer.stats() in any thread reads the
// shared counters (stats.thread.ended = exported + dropped + queued over all threads).
export { ThreadProcessor, threadProcessor, exportThread, workerEntry, type ThreadProcessorOptions } from './supervisor.js';
export { RingProcessor, attachThreadProcessor, requestFlush } from './processor.js';
export { type ThreadHandle } from './layout.js';
export { type ThreadStats, type ThreadDrops } from './stats.js';
export { type ThreadExporterSpec } from './worker.js';
