// Where a literal, quoted identifier or comment that opens at `i` ends, for the literal stripper (otel-sql.ts).
// Each takes a rule from the dialect's lexicon (otel-sql-dialect.ts); where a rule may read two ways and the
// readings end at different places, the end is the statement's: a leak is worse than a lost tail.
import { MAYBE, ALWAYS, NO, YES, EITHER, ESCAPED, BLOCK, type Lexicon } from './otel-sql-dialect.js';

export const SQ = 39; // '
export const DQ = 34; // "
export const BT = 96; // `
export const BS = 92; // backslash
export const DOLLAR = 36;
export const SLASH = 47;
export const STAR = 42;
export const HASH = 35;

/** How a quoted run reads: a backslash escapes the next character; a doubled quote continues it; it cannot hold a line break; left open it gives -1. */
export const ESC = 1, DOUBLED = 2, ONE_LINE = 4, OPEN = 8;

export function isDigit(c: number): boolean { return c >= 48 && c <= 57; }
/** Identifier characters: letters, digits, `_`, `$` and anything non-ASCII (Unicode identifiers). */
export function isWord(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95 || c === DOLLAR || c >= 128;
}
export function isSpace(c: number): boolean { return c === 32 || c === 9 || c === 10 || c === 13; }

/**
 * End of a quoted run starting at `i` (the opening quote). `mode`: ESC, a backslash escape continues it (MySQL
 * `'a\\'b'`, PostgreSQL E'..'); DOUBLED, so does a doubled quote (standard `'it''s'`); ONE_LINE, a line break,
 * escaped or not, is not allowed in it (GraphQL, GoogleSQL): the statement is not of the language, the rest goes.
 * Unterminated: the end, or -1 with OPEN.
 */
export function skipQuoted(s: string, i: number, q: number, mode: number): number {
  const n = s.length;
  const open = (mode & OPEN) !== 0 ? -1 : n;
  for (let j = i + 1; j < n; j++) {
    let c = s.charCodeAt(j);
    if (c === BS && (mode & ESC) !== 0) c = s.charCodeAt(++j); // the escaped character: only a line break counts
    else if (c === q) {
      if ((mode & DOUBLED) !== 0 && s.charCodeAt(j + 1) === q) { j++; continue; }
      return j + 1;
    }
    if ((c === 10 || c === 13) && (mode & ONE_LINE) !== 0) return open;
  }
  return open;
}

/** Where `k` characters `c` in a row start in s[from, to), or -1. */
function runOf(s: string, from: number, to: number, c: number, k: number): number {
  for (let j = from, r = 0; j < to; j++) {
    r = s.charCodeAt(j) === c ? r + 1 : 0;
    if (r === k) return j - k + 1;
  }
  return -1;
}

/**
 * End of a literal quoted by `q` at `i`. Standard SQL (and MySQL's NO_BACKSLASH_ESCAPES) has no backslash escapes;
 * MySQL by default and PostgreSQL E'..' do. With `bs` MAYBE, where the two readings end the literal at different
 * places (`'C:\' AND b = 'x'`), either could leave a literal outside, so the rest is stripped.
 */
function literalEnd(s: string, i: number, q: number, bs: number, mode: number): number {
  if (bs !== MAYBE) return skipQuoted(s, i, q, bs === ALWAYS ? mode | ESC : mode);
  const std = skipQuoted(s, i, q, mode);
  if (runOf(s, i + 1, std, BS, 1) < 0) return std; // bounded: an unbounded indexOf per literal is quadratic on long INSERTs
  return skipQuoted(s, i, q, mode | ESC) === std ? std : s.length;
}

/** End of a triple-quoted string at `i`: ESCAPED (GoogleSQL) skips any escaped character, BLOCK (GraphQL) only `\"""`. Unterminated: the end. */
function tripleEnd(s: string, i: number, q: number, kind: number): number {
  const n = s.length;
  for (let j = i + 3; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c === BS && kind === ESCAPED) j++;
    else if (c === BS && s.charCodeAt(j + 1) === q && s.charCodeAt(j + 2) === q && s.charCodeAt(j + 3) === q) j += 3;
    else if (c === q && s.charCodeAt(j + 1) === q && s.charCodeAt(j + 2) === q) return j + 3;
  }
  return n;
}

