// Reload loop: on a watcher event or poll, re-read the file and its secrets, compare the fingerprint with
// the config in effect, validate, and apply. A bad version keeps the last good config, is counted and
// reported once (until the content changes again); a deleted file counts the same way.
import { redactUrl } from '../otlp-env.js';
import { ConfigError, type ConfigErrorCodeValue } from './errors.js';
import { isFailed, readSnapshot, type FailedSnapshot } from './load.js';
import { DirWatcher, watchDirs, type WatchOptions } from './watch.js';
import type { TracewireConfig } from './types.js';
import type { TlsFileRefs } from '../otlp-tls.js';
import type { RulesInForce } from './tenant-rules.js';

export interface ReloadEvent {
  ok: boolean;
  /** The config in effect after this event (the last good one when ok is false; restart-only settings as at startup). */
  config: TracewireConfig;
  error: ConfigError | null;
  /** Changed settings that only a restart applies (service, limits, attributes, http, ...). */
  restartRequired: string[];
}

export interface ConfigStats {
  path: string;
  /** A file's config is in effect (false: code, OTEL_* and defaults only). */
  loaded: boolean;
  reloads: number;
  reloadFailures: number;
  /** Checks that found the same content as the config in effect. */
  unchanged: number;
  /** The most recent rejection (history: kept after a later good reload; see `fileRejected` for now). */
  lastError: ConfigErrorCodeValue | null;
  lastErrorMessage: string | null;
  /** The file as it is on disk now is rejected (the last good config, or OTEL_* and defaults, stay in effect): a health check's question. */
  fileRejected: boolean;
  /** The file looks like a subPath mount: Kubernetes will never update it. */
  subPath: boolean;
  /** Directories with a live watcher. */
  watching: string[];
  restartRequired: string[];
}

export interface ReloaderOptions {
  path: string;
  logger: (msg: string) => void;
  /**
   * Install a config; returns the config now in effect (restart-only settings as at startup) and the changed settings
   * that need a restart; throws ConfigError to refuse it.
   */
  apply: (config: TracewireConfig) => { inEffect: TracewireConfig; restartRequired: string[] };
  onReload?: (event: ReloadEvent) => void;
  config: TracewireConfig;
  /** Fingerprint of the file content in effect; null when no file config is. */
  fingerprint: string | null;
  secretFiles: string[];
  /** The OTEL_* exporter's PEM files, read with the file when it has no `exporters` (load.ts). */
  envTls?: TlsFileRefs;
  /** The tenant rules in force (limits, http, tenantAttribute are read at startup): a new file's own do not count. */
  inForce?: RulesInForce;
  startupFailure: FailedSnapshot | null;
  /** The startup failure is no rejection: nothing at the default path, which nobody asked for (kept only so a poll stays quiet). */
  startupUnasked?: boolean;
  subPath: boolean;
  watch: boolean;
  watchOptions?: WatchOptions;
}

/** One line describing what a config installs: exporter names and kinds, routes (never header values). */
export function describeConfig(c: TracewireConfig): string {
  const thread = c.exportThread === null ? '' : '; exportThread on (every span to every routed exporter, off the event loop)';
  if (c.exporters === null) return 'exporters from OTEL_* environment' + thread;
  const ex = Object.entries(c.exporters).map(([n, e]) => `${n} (${e.type}${e.type === 'otlp' ? ' ' + redactUrl(e.url) : e.type === 'file' ? ' ' + e.path : ''})`);
  const t = Object.entries(c.routes.tenants).map(([k, v]) => `${k}→[${v.join(',')}]`);
  const line = `exporters ${ex.join(', ') || '(none)'}; routes ${t.length ? 'tenants ' + t.join(' ') + ', ' : ''}default→[${c.routes.default.join(',')}], all→[${c.routes.all.join(',')}]${thread}`;
  return line.length > 600 ? line.slice(0, 600) + '…' : line;
}

export class ConfigReloader {
  private config: TracewireConfig;
  private fingerprint: string | null;
  private failedFingerprint: string | null;
  private secretFiles: string[];
  private running: Promise<ReloadEvent | null> | null = null;
  private again = false;
  private closed = false;
  private readonly watcher: DirWatcher | null;
  private readonly s: ConfigStats;

