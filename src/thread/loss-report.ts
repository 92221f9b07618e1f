// Off-thread drops that only the exporter side counts: a record its writer never finished (abandoned), a record
// that cannot be decoded (decodeError), the spans a dead exporter thread held (exporterLost). The owner says them,
// in the main thread where the user's logger lives: it outlives every exporter thread, so what was said is kept
// here (no C_SAID slot) and a restart loop gets one explaining line per kind, then the rate-limited summary.
import { Reporter } from '../batch-report.js';

export type LossKind = 'abandoned' | 'decodeError' | 'exporterLost';
export type LossTotals = Record<LossKind, number>;

const KINDS: readonly LossKind[] = ['exporterLost', 'abandoned', 'decodeError'];

function spans(n: number, what = 'span'): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

export class LossReport {
  private readonly said: LossTotals = { abandoned: 0, decodeError: 0, exporterLost: 0 };
  private readonly explained: Record<LossKind, boolean> = { abandoned: false, decodeError: false, exporterLost: false };
  private readonly summary: Reporter;

  /** stallMs: how long a writer may stop mid-record (named in the abandoned line). */
  constructor(intervalMs: number, private readonly stallMs: number, private readonly log: (msg: string) => void) {
    this.summary = new Reporter('export thread', intervalMs, log);
  }

  /** Totals as stats().dropped shows them: the first growth of a kind is explained at once, later ones summed per interval. */
  update(t: LossTotals): void {
    for (const k of KINDS) {
      const n = t[k] - this.said[k];
      if (!(n > 0)) continue;
      this.said[k] = t[k];
      if (this.explained[k]) { this.summary.note(k, n, null); continue; }
      this.explained[k] = true;
      this.log(this.explain(k, n));
      this.summary.said();
    }
  }

  /** Writes the pending summary now (shutdown). */
  flush(): void {
    this.summary.flush();
  }

  private explain(k: LossKind, n: number): string {
    if (k === 'exporterLost') return `export thread died holding ${spans(n)} not yet exported: dropped (dropped.exporterLost); it was restarted and spans still in the ring are kept; see tracer.stats()`;
    if (k === 'abandoned') return `export ring: skipped ${spans(n, 'span record')} a thread reserved but did not finish writing within stallMs (${this.stallMs} ms): dropped (dropped.abandoned); a host thread was terminated or paused while ending a span; see tracer.stats()`;
    return `export ring: ${spans(n, 'span record')} could not be decoded or handed to the batcher: dropped (dropped.decodeError); a tracewire bug, please report it; see tracer.stats()`;
  }
}
