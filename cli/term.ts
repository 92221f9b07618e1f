// Terminal output: every untrusted string (span names, services, attribute values) goes through
// clean() before it reaches a terminal, so a hostile name can't move the cursor, retitle the window
// or hide text (ECMA-48 C0/C1 controls, ESC sequences, Unicode bidi overrides are made visible).

/** Colour decided once per process: explicit flag > NO_COLOR/FORCE_COLOR > TTY. */
export interface Style {
  readonly color: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

function wrap(open: number, close: number): (s: string) => string {
  const a = `\x1b[${open}m`;
  const b = `\x1b[${close}m`;
  return (s) => a + s + b;
}
const id = (s: string): string => s;

export function makeStyle(color: boolean): Style {
  if (!color) return { color, bold: id, dim: id, red: id, green: id, yellow: id, cyan: id };
  return { color, bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), cyan: wrap(36, 39) };
}

/** --color / --no-color win; then NO_COLOR (no-color.org), FORCE_COLOR; else colour only on a TTY. */
export function wantColor(flag: boolean | undefined, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true;
}

function isUnsafe(c: number): boolean {
  return c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f) // C0, DEL, C1 (0x9b is a one-byte CSI)
    || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) // bidi embeddings/overrides/isolates
    || c === 0x200e || c === 0x200f || c === 0x061c // bidi marks
    || c === 0x2028 || c === 0x2029 || c === 0xfeff;
}

/**
 * Make an untrusted string safe and single-line for a terminal: every control or bidi character is
 * shown as a visible escape (`\x1b`, `\u202e`), so nothing in it is interpreted. Cut to `max` chars.
 */
export function clean(s: unknown, max = 200): string {
  const str = typeof s === 'string' ? s : s === undefined || s === null ? '' : String(s);
  let out = '';
  let from = 0;
  const n = Math.min(str.length, max + 1);
  for (let i = 0; i < n; i++) {
    const c = str.charCodeAt(i);
    if (!isUnsafe(c)) continue;
    out += str.slice(from, i) + (c < 0x100 ? '\\x' + c.toString(16).padStart(2, '0') : '\\u' + c.toString(16).padStart(4, '0'));
    from = i + 1;
  }
  out += str.slice(from, n);
  return out.length > max ? out.slice(0, max - 1) + '…' : out;
}

/** Visible width, ignoring our own SGR colour sequences (only ever added after clean()). */
export function width(s: string): number {
  let w = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 0x1b) {
      while (i < s.length && s[i] !== 'm') i++;
      continue;
    }
    w++;
  }
  return w;
}

export function padEnd(s: string, n: number): string {
  const w = width(s);
  return w >= n ? s : s + ' '.repeat(n - w);
}

export function padStart(s: string, n: number): string {
  const w = width(s);
  return w >= n ? s : ' '.repeat(n - w) + s;
}

/** 1.23 ms, 45.6 ms, 1.20 s: three significant digits, unit chosen by size. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 0) ms = 0;
  if (ms < 1) return (ms * 1000).toFixed(0) + 'µs';
  if (ms < 10) return ms.toFixed(2) + 'ms';
  if (ms < 1000) return ms.toFixed(1) + 'ms';
  if (ms < 60_000) return (ms / 1000).toFixed(2) + 's';
  return (ms / 60_000).toFixed(1) + 'min';
}

export function fmtPct(x: number): string {
  return Number.isFinite(x) ? (x * 100).toFixed(1) + '%' : '-';
}

export function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

/** A table with columns sized to their widest cell; `right` marks numeric columns. */
export function table(header: string[], rows: string[][], right: boolean[] = [], style?: Style): string {
  // a loop, not Math.max(...rows): past ~120k rows (services --top 0) the spread overflows the stack
  const w = header.map((h) => width(h));
  for (const r of rows) for (let i = 0; i < w.length; i++) { const x = width(r[i] ?? ''); if (x > w[i]!) w[i] = x; }
  const line = (cells: string[]): string => cells.map((c, i) => (right[i] ? padStart(c, w[i]!) : padEnd(c, w[i]!))).join('  ').trimEnd();
  const head = line(header);
  return [style ? style.bold(head) : head, ...rows.map(line)].join('\n');
}

/** A horizontal bar from `from` to `to` (fractions 0..1) in `cols` cells. */
export function bar(from: number, to: number, cols: number): string {
  const a = Math.max(0, Math.min(cols - 1, Math.floor(from * cols)));
  const b = Math.max(a + 1, Math.min(cols, Math.ceil(to * cols)));
  return ' '.repeat(a) + '█'.repeat(b - a) + ' '.repeat(cols - b);
}
