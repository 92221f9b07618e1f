// TLS of the OTLP exporter: a private CA and a client certificate (mTLS), as PEM text or PEM files
// (OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE / CLIENT_CERTIFICATE / CLIENT_KEY, sdk-environment-variables.md), and the
// passphrase of an encrypted client key (text or a file; no OTEL_* variable names one).
// Everything is read and checked once; a problem is a TW_ERR_OTLP_TLS_CONFIG error that the exporter returns
// for every export (counted as failedTls): it never throws into the host, and never sends without the TLS asked for.
import { readBounded, readBoundedSync } from './read-bounded.js';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import tls from 'node:tls';

/** Per piece, PEM text wins over a file; both win over the OTEL_EXPORTER_OTLP_* variables. */
export interface OtlpTlsOptions {
  /** CA certificate(s) that sign the backend's certificate (replaces Node's default CA list for this exporter). */
  ca?: string | Buffer;
  /** Client certificate (mTLS); needs `key`. */
  cert?: string | Buffer;
  /** Private key of the client certificate (PEM); an encrypted one (`ENCRYPTED PRIVATE KEY`, `Proc-Type: 4,ENCRYPTED`) needs `passphrase`. */
  key?: string | Buffer;
  /** Passphrase of an encrypted client key (wins over `passphraseFile`). Never logged. */
  passphrase?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** File holding the passphrase, e.g. a mounted Secret key: one line; the final line break is not part of it. */
  passphraseFile?: string;
}

/** The agent's TLS options: PEM text, and the key's passphrase. */
export interface TlsMaterial { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; passphrase?: string }

/** The error code of every TLS setup problem (unreadable or invalid file, certificate without key, ...). */
export const TLS_CONFIG_ERROR = 'TW_ERR_OTLP_TLS_CONFIG';
/** A CA bundle is far below this (the Mozilla bundle is ~220 KB); a larger file is a wrong mount, refused unread. */
export const MAX_PEM_BYTES = 1024 * 1024;

/** A passphrase is far below this; a larger file is a wrong mount (the key itself, say), refused unread. */
export const MAX_PASSPHRASE_BYTES = 4096;

export type PemContent = { ok: true; pem: string } | { ok: false; reason: string };
export type PassphraseContent = { ok: true; value: string } | { ok: false; reason: string };
type Piece = 'ca' | 'cert' | 'key';
/** What a TLS problem is about: a PEM piece, or the key's passphrase. */
export type TlsPiece = Piece | 'passphrase';
const PIECES: readonly Piece[] = ['ca', 'cert', 'key'];
export const PIECE_TEXT: Readonly<Record<TlsPiece, string>> = { ca: 'CA certificate', cert: 'client certificate', key: 'client key', passphrase: 'client key passphrase' };


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

/** `kubectl create secret --from-file` keeps the final line break: removed (as `openssl -passin file:` reads a line); one line only. */
function checkPassphrase(buf: Buffer, n: number): PassphraseContent {
  if (n > MAX_PASSPHRASE_BYTES) return { ok: false, reason: `larger than ${MAX_PASSPHRASE_BYTES} bytes` };
  let v = buf.toString('utf8', 0, n);
  if (v.endsWith('\n')) v = v.slice(0, v.endsWith('\r\n') ? -2 : -1);
  if (v === '') return { ok: false, reason: 'empty' };
  if (v.includes('\n') || v.includes('\r')) return { ok: false, reason: 'more than one line' };
  return { ok: true, value: v };
}

/** Reads at most MAX_PASSPHRASE_BYTES + 1 bytes of a regular file. Never throws; the reason never holds content. */
export function readPassphraseSync(file: string): PassphraseContent {
  const r = readBoundedSync(file, MAX_PASSPHRASE_BYTES, 'read error');
  return r.ok ? checkPassphrase(r.buf, r.n) : r;
}

/** readPassphraseSync for config reloads. */
export async function readPassphrase(file: string): Promise<PassphraseContent> {
  const r = await readBounded(file, MAX_PASSPHRASE_BYTES, 'read error');
  return r.ok ? checkPassphrase(r.buf, r.n) : r;
}

/** How a PEM key says it is encrypted (PKCS#8, or OpenSSL's traditional form), or null. */
function encryptedForm(key: string | Buffer): string | null {
  const t = String(key);
  if (t.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) return 'ENCRYPTED PRIVATE KEY';
  return /^Proc-Type:[ \t]*4,[ \t]*ENCRYPTED/m.test(t) ? 'Proc-Type: 4,ENCRYPTED' : null;
}

/**
 * Why a set is unusable. `encrypted`: the key's PEM form, when it is encrypted and no passphrase was given;
 * `wrongPassphrase`: the passphrase does not decrypt it. Callers word those two for their settings.
 */
