// tracerFromConfig: one Tracer from code options, the config file, OTEL_* and defaults, in that order of
// precedence, with exporters, routes and the sampler reloaded live from the file (exporters are fixed at
// startup with exportThread). A missing or invalid file never stops the host (unless strict): one log line,
// then tracing on OTEL_* and defaults.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Tracer, type TracerOptions, type TracerStats } from '../tracer.js';
import { samplerFromEnv, type Sampler } from '../sampler.js';
import { AttributePolicy, compileAllowlist, type AttributeLimitsOptions } from '../attributes.js';
import { intVar } from '../otlp-env.js';
import { unreadOtelEnv } from '../otel-env-unread.js';
import { DISABLED_NOTE, sdkDisabledEnv } from '../sdk-disabled.js';
import type { ShutdownOptions } from '../processor.js';
import type { DestinationStats } from '../batcher.js';
import { ConfigError, ConfigErrorCode } from './errors.js';
import { isFailed, readSnapshotSync, resolveConfigPath, type FailedSnapshot } from './load.js';
import { deepFreeze, emptyConfig } from './normalize.js';
import { RoutingProcessor } from './routing.js';
import { destinationsFromConfig, envTlsRefs, type ExporterFactories } from './exporters.js';
import { defaultExporterFactories } from './factories.js';
import { ReloadableSampler, samplerFromSettings } from './sampling.js';
import { ConfigReloader, describeConfig, type ConfigStats, type ReloadEvent } from './reload.js';
import { detectSubPath } from './subpath.js';
import { ConfigThreadProcessor, threadKey, threadPlan, threadRestart } from './thread-export.js';
import { limitsInForce, ownRules, pickLimits, sinceStartup, type RulesInForce } from './tenant-rules.js';
import type { TracewireConfig } from './types.js';

export interface ConfigOptions extends TracerOptions {
  /** Config file (default: TRACEWIRE_CONFIG, then /etc/tracewire/config.json). */
  path?: string;
  /** Throw a ConfigError at startup instead of logging and running on defaults. */
  strict?: boolean;
  /** Reload when the file or its secret files change (default true). */
  watch?: boolean;
  debounceMs?: number;
  pollMs?: number;
  /** Called after every reload attempt that changed something or failed (never for unchanged content). */
  onReload?: (event: ReloadEvent) => void;
  /** Replace how exporters are built (tests, custom transports). */
  exporterFactories?: Partial<ExporterFactories>;
  /** How long a destination removed by a reload may take to export what it holds (default 30 s). */
  drainDeadlineMs?: number;
}

/** Settings the tracer reads once at construction: a changed value needs a restart. */
// tenantAttribute: spans inherit it (inheritAttributes) and the http adapter records it under the startup name, so
// routing or sampling on a reloaded name would send a tenant's child spans down the default route.
const RESTART_ONLY = ['service', 'limits', 'attributes', 'http', 'recordErrorMessages', 'exportThread', 'tenantAttribute', 'disabled'] as const;

/** With exportThread, what the running thread was started with (threadRestart lists a change to them). */
const THREAD_FIXED = ['exporters', 'envTls', 'routes', 'batch'] as const;

/** The config a reload leaves in effect: `loaded`, with the startup values of what only a restart applies, and `sampler`. */
function inEffect(loaded: TracewireConfig, startup: TracewireConfig, thread: boolean, sampler: TracewireConfig['sampler']): TracewireConfig {
  const c: Record<string, unknown> = { ...loaded, sampler };
  for (const k of thread ? [...RESTART_ONLY, ...THREAD_FIXED] : RESTART_ONLY) {
    if (Object.hasOwn(startup, k)) c[k] = startup[k];
    else delete c[k]; // optional keys (disabled, recordErrorMessages) the startup file did not set
  }
  return deepFreeze(c as unknown as TracewireConfig);
}

const canon = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x)) ?? 'undefined';