  constructor(private readonly o: ReloaderOptions) {
    this.config = o.config;
    this.fingerprint = o.fingerprint;
    this.failedFingerprint = o.startupFailure?.fingerprint ?? null;
    this.secretFiles = o.secretFiles;
    const rejected = o.startupUnasked === true ? null : o.startupFailure;
    this.s = {
      path: o.path, loaded: o.fingerprint !== null, reloads: 0, reloadFailures: 0, unchanged: 0,
      lastError: rejected?.error.code ?? null, lastErrorMessage: rejected?.error.message ?? null,
      fileRejected: rejected !== undefined && rejected !== null, subPath: o.subPath, watching: [], restartRequired: [],
    };
    this.watcher = o.watch ? new DirWatcher(this.dirs(), () => { void this.check(); }, o.watchOptions) : null;
  }

  get current(): TracewireConfig { return this.config; }

  /** Re-resolved at every check: a link on the way may now point elsewhere. */
  private dirs(extra: readonly string[] = []): string[] {
    return [...new Set([this.o.path, ...this.secretFiles, ...extra].flatMap(watchDirs))];
  }

  stats(): ConfigStats {
    return { ...this.s, watching: this.watcher?.watching ?? [], restartRequired: [...this.s.restartRequired] };
  }

  /** Re-read now (also what the watcher calls). Resolves with the event, or null when nothing changed. */
  check(): Promise<ReloadEvent | null> {
    if (this.running !== null) { this.again = true; return this.running; }
    const run = async (): Promise<ReloadEvent | null> => {
      let ev: ReloadEvent | null = null;
      do {
        this.again = false;
        const e = await this.checkOnce();
        if (e !== null) ev = e;
      } while (this.again && !this.closed);
      return ev;
    };
    this.running = run().finally(() => { this.running = null; });
    return this.running;
  }

  private async checkOnce(): Promise<ReloadEvent | null> {
    if (this.closed) return null;
    const snap = await readSnapshot(this.o.path, { envTls: this.o.envTls, inForce: this.o.inForce });
    if (this.closed) return null;
    if (isFailed(snap)) {
      this.watcher?.setDirs(this.dirs(snap.secretFiles));
      return this.fail(snap.error, snap.fingerprint);
    }
    if (snap.fingerprint === this.fingerprint) {
      this.watcher?.setDirs(this.dirs());
      this.s.unchanged++;
      if (this.failedFingerprint !== null) this.log(`config ${this.o.path}: valid again (same as the config in effect)`);
      this.failedFingerprint = null;
      this.s.fileRejected = false;
      return null;
    }
    let applied: { inEffect: TracewireConfig; restartRequired: string[] };
    try {
      applied = this.o.apply(snap.config);
    } catch (e) {
      return this.fail(e instanceof ConfigError ? e : new ConfigError('TW_CONFIG_EXPORTER', String((e as Error)?.message ?? e), this.o.path), snap.fingerprint);
    }
    const { inEffect, restartRequired } = applied;
    this.config = inEffect; // not the file as loaded: a restart-only change (service) is not running
    this.fingerprint = snap.fingerprint;
    this.failedFingerprint = null;
    this.s.fileRejected = false;
    this.secretFiles = snap.secretFiles;
    this.watcher?.setDirs(this.dirs());
    this.s.reloads++;
    this.s.loaded = true;
    this.s.restartRequired = restartRequired;
    const restart = restartRequired.length ? `; changes to ${restartRequired.join(', ')} take effect at the next restart` : '';
    this.log(`config reloaded from ${this.o.path}: ${describeConfig(inEffect)}${restart}`);
    return this.emit({ ok: true, config: inEffect, error: null, restartRequired });
  }

  private fail(error: ConfigError, fingerprint: string): ReloadEvent | null {
    if (fingerprint === this.failedFingerprint) return null; // same bad content: reported already
    this.failedFingerprint = fingerprint;
    this.s.fileRejected = true;
    this.s.reloadFailures++;
    this.s.lastError = error.code;
    this.s.lastErrorMessage = error.message;
    const keep = this.s.loaded ? 'keeping the last good config' : 'tracing continues with OTEL_* and defaults';
    this.log(`config reload rejected (${error.code}): ${error.message}; ${keep}`);
    return this.emit({ ok: false, config: this.config, error, restartRequired: [] });
  }

  /** Reloads run from watcher callbacks: a throwing logger would be an unhandled rejection, which ends the process. */
  private log(msg: string): void {
    try { this.o.logger(msg); } catch { /* the host's logger must not stop reloading or take the host down */ }
  }

  private emit(ev: ReloadEvent): ReloadEvent {
    try { this.o.onReload?.(ev); } catch { /* the host's callback must not stop reloading */ }
    return ev;
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
  }
}
