// Tenant routing as a SpanProcessor. One BatchSpanProcessor ("lane") per destination and role, each with
// its own ring, timer and retries, so a slow backend delays only its own lane (OTLP spec: a queue per
// destination, immutable data shared). onEnd reads the route table once; a reload swaps it in one
// assignment. Accounting: each span has one primary lane (the first of its route, `all` first), and the
// tracer-level enqueued/exported/queued/dropped are the primary lanes' numbers, so
// ended = exported + dropped + queued still holds with fan-out; `destinations` counts every copy.
import { performance } from 'node:perf_hooks';
import type { Span } from '../span.js';
import type { SpanExporter } from '../exporter.js';
import { BatchSpanProcessor, callBounded, type BatchOptions, type DestinationStats } from '../batcher.js';
import { type ProcessorStats, type ShutdownOptions, type SpanProcessor } from '../processor.js';
import { ConfigError, ConfigErrorCode } from './errors.js';
import { timerMs } from '../otlp-env.js';
import { addDestination, addTotals, emptyDestination, emptyTotals, type Totals } from './routing-stats.js';
import { Lane, LaneExporter, laneDestination, SharedExporter, type Role } from './routing-lanes.js';
import { mayBeCut } from '../attributes.js';

/** What a destination needs; `exporterKey` identifies equal settings (secret values included). */
export interface Destination {
  name: string;
  exporterKey: string;
  createExporter: () => SpanExporter;
  batch: BatchOptions;
}

export interface RoutePlan {
  tenantAttribute: string;
  tenants: Readonly<Record<string, readonly string[]>>;
  default: readonly string[];
  all: readonly string[];
}

export interface RoutingOptions {
  logger?: (msg: string) => void;
  env?: NodeJS.ProcessEnv;
  /** How long a lane retired by a reload may take to export what it holds (default 30 s). */
  drainDeadlineMs?: number;
  /** Build a lane's processor (default: the BatchSpanProcessor). */
  createProcessor?: (exporter: SpanExporter, options: BatchOptions) => SpanProcessor;
}

class RouteTable {
  constructor(readonly tenantAttribute: string, readonly byTenant: Map<string, Lane[]> | null, readonly fallback: Lane[]) {}
}

const EMPTY_TABLE = new RouteTable('', null, []);

const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));

/** The exporters of one route: `all` first, then the tenant's (or default) list, each once. */
function routeNames(all: readonly string[], list: readonly string[], known: ReadonlyMap<string, Destination>): string[] {
  const out: string[] = [];
  for (const n of all) if (known.has(n) && !out.includes(n)) out.push(n);
  for (const n of list) if (known.has(n) && !out.includes(n)) out.push(n);
  return out;
}

export class RoutingProcessor implements SpanProcessor {
  private table: RouteTable = EMPTY_TABLE;
  private lanes = new Map<string, Lane>();
  private readonly draining = new Set<Lane>();
  private readonly exporters = new Map<string, SharedExporter>();
  private readonly retiredPrimary = emptyTotals();
  private readonly retiredByName = new Map<string, DestinationStats>();
  private noRoute = 0;
  private tenantCut = 0;
  private afterShutdown = 0;
  private laneErrors = 0;
  private primaryLaneErrors = 0;
  private applies = 0;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly logger: (msg: string) => void;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly drainDeadlineMs: number;
  private readonly createProcessor: (exporter: SpanExporter, options: BatchOptions) => SpanProcessor;

  constructor(o: RoutingOptions = {}) {
    this.logger = o.logger ?? ((m) => console.warn('[tracewire] ' + m));
    this.env = o.env;
    this.drainDeadlineMs = o.drainDeadlineMs ?? 30_000;
    this.createProcessor = o.createProcessor ?? ((e, opts) => new BatchSpanProcessor(e, opts));
  }

  onEnd(span: Span): void {
    const t = this.table;
    let lanes = t.fallback;
    if (t.byTenant !== null) {
      const v = span.getAttribute(t.tenantAttribute);
      // route keys are strings (JSON object keys): a safe-integer tenant id 42 routes as "42"
      const k = typeof v === 'string' ? v : Number.isSafeInteger(v) ? String(v) : undefined;
      if (k !== undefined) {
        const l = t.byTenant.get(k);
        // a value the span's limit may have cut (`acme-shadow` held as `acme`) is no tenant: another tenant's spans must not reach this route
        if (l !== undefined) {
          const max = span.tracer.attrPolicy.maxValueLength;
          if (typeof v === 'string' && mayBeCut(v, max)) this.cutTenant(t.tenantAttribute, v.length, max);
          else lanes = l;
        }
      }
    }
    if (lanes.length === 0) { if (this.closed) this.afterShutdown++; else this.noRoute++; return; }
    for (let i = 0; i < lanes.length; i++) {
      try { lanes[i]!.processor.onEnd(span); } catch { this.laneErrors++; if (i === 0) this.primaryLaneErrors++; }
    }
  }

