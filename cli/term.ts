// Terminal output: every untrusted string (span names, services, attribute values) goes through
// clean() before it reaches a terminal, so a hostile name can't move the cursor, retitle the window
// or hide text (ECMA-48 C0/C1 controls, ESC sequences, Unicode bidi overrides are made visible).

/** Colour decided once per process: explicit flag > NO_COLOR/FORCE_COLOR > TERM=dumb > TTY. */
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

/** --color / --no-color win; then NO_COLOR (no-color.org), FORCE_COLOR; else colour only on a TTY that is not TERM=dumb. */
export function wantColor(flag: boolean | undefined, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return canRewrite(stream, env);
}

/** A status line may be redrawn in place (`\r`) only on a terminal that is not TERM=dumb (Emacs shell, CI consoles): else one line per update. */
export function canRewrite(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** A status line redrawn with `\r` and spaces over the previous one: no ANSI erase sequence, so any terminal shows it right. */
export class StatusLine {
  private shown = 0;
  constructor(private readonly stream: { write(s: string): unknown }) {}
  set(msg: string): void {
    this.stream.write('\r' + msg + ' '.repeat(Math.max(0, this.shown - msg.length)));
    this.shown = msg.length;
  }
  /** Erase it (nothing written when nothing was shown). */
  clear(): void {
    if (this.shown > 0) this.stream.write('\r' + ' '.repeat(this.shown) + '\r');
    this.shown = 0;
  }
}

function isUnsafe(c: number): boolean {
  return c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f) // C0, DEL, C1 (0x9b is a one-byte CSI)
    || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) // bidi embeddings/overrides/isolates
    || c === 0x200e || c === 0x200f || c === 0x061c // bidi marks
    || c === 0x2028 || c === 0x2029 || c === 0xfeff;
}

/** A lone surrogate (half of a pair cut apart) is shown escaped too: a terminal would print U+FFFD. */
const isLoneSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdfff;

/**
 * Make an untrusted string safe and single-line for a terminal: every control or bidi character is
 * shown as a visible escape (`\x1b`, `\u202e`), so nothing in it is interpreted. Cut to `max` terminal
 * cells (a CJK character or an emoji takes two), never inside a surrogate pair.
 */
export function clean(s: unknown, max = 200): string {
  const str = typeof s === 'string' ? s : s === undefined || s === null ? '' : String(s);
  let out = '';
  let from = 0;
  // every visible code point is at least one cell, bar combining marks: 4 units per cell bounds the scan of a huge string
  const n = Math.min(str.length, max * 4 + 2);
  let i = 0;
  for (; i < n; i++) {
    const c = str.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length) {
      const d = str.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { i++; continue; } // a pair: a code point past U+FFFF, safe
    }
    if (!isUnsafe(c) && !isLoneSurrogate(c)) continue;
    out += str.slice(from, i) + (c < 0x100 ? '\\x' + c.toString(16).padStart(2, '0') : '\\u' + c.toString(16).padStart(4, '0'));
    from = i + 1;
  }
  out += str.slice(from, i); // i may be n + 1: a pair straddling the bound is kept whole
  return fit(out, max, i < str.length);
}

/** Cut a clean string to `max` cells with a trailing `…` (also when `cut`: the input was longer than what was read). */
export function fit(s: string, max: number, cut = false): string {
  let w = 0;
  let keep = 0; // length of the longest prefix of at most max - 1 cells
  for (let i = 0; i < s.length; i++) {
    const c = s.codePointAt(i)!;
    const step = c > 0xffff ? 2 : 1;
    w += cells(c);
    if (w > max) return s.slice(0, keep) + '…';
    if (w <= max - 1) keep = i + step;
    i += step - 1;
  }
  return cut ? s.slice(0, keep) + '…' : s;
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const WIDE_EMOJI = /^\p{Emoji_Presentation}$/u;

/** Terminal cells of one code point (as wcwidth): 0 combining and format characters, 2 East Asian wide/fullwidth and emoji. */
export function cells(c: number): number {
  if (c < 0x300) return 1;
  if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) || (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf)
    || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) || (c >= 0xa960 && c <= 0xa97f) || (c >= 0xac00 && c <= 0xd7a3)
    || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe10 && c <= 0xfe19) || (c >= 0xfe30 && c <= 0xfe6f) || (c >= 0xff00 && c <= 0xff60)
    || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) || (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd)) return 2;
  const ch = String.fromCodePoint(c);
  if (ZERO_WIDTH.test(ch)) return 0;
  return WIDE_EMOJI.test(ch) ? 2 : 1;
}

/** Visible width in terminal cells, ignoring our own SGR colour sequences (only ever added after clean()). */
export function width(s: string): number {
  let w = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x1b) {
      while (i < s.length && s[i] !== 'm') i++;
      continue;
    }
    if (c < 0x300) { w++; continue; }
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) i++;
    w += cells(cp);
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
  if (!Number.isFinite(from)) return ' '.repeat(cols); // a span without a start time: no bar, the columns after it stay put
  if (!Number.isFinite(to)) to = from;
  const a = Math.max(0, Math.min(cols - 1, Math.floor(from * cols)));
  const b = Math.max(a + 1, Math.min(cols, Math.ceil(to * cols)));
  return ' '.repeat(a) + '█'.repeat(b - a) + ' '.repeat(cols - b);
}
