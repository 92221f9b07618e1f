// Sampler from the config file, and a wrapper that lets a reload swap it: one extra call per span start.
import { alwaysOn, parentBased, probability, samplingStats, TenantSampler, useLogger, type Sampler } from '../sampler.js';
import type { SpanContextLike } from '../span-context.js';
import type { TraceIdWords } from '../ids.js';
import type { AttributePolicy, Attributes } from '../attributes.js';
import type { TraceState } from '../tracestate.js';
import type { SamplerSettings } from './types.js';

const ratio = (p: number): Sampler => (p >= 1 ? alwaysOn : probability(p));

/**
 * probability for new traces, per-tenant overrides by `tenantAttribute` at span start, parent-based by default. `policy`:
 * the tracer's attribute limits, so a tenant is read as the span holds it, the value routes read.
 */
export function samplerFromSettings(s: SamplerSettings, tenantAttribute: string, policy: AttributePolicy | null = null): Sampler {
  const tenants = Object.keys(s.tenants);
  let root = ratio(s.probability);
  if (tenants.length > 0) root = new TenantSampler(root, Object.fromEntries(tenants.map((t) => [t, ratio(s.tenants[t]!)])), tenantAttribute, policy);
  return s.parentBased ? parentBased(root) : root;
}

/**
 * Delegates to the current sampler. `followsParent` is fixed at construction (the tracer reads it once),
 * so a swap to a sampler that does not follow the parent is refused while it is true.
 */
export class ReloadableSampler implements Sampler {
  readonly followsParent: boolean;
  /** The current sampler's root (for `sampleAsRoot` spans: an untrusted caller's flag must not decide). */
  readonly root: Sampler;
  private current: Sampler;
  /** Counts of the samplers reloads replaced (stats() stay monotonic across a swap). */
  thDropped = 0;
  thInconsistent = 0;
  randomnessPresumed = 0;
  private logger: ((msg: string) => void) | null = null;
  constructor(initial: Sampler) {
    this.current = initial;
    this.followsParent = initial.followsParent;
    this.root = new CurrentRoot(this);
  }
  get description(): string { return this.current.description; }
  get sampler(): Sampler { return this.current; }
  get delegates(): readonly Sampler[] { return [this.current]; }
  /** false: refused (parent-based on/off needs a restart). */
  swap(next: Sampler): boolean {
    if (this.followsParent && !next.followsParent) return false;
    // stats() = thDropped + the current tree's: unchanged by the swap, also when `next` served before (build.ts's envSampler)
    if (next !== this.current) {
      const was = samplingStats(this.current), now = samplingStats(next);
      this.thDropped += was.thDropped - now.thDropped;
      this.thInconsistent += was.thInconsistent - now.thInconsistent;
      this.randomnessPresumed += was.randomnessPresumed - now.randomnessPresumed;
    }
    if (this.logger !== null) useLogger(next, this.logger); // the tracer's, as the first sampler got it
    this.current = next;
    return true;
  }
  /** @internal the tracer's logger, kept for samplers a reload brings in */
  useLogger(logger: (msg: string) => void): void { this.logger ??= logger; }
  shouldSample(parent: SpanContextLike | null, trace: TraceIdWords, name: string, kind: number, attributes: Attributes | undefined): boolean {
    return this.current.shouldSample(parent, trace, name, kind, attributes);
  }
  traceStateFor(parent: SpanContextLike | null, attributes: Attributes | undefined): TraceState | null | undefined {
    const c = this.current;
    return c.traceStateFor !== undefined ? c.traceStateFor(parent, attributes) : undefined;
  }
}

/** Delegates to the root of whatever sampler the reloadable one holds now (itself when it has no root). */
class CurrentRoot implements Sampler {
  readonly followsParent = false;
  constructor(private readonly of: ReloadableSampler) {}
  private get target(): Sampler { const c = this.of.sampler; return c.root ?? c; }
  get description(): string { return this.target.description; }
  shouldSample(parent: SpanContextLike | null, trace: TraceIdWords, name: string, kind: number, attributes: Attributes | undefined): boolean {
    return this.target.shouldSample(parent, trace, name, kind, attributes);
  }
  traceStateFor(parent: SpanContextLike | null, attributes: Attributes | undefined): TraceState | null | undefined {
    const t = this.target;
    return t.traceStateFor !== undefined ? t.traceStateFor(parent, attributes) : undefined;
  }
}
