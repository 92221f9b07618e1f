// `exporters.<name>.tls`: PEM files (CA, client certificate, key) and the key's passphrase file, mounted from a Secret.
// load.ts reads them with the header secret files (same fingerprint, same watched directories), so a rotated
// certificate is a reload; here they become Secrets on the settings and are checked together (an unusable set, a
// missing or wrong passphrase, refuses the config).
import { namesNoFile, PIECE_TEXT, tlsProblem, type PassphraseContent, type PemContent, type TlsFileRefs } from '../otlp-tls.js';
import { ConfigError, ConfigErrorCode } from './errors.js';
import { Secret } from './secrets.js';
import { childPath } from './validate.js';
import type { OtlpTlsSettings } from './types.js';

type Piece = 'ca' | 'cert' | 'key';
const PIECES: readonly Piece[] = ['ca', 'cert', 'key'];

/** One exporter's tls block whose files are still to be read: PEM files, and the key's passphrase file. */
export interface PendingTls { at: string; target: OtlpTlsSettings; files: Partial<Record<Piece, string>>; passphrase?: string }

/** From a validated `tls` object (file paths); `at` is its JSON path. */
export function pendingTls(raw: Partial<Record<Piece | 'passphrase', string>>, at: string): PendingTls {
  const files: PendingTls['files'] = {};
  const target: OtlpTlsSettings = {};
  for (const p of PIECES) if (raw[p] !== undefined) { files[p] = raw[p]; target[p] = new Secret('', raw[p]); }
  const t: PendingTls = { at, target, files };
  if (raw.passphrase !== undefined) { t.passphrase = raw.passphrase; target.passphrase = new Secret('', raw.passphrase); }
  return t;
}

export function pemFiles(list: readonly PendingTls[]): string[] {
  return [...new Set(list.flatMap((t) => Object.values(t.files)))];
}

/** The passphrase files of these tls blocks (each once). */
export function passphraseFiles(list: readonly PendingTls[]): string[] {
  return [...new Set(list.flatMap((t) => (t.passphrase === undefined ? [] : [t.passphrase])))];
}

function tlsError(configFile: string | null, at: string, what: string): ConfigError {
  return new ConfigError(ConfigErrorCode.TLS, `${configFile ?? 'config'}: ${at}: ${what}`, configFile, [{ path: at, message: what }]);
}

/** Fill in the PEM contents and passphrases and check each set; throws TW_CONFIG_TLS (file path and reason, never content). */
export function resolvePending(list: readonly PendingTls[], contents: ReadonlyMap<string, PemContent>, configFile: string | null, passphrases: ReadonlyMap<string, PassphraseContent> = new Map()): void {
  for (const t of list) {
    for (const p of PIECES) {
      const file = t.files[p];
      if (file === undefined) continue;
      const c = contents.get(file);
      if (c === undefined || !c.ok) throw tlsError(configFile, childPath(t.at, p), `${PIECE_TEXT[p]} file ${file} is unusable (${c === undefined ? 'not read' : c.reason}); expected a readable PEM file`);
      t.target[p] = new Secret(c.pem, file);
    }
    const pf = t.passphrase;
    if (pf !== undefined) {
      const c = passphrases.get(pf);
      // a path that names no file may be the passphrase itself written in its place (a base64 one may start with /): not shown
      const shown = c !== undefined && !c.ok && namesNoFile(c.reason) ? '(no such file; the value is not shown, it may be the passphrase itself)' : pf;
      if (c === undefined || !c.ok) throw tlsError(configFile, childPath(t.at, 'passphrase'), `passphrase file ${shown} is unusable (${c === undefined ? 'not read' : c.reason}); expected a readable file holding the client key's passphrase on one line`);
      t.target.passphrase = new Secret(c.value, pf);
    }
    const bad = tlsProblem({ ca: t.target.ca?.reveal(), cert: t.target.cert?.reveal(), key: t.target.key?.reveal(), passphrase: t.target.passphrase?.reveal() });
    if (bad === null) continue;
    if (bad.encrypted !== undefined) throw tlsError(configFile, childPath(t.at, 'key'), `client key ${t.files.key} is encrypted (${bad.encrypted}) and there is no passphrase: add "passphrase", the path of a file holding it (e.g. a key of the same Secret)`);
    if (bad.wrongPassphrase !== undefined) throw tlsError(configFile, childPath(t.at, 'passphrase'), `the passphrase in ${pf} does not decrypt the client key ${t.files.key} (${bad.wrongPassphrase})`);
    const piece = bad.piece === null ? null : bad.piece === 'passphrase' ? pf : t.files[bad.piece];
    throw tlsError(configFile, bad.piece === null ? t.at : childPath(t.at, bad.piece), `${bad.reason}${bad.piece === null ? '' : ` (${piece ?? PIECE_TEXT[bad.piece]})`}`);
  }
}

/** A setting holding PEM text or garbage instead of a path is left to the exporter's error (never watched or logged). */
const pathLike = (f: string): boolean => f.length <= 4096 && !f.includes('-----BEGIN') && !/[\x00-\x1f]/.test(f);

/** The OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE / CLIENT_* files load.ts reads with the config (no `exporters` in it). */
export function envPemFiles(refs: TlsFileRefs | undefined): string[] {
  if (refs === undefined) return [];
  return [...new Set(PIECES.flatMap((p) => (refs[p] !== undefined && pathLike(refs[p]!.file) ? [refs[p]!.file] : [])))];
}

/**
 * The OTEL_* exporter's tls from what load.ts read: a readable piece as PEM text (so a rotated file changes the
 * exporter's key and a reload rebuilds it), an unreadable one as its path (the exporter reports it as before).
 */
export function envTlsSettings(refs: TlsFileRefs, contents: ReadonlyMap<string, PemContent>): OtlpTlsSettings {
  const t: OtlpTlsSettings = {};
  for (const p of PIECES) {
    const r = refs[p];
    if (r === undefined || !pathLike(r.file)) continue; // PEM text in the variable: envExporters passes it to the exporter, not kept here
    const c = contents.get(r.file);
    if (c !== undefined && c.ok) t[p] = new Secret(c.pem, r.file);
    else t[`${p}File`] = r.file;
  }
  return t;
}