export class ConfiguredTracer extends Tracer {
  constructor(options: TracerOptions, readonly routing: RoutingProcessor | null, private readonly reloader: ConfigReloader,
    /** The export thread's processor when the file sets exportThread (then `routing` is null). */
    readonly thread: ConfigThreadProcessor | null = null) {
    super(options);
  }
  /**
   * The config in effect: the last good file's, except what only a restart applies (service, limits, attributes, http,
   * tenantAttribute, ...; with exportThread also exporters, routes and batch), shown as at startup. `config.http` is for the http adapter.
   */
  get config(): TracewireConfig { return this.reloader.current; }
  configStats(): ConfigStats { return this.reloader.stats(); }
  /** Check the file now instead of waiting for the watcher. */
  reload(): Promise<ReloadEvent | null> { return this.reloader.check(); }
  /** Tracer stats plus `config` (reloads, failures, last error) and `destinations` (one entry per exporter). */
  override stats(): TracerStats & { config: ConfigStats; destinations: DestinationStats[] } {
    return { destinations: [], ...super.stats(), config: this.reloader.stats() } as TracerStats & { config: ConfigStats; destinations: DestinationStats[] };
  }
  override shutdown(options?: ShutdownOptions): Promise<void> {
    this.reloader.close();
    return super.shutdown(options);
  }
}

const defaultLogger = (msg: string): void => console.warn('[tracewire] ' + msg);

/** Each distinct setup warning once (at most 256 remembered): reloads rebuild destinations from the same environment. */
function onceLogger(log: (m: string) => void): (m: string) => void {
  const seen = new Set<string>();
  return (m) => {
    if (seen.has(m)) return;
    if (seen.size < 256) seen.add(m);
    log(m);
  };
}

/**
 * File additions to the application's allowlist; with no allowlist in effect there is nothing to add to. The tenant
 * attribute is always kept: routes and per-tenant rates read it, so without it a tenant's spans took the default route.
 */
function mergeAllow(code: AttributeLimitsOptions['allow'], file: readonly string[], tenantAttribute: string, log: (m: string) => void): AttributeLimitsOptions['allow'] {
  if (code == null) {
    if (file.length > 0) log('attributes.allow in the config file has no effect: the application records every attribute key (no allowlist to add to)');
    return code;
  }
  // a list entry ending in "*" is a prefix: such a tenantAttribute is matched exactly by a function instead
  if (typeof code !== 'function' && !tenantAttribute.endsWith('*')) return [...code, ...file, tenantAttribute];
  const app = typeof code === 'function' ? code : compileAllowlist(code);
  const extra = compileAllowlist(file);
  return (k: string) => k === tenantAttribute || app(k) || extra(k);
}

/**
 * Per setting: code > file `limits` > the model-specific OTEL_*_LIMIT > the general OTEL_ATTRIBUTE_*_LIMIT (common
 * spec, Attribute Limits) > the tracer's defaults. `logger` says each distinct warning once (two limits read the general one).
 */
function attributeOptions(code: AttributeLimitsOptions | undefined, config: TracewireConfig, env: NodeJS.ProcessEnv, logger: (m: string) => void): AttributeLimitsOptions {
  const l = config.limits;
  const picked = pickLimits(code, l, env, logger); // the tenant checks read the same choice (tenant-rules.ts)
  const count = (name: string): number | undefined => intVar(env, name, logger, true) ?? intVar(env, 'OTEL_ATTRIBUTE_COUNT_LIMIT', logger, true);
  return {
    maxCount: picked.maxCount.v,
    maxValueLength: picked.maxValueLength.v,
    maxLinks: code?.maxLinks ?? l.maxLinks ?? intVar(env, 'OTEL_SPAN_LINK_COUNT_LIMIT', logger, true),
    maxEvents: code?.maxEvents ?? l.maxEvents ?? intVar(env, 'OTEL_SPAN_EVENT_COUNT_LIMIT', logger, true),
    maxEventAttributes: code?.maxEventAttributes ?? l.maxEventAttributes ?? count('OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT'),
    maxLinkAttributes: code?.maxLinkAttributes ?? l.maxLinkAttributes ?? count('OTEL_LINK_ATTRIBUTE_COUNT_LIMIT'),
    allow: mergeAllow(code?.allow, config.attributes.allow, config.tenantAttribute, logger),
  };
}

/** One line per file that Kubernetes will never update (subPath.ts has the heuristic). */
function warnSubPath(files: readonly string[], logger: (m: string) => void): boolean {
  let found = false;
  for (const f of files) {
    const c = detectSubPath(f);
    if (!c.subPath) continue;
    found = true;
    logger(`${f} is mounted with subPath (${c.reason}): Kubernetes never updates subPath mounts, so edits will not reach this pod; mount the volume as a directory (see k8s-examples/README.md)`);
  }
  return found;
}

