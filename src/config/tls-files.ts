// `exporters.<name>.tls`: PEM files (CA, client certificate, key) mounted from a Secret. load.ts reads them with
// the header secret files (same fingerprint, same watched directories), so a rotated certificate is a reload;
// here they become Secrets on the settings and are checked together (an unusable set refuses the config).
import { PIECE_TEXT, tlsProblem, type PemContent } from '../otlp-tls.js';
import { ConfigError, ConfigErrorCode } from './errors.js';
import { Secret } from './secrets.js';
import { childPath } from './validate.js';
import type { OtlpTlsSettings } from './types.js';

type Piece = 'ca' | 'cert' | 'key';
const PIECES: readonly Piece[] = ['ca', 'cert', 'key'];

/** One exporter's tls block whose files are still to be read. */
export interface PendingTls { at: string; target: OtlpTlsSettings; files: Partial<Record<Piece, string>> }

/** From a validated `tls` object (file paths); `at` is its JSON path. */
export function pendingTls(raw: Partial<Record<Piece, string>>, at: string): PendingTls {
  const files: PendingTls['files'] = {};
  const target: OtlpTlsSettings = {};
  for (const p of PIECES) if (raw[p] !== undefined) { files[p] = raw[p]; target[p] = new Secret('', raw[p]); }
  return { at, target, files };
}

export function pemFiles(list: readonly PendingTls[]): string[] {
  return [...new Set(list.flatMap((t) => Object.values(t.files)))];
}

function tlsError(configFile: string | null, at: string, what: string): ConfigError {
  return new ConfigError(ConfigErrorCode.TLS, `${configFile ?? 'config'}: ${at}: ${what}`, configFile, [{ path: at, message: what }]);
}

/** Fill in the PEM contents and check each set; throws TW_CONFIG_TLS (file path and reason, never content). */
export function resolvePending(list: readonly PendingTls[], contents: ReadonlyMap<string, PemContent>, configFile: string | null): void {
  for (const t of list) {
    for (const p of PIECES) {
      const file = t.files[p];
      if (file === undefined) continue;
      const c = contents.get(file);
      if (c === undefined || !c.ok) throw tlsError(configFile, childPath(t.at, p), `${PIECE_TEXT[p]} file ${file} is unusable (${c === undefined ? 'not read' : c.reason}); expected a readable PEM file`);
      t.target[p] = new Secret(c.pem, file);
    }
    const bad = tlsProblem({ ca: t.target.ca?.reveal(), cert: t.target.cert?.reveal(), key: t.target.key?.reveal() });
    if (bad !== null) throw tlsError(configFile, bad.piece === null ? t.at : childPath(t.at, bad.piece), `${bad.reason}${bad.piece === null ? '' : ` (${t.files[bad.piece] ?? PIECE_TEXT[bad.piece]})`}`);
  }
}
