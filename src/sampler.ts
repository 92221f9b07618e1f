// Samplers, decided per root or per span at start. Probability sampling is consistent across services:
// it compares the trace ID's 56 random bits (W3C Level 2 random flag) with a threshold, as the
// OpenTelemetry ProbabilitySampler does, and records the threshold in tracestate as `ot=th:<hex>`.
import { FLAG_RANDOM, FLAG_SAMPLED, type SpanContextLike } from './span-context.js';
import type { TraceIdWords } from './ids.js';
import { mayBeCut, startValue, type AttributePolicy, type Attributes } from './attributes.js';
import { TraceState } from './tracestate.js';
import { envValue } from './env-value.js';
import { Span } from './span.js';
import { MAX_OT_LENGTH, MAX_THRESHOLD, consistentParentState, encodeThreshold, probabilityThreshold, setOtSubKey, unsampledTraceState, validRv, withoutOtSubKey } from './ot-state.js';

export { otSubKey, setOtSubKey } from './ot-state.js';

export interface Sampler {
  readonly description: string;
  /** true = record and export. `parent` is null for a new trace. */
  shouldSample(parent: SpanContextLike | null, trace: TraceIdWords, name: string, kind: number, attributes: Attributes | undefined): boolean;
  /**
   * Tracestate for a span this sampler sampled (the OTel `th` threshold), given what shouldSample was given
   * (the parent's state is `parent.traceState`); undefined = the parent's, unchanged.
   */
  traceStateFor?(parent: SpanContextLike | null, attributes: Attributes | undefined): TraceState | null | undefined;
  /** True when children of an unsampled parent are never sampled (lets the tracer skip all work). */
  readonly followsParent: boolean;
  /** A parent-following sampler's sampler for new traces (what `sampleAsRoot` spans use); absent = this one. */
  readonly root?: Sampler;
  /** Samplers this one delegates to (read by samplingStats; each is counted once). */
  readonly delegates?: readonly Sampler[];
  /** Sampled spans whose new `th` did not fit in the `ot` member (256 chars): none written, the parent's erased. */
  readonly thDropped?: number;
  /** Parent-based children whose sampled parent's `th` was malformed or inconsistent (R < T): erased. */
  readonly thInconsistent?: number;
  /** Decisions that presumed the trace ID random: a parent without the W3C random flag and without `rv`. */
  readonly randomnessPresumed?: number;
  /** @internal Where this sampler says what it counts (the tracer's logger; set by createTracer, see useLogger). */
  useLogger?(logger: (msg: string) => void): void;
}

/** Counters of a sampler tree, as tracer.stats().sampling reports them. */
export interface SamplingStats { thDropped: number; thInconsistent: number; randomnessPresumed: number }

/** Every sampler of a tree once: `s`, its root and what it delegates to (a sampler shared by several tenants is met once). */
function eachSampler(s: Sampler, f: (x: Sampler) => void, seen: Set<Sampler> = new Set()): void {
  if (seen.has(s)) return;
  seen.add(s);
  f(s);
  if (s.root !== undefined) eachSampler(s.root, f, seen);
  for (const d of s.delegates ?? []) eachSampler(d, f, seen);
}

/** Sum of the counters over `s` and everything it delegates to (a sampler shared by several tenants counts once). */
export function samplingStats(s: Sampler): SamplingStats {
  const out: SamplingStats = { thDropped: 0, thInconsistent: 0, randomnessPresumed: 0 };
  eachSampler(s, (x) => {
    out.thDropped += x.thDropped ?? 0;
    out.thInconsistent += x.thInconsistent ?? 0;
    out.randomnessPresumed += x.randomnessPresumed ?? 0;
  });
  return out;
}

/** @internal A tree's samplers report through `logger` (a sampler shared by tracers keeps the first tracer's). */
export function useLogger(s: Sampler, logger: (msg: string) => void): void {
  eachSampler(s, (x) => x.useLogger?.(logger));
}