export interface TlsProblem { piece: TlsPiece | null; reason: string; encrypted?: string; /** OpenSSL's reason */ wrongPassphrase?: string }

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
export function tlsProblem(m: TlsMaterial): TlsProblem | null {
  if ((m.cert === undefined) !== (m.key === undefined)) return { piece: m.cert === undefined ? 'key' : 'cert', reason: m.cert === undefined ? 'a client key needs its client certificate' : 'a client certificate needs its key' };
  if (m.passphrase !== undefined && m.key === undefined) return { piece: 'passphrase', reason: 'a passphrase decrypts the client key: no client key is set' };
  if (m.ca !== undefined) {
    const blocks = String(m.ca).match(/-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) return { piece: 'ca', reason: 'no "-----BEGIN CERTIFICATE-----" block' };
    for (let i = 0; i < blocks.length; i++) {
      try { new X509Certificate(blocks[i]!); } catch (e) { return { piece: 'ca', reason: `certificate #${i + 1} is invalid: ${sslReason(e)}` }; }
    }
  }
  if (m.key !== undefined) {
    // checked on its own first: a wrong passphrase can fail as "bad decrypt" or, when the padding happens to check out, as a decoding error
    const form = encryptedForm(m.key);
    if (form !== null && m.passphrase === undefined) return { piece: 'key', reason: `the client key is encrypted (${form}) and no passphrase is given`, encrypted: form };
    if (form !== null) {
      try { createPrivateKey({ key: m.key, format: 'pem', passphrase: m.passphrase }); } catch (e) {
        return { piece: 'passphrase', reason: `the passphrase does not decrypt the client key (${sslReason(e)})`, wrongPassphrase: sslReason(e) };
      }
    }
  }
  if (m.cert !== undefined) {
    try { tls.createSecureContext({ cert: m.cert, key: m.key, passphrase: m.passphrase }); } catch (e) { return { piece: null, reason: `client certificate and key: ${sslReason(e)}` }; }
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

/** A read's reason saying the path names no file (readBounded's errno codes). */
export function namesNoFile(reason: string): boolean {
  return reason === 'ENOENT' || reason === 'ENOTDIR' || reason === 'ENAMETOOLONG';
}

/**
 * A passphrase file setting as printed: only when it names a file. One that names none may be the passphrase itself
 * given in its place, and looking like a path proves nothing (a base64 passphrase holds / and may start with it).
 */
function shownPassphrasePath(file: string, from: string, found: boolean): string {
  if (!found) return `(${from}: no such file; the value is not shown, it may be the passphrase itself)`;
  return /[\x00-\x1f]/.test(file) ? `(${from}: value not shown)` : `${file} (${from})`;
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
  const where: Partial<Record<TlsPiece, string>> = {}; // for messages: "(tls.key)", "file /k.pem (tls.keyFile)"
  for (const p of PIECES) {
    const text = o?.[p];
    if (text !== undefined && text !== null) { material[p] = pemText(text); from.push(`tls.${p}`); where[p] = `(tls.${p})`; continue; }
    const f = o?.[`${p}File`];
    const ref = typeof f === 'string' && f !== '' ? { file: f, from: `tls.${p}File` } : env?.[p];
    if (ref === undefined) continue;
    const c = readPemSync(ref.file);
    if (!c.ok) return { ok: false, message: `${PIECE_TEXT[p]} file ${shownPath(ref.file, ref.from)} is unusable: ${c.reason}` };
    material[p] = c.pem;
    from.push(ref.from);
    where[p] = `file ${shownPath(ref.file, ref.from)}`;
  }
  const pass = passphraseOf(o, material, from, where);
  if (pass !== null) return pass;
  if (from.length === 0) return { ok: true, material: null, from };
  const bad = tlsProblem(material);
  if (bad === null) return { ok: true, material, from };
  const set = ` [from ${from.join(', ')}]`;
  if (bad.encrypted !== undefined) return { ok: false, message: `client key ${where.key} is encrypted (${bad.encrypted}) and no passphrase is given: set tls.passphrase or tls.passphraseFile${set}` };
  if (bad.wrongPassphrase !== undefined) return { ok: false, message: `the passphrase ${where.passphrase} does not decrypt the client key ${where.key} (${bad.wrongPassphrase})${set}` };
  return { ok: false, message: `${bad.reason}${bad.piece === null ? '' : ` (${PIECE_TEXT[bad.piece]})`}${set}` };
}

/** The key's passphrase into `material`: text > file. A failure to read the file, else null. */
function passphraseOf(o: OtlpTlsOptions | undefined, material: TlsMaterial, from: string[], where: Partial<Record<TlsPiece, string>>): TlsResult | null {
  const text = o?.passphrase;
  if (typeof text === 'string' && text !== '') { material.passphrase = text; from.push('tls.passphrase'); where.passphrase = '(tls.passphrase)'; return null; }
  const f = o?.passphraseFile;
  if (typeof f !== 'string' || f === '') return null;
  const c = readPassphraseSync(f);
  if (!c.ok) return { ok: false, message: `${PIECE_TEXT.passphrase} file ${shownPassphrasePath(f, 'tls.passphraseFile', !namesNoFile(c.reason))} is unusable: ${c.reason}` };
  material.passphrase = c.value;
  from.push('tls.passphraseFile');
  where.passphrase = `in ${shownPassphrasePath(f, 'tls.passphraseFile', true)}`;
  return null;
}
