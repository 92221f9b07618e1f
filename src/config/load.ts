// Reading the config file: path resolution, size cap, JSON parse with line/column, validation, secret
// files and tls PEM files, and a fingerprint of everything read (the reloader compares content, never mtime).
import { createHash } from 'node:crypto';
import { ConfigError, ConfigErrorCode, invalidConfig } from './errors.js';
import { readSecret, readSecretSync } from './secrets.js';
import { validateConfig } from './validate.js';
import { jsonErrorOffset } from './json-scan.js';
import { notRegularFile, overMax, readBounded, readBoundedSync, type Bounded } from '../read-bounded.js';
import { normalizeConfig, resolveConfig, secretFiles, tlsFiles, tlsPassphraseFiles, type FileTexts, type PendingConfig } from './normalize.js';
import { readPassphrase, readPassphraseSync, readPem, readPemSync, type TlsFileRefs } from '../otlp-tls.js';
import { envPemFiles } from './tls-files.js';
import { envValue } from '../env-value.js';
import type { TracewireConfig } from './types.js';
import type { RulesInForce } from './tenant-rules.js';

export const DEFAULT_CONFIG_PATH = '/etc/tracewire/config.json';
export const CONFIG_PATH_ENV = 'TRACEWIRE_CONFIG';
/** A real config is a few KB; anything near this is a wrong mount. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Explicit path > TRACEWIRE_CONFIG > /etc/tracewire/config.json. `explicit` = someone asked for this file. */
export function resolveConfigPath(path?: string, env: Record<string, string | undefined> = process.env): { path: string; explicit: boolean } {
  if (path !== undefined && path !== '') return { path, explicit: true };
  const e = envValue(env, CONFIG_PATH_ENV);
  if (e) return { path: e, explicit: true };
  return { path: DEFAULT_CONFIG_PATH, explicit: false };
}

/** Everything one read produced; `fingerprint` covers the file text and every secret, tls and passphrase file's content. */
export interface ConfigSnapshot {
  config: TracewireConfig;
  fingerprint: string;
  /** Secret and tls files read, for the watcher (their directories are watched too) and the subPath check. */
  secretFiles: string[];
}

/** The files besides the config: header secrets, tls PEM files, tls key passphrases. */
interface FileLists { secrets: string[]; pems: string[]; passphrases: string[] }
type Reader = (l: FileLists) => FileTexts;

/** A failed read, with the fingerprint of what was read (so an unchanged bad file is reported once). */
export interface FailedSnapshot { error: ConfigError; fingerprint: string; secretFiles: string[] }

/** JSON.parse, with V8's message replaced by line/column only: its excerpt could show a token. */
export function parseConfigText(text: string, file: string | null): unknown {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (t.trim() === '') throw new ConfigError(ConfigErrorCode.PARSE, `${file ?? 'config'}: empty file; expected a JSON object`, file);
  try {
    return JSON.parse(t);
  } catch (e) {
    const m = /position (\d+)/.exec(String((e as Error)?.message));
    // Node 20's "Unexpected token" messages have no position: the scanner finds the first bad token
    const pos = m ? Math.min(Number(m[1]), t.length) : jsonErrorOffset(t);
    let where = 'error not located';
    if (pos >= 0) {
      let line = 1, col = 1;
      for (let i = 0; i < pos; i++) { if (t.charCodeAt(i) === 10) { line++; col = 1; } else col++; }
      where = `${pos >= t.length ? 'unexpected end of input at ' : ''}line ${line} column ${col}`;
    }
    throw new ConfigError(ConfigErrorCode.PARSE, `${file ?? 'config'}: not valid JSON (${where}); the config file is JSON, see schema/tracewire-config.schema.json`, file);
  }
}

/** Parse + validate + normalise text (no I/O): throws TW_CONFIG_PARSE / TW_CONFIG_INVALID. `inForce`: see validateConfig. */
export function parseConfig(text: string, file: string | null = null, inForce?: RulesInForce): PendingConfig {
  const raw = parseConfigText(text, file);
  const problems = validateConfig(raw, inForce);
  if (problems.length > 0) throw invalidConfig(file, problems);
  return normalizeConfig(raw as Record<string, unknown>, file);
}

/** Why the file gave no text: an errno code, or read-bounded.ts's phrase (never content). */
function readError(reason: string, file: string): ConfigError {
  if (overMax(reason)) return new ConfigError(ConfigErrorCode.TOO_LARGE, `${file}: larger than the ${MAX_CONFIG_BYTES} bytes allowed`, file);
  if (reason === 'ENOENT' || reason === 'ENOTDIR') return new ConfigError(ConfigErrorCode.NOT_FOUND, `${file}: no such file (set ${CONFIG_PATH_ENV} or mount the ConfigMap there)`, file);
  if (notRegularFile(reason)) return new ConfigError(ConfigErrorCode.UNREADABLE, `${file}: ${reason}; the config must be a regular file (a ConfigMap key mounted as a volume)`, file);
  return new ConfigError(ConfigErrorCode.UNREADABLE, `${file}: cannot read (${reason})`, file);
}

/**
 * The file's text, or the failure. read-bounded.ts opens without waiting (a FIFO with no writer), refuses what fstat
 * says is not a regular file (a FIFO or /dev/zero never ends) and never reads past the cap (a file that grows).
 */
