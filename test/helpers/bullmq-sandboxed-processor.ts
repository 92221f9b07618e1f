// A BullMQ sandboxed processor (a file BullMQ runs in a child process): returns its CONSUMER span's IDs.
import { createTracer } from '../../src/index.js';
import { CaptureProcessor } from './capture.js';
import { processJob, type BullJobLike } from '../../adapters/queue-bullmq.js';

const tracer = createTracer({ service: 'sandboxed', processor: new CaptureProcessor(), env: {} });
export default processJob(tracer, async (_job: BullJobLike, _token, span) => ({ traceId: span.traceId, parentSpanId: (span as { parentSpanId?: string }).parentSpanId ?? '' }));
