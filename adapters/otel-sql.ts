// Literal stripping for db.query.text / db.statement arriving from OpenTelemetry instrumentations: one
// charCode pass that copies everything except literals (replaced by `?`) and comments (removed), as the
// DB semantic conventions ask ("sanitize: replace literals with ?"). No regex. Where the dialects a query
// may be written in read a literal or comment as ending at different places, the rest is stripped: a leak
// is worse than a lost tail.

/** How double-quoted tokens, backslashes, comments and arguments are read. */
export const QueryDialect = {
  /** PostgreSQL: "x" is an identifier and is kept; block comments nest; E'..' has backslash escapes. */
  SQL: 0,
  /** MySQL, MariaDB, GraphQL, N1QL, Cypher, GoogleSQL, HiveQL: "x" is a string literal; # starts a comment. */
  DQ_STRING: 1,
  /** JSON documents (MongoDB, Elasticsearch): string values stripped, object keys kept. */
  JSON: 2,
  /** Key-value commands (Redis, Memcached): every argument is data; only the command name is kept. */
  COMMAND: 3,
  /** A system not known to be one of the above (the default): every reading at once, so "x" is stripped as a literal. */
  UNKNOWN: 4,
  /** Oracle: "x" is an identifier; q'[..]' alternative quoting; no backslash escapes; comments do not nest. */
  ORACLE: 5,
} as const;
export type QueryDialectValue = (typeof QueryDialect)[keyof typeof QueryDialect];

/** How a quoted run treats a backslash: never an escape, maybe one (both readings checked), always one. */
const NEVER = 0, MAYBE = 1, ALWAYS = 2;
/** Whether block comments nest, and whether q'..' is Oracle quoting: no, yes, or either (both readings checked). */
const NO = 0, YES = 1, EITHER = 2;

const SQ = 39; // '
const DQ = 34; // "
const BT = 96; // `
const BS = 92; // backslash
const DOLLAR = 36;
const DASH = 45;
const SLASH = 47;
const STAR = 42;
const DOT = 46;
const COLON = 58;
const AMP = 38;
const PLUS = 43;
const HASH = 35;

function isDigit(c: number): boolean { return c >= 48 && c <= 57; }
/** Identifier characters: letters, digits, `_`, `$` and anything non-ASCII (Unicode identifiers). */
function isWord(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95 || c === DOLLAR || c >= 128;
}
function isSpace(c: number): boolean { return c === 32 || c === 9 || c === 10 || c === 13; }

/**
 * End of a quoted run starting at `i` (the opening quote): a doubled quote continues it (standard `'it''s'`),
 * and with `escapes` so does a backslash escape (MySQL `'a\\'b'`, PostgreSQL E'..'). Unterminated: the end.
 */
function skipQuoted(s: string, i: number, q: number, escapes: boolean): number {
  const n = s.length;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c === BS && escapes) { j++; continue; }
    if (c === q) {
      if (j + 1 < n && s.charCodeAt(j + 1) === q) { j++; continue; }
      return j + 1;
    }
  }
  return n;
}

/**
 * End of a literal quoted by `q` at `i`. Standard SQL (and MySQL's NO_BACKSLASH_ESCAPES) has no backslash escapes;
 * MySQL by default and PostgreSQL E'..' do. With `bs` MAYBE, where the two readings end the literal at different
 * places (`'C:\\' AND b = 'x'`), either could leave a literal outside, so the rest is stripped.
 */
function literalEnd(s: string, i: number, q: number, bs: number): number {
  if (bs !== MAYBE) return skipQuoted(s, i, q, bs === ALWAYS);
  const std = skipQuoted(s, i, q, false);
  const b = s.indexOf('\\', i + 1);
  if (b < 0 || b >= std) return std;
  return skipQuoted(s, i, q, true) === std ? std : s.length;
}

/** Oracle q'<d>...<d>'` with the quote at `i` ([, {, <, ( close with their pair): its end, or -1 if the delimiter cannot open one. */
function qQuotedEnd(s: string, i: number): number {
  const n = s.length;
  if (i + 1 >= n) return -1;
  const d = s.charCodeAt(i + 1);
  if (isSpace(d)) return -1;
  const close = d === 91 ? 93 : d === 123 ? 125 : d === 60 ? 62 : d === 40 ? 41 : d;
  for (let j = i + 2; j < n - 1; j++) if (s.charCodeAt(j) === close && s.charCodeAt(j + 1) === SQ) return j + 2;
  return n;
}

/** A line comment at `i` that only some dialects read as one: if its text holds a quote or comment opener, the other reading may open a literal there that runs past the line. */
function lineEnd(s: string, i: number, sure: boolean): number {
  const e = s.indexOf('\n', i);
  const end = e < 0 ? s.length : e;
  if (sure) return end;
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === SQ || c === DQ || c === BT || c === DOLLAR || (c === SLASH && s.charCodeAt(j + 1) === STAR)) return s.length;
  }
  return end;
}

/** End of a block comment at `i`; `nested`: PostgreSQL comments nest. Unterminated: the end. */
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
function blockEnd(s: string, i: number, nest: number): number {
  if (nest !== EITHER) return commentEnd(s, i, nest === YES);
  const flat = commentEnd(s, i, false);
  return commentEnd(s, i, true) === flat ? flat : s.length;
}