const defaultLogger = (msg: string): void => console.warn('[tracewire] ' + msg);

export const alwaysOn: Sampler = { description: 'AlwaysOn', followsParent: false, shouldSample: () => true };
export const alwaysOff: Sampler = { description: 'AlwaysOff', followsParent: true, shouldSample: () => false };

/**
 * Consistent probability sampler (OTel ProbabilitySampler): sampled iff R >= T, with R the trace ID's 56 random
 * bits (or the parent's `rv`) and T = 2^56 - round(p * 2^56) (ot-state.ts probabilityThreshold).
 */
export class ProbabilitySampler implements Sampler {
  readonly description: string;
  readonly followsParent = false;
  readonly probability: number;
  /** Threshold split in the trace ID's layout: high 24 bits (low bytes of t2) and low 32 bits (t3). */
  private readonly hi: number;
  private readonly lo: number;
  private readonly never: boolean;
  /** `th` sub-key value: 14 hex digits, trailing zeros removed ('0' = always); '' when nothing is ever sampled. */
  readonly th: string;
  /** Sampled spans whose `th` could not be written: the `ot` member would pass 256 chars (see traceStateFor). */
  thDropped = 0;
  /** Decisions under a parent without the random flag and without `rv`: the trace ID's bits presumed random. */
  randomnessPresumed = 0;
  /** True when R does not matter: nothing is ever sampled (T = 2^56) or everything is (T = 0). */
  private readonly anyR: boolean;
  private logger: ((msg: string) => void) | null = null;
  private readonly rootState: TraceState;

  constructor(probability: number) {
    // a clear error at construction: NaN (e.g. Number(process.env.UNSET)) silently meant 100% sampling
    if (!(typeof probability === 'number' && probability >= 0 && probability <= 1)) throw new RangeError(`probability(${typeof probability === 'string' ? JSON.stringify(probability) : String(probability)}): expected a number in [0, 1]${typeof probability === 'number' ? '' : ', got a ' + typeof probability}`);
    const p = probability;
    this.probability = p;
    const t = probabilityThreshold(p);
    // T = 2^56 (p = 0, or p < 2^-57 which rounds to it): no randomness value reaches it (OTel JS: as AlwaysOff)
    this.never = t === MAX_THRESHOLD;
    this.hi = Number(t >> 32n);
    this.lo = Number(t & 0xffffffffn);
    this.th = this.never ? '' : encodeThreshold(t);
    this.anyR = this.never || t === 0n;
    this.description = `ProbabilitySampler{${p}}`;
    this.rootState = new TraceState().set('ot', 'th:' + this.th);
  }

  shouldSample(parent: SpanContextLike | null, trace: TraceIdWords): boolean {
    if (this.never) return false;
    let rHi = trace.t2 & 0xffffff;
    let rLo = trace.t3 >>> 0;
    const rv = explicitRv(parent);
    if (rv !== undefined) { // explicit randomness wins (OTel tracestate §rv)
      rHi = parseInt(rv.slice(0, 6), 16);
      rLo = parseInt(rv.slice(6), 16);
    } else if (parent !== null && (parent.traceFlags & FLAG_RANDOM) === 0 && !this.anyR) {
      this.presumed();
    }
    return rHi > this.hi || (rHi === this.hi && rLo >= this.lo);
  }

  /** @internal */
  useLogger(logger: (msg: string) => void): void { this.logger ??= logger; }

  /**
   * The trace ID's bits decide though nobody said they are random: counted, and said the first time, as OTel
   * probability sampling asks ("Migration to consistent probability samplers"; OTel JS ProbabilitySampler warns once too).
   */
  private presumed(): void {
    if (this.randomnessPresumed++ !== 0) return;
    try {
      (this.logger ?? defaultLogger)(`${this.description}: a parent context without the W3C random flag (Trace Context Level 2) and without ot=rv: its trace ID is presumed random for the decision, and no th is recorded; callers on Level 2 avoid this (counted in stats().sampling.randomnessPresumed)`);
    } catch { /* a throwing logger must not reach the host */ }
  }

