// Config errors carry a stable code (like undici's UND_ERR_*) so callers and tests never parse messages.
// Messages name the file, the JSON path and what is allowed; they never contain a secret's value.

export const ConfigErrorCode = {
  /** The config file (explicit path or TRACEWIRE_CONFIG) does not exist. */
  NOT_FOUND: 'TW_CONFIG_NOT_FOUND',
  /** The file exists but cannot be read (permissions, I/O error), or is not a regular file (a directory, FIFO, device). */
  UNREADABLE: 'TW_CONFIG_UNREADABLE',
  /** Larger than MAX_CONFIG_BYTES: refused before reading. */
  TOO_LARGE: 'TW_CONFIG_TOO_LARGE',
  /** Not JSON (line and column given, never the text around it: it may hold a token). */
  PARSE: 'TW_CONFIG_PARSE',
  /** JSON, but not a valid tracewire config: see `problems`. */
  INVALID: 'TW_CONFIG_INVALID',
  /** A `valueFrom.file` secret is missing, unreadable, empty or not a single line. */
  SECRET_UNREADABLE: 'TW_CONFIG_SECRET_UNREADABLE',
  /** A `tls` PEM file is missing, unreadable or invalid, or the set is unusable (a certificate that does not match its key). */
  TLS: 'TW_CONFIG_TLS',
  /** An exporter could not be built from valid settings (the exporter factory threw). */
  EXPORTER: 'TW_CONFIG_EXPORTER',
} as const;
export type ConfigErrorCodeValue = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/** One validation problem: where (JSON path, `$` = the root) and what is wrong / allowed. */
export interface ConfigProblem {
  path: string;
  message: string;
}

const kConfigError = Symbol.for('tracewire.config.error');
/** Problems listed in a message; the rest are summarised ("and N more"), all stay in `problems`. */
const MESSAGE_PROBLEMS = 10;

export class ConfigError extends Error {
  readonly code: ConfigErrorCodeValue;
  /** The config file the error is about, if any. */
  readonly file: string | null;
  readonly problems: readonly ConfigProblem[];

  constructor(code: ConfigErrorCodeValue, message: string, file: string | null = null, problems: readonly ConfigProblem[] = []) {
    super(message);
    this.name = 'ConfigError';
    this.code = code;
    this.file = file;
    this.problems = problems;
  }

  /** Recognised across duplicate copies of the module (ESM + CJS in one process). */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return v !== null && typeof v === 'object' && (v as Record<symbol, unknown>)[kConfigError] === true;
  }
  get [kConfigError](): boolean { return true; }
}

export function invalidConfig(file: string | null, problems: readonly ConfigProblem[]): ConfigError {
  const shown = problems.slice(0, MESSAGE_PROBLEMS).map((p) => `${p.path}: ${p.message}`);
  if (problems.length > MESSAGE_PROBLEMS) shown.push(`and ${problems.length - MESSAGE_PROBLEMS} more`);
  const n = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new ConfigError(ConfigErrorCode.INVALID, `${file ?? 'config'}: ${n}: ${shown.join('; ')}`, file, problems);
}

export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}
