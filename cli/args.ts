// What every subcommand shares: option parsing (node:util parseArgs, strict), the span files to read,
// colour, and the exit codes (0 ok, 1 a finding: not found / check failed / below threshold, 2 usage or input error).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { readFiles, InputError, type ReadStats } from './read.js';
import { expandFiles, DIR_PATTERNS } from './files.js';
import { Model } from './model.js';
import { canRewrite, makeStyle, wantColor, type Style } from './term.js';

export const EXIT_OK = 0;
export const EXIT_FINDING = 1;
export const EXIT_USAGE = 2;
export const DEFAULT_FILE = 'tracewire-spans.jsonl';

export class UsageError extends Error {
  readonly code = 'TW_ERR_USAGE';
}

type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  /** how many positionals the command takes, at most */
  positionals: number;
  run(v: Values, pos: string[]): Promise<number>;
}

export const OUTPUT_OPTIONS: Options = {
  json: { type: 'boolean' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
};
export const FILE_OPTIONS: Options = {
  file: { type: 'string', short: 'f', multiple: true },
  progress: { type: 'boolean' },
  ...OUTPUT_OPTIONS,
};
export const FILE_HELP = `  -f, --file <path>   span file (OTLP/JSON lines, plain, gzip or zstd); repeatable; rotated siblings
                      <path>.1, .2 ... (and .2.gz ...) are read too (default: ./${DEFAULT_FILE});
                      a directory: its ${DIR_PATTERNS} files,
                      by name, oldest rotation first (not subdirectories)
  --progress          show read progress on stderr (default: only on a terminal, not with TERM=dumb)`;
export const OUTPUT_HELP = `  --json              machine-readable output (an error too: {"error", "code", "exitCode"})
  --color, --no-color force colours on or off (default: on a terminal, not with TERM=dumb or NO_COLOR set;
                      FORCE_COLOR=1 forces them); no other escape sequences are ever written`;

export function parse(cmd: Command, argv: string[]): { values: Values; positionals: string[] } {
  let r;
  try {
    r = parseArgs({ args: argv, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[\w+\]: /, ''));
  }
  if (r.positionals.length > cmd.positionals) throw new UsageError(`unexpected argument '${r.positionals[cmd.positionals]}'`);
  return { values: r.values as Values, positionals: r.positionals };
}

export function styleFor(v: Values, stream: { isTTY?: boolean } = process.stdout): Style {
  const flag = v.color === true ? true : v['no-color'] === true ? false : undefined;
  return makeStyle(wantColor(flag, stream));
}

/** Strings of a repeatable option, also split on commas (`--allow a,b --allow c`). */
export function list(v: Values, name: string): string[] {
  const raw = v[name];
  const arr = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  return (arr as string[]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}

export function num(v: Values, name: string, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = v[name];
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} expects a number between ${min} and ${max}, got '${String(raw)}'`);
  }
  return n;
}

export interface Loaded { model: Model; stats: ReadStats; files: string[] }

/** Read the span files named by --file (default ./tracewire-spans.jsonl) into an indexed model. */
export async function load(v: Values, o: { traceIds?: readonly string[]; keepAttributes?: boolean; warn?: (msg: string) => void } = {}): Promise<Loaded> {
  const named = list(v, 'file');
  const given = named.length > 0 ? named : [DEFAULT_FILE];
  const { files, unlisted } = expandFiles(given);
  const model = new Model({ keepAttributes: o.keepAttributes });
  const progress = v.progress === true || canRewrite(process.stderr); // TERM=dumb: as a pipe, only when asked (then line by line)
  try {
    const namedPaths = new Set(given.map((f) => resolve(f)));
    const optional = new Set(files.filter((f) => !namedPaths.has(resolve(f)))); // found by listing: may be rotated away or unreadable: skipped, not fatal
    const stats = await readFiles(files, model, { traceIds: o.traceIds, progress, optional, unlisted, warn: o.warn });
    model.index();
    return { model, stats, files };
  } catch (e) {
    if (e instanceof InputError && named.length === 0) {
      throw new InputError(`${e.message}\n  (no --file given, so ./${DEFAULT_FILE} was read: run \`npx tracewire demo\` to make one, or pass --file <path>)`);
    }
    throw e;
  }
}

/** 32 hex digits from a trace ID, a traceparent, or a server-timing `trace;desc=00-...` value; or null. */
export function traceIdArg(s: string | undefined): string | null {
  if (s === undefined) return null;
  const t = s.trim().toLowerCase();
  const m = /(?:^|[^0-9a-f])([0-9a-f]{32})(?:$|[^0-9a-f])/.exec(t);
  if (m === null || /^0+$/.test(m[1]!)) return null;
  if (t.length !== 32 && !/^(?:.*desc="?)?[0-9a-f]{2}-[0-9a-f]{32}-/.test(t)) return null;
  return m[1]!;
}

export function out(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : s + '\n');
}