/** End of the string quoted by `q` at `i` (backslash rule `bs`) as `lx` reads it. */
export function stringEnd(s: string, i: number, q: number, bs: number, lx: Lexicon): number {
  const triple = lx.triple !== NO && s.charCodeAt(i + 1) === q && s.charCodeAt(i + 2) === q;
  if (lx.triple !== EITHER) return triple ? tripleEnd(s, i, q, lx.triple) : literalEnd(s, i, q, bs, (lx.doubled ? DOUBLED : 0) | (lx.oneLine ? ONE_LINE : 0));
  // every reading: SQL's doubled quotes, GoogleSQL's and GraphQL's triple ones (`'a'''` is one literal in SQL, `'a'` and a `'''` in GoogleSQL)
  const e = literalEnd(s, i, q, bs, DOUBLED);
  if (!triple) return runOf(s, i + 1, e, q, 3) >= 0 ? s.length : e;
  const t = tripleEnd(s, i, q, ESCAPED);
  return t === e && (q === SQ || tripleEnd(s, i, q, BLOCK) === t) ? t : s.length;
}

/**
 * A quote the language has none of (GraphQL ' and `), so the document is invalid: read as a JS-style string to its
 * close; where it holds what would open a string or comment in the language (" #), the rest.
 */
export function foreignEnd(s: string, i: number, q: number): number {
  const e = skipQuoted(s, i, q, ESC);
  for (let j = i + 1; j < e; j++) { const c = s.charCodeAt(j); if (c === DQ || c === HASH) return s.length; }
  return e;
}

/**
 * End of a backtick identifier at `i`, or -1 where the rest must go: left open (a literal after it would be kept
 * as part of the name), or where the readings of a backslash in it part (GoogleSQL escapes one, MySQL does not).
 */
export function identEnd(s: string, i: number, bs: number, oneLine: boolean): number {
  const mode = DOUBLED | OPEN | (oneLine ? ONE_LINE : 0);
  if (bs !== MAYBE) return skipQuoted(s, i, BT, bs === ALWAYS ? mode | ESC : mode);
  const plain = skipQuoted(s, i, BT, mode);
  return skipQuoted(s, i, BT, mode | ESC) === plain ? plain : -1;
}

/** Oracle q'<d>...<d>'` with the quote at `i` ([, {, <, ( close with their pair): its end, or -1 if the delimiter cannot open one. */
export function qQuotedEnd(s: string, i: number): number {
  const n = s.length;
  if (i + 1 >= n) return -1;
  const d = s.charCodeAt(i + 1);
  if (isSpace(d)) return -1;
  const close = d === 91 ? 93 : d === 123 ? 125 : d === 60 ? 62 : d === 40 ? 41 : d;
  for (let j = i + 2; j < n - 1; j++) if (s.charCodeAt(j) === close && s.charCodeAt(j + 1) === SQ) return j + 2;
  return n;
}

/** A line comment at `i` that only some dialects read as one: if its text holds a quote or comment opener, the other reading may open a literal there that runs past the line. */
export function lineEnd(s: string, i: number, sure: boolean): number {
  const e = s.indexOf('\n', i);
  const end = e < 0 ? s.length : e;
  if (sure) return end;
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === SQ || c === DQ || c === BT || c === DOLLAR || (c === SLASH && s.charCodeAt(j + 1) === STAR)) return s.length;
  }
  return end;
}

/** End of a block comment at `i`; `nested`: PostgreSQL and HiveQL comments nest. Unterminated: the end. */
function commentEnd(s: string, i: number, nested: boolean): number {
  const n = s.length;
  let depth = 1;
  for (let j = i + 2; j < n - 1; j++) {
    const c = s.charCodeAt(j);
    if (c === STAR && s.charCodeAt(j + 1) === SLASH) { if (--depth === 0) return j + 2; j++; }
    else if (nested && c === SLASH && s.charCodeAt(j + 1) === STAR) { depth++; j++; }
  }
  return n;
}

/** Block comment end by `nest` (NO, YES or EITHER: where the readings differ, the rest). */
export function blockEnd(s: string, i: number, nest: number): number {
  if (nest !== EITHER) return commentEnd(s, i, nest === YES);
  const flat = commentEnd(s, i, false);
  return commentEnd(s, i, true) === flat ? flat : s.length;
}

/** The `]` closing a SQL Server / SQLite `[name]` at `i` (`]]` is a `]` in it), or -1 when left open. */
export function bracketEnd(s: string, i: number): number {
  for (let j = s.indexOf(']', i + 1); j >= 0; j = s.indexOf(']', j + 2)) if (s.charCodeAt(j + 1) !== 93) return j;
  return -1;
}

/** `$$...$$` or `$tag$...$tag$` (PostgreSQL dollar quoting) at i; returns its end, or -1 if i is not one. */
export function skipDollarQuoted(s: string, i: number): number {
  let j = i + 1;
  const n = s.length;
  while (j < n && s.charCodeAt(j) !== DOLLAR) {
    const c = s.charCodeAt(j);
    if (!isWord(c) || isDigit(c) && j === i + 1) return -1; // `$1` is a parameter, not a tag
    j++;
  }
  if (j >= n) return -1;
  const tag = s.slice(i, j + 1);
  const end = s.indexOf(tag, j + 1);
  return end < 0 ? n : end + tag.length;
}
