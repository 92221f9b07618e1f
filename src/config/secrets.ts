// Secret values (header values, file-mounted tokens). Redacted on every path a value can leak by:
// JSON.stringify, util.inspect/console.log, String()/template literals, and `+` concatenation.
import { readBounded, readBoundedSync } from '../read-bounded.js';
import { inspect } from 'node:util';
import { ConfigError, ConfigErrorCode } from './errors.js';

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

const TOO_LARGE = `larger than ${MAX_SECRET_BYTES} bytes`;

/** Reads at most MAX_SECRET_BYTES + 1 bytes: a file that grew after fstat is still refused, never read whole. */
export function readSecretSync(file: string): SecretContent {
  const r = readBoundedSync(file, MAX_SECRET_BYTES, 'unknown error');
  return r.ok ? checkSecret(r.buf, r.n) : r;
}

export async function readSecret(file: string): Promise<SecretContent> {
  const r = await readBounded(file, MAX_SECRET_BYTES, 'unknown error');
  return r.ok ? checkSecret(r.buf, r.n) : r;
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
    if (c > 0xff) return { ok: false, reason: 'contains a character a header value cannot carry (above U+00FF, e.g. a typographic quote)' };
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