/** `$$...$$` or `$tag$...$tag$` (PostgreSQL dollar quoting) at i; returns its end, or -1 if i is not one. */
function skipDollarQuoted(s: string, i: number): number {
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
  if (c0 === 123 || c0 === 91) dialect = QueryDialect.JSON; // '{' or '[': a JSON document whatever the system
  const json = dialect === QueryDialect.JSON;
  const unknown = dialect === QueryDialect.UNKNOWN;
  const pg = dialect === QueryDialect.SQL;
  const oracle = dialect === QueryDialect.ORACLE;
  const dqString = !pg && !oracle;
  const bs = json ? ALWAYS : oracle ? NEVER : MAYBE; // MySQL NO_BACKSLASH_ESCAPES and PostgreSQL standard_conforming_strings=off: maybe
  const hash = unknown || dialect === QueryDialect.DQ_STRING; // MySQL, GoogleSQL: # comments
  const nest = pg ? YES : unknown ? EITHER : NO;
  const qq = oracle ? YES : pg || unknown ? EITHER : NO;
  let out = '';
  let last = 0; // s[last, i) not yet copied to out
  while (i < n) {
    const c = s.charCodeAt(i);
    const start = i; // what gets replaced: [start, end)
    let end = -1;
    let replacement = '?';
    if (c === SQ) end = literalEnd(s, i, SQ, bs);
    else if (c === DQ) {
      const e = dqString ? literalEnd(s, i, DQ, bs) : skipQuoted(s, i, DQ, false); // an SQL identifier has no backslash escapes: `"dir\"` ends there
      if (dqString && !(json && isJsonKey(s, e))) end = e;
      else { i = e; continue; } // an identifier or a JSON key
    } else if (c === BT) { i = skipQuoted(s, i, BT, false); continue; } // MySQL quoted identifier
    else if ((c === DASH && s.charCodeAt(i + 1) === DASH) || (hash && c === HASH)) { // -- or # line comment
      // MySQL reads `--` as a comment only before a space, and PostgreSQL `#` as an operator
      end = lineEnd(s, i, c === DASH ? !dqString || json || i + 2 >= n || isSpace(s.charCodeAt(i + 2)) : !unknown);
      replacement = '';
    } else if (c === SLASH && s.charCodeAt(i + 1) === STAR) { // /* block comment */ (sqlcommenter, hints)
      end = blockEnd(s, i, nest);
      replacement = '';
    } else if (c === DOLLAR) {
      end = skipDollarQuoted(s, i);
      if (end < 0) { i++; while (i < n && isWord(s.charCodeAt(i))) i++; continue; } // $1 placeholder
    } else if (isDigit(c) || (c === DOT && isDigit(s.charCodeAt(i + 1)))) {
      // number: digits, '.', exponent with sign, 0x.., and any word chars glued to it
      let j = i + 1;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (isWord(d) || d === DOT) j++;
        else if ((d === PLUS || d === DASH) && (s.charCodeAt(j - 1) | 32) === 101 && isDigit(s.charCodeAt(i)) && !isHexPrefix(s, i)) j++;
        else break;
      }
      end = j;
    } else if (isWord(c)) {
      let j = i + 1;
      while (j < n && isWord(s.charCodeAt(j))) j++;
      // E'..', N'..', X'..', B'..' and U&'..': the prefix belongs to the literal
      const d = s.charCodeAt(j);
      if (d === SQ && qq !== NO && isQPrefix(s, i, j) && (end = qQuotedEnd(s, j)) >= 0) { // Oracle q'[..]', nq'[..]'
        if (qq === EITHER && end !== literalEnd(s, j, SQ, bs)) end = n;
      } else if (j === i + 1 && d === SQ && isLiteralPrefix(c)) end = literalEnd(s, j, SQ, pg && (c | 32) === 101 ? ALWAYS : bs); // PostgreSQL E'..': C escapes
      else if (j === i + 1 && (c | 32) === 117 && d === AMP && s.charCodeAt(j + 1) === SQ) end = literalEnd(s, j + 1, SQ, bs);
      else { i = j; continue; }
    } else if (c === COLON && s.charCodeAt(i + 1) === COLON) { i += 2; continue; } // PostgreSQL cast ::type
    else { i++; continue; }
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

function isHexPrefix(s: string, i: number): boolean {
  return s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120;
}

/** Strip literals from a span name that carries a query (some instrumentations name spans by it); its system is not known. */
export function sanitizeName(name: string): string {
  return name.indexOf("'") < 0 && name.indexOf('"') < 0 ? name : sanitizeQuery(name, QueryDialect.UNKNOWN);
}

/** The dialect for a `db.system.name` / `db.system` value; UNKNOWN for any other (SQLite and SQL Server read "x" as a string in some settings). */
export function dialectFor(system: unknown): QueryDialectValue {
  switch (system) {
    case 'postgresql': return QueryDialect.SQL;
    case 'oracle': case 'oracle.db': return QueryDialect.ORACLE;
    case 'redis': case 'memcached': case 'valkey': return QueryDialect.COMMAND;
    // Cypher, GoogleSQL and HiveQL quote strings with "..." too (identifiers with backticks)
    case 'mysql': case 'mariadb': case 'tidb': case 'couchbase': case 'neo4j': case 'spanner': case 'gcp.spanner': case 'hive':
      return QueryDialect.DQ_STRING;
    case 'mongodb': case 'elasticsearch': case 'opensearch': case 'couchdb': case 'cosmosdb': case 'azure.cosmosdb': case 'aws.dynamodb': case 'dynamodb':
      return QueryDialect.JSON;
    default: return QueryDialect.UNKNOWN;
  }
}