export function tracerFromConfig(options: ConfigOptions = {}): ConfiguredTracer {
  const { path: pathOpt, strict, watch, debounceMs, pollMs, onReload, exporterFactories, drainDeadlineMs, ...code } = options;
  const env = code.env ?? process.env;
  const userLogger = code.logger ?? defaultLogger;
  // Also called from watcher timers and lane drains: a throw there would be uncaught and end the host.
  const logger = (msg: string): void => { try { userLogger(msg); } catch { /* a broken logger must not break tracing */ } };
  const { path, explicit } = resolveConfigPath(pathOpt, env);
  // OTEL_* problems are the same at every reload: said once, not once per destination, lane and reload.
  const setupLog = onceLogger(logger);

  let config: TracewireConfig;
  let failure: FailedSnapshot | null = null;
  let fingerprint: string | null = null;
  let secretFiles: string[] = [];
  let unasked = false; // nothing at the default path: normal, no rejection (configStats().fileRejected stays false)
  const codeOwnsExport = code.processor !== undefined || code.exporter !== undefined;
  // The OTEL_* exporter's PEM files are read and watched with the file (a rotated Secret rebuilds that exporter).
  const envTls = codeOwnsExport ? undefined : envTlsRefs(env);
  // tenants are checked against the limits the tracer will apply (code > file > OTEL_*), not the file's alone
  const startupRules: RulesInForce = (own) => limitsInForce(code.attributes, own, env);
  const snap = readSnapshotSync(path, { envTls, inForce: startupRules });
  if (isFailed(snap)) {
    const quiet = !explicit && snap.error.code === ConfigErrorCode.NOT_FOUND; // no config at the default place: normal
    unasked = quiet;
    if (strict === true && !quiet) throw snap.error;
    if (!quiet) logger(`config not applied (${snap.error.code}): ${snap.error.message}; tracing continues with OTEL_* and defaults`);
    failure = snap;
    secretFiles = snap.secretFiles; // watched too: the missing key may arrive with the next Secret swap
    config = emptyConfig();
  } else {
    ({ config, fingerprint, secretFiles } = snap);
  }

  // code > file > OTEL_SDK_DISABLED; disabled: no exporter, thread or route is built (a reload lists a change as restartRequired)
  const disabled = code.disabled ?? config.disabled ?? sdkDisabledEnv(env, logger);
  if (disabled && code.disabled === undefined) logger(`${config.disabled === true ? 'config file "disabled": true' : 'OTEL_SDK_DISABLED=true'}: ${DISABLED_NOTE}`);
  const noExport = codeOwnsExport || disabled;
  if (codeOwnsExport && config.exporters !== null) logger(`config ${path}: exporters and routes ignored: the application passes its own ${code.processor ? 'processor' : 'exporter'}`);
  const factories: ExporterFactories = { ...defaultExporterFactories, ...exporterFactories };
  if (codeOwnsExport && config.exportThread !== null) logger(`config ${path}: exportThread ignored: the application passes its own ${code.processor ? 'processor' : 'exporter'}`);
  const thread = noExport || config.exportThread === null ? null : startThread(config, code.batch, env, logger, setupLog, strict === true, exporterFactories !== undefined);
  // env {}: each destination's batch settings already hold OTEL_BSP_* (resolveBatch); a lane must not parse and warn again.
  const routing = noExport || thread !== null ? null : new RoutingProcessor({ logger, env: {}, drainDeadlineMs });
  const install = (c: TracewireConfig): void => {
    if (routing === null) return;
    const d = destinationsFromConfig(c, factories, code.batch, env, setupLog);
    routing.apply(d.destinations, d.plan);
  };
  try {
    install(config);
  } catch (e) {
    if (strict === true) throw e;
    logger(`config not applied (${(e as ConfigError).code ?? ConfigErrorCode.EXPORTER}): ${(e as Error).message}; tracing continues with OTEL_* and defaults`);
    failure = { error: e as ConfigError, fingerprint: fingerprint ?? '', secretFiles };
    unasked = false;
    fingerprint = null;
    config = emptyConfig();
    try { install(config); } catch (e2) { logger(`no exporter from OTEL_* either (${(e2 as Error).message}); spans are counted as dropped`); }
  }

  const envSampler: Sampler = samplerFromEnv(env, logger);
  const unread = unreadOtelEnv(env, null);
  if (unread !== null) logger(unread);
  const attributes = attributeOptions(code.attributes, config, env, setupLog);
  // per-tenant rates read the tenant as spans hold it (the tracer's limits, fixed at startup), as routes do
  const policy = new AttributePolicy(attributes);
  const fileSampler = (c: TracewireConfig): Sampler => samplerFromSettings(c.sampler!, c.tenantAttribute, policy);
  const reloadable = code.sampler === undefined ? new ReloadableSampler(config.sampler ? fileSampler(config) : envSampler) : null;
  const startup = config;
  const threadStart = thread === null ? null : threadKey(config, code.batch, env);
  let threadNoted = false;
  let samplerInEffect = config.sampler; // a refused switch (parentBased) keeps the sampler running
  const apply = (loaded: TracewireConfig): { inEffect: TracewireConfig; restartRequired: string[] } => {
    const restart: string[] = RESTART_ONLY.filter((k) => canon(startup[k]) !== canon(loaded[k]));
    // Routes and per-tenant rates keep reading the tenant attribute the tracer started with (see RESTART_ONLY).
    const next = loaded.tenantAttribute === startup.tenantAttribute ? loaded : deepFreeze({ ...loaded, tenantAttribute: startup.tenantAttribute });
    install(next); // throws ConfigError: the reload is refused and nothing changed
    if (threadStart !== null) {
      const t = threadRestart(threadStart, next, code.batch, env);
      if (t.length > 0 && !threadNoted) {
        threadNoted = true;
        logger(`exportThread: the export thread keeps the exporters and batch settings it started with (secret files included); changed ${t.join(', ')} take effect at the next restart, see configStats().restartRequired`);
      }
      restart.push(...t);
    }
    if (reloadable === null || reloadable.swap(next.sampler ? fileSampler(next) : envSampler)) samplerInEffect = next.sampler;
    else restart.push('sampler.parentBased');
    return { inEffect: inEffect(next, startup, threadStart !== null, samplerInEffect), restartRequired: restart };
  };


  // Checked whether or not the file loaded: a bad file on a subPath mount is one whose fix never arrives.
  const subPath = warnSubPath([path, ...secretFiles], logger);
  if (fingerprint !== null) logger(`config loaded from ${path}: ${describeConfig(config)}`);

  const reloader = new ConfigReloader({
    path, logger, apply, onReload, config, fingerprint, secretFiles, envTls, startupFailure: failure, startupUnasked: unasked, subPath,
    inForce: sinceStartup(startupRules(ownRules(config))),
    watch: watch !== false && (explicit || existsSync(dirname(path))),
    watchOptions: { debounceMs, pollMs, onWarn: logger },
  });
  const tracerOptions: TracerOptions = {
    ...code,
    service: code.service ?? config.service.name,
    serviceVersion: code.serviceVersion ?? config.service.version,
    resource: { ...config.service.attributes, ...code.resource },
    sampler: code.sampler ?? reloadable!,
    attributes,
    recordErrorMessages: code.recordErrorMessages ?? config.recordErrorMessages,
    // Children carry their request's tenant, so tenant routes and sampling see every span of it (AC-005).
    inheritAttributes: code.inheritAttributes ?? [config.tenantAttribute],
    processor: code.processor ?? thread ?? routing ?? undefined,
    disabled,
    env,
    logger,
  };
  return new ConfiguredTracer(tracerOptions, routing, reloader, thread);
}

/** The export thread for a config with exportThread; null (main-thread export, logged) if it cannot start. */
function startThread(config: TracewireConfig, batch: TracerOptions['batch'], env: NodeJS.ProcessEnv, logger: (m: string) => void, setupLog: (m: string) => void, strict: boolean, customFactories: boolean): ConfigThreadProcessor | null {
  if (customFactories) logger('exportThread: exporterFactories are not used (the export thread builds its exporters from the file\'s settings)');
  try {
    return new ConfigThreadProcessor(threadPlan(config, batch, env, setupLog), config, logger);
  } catch (e) {
    const err = new ConfigError(ConfigErrorCode.EXPORTER, `exportThread: the export thread could not be started: ${(e as Error)?.message ?? e}`, config.source);
    if (strict) throw err;
    logger(`${err.message}; exporting on the main thread instead`);
    return null;
  }
}