  traceStateFor(parent: SpanContextLike | null): TraceState | null {
    const state = parent !== null ? parent.traceState : null;
    if (parent !== null && this.th !== '0' && (parent.traceFlags & FLAG_RANDOM) === 0 && explicitRv(parent) === undefined) {
      // no known randomness (no W3C random flag, no rv): a th would claim a probability nobody can rely on, so
      // none is recorded and an incoming one is erased (OTel SDK ProbabilitySampler; spec issue #5035); th:0 holds for any R
      return orNull(state === null ? null : withoutOtSubKey(state, 'th'));
    }
    if (state === null) return this.rootState;
    // an `rv` the decision used stays beside the new th (OTel tracestate handling, "General requirements")
    const ot = setOtSubKey(state.get('ot'), 'th', this.th);
    if (ot.length <= MAX_OT_LENGTH) return state.set('ot', ot);
    // OTel TraceState Handling: a set that would pass 256 chars is aborted. The parent's th describes another
    // decision, so it goes too (a span of unknown probability carries no th, OTel probability sampling); counted.
    this.thDropped++;
    return orNull(withoutOtSubKey(state, 'th'));
  }
}

const orNull = (s: TraceState | null): TraceState | null => (s === null || s.size === 0 ? null : s);

/** Follow the parent's sampled flag; use `root` for new traces. */
export class ParentBasedSampler implements Sampler {
  readonly description: string;
  readonly followsParent = true;
  /** Sampled parents whose `th` was malformed or inconsistent with their randomness (R < T): erased (see traceStateFor). */
  thInconsistent = 0;
  constructor(readonly root: Sampler) {
    this.description = `ParentBased{root=${root.description}}`;
  }
  shouldSample(parent: SpanContextLike | null, trace: TraceIdWords, name: string, kind: number, attributes: Attributes | undefined): boolean {
    if (parent !== null) return (parent.traceFlags & FLAG_SAMPLED) !== 0;
    return this.root.shouldSample(null, trace, name, kind, attributes);
  }
  /**
   * A new trace: the root's state. A child follows its parent, whose th (or its absence) passes on:
   * "If a sampled incoming threshold is absent, ensure there is no outgoing threshold"; "if apparently
   * inconsistent, erase it" (OTel tracestate probability sampling, parent-based threshold): a malformed th, or
   * R < T, is erased and counted. The tracer calls this for a child only when its parent has a tracestate.
   */
  traceStateFor(parent: SpanContextLike | null, attributes: Attributes | undefined): TraceState | null | undefined {
    if (parent === null) return this.root.traceStateFor ? this.root.traceStateFor(null, attributes) : undefined;
    const state = parent.traceState;
    // a local span's th was checked where it came in (or written by a sampler here): not re-parsed per child span
    if (state === null || parent instanceof Span) return undefined;
    const out = consistentParentState(parent, state);
    if (out !== undefined) this.thInconsistent++;
    return out;
  }
}

/**
 * Per-tenant samplers chosen by an attribute (default `tenant.id`) given at span start. Tenant keys are
 * strings (JSON object keys); a numeric attribute value matches too when it is a safe integer
 * (`tenant.id: 42` picks tenant "42"); other numbers match no tenant. With `policy` (the tracer's attribute limits),
 * the tenant is read as the span will hold it (absent past maxCount), as routes read it; a value that may have been cut
 * to maxValueLength (attributes.ts mayBeCut) is no tenant, as for routes: it samples at the fallback's rate.
 */
