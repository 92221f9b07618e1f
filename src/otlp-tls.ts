// TLS of the OTLP exporter: a private CA and a client certificate (mTLS), as PEM text or PEM files
// (OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE / CLIENT_CERTIFICATE / CLIENT_KEY, sdk-environment-variables.md).
// Everything is read and checked once; a problem is a TW_ERR_OTLP_TLS_CONFIG error that the exporter returns
// for every export (counted as failedTls): it never throws into the host, and never sends without the TLS asked for.
import { readBounded, readBoundedSync } from './read-bounded.js';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';

/** Per piece, PEM text wins over a file; both win over the OTEL_EXPORTER_OTLP_* variables. */
export interface OtlpTlsOptions {
  /** CA certificate(s) that sign the backend's certificate (replaces Node's default CA list for this exporter). */
  ca?: string | Buffer;
  /** Client certificate (mTLS); needs `key`. */
  cert?: string | Buffer;
  /** Private key of the client certificate (unencrypted PEM). */
  key?: string | Buffer;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** The agent's TLS options, all PEM text. */
export interface TlsMaterial { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer }

/** The error code of every TLS setup problem (unreadable or invalid file, certificate without key, ...). */
export const TLS_CONFIG_ERROR = 'TW_ERR_OTLP_TLS_CONFIG';
/** A CA bundle is far below this (the Mozilla bundle is ~220 KB); a larger file is a wrong mount, refused unread. */
export const MAX_PEM_BYTES = 1024 * 1024;

export type PemContent = { ok: true; pem: string } | { ok: false; reason: string };
type Piece = 'ca' | 'cert' | 'key';
const PIECES: readonly Piece[] = ['ca', 'cert', 'key'];
export const PIECE_TEXT: Readonly<Record<Piece, string>> = { ca: 'CA certificate', cert: 'client certificate', key: 'client key' };


function checkPem(buf: Buffer, n: number): PemContent {
  if (n > MAX_PEM_BYTES) return { ok: false, reason: `larger than ${MAX_PEM_BYTES} bytes` };
  const pem = buf.toString('utf8', 0, n);
  return pem.includes('-----BEGIN ') ? { ok: true, pem } : { ok: false, reason: 'not PEM (no "-----BEGIN" line)' };
}

/** Reads at most MAX_PEM_BYTES + 1 bytes of a regular file. Never throws: the reason is an errno code or a fixed phrase. */
export function readPemSync(file: string): PemContent {
  const r = readBoundedSync(file, MAX_PEM_BYTES, 'read error');
  return r.ok ? checkPem(r.buf, r.n) : r;
}

/** readPemSync for config reloads: the event loop never waits on a slow volume. */
export async function readPem(file: string): Promise<PemContent> {
  const r = await readBounded(file, MAX_PEM_BYTES, 'read error');
  return r.ok ? checkPem(r.buf, r.n) : r;
}

/** OpenSSL's reason ("key values mismatch") and code; never the PEM text. */
function sslReason(e: unknown): string {
  const m = String((e as Error)?.message ?? e);
  const reason = m.includes('::') ? m.slice(m.lastIndexOf('::') + 2) : m.slice(0, 120);
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' ? `${reason} (${code})` : reason;
}

/**
 * Why these pieces cannot make a TLS client, or null. node:tls silently skips a CA entry it cannot parse,
 * so every CERTIFICATE block of `ca` is parsed here; cert and key are checked (and matched) by OpenSSL itself.
 */
export function tlsProblem(m: TlsMaterial): { piece: Piece | null; reason: string } | null {
  if ((m.cert === undefined) !== (m.key === undefined)) return { piece: m.cert === undefined ? 'key' : 'cert', reason: m.cert === undefined ? 'a client key needs its client certificate' : 'a client certificate needs its key' };
  if (m.ca !== undefined) {
    const blocks = String(m.ca).match(/-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) return { piece: 'ca', reason: 'no "-----BEGIN CERTIFICATE-----" block' };
    for (let i = 0; i < blocks.length; i++) {
      try { new X509Certificate(blocks[i]!); } catch (e) { return { piece: 'ca', reason: `certificate #${i + 1} is invalid: ${sslReason(e)}` }; }
    }
  }
  if (m.cert !== undefined) {
    try { tls.createSecureContext({ cert: m.cert, key: m.key }); } catch (e) { return { piece: null, reason: `client certificate and key: ${sslReason(e)}` }; }
  }
  return null;
}

/** A Buffer crossing to the export thread (structured clone) arrives as a plain Uint8Array, which String() would spell as digits. */
function pemText(v: string | Buffer | Uint8Array): string | Buffer {
  return typeof v === 'string' || Buffer.isBuffer(v) ? v : ArrayBuffer.isView(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
}

/** A setting holding the PEM itself (a Secret key mapped into the env) must not be printed: it may be a private key. */
function shownPath(file: string, from: string): string {
  if (file.includes('-----BEGIN') || /[\x00-\x1f]/.test(file) || file.length > 4096) return `(${from} holds PEM text, not a file path: it takes the path of a PEM file; value not shown)`;
  return `${file} (${from})`;
}

/** Where each piece comes from when no PEM text is given: a file and the name of the setting that gave it. */
export type TlsFileRefs = Partial<Record<Piece, { file: string; from: string }>>;

export type TlsResult = { ok: true; material: TlsMaterial | null; from: string[] } | { ok: false; message: string };

/**
 * The exporter's TLS material: per piece, PEM text from options > `…File` option > `env` (the TRACES_ variable, then
 * the generic one, as otlpFromEnv resolved). Files are read here, synchronously, once (exporter construction).
 */
export function resolveTls(o: OtlpTlsOptions | undefined, env: TlsFileRefs | undefined): TlsResult {
  const material: TlsMaterial = {};
  const from: string[] = [];
  for (const p of PIECES) {
    const text = o?.[p];
    if (text !== undefined && text !== null) { material[p] = pemText(text); from.push(`tls.${p}`); continue; }
    const f = o?.[`${p}File`];
    const ref = typeof f === 'string' && f !== '' ? { file: f, from: `tls.${p}File` } : env?.[p];
    if (ref === undefined) continue;
    const c = readPemSync(ref.file);
    if (!c.ok) return { ok: false, message: `${PIECE_TEXT[p]} file ${shownPath(ref.file, ref.from)} is unusable: ${c.reason}` };
    material[p] = c.pem;
    from.push(ref.from);
  }
  if (from.length === 0) return { ok: true, material: null, from };
  const bad = tlsProblem(material);
  if (bad !== null) return { ok: false, message: `${bad.reason}${bad.piece === null ? '' : ` (${PIECE_TEXT[bad.piece]})`} [from ${from.join(', ')}]` };
  return { ok: true, material, from };
}