function textOf(r: Bounded, file: string): string | FailedSnapshot {
  if (r.ok && r.n <= MAX_CONFIG_BYTES) return r.buf.toString('utf8', 0, r.n);
  const reason = r.ok ? `larger than ${MAX_CONFIG_BYTES} bytes` : r.reason;
  // one fingerprint per kind of failure: a FIFO then a directory swapped in are two rejections, one reported twice is one
  return { error: readError(reason, file), fingerprint: 'unread:' + reason, secretFiles: [] };
}

function fingerprintOf(text: string, l: FileLists, c: FileTexts): string {
  const h = createHash('sha256').update(text);
  for (const f of l.secrets) {
    const s = c.secrets.get(f);
    h.update('\0' + f + '\0' + (s === undefined ? '?' : s.ok ? 'v' + s.value : 'e' + s.reason));
  }
  for (const f of l.pems) {
    const p = c.pems.get(f);
    h.update('\0pem\0' + f + '\0' + (p === undefined ? '?' : p.ok ? 'v' + p.pem : 'e' + p.reason));
  }
  for (const f of l.passphrases) {
    const p = c.passphrases.get(f);
    h.update('\0pass\0' + f + '\0' + (p === undefined ? '?' : p.ok ? 'v' + p.value : 'e' + p.reason));
  }
  return h.digest('hex');
}

const NO_FILES: FileLists = { secrets: [], pems: [], passphrases: [] };
const NO_TEXTS: FileTexts = { secrets: new Map(), pems: new Map(), passphrases: new Map() };

/** How a read is done: the OTEL_* exporter's PEM files (`envTls`), the tenant rules in force (`inForce`, validateConfig). */
export interface ReadOptions { envTls?: TlsFileRefs; inForce?: RulesInForce }

function finish(text: string, file: string, o: ReadOptions, read: Reader): ConfigSnapshot | FailedSnapshot;
function finish(text: string, file: string, o: ReadOptions, read: (l: FileLists) => Promise<FileTexts>): Promise<ConfigSnapshot | FailedSnapshot>;
function finish(text: string, file: string, o: ReadOptions, read: (l: FileLists) => FileTexts | Promise<FileTexts>): ConfigSnapshot | FailedSnapshot | Promise<ConfigSnapshot | FailedSnapshot> {
  const envTls = o.envTls;
  let pending: PendingConfig;
  try {
    pending = parseConfig(text, file, o.inForce);
  } catch (e) {
    return { error: e as ConfigError, fingerprint: fingerprintOf(text, NO_FILES, NO_TEXTS), secretFiles: [] };
  }
  const lists: FileLists = {
    secrets: secretFiles(pending),
    // without `exporters` the OTEL_* exporter's PEM files count as the config's: same fingerprint, same watcher
    pems: [...new Set([...tlsFiles(pending), ...(pending.config.exporters === null ? envPemFiles(envTls) : [])])],
    passphrases: tlsPassphraseFiles(pending),
  };
  const watched = [...new Set([...lists.secrets, ...lists.pems, ...lists.passphrases])];
  const done = (c: FileTexts): ConfigSnapshot | FailedSnapshot => {
    const fingerprint = fingerprintOf(text, lists, c);
    try {
      return { config: resolveConfig(pending, c, envTls), fingerprint, secretFiles: watched };
    } catch (e) {
      return { error: e as ConfigError, fingerprint, secretFiles: watched };
    }
  };
  const c = read(lists);
  return c instanceof Promise ? c.then(done) : done(c);
}

/**
 * Synchronous read (startup). Never throws: a failure is returned with its code. `envTls`: the OTEL_* exporter's
 * PEM files (otlpFromEnv), read too when the file has no `exporters`.
 */
export function readSnapshotSync(file: string, o: ReadOptions = {}): ConfigSnapshot | FailedSnapshot {
  const text = textOf(readBoundedSync(file, MAX_CONFIG_BYTES, 'unknown error'), file);
  if (typeof text !== 'string') return text;
  return finish(text, file, o, (l) => ({
    secrets: new Map(l.secrets.map((f) => [f, readSecretSync(f)])),
    pems: new Map(l.pems.map((f) => [f, readPemSync(f)])),
    passphrases: new Map(l.passphrases.map((f) => [f, readPassphraseSync(f)])),
  }));
}

/** Asynchronous read (reloads: the event loop is never blocked on a slow volume). */
export async function readSnapshot(file: string, o: ReadOptions = {}): Promise<ConfigSnapshot | FailedSnapshot> {
  const text = textOf(await readBounded(file, MAX_CONFIG_BYTES, 'unknown error'), file);
  if (typeof text !== 'string') return text;
  return finish(text, file, o, async (l) => ({
    secrets: new Map(await Promise.all(l.secrets.map(async (f) => [f, await readSecret(f)] as const))),
    pems: new Map(await Promise.all(l.pems.map(async (f) => [f, await readPem(f)] as const))),
    passphrases: new Map(await Promise.all(l.passphrases.map(async (f) => [f, await readPassphrase(f)] as const))),
  }));
}

export function isFailed(s: ConfigSnapshot | FailedSnapshot): s is FailedSnapshot {
  return (s as FailedSnapshot).error !== undefined;
}

/**
 * Read, validate and return the config at `path` (default: TRACEWIRE_CONFIG, then /etc/tracewire/config.json).
 * Throws a ConfigError (code TW_CONFIG_*) on any problem; tracerFromConfig() catches it instead.
 */
export function loadConfig(path?: string, env?: Record<string, string | undefined>): TracewireConfig {
  const s = readSnapshotSync(resolveConfigPath(path, env).path);
  if (isFailed(s)) throw s.error;
  return s.config;
}
