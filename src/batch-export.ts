// The batcher's side of the exporter contract (exporter.ts): an export's answer read as one settle record,
// a forceFlush/shutdown that cannot hang its caller, and span recycling once an exporter is done with a batch.
import type { Span } from './span.js';
import type { ExportResult, SpanExporter } from './exporter.js';
import { timerMs } from './otlp-env.js';

/** How one batch ended: `n` spans, `rejected` of them refused by the backend (partial success). */
export interface Settle { n: number; kind: 'ok' | 'failed' | 'timeout' | 'shutdown'; rejected: number; error: unknown }
const noop = (): void => {};

export function fromResult(n: number, r: ExportResult | void): Settle {
  if (r === undefined || r === null || typeof r !== 'object') return { n, kind: 'ok', rejected: 0, error: null };
  if (r.ok === false) return { n, kind: 'failed', rejected: 0, error: r.error ?? 'exporter reported failure' };
  const rej = typeof r.rejected === 'number' && r.rejected > 0 ? Math.min(n, Math.floor(r.rejected)) : 0;
  return { n, kind: 'ok', rejected: rej, error: r.error ?? null };
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
