// A processor that keeps ended spans, for core tests that must not depend on the batcher.
import type { Span } from '../../src/span.js';
import { emptyDrops, type ProcessorStats, type SpanProcessor } from '../../src/processor.js';

export class CaptureProcessor implements SpanProcessor {
  spans: Span[] = [];
  throwOnEnd = false;
  onEnd(span: Span): void {
    if (this.throwOnEnd) throw new Error('processor exploded');
    this.spans.push(span);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
  stats(): ProcessorStats {
    return { enqueued: this.spans.length, exported: this.spans.length, queued: 0, dropped: emptyDrops() };
  }
}