export class TenantSampler implements Sampler {
  readonly description: string;
  readonly followsParent: boolean;
  /** The same choice over each delegate's root, when any delegate has one (`sampleAsRoot`: the caller's flag must not decide). */
  readonly root?: Sampler;
  readonly delegates: readonly Sampler[];
  private readonly byTenant: Map<string, Sampler>;
  constructor(readonly fallback: Sampler, tenants: Record<string, Sampler>, readonly key = 'tenant.id', private readonly policy: AttributePolicy | null = null) {
    this.byTenant = new Map(Object.entries(tenants));
    this.followsParent = fallback.followsParent && [...this.byTenant.values()].every((s) => s.followsParent);
    this.description = `TenantSampler{${key}}`;
    const all = [fallback, ...this.byTenant.values()];
    this.delegates = all;
    if (all.some((s) => s.root !== undefined)) {
      const rootOf = (s: Sampler): Sampler => s.root ?? s;
      this.root = new TenantSampler(rootOf(fallback), Object.fromEntries([...this.byTenant].map(([k, s]) => [k, rootOf(s)])), key, policy);
    }
  }
  private pick(attributes: Attributes | undefined): Sampler {
    const p = this.policy;
    const t = attributes === undefined || p === null ? attributes?.[this.key] : startValue(attributes, this.key, p);
    const k = typeof t === 'string' ? (p !== null && mayBeCut(t, p.maxValueLength) ? undefined : t) : Number.isSafeInteger(t) ? String(t) : undefined; // 42 → "42"
    return (k !== undefined && this.byTenant.get(k)) || this.fallback;
  }
  shouldSample(parent: SpanContextLike | null, trace: TraceIdWords, name: string, kind: number, attributes: Attributes | undefined): boolean {
    return this.pick(attributes).shouldSample(parent, trace, name, kind, attributes);
  }
  /** The tenant's sampler records its threshold (same attributes, same pick as shouldSample). */
  traceStateFor(parent: SpanContextLike | null, attributes: Attributes | undefined): TraceState | null | undefined {
    const s = this.pick(attributes);
    if (s.traceStateFor !== undefined) return s.traceStateFor(parent, attributes);
    // a tenant's alwaysOn / custom sampler decided without the parent and records no th: the parent's would misstate it
    return !s.followsParent && parent !== null && parent.traceState !== null ? unsampledTraceState(parent.traceState) : undefined;
  }
}

export function parentBased(root: Sampler = alwaysOn): Sampler { return new ParentBasedSampler(root); }
export function probability(p: number): Sampler { return new ProbabilitySampler(p); }

/** The parent's explicit randomness `ot=rv:<14 lowercase hex>`, if valid. */
function explicitRv(parent: SpanContextLike | null): string | undefined {
  return parent === null || parent.traceState === null ? undefined : validRv(parent.traceState.get('ot'));
}

/** OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (SDK env spec); unknown values warn (default console.warn) and fall back to the default. */
export function samplerFromEnv(env: NodeJS.ProcessEnv = process.env, warn: (msg: string) => void = defaultLogger): Sampler { // not a no-op: it hid typos
  const name = (envValue(env, 'OTEL_TRACES_SAMPLER') ?? '').toLowerCase();
  const argRaw = envValue(env, 'OTEL_TRACES_SAMPLER_ARG') ?? '';
  let arg = 1;
  if (argRaw !== '') {
    // a decimal Float (SDK env spec): Number() alone also reads '0x0', '0b1', '0o1'
    const n = /^[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(argRaw) ? Number(argRaw) : NaN;
    if (Number.isFinite(n) && n >= 0 && n <= 1) arg = n;
    else warn(`OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(argRaw)} is not a probability in [0, 1]; using 1`);
  }
  switch (name) {
    case '': case 'parentbased_always_on': return parentBased(alwaysOn);
    case 'always_on': return alwaysOn;
    case 'always_off': return alwaysOff;
    case 'traceidratio': return probability(arg);
    case 'parentbased_always_off': return parentBased(alwaysOff);
    case 'parentbased_traceidratio': return parentBased(probability(arg));
    default:
      warn(`OTEL_TRACES_SAMPLER=${JSON.stringify(name)} is not supported (one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio); using parentbased_always_on`);
      return parentBased(alwaysOn);
  }
}
