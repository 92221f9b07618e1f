// Literal stripping for db.query.text / db.statement arriving from OpenTelemetry instrumentations: one
// charCode pass that copies everything except literals (replaced by `?`) and comments (removed), as the
// DB semantic conventions ask ("sanitize: replace literals with ?"). No regex. Each dialect's lexical rules are
// a record (otel-sql-dialect.ts); where the dialects a query may be written in read a literal or comment as
// ending at different places, the rest is stripped (otel-sql-lex.ts): a leak is worse than a lost tail.
import { QueryDialect, LEXICON, ALWAYS, FOREIGN, NO, YES, EITHER, SPACED, NO_BLOCK, SQL_PREFIX, GSQL_PREFIX, type QueryDialectValue } from './otel-sql-dialect.js';
import {
  SQ, DQ, BT, DOLLAR, SLASH, STAR, HASH, isDigit, isWord, isSpace, skipQuoted, stringEnd, foreignEnd, identEnd, qQuotedEnd, lineEnd,
  blockEnd, skipDollarQuoted, bracketEnd, DOUBLED, OPEN,
} from './otel-sql-lex.js';

export { QueryDialect, dialectFor, type QueryDialectValue } from './otel-sql-dialect.js';

const DASH = 45;
const DOT = 46;
const COLON = 58;
const AMP = 38;
const PLUS = 43;
const LBRACKET = 91;

/** After a JSON string ending at `end`: is the next significant char ':' (so the string is a key)? */
function isJsonKey(s: string, end: number): boolean {
  const n = s.length;
  while (end < n && isSpace(s.charCodeAt(end))) end++;
  return end < n && s.charCodeAt(end) === COLON;
}

/** Command dialect: the first word, then ` ?` if anything followed it. */
function commandOnly(s: string): string {
  let i = 0;
  const n = s.length;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  const start = i;
  while (i < n && !isSpace(s.charCodeAt(i))) i++;
  const cmd = s.slice(start, i);
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  return i < n ? cmd + ' ?' : cmd;
}

/**
 * Replace string, numeric, hex/bit and dollar-quoted literals with `?` and remove comments; identifiers,
 * keywords, operators and placeholders (`$1`, `?`, `:name`, `@p`) are kept. Returns `s` itself when
 * nothing had to change (no allocation on already-parameterised queries).
 */