  /** A tenant value that matched a route but may be a longer value's cut: the default route, counted, said once (never the value). */
  private cutTenant(attr: string, length: number, max: number): void {
    if (this.tenantCut++ !== 0) return;
    try {
      this.logger(`a span's ${attr} matched a tenant route but is ${length} UTF-16 units long, within 1 of the attribute value length limit (${max}): it may be a longer value cut to that length, so it takes the default route (counted in stats().routing.tenantCut); keep tenants at least 2 units under the limit or raise it`);
    } catch { /* a throwing logger must not cost the span its route */ }
  }

  /**
   * Install destinations and routes. New exporters are built first: if one fails, nothing changes
   * (TW_CONFIG_EXPORTER). Lanes whose settings did not change keep their queue and exporter instance.
   */
  apply(destinations: readonly Destination[], plan: RoutePlan): void {
    if (this.closed) return;
    const byName = new Map(destinations.map((d) => [d.name, d]));
    const tenants = Object.keys(plan.tenants);
    const routes = new Map<string | null, string[]>(tenants.map((t) => [t, routeNames(plan.all, plan.tenants[t]!, byName)]));
    routes.set(null, routeNames(plan.all, plan.default, byName));
    // A lane may recycle span attributes after export only if no route shares its spans with another lane.
    const shared = new Set<string>();
    for (const r of routes.values()) if (r.length > 1) for (const n of r) shared.add(n);
    const next = new Map<string, Lane>();
    const created: SharedExporter[] = [];
    const lanesFor = (names: string[]): Lane[] => names.map((name, i) => {
      const d = byName.get(name)!;
      const role: Role = i === 0 ? 'primary' : 'copy';
      const exclusive = !shared.has(name);
      const key = `${role}\0${exclusive}\0${name}\0${d.exporterKey}\0${canonical(d.batch)}`;
      let lane = next.get(key) ?? this.lanes.get(key);
      if (lane === undefined) {
        let sx = this.exporters.get(d.exporterKey) ?? created.find((s) => s.key === d.exporterKey);
        if (sx === undefined) {
          try { sx = new SharedExporter(d.exporterKey, d.createExporter()); } catch (e) {
            throw new ConfigError(ConfigErrorCode.EXPORTER, `exporter "${name}" could not be created: ${(e as Error)?.message ?? e}`);
          }
          created.push(sx);
        }
        const opts = { ...d.batch, logger: this.logger, env: this.env } as BatchOptions;
        lane = new Lane(key, name, role, exclusive, sx, this.createProcessor(new LaneExporter(sx, name, exclusive), opts), d.batch);
      }
      next.set(key, lane);
      return lane;
    });
    let table: RouteTable;
    try {
      const byTenant = tenants.length === 0 ? null : new Map(tenants.map((t) => [t, lanesFor(routes.get(t)!)]));
      table = new RouteTable(plan.tenantAttribute, byTenant, lanesFor(routes.get(null)!));
    } catch (e) {
      for (const [k, l] of next) if (!this.lanes.has(k)) void l.processor.shutdown({ deadlineMs: 0 }).catch(() => {});
      for (const s of created) void this.closeExporter(s, this.drainDeadlineMs, false);
      throw e;
    }
    for (const s of created) this.exporters.set(s.key, s);
    for (const [k, l] of next) if (!this.lanes.has(k)) l.shared.refs++;
    const old = this.lanes;
    this.lanes = next;
    this.table = table; // the swap: onEnd sees the old table or the new one, never a mix
    this.applies++;
    for (const [k, l] of old) if (!next.has(k)) this.retire(l, this.drainDeadlineMs, false);
  }

  /** Let a lane export what it holds (up to the deadline), then fold its final counters into the retired totals. */
  private retire(l: Lane, deadlineMs: number, keepAlive: boolean): Promise<void> {
    if (l.retiring !== null) return l.retiring;
    this.draining.add(l);
    const end = performance.now() + timerMs(deadlineMs);
    const done = async (): Promise<void> => {
      this.draining.delete(l);
      try {
        const s = l.processor.stats();
        if (l.role === 'primary') addTotals(this.retiredPrimary, s);
        addDestination(this.byName(this.retiredByName, l.name), laneDestination(l, s));
      } catch (err) {
        // nobody awaits a lane a reload retired: a throw here would be an unhandled rejection, fatal to the host
        this.laneErrors++;
        this.logger(`${l.name}: its final counters could not be read (${(err as Error)?.message ?? err}); they are missing from stats()`);
      }
      if (--l.shared.refs === 0) await this.closeExporter(l.shared, end - performance.now(), keepAlive);
    };
    // keepAlive false for a lane a reload retired: nobody awaits that drain, and it must not keep a process
    // that has finished its work alive for the drain deadline. shutdown() awaits its own (keepAlive true).
    l.retiring = l.processor.shutdown({ deadlineMs, keepAlive }).then(done, done);
    return l.retiring;
  }

