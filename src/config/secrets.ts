// Secret values (header values, file-mounted tokens). Redacted on every path a value can leak by:
// JSON.stringify, util.inspect/console.log, String()/template literals, and `+` concatenation.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { inspect } from 'node:util';
import { ConfigError, ConfigErrorCode, errnoCode } from './errors.js';

export const REDACTED = '[redacted]';
/** A token or API key is far below this; a larger file is a wrong mount, refused unread. */
export const MAX_SECRET_BYTES = 16 * 1024;

export class Secret {
  readonly #value: string;
  /** Where it came from: the secret file path, or 'inline' for a value written in the config file. */
  readonly source: string;
  constructor(value: string, source = 'inline') {
    this.#value = value;
    this.source = source;
  }
  /** The value itself: only for building the exporter's request headers. */
  reveal(): string { return this.#value; }
  toJSON(): string { return REDACTED; }
  toString(): string { return REDACTED; }
  [Symbol.toPrimitive](): string { return REDACTED; }
  [inspect.custom](): string { return `Secret(${REDACTED})`; }
}

/** A `{ "valueFrom": { "file", "prefix" } }` reference found by the validator, resolved later. */
export interface SecretRef {
  readonly file: string;
  readonly prefix: string;
  /** JSON path of the header, for error messages. */
  readonly at: string;
}

/** Content of a secret file, or the reason it is unusable (errno code or a fixed phrase; never content). */
export type SecretContent = { ok: true; value: string } | { ok: false; reason: string };

// O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused after fstat); no effect on regular files.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const TOO_LARGE = `larger than ${MAX_SECRET_BYTES} bytes`;

/** Refused before reading: a device (/dev/zero never ends), a FIFO or directory, or a file over the cap. */
function refuse(st: Stats): SecretContent | null {
  if (!st.isFile()) return { ok: false, reason: 'not a regular file' };
  if (st.size > MAX_SECRET_BYTES) return { ok: false, reason: TOO_LARGE };
  return null;
}

/** Reads at most MAX_SECRET_BYTES + 1 bytes: a file that grew after fstat is still refused, never read whole. */
export function readSecretSync(file: string): SecretContent {
  let fd = -1;
  try {
    fd = openSync(file, OPEN_FLAGS);
    const refused = refuse(fstatSync(fd));
    if (refused !== null) return refused;
    const buf = Buffer.allocUnsafe(MAX_SECRET_BYTES + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    return checkSecret(buf, n);
  } catch (e) {
    return { ok: false, reason: errnoCode(e) };
  } finally {
    if (fd !== -1) try { closeSync(fd); } catch { /* nothing to do */ }
  }
}

export async function readSecret(file: string): Promise<SecretContent> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(file, OPEN_FLAGS);
    const refused = refuse(await fh.stat());
    if (refused !== null) return refused;
    const buf = Buffer.allocUnsafe(MAX_SECRET_BYTES + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = (await fh.read(buf, n, buf.length - n, null)).bytesRead;
    return checkSecret(buf, n);
  } catch (e) {
    return { ok: false, reason: errnoCode(e) };
  } finally {
    await fh?.close().catch(() => {});
  }
}

/** kubectl create secret --from-file keeps the trailing newline: trim; a header value must be one line. */
function checkSecret(buf: Buffer, n: number): SecretContent {
  if (n > MAX_SECRET_BYTES) return { ok: false, reason: TOO_LARGE };
  const v = buf.toString('utf8', 0, n).trim();
  if (v === '') return { ok: false, reason: 'empty' };
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 && c !== 0x09) return { ok: false, reason: 'contains a line break or control character (a header value must be one line)' };
    if (c === 0x7f) return { ok: false, reason: 'contains a control character' };
  }
  return { ok: true, value: v };
}

/** Build the Secret for a reference from file contents; throws TW_CONFIG_SECRET_UNREADABLE. */
export function secretFromRef(ref: SecretRef, content: SecretContent | undefined, configFile: string | null): Secret {
  if (content === undefined || !content.ok) {
    const why = content === undefined ? 'not read' : content.reason;
    throw new ConfigError(ConfigErrorCode.SECRET_UNREADABLE, `${configFile ?? 'config'}: ${ref.at}: secret file ${ref.file} is unusable (${why}); expected a readable file holding one line`, configFile, [{ path: ref.at, message: `secret file ${ref.file}: ${why}` }]);
  }
  return new Secret(ref.prefix + content.value, ref.file);
}