export function sanitizeQuery(s: string, dialect: QueryDialectValue = QueryDialect.UNKNOWN): string {
  if (dialect === QueryDialect.COMMAND) return commandOnly(s);
  const n = s.length;
  let i = 0;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  const c0 = s.charCodeAt(i);
  // '{' or '[': a JSON document whatever the system; not in GraphQL, where `{ ... }` is the query shorthand
  if ((c0 === 123 || c0 === 91) && dialect !== QueryDialect.GRAPHQL && dialect !== QueryDialect.GRAPHQL_SOURCE) dialect = QueryDialect.JSON;
  const lx = LEXICON[dialect]!;
  const json = dialect === QueryDialect.JSON;
  const pg = dialect === QueryDialect.SQL;
  let out = '';
  let last = 0; // s[last, i) not yet copied to out
  // A `[name]` read the other way too (lx.brackets): its `]`. A literal, comment or quoted name opening before it and
  // ending past it is read differently by the two (T-SQL: part of the name), so the rest goes.
  let close = -1;
  while (i < n) {
    const c = s.charCodeAt(i);
    const start = i; // what gets replaced: [start, end)
    let end = -1;
    let replacement = '?';
    if (c === SQ) end = lx.sq === FOREIGN ? foreignEnd(s, i, SQ) : stringEnd(s, i, SQ, lx.sq, lx);
    else if (c === DQ) {
      if (lx.dqString) {
        end = stringEnd(s, i, DQ, lx.dq, lx);
        if (json && isJsonKey(s, end)) { i = end; continue; }
      } else if ((end = skipQuoted(s, i, DQ, DOUBLED | OPEN)) >= 0) { i = end; continue; } // an SQL identifier: no backslash escapes, `"dir\"` ends there
      else end = n; // left open: what follows would be kept as part of the name
    } else if (c === BT) { // a quoted identifier (MySQL, GoogleSQL, Cypher, HiveQL)
      if (lx.bt === FOREIGN) end = foreignEnd(s, i, BT);
      else if ((end = identEnd(s, i, lx.bt, lx.oneLine)) >= 0 && !(i < close && end > close)) { i = end; continue; }
      else end = n; // left open, GoogleSQL and MySQL end it at different places, or it crosses a [name]'s ]
    } else if (c === HASH && lx.hash !== NO) { // # line comment; PostgreSQL reads # as an operator
      end = lineEnd(s, i, lx.hash === YES);
      replacement = '';
    } else if (c === DASH && s.charCodeAt(i + 1) === DASH && lx.dashes !== NO) { // MySQL reads `--` as a comment only before a space
      end = lineEnd(s, i, lx.dashes === YES || (lx.dashes === SPACED && (i + 2 >= n || isSpace(s.charCodeAt(i + 2)))));
      replacement = '';
    } else if (c === SLASH && s.charCodeAt(i + 1) === STAR && lx.nest !== NO_BLOCK) { // /* block comment */ (sqlcommenter, hints)
      end = blockEnd(s, i, lx.nest);
      replacement = '';
    } else if (c === SLASH && s.charCodeAt(i + 1) === SLASH && lx.slashes !== NO) { // Cypher // line comment
      end = lineEnd(s, i, lx.slashes === YES);
      replacement = '';
    } else if (c === DOLLAR) {
      end = lx.dollar ? skipDollarQuoted(s, i) : -1;
      if (end < 0) { i++; while (i < n && isWord(s.charCodeAt(i))) i++; continue; } // $1 placeholder
    } else if (isDigit(c) || (c === DOT && isDigit(s.charCodeAt(i + 1))) || (lx.signed && c === DASH && isDigit(s.charCodeAt(i + 1)))) {
      // number: digits, '.', exponent with sign, 0x.., and any word chars glued to it
      const d0 = c === DASH ? i + 1 : i;
      let j = d0 + 1;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (isWord(d) || d === DOT) j++;
        else if ((d === PLUS || d === DASH) && (s.charCodeAt(j - 1) | 32) === 101 && isDigit(s.charCodeAt(d0)) && !isHexPrefix(s, d0)) j++;
        else break;
      }
      end = j;
    } else if (isWord(c)) {
      let j = i + 1;
      while (j < n && isWord(s.charCodeAt(j))) j++;
      // E'..', N'..', X'..', B'..', U&'..', GoogleSQL r'..', b'..', rb'..': the prefix belongs to the literal
      const d = s.charCodeAt(j);
      if (d === SQ && lx.qq !== NO && isQPrefix(s, i, j) && (end = qQuotedEnd(s, j)) >= 0) { // Oracle q'[..]', nq'[..]'
        if (lx.qq === EITHER && end !== stringEnd(s, j, SQ, lx.sq, lx)) end = n;
      } else if (lx.prefix === SQL_PREFIX && j === i + 1 && d === SQ && isLiteralPrefix(c)) end = stringEnd(s, j, SQ, pg && (c | 32) === 101 ? ALWAYS : lx.sq, lx); // PostgreSQL E'..': C escapes
      else if (lx.prefix === SQL_PREFIX && j === i + 1 && (c | 32) === 117 && d === AMP && s.charCodeAt(j + 1) === SQ) end = stringEnd(s, j + 1, SQ, lx.sq, lx);
      else if (lx.prefix === GSQL_PREFIX && (d === SQ || d === DQ) && isGsqlPrefix(s, i, j)) end = stringEnd(s, j, d, d === SQ ? lx.sq : lx.dq, lx);
      else { i = j; continue; }
    } else if (c === COLON && s.charCodeAt(i + 1) === COLON) { i += 2; continue; } // PostgreSQL cast ::type
    else {
      if (c === LBRACKET && lx.brackets && i > close) close = bracketEnd(s, i);
      i++;
      continue;
    }
    if (start < close && end > close) end = n;
    out += s.slice(last, start) + replacement;
    last = i = end;
  }
  return last === 0 ? s : out + s.slice(last);
}

/** The word s[i, j) is `q` or `nq` (any case). */
function isQPrefix(s: string, i: number, j: number): boolean {
  return (j === i + 1 && (s.charCodeAt(i) | 32) === 113) || (j === i + 2 && (s.charCodeAt(i) | 32) === 110 && (s.charCodeAt(i + 1) | 32) === 113);
}

function isLiteralPrefix(c: number): boolean {
  const l = c | 32;
  return l === 101 /* e */ || l === 110 /* n */ || l === 120 /* x */ || l === 98; /* b */
}

/** The word s[i, j) is r, b, rb or br (any case): GoogleSQL raw and bytes literals. */
function isGsqlPrefix(s: string, i: number, j: number): boolean {
  const a = s.charCodeAt(i) | 32;
  if (j === i + 1) return a === 114 || a === 98;
  const b = s.charCodeAt(i + 1) | 32;
  return j === i + 2 && ((a === 114 && b === 98) || (a === 98 && b === 114));
}

function isHexPrefix(s: string, i: number): boolean {
  return s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120;
}

/** Strip literals from a span name that carries a query (some instrumentations name spans by it); its system is not known. */
export function sanitizeName(name: string): string {
  return name.indexOf("'") < 0 && name.indexOf('"') < 0 ? name : sanitizeQuery(name, QueryDialect.UNKNOWN);
}
