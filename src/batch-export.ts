// The batcher's side of the exporter contract (exporter.ts): an export's answer read as one settle record,
// a forceFlush/shutdown that cannot hang its caller, and span recycling once an exporter is done with a batch.
import type { Span } from './span.js';
import type { ExportProgress, ExportResult, SpanExporter } from './exporter.js';
import { timerMs } from './otlp-env.js';

/**
 * How one batch of `n` spans ended: `delivered` of them acknowledged by the backend (all of them when ok), `rejected` of
 * those refused (partial success); the other n - delivered failed for `kind`'s reason.
 */
export interface Settle { n: number; kind: 'ok' | 'failed' | 'timeout' | 'shutdown'; delivered: number; rejected: number; error: unknown }
const noop = (): void => {};

/** A batch that did not succeed: what `p` says was delivered before it stopped, read defensively (it is the exporter's to write). */
export function unfinished(n: number, kind: 'failed' | 'timeout' | 'shutdown', p: ExportProgress, error: unknown): Settle {
  let delivered = 0;
  let rejected = 0;
  try {
    delivered = Math.min(n, Math.max(0, Math.floor(Number(p.delivered)) || 0));
    rejected = Math.min(delivered, Math.max(0, Math.floor(Number(p.rejected)) || 0));
  } catch { /* an accessor that throws: nothing delivered */ }
  return { n, kind, delivered, rejected, error };
}

export function fromResult(n: number, r: ExportResult | void, p: ExportProgress): Settle {
  if (r === undefined || r === null || typeof r !== 'object') return { n, kind: 'ok', delivered: n, rejected: 0, error: null };
  if (r.ok === false) return unfinished(n, 'failed', p, r.error ?? 'exporter reported failure');
  const rej = typeof r.rejected === 'number' && r.rejected > 0 ? Math.min(n, Math.floor(r.rejected)) : 0;
  return { n, kind: 'ok', delivered: n, rejected: rej, error: r.error ?? null };
}

/** Calls exporter.forceFlush/shutdown if it has one; never throws, never waits past `ms` (a ref'd timer: the caller awaits). */
export async function callBounded(e: SpanExporter, method: 'forceFlush' | 'shutdown', ms: number, keepAlive = true): Promise<void> {
  if (typeof e[method] !== 'function') return;
  let t: NodeJS.Timeout | undefined;
  const stop = new Promise<void>((r) => { t = setTimeout(r, timerMs(ms)); });
  if (!keepAlive) t!.unref();
  let p: Promise<unknown>;
  try { p = Promise.resolve(e[method]!()).catch(noop); } catch { p = Promise.resolve(); }
  await Promise.race([p, stop]);
  clearTimeout(t);
}

/** `clear`: the array becomes a spare, which must not pin the spans of the export it carried. */
export function releaseAll(spans: Span[], clear = false): void {
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (typeof s.release === 'function') s.release();
    if (clear) (spans as unknown[])[i] = undefined;
  }
}