  /** The exporter's own shutdown gets what is left of the lane's deadline: a hung one (a file on a stuck mount) must not hold shutdown() past it. */
  private async closeExporter(s: SharedExporter, ms: number, keepAlive: boolean): Promise<void> {
    if (this.exporters.get(s.key) === s) this.exporters.delete(s.key);
    await callBounded(s.exporter, 'shutdown', ms, keepAlive);
  }

  private byName(m: Map<string, DestinationStats>, name: string): DestinationStats {
    let t = m.get(name);
    if (t === undefined) { t = emptyDestination(name); m.set(name, t); }
    return t;
  }

  /** Everything ended before the call is settled: active lanes flushed, retiring lanes drained. */
  async forceFlush(): Promise<void> {
    const active = [...this.lanes.values()].map((l) => l.processor.forceFlush().catch(() => {}));
    await Promise.all([...active, ...[...this.draining].map((l) => l.retiring)]);
  }

  /** A second call returns the first call's drain: a caller that awaits it before exiting must not lose spans (SIGTERM hook + app). */
  shutdown(options?: ShutdownOptions): Promise<void> {
    if (this.closing === null) this.closing = this.close(options);
    return this.closing;
  }

  private async close(options?: ShutdownOptions): Promise<void> {
    this.closed = true;
    this.table = EMPTY_TABLE;
    const lanes = [...this.lanes.values()];
    this.lanes = new Map();
    const ms = options?.deadlineMs;
    const deadline = typeof ms === 'number' && ms >= 0 ? ms : 5000;
    const earlier = [...this.draining].map((l) => l.retiring); // retiring since a reload, with their own deadline
    let timer: NodeJS.Timeout | undefined;
    // ref'd: the caller awaits this, so the process lives until the lanes a reload retired are done or the deadline
    const cap = new Promise<void>((r) => { timer = setTimeout(r, timerMs(deadline)); });
    await Promise.all([...lanes.map((l) => this.retire(l, deadline, true)), Promise.race([Promise.all(earlier), cap])]);
    clearTimeout(timer);
  }

  stats(): ProcessorStats & { inFlight: number; destinations: DestinationStats[]; routing: Record<string, number> } {
    const total: Totals = emptyTotals();
    addTotals(total, this.retiredPrimary);
    const per = new Map<string, DestinationStats>();
    for (const [n, d] of this.retiredByName) addDestination(this.byName(per, n), d);
    for (const l of [...this.lanes.values(), ...this.draining]) {
      const s = l.processor.stats();
      if (l.role === 'primary') addTotals(total, s);
      addDestination(this.byName(per, l.name), laneDestination(l, s));
    }
    const dropped = total.dropped as typeof total.dropped & { laneError: number };
    dropped.noExporter += this.noRoute;
    dropped.shutdown += this.afterShutdown;
    dropped.laneError = this.primaryLaneErrors;
    return {
      enqueued: total.enqueued, exported: total.exported, queued: total.queued, inFlight: total.inFlight, dropped,
      destinations: [...per.values()],
      routing: { noRoute: this.noRoute, tenantCut: this.tenantCut, laneErrors: this.laneErrors, lanes: this.lanes.size, draining: this.draining.size, exporters: this.exporters.size, applies: this.applies },
    };
  }

  /** The installed routes and lanes (names, roles, batch settings), for logs and tests. */
  describe(): { tenantAttribute: string; tenants: Record<string, string[]>; default: string[]; lanes: Array<{ name: string; role: Role; exclusive: boolean; batch: BatchOptions }> } {
    const t = this.table;
    const names = (ls: Lane[]): string[] => ls.map((l) => l.name);
    return {
      tenantAttribute: t.tenantAttribute,
      tenants: Object.fromEntries(t.byTenant === null ? [] : [...t.byTenant].map(([k, ls]) => [k, names(ls)])), // a tenant "__proto__" too
      default: names(t.fallback),
      lanes: [...this.lanes.values()].map((l) => ({ name: l.name, role: l.role, exclusive: l.exclusive, batch: l.batch })),
    };
  }

  /** The exporter instance serving a destination now (tests check reuse across reloads). */
  exporterOf(name: string): SpanExporter | undefined {
    for (const l of this.lanes.values()) if (l.name === name) return l.shared.exporter;
    return undefined;
  }
}
