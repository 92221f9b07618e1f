// The query languages the literal stripper (otel-sql.ts) reads, each as a record of its lexical rules, and the
// db.system(.name) values that pick one. Where a rule may read two ways, both are checked and the rest is stripped
// where they part.

/** How double-quoted tokens, backslashes, comments and arguments are read. */
export const QueryDialect = {
  /** PostgreSQL: "x" is an identifier and is kept; block comments nest; E'..' has backslash escapes. */
  SQL: 0,
  /** MySQL, MariaDB, TiDB: "x" is a string literal; # starts a comment; a backslash may be an escape (NO_BACKSLASH_ESCAPES); `$a$` is a name (no dollar quoting). */
  DQ_STRING: 1,
  /** JSON documents (MongoDB, Elasticsearch): string values stripped, object keys kept. */
  JSON: 2,
  /** Key-value commands (Redis, Memcached): every argument is data; only the command name is kept. */
  COMMAND: 3,
  /** A system not known to be one of the others (the default): every reading at once, so "x" is stripped as a literal. */
  UNKNOWN: 4,
  /** Oracle: "x" is an identifier; q'[..]' alternative quoting; no backslash escapes; comments do not nest. */
  ORACLE: 5,
  /** GraphQL documents: "..." and """block strings""", # comments, signed numbers; a backslash is always an escape. */
  GRAPHQL: 6,
  /** Cypher (Neo4j): '..' and ".." with backslash escapes, // and block comments, `names`; -- is a relationship. */
  CYPHER: 7,
  /** GoogleSQL (Spanner): '..', "..", '''..''', """..""" with backslash escapes, r/b prefixes, #, -- and block comments. */
  GOOGLESQL: 8,
  /** HiveQL: '..' and ".." with backslash escapes (".." an identifier under quoted identifiers "standard"), --, nested block comments. */
  HIVE: 9,
  /** Spanner: GoogleSQL or PostgreSQL (its PostgreSQL interface; db.system.name does not tell which), both read at once. */
  SPANNER: 10,
  /** graphql.source as @opentelemetry/instrumentation-graphql prints it: with allowValues, string values between quotes unescaped, so a backslash may be an escape or not. */
  GRAPHQL_SOURCE: 11,
  /** Couchbase N1QL (SQL++): '..' and ".." with backslash escapes ('' doubled), `names` with escapes, -- and flat block comments; no # comments. */
  N1QL: 12,
} as const;
export type QueryDialectValue = (typeof QueryDialect)[keyof typeof QueryDialect];

/** A backslash in a quoted run: never an escape, maybe one (both readings checked), always one; FOREIGN: not a quote of the language. */
export const NEVER = 0, MAYBE = 1, ALWAYS = 2, FOREIGN = 3;
/** A construct (comment, nesting, q-quoting, a triple quote) is: not one of the language, surely one, or either (both readings checked). */
export const NO = 0, YES = 1, EITHER = 2;
/** `--` is a comment only before a space (MySQL), else maybe one. */
export const SPACED = 3;
/** Triple quotes: GoogleSQL's (backslash escapes), GraphQL's block strings (only `\"""` is an escape); or NO, or EITHER. */
export const ESCAPED = 3, BLOCK = 4;
/** Literal prefixes: none, E'..', N'..', X'..', B'..', U&'..' (SQL), or r, b, rb, br (GoogleSQL). */
export const SQL_PREFIX = 1, GSQL_PREFIX = 2;
/** No block comments (GraphQL). */
export const NO_BLOCK = -1;

export interface Lexicon {
  /** '..': its backslash rule, or FOREIGN */
  readonly sq: number;
  /** "..": a string (else an identifier, kept, no escapes) */
  readonly dqString: boolean;
  /** "..": its backslash rule as a string */
  readonly dq: number;
  /** `..`: an identifier with this backslash rule, or FOREIGN */
  readonly bt: number;
  /** a doubled quote continues the string ('it''s'); where triple quotes exist it opens one instead */
  readonly doubled: boolean;
  /** a string cannot hold a line break (one reaching it is not of the language: the rest is stripped) */
  readonly oneLine: boolean;
  /** '''..''' / """...""": NO, ESCAPED, BLOCK, or EITHER (every reading, the doubled-quote one too) */
  readonly triple: number;
  /** `#`, `--`, `//` line comments: NO, YES, EITHER (and SPACED for `--`) */
  readonly hash: number;
  readonly dashes: number;
  readonly slashes: number;
  /** block comments: NO_BLOCK, or whether they nest: NO, YES, EITHER */
  readonly nest: number;
  /** Oracle q'[..]': NO, YES, EITHER */
  readonly qq: number;
  /** PostgreSQL $tag$..$tag$ */
  readonly dollar: boolean;
  readonly prefix: number;
  /** -7 is one literal (GraphQL has no minus operator) */
  readonly signed: boolean;
  /** `[name]` may be a name (SQL Server, SQLite) as well as a subscript: read both ways at once */
  readonly brackets: boolean;
}

const BASE: Lexicon = {
  sq: MAYBE, dqString: true, dq: MAYBE, bt: NEVER, doubled: true, oneLine: false, triple: NO, hash: NO, dashes: YES, slashes: NO,
  nest: NO, qq: NO, dollar: true, prefix: SQL_PREFIX, signed: false, brackets: false,
};
const GRAPHQL: Lexicon = {
  ...BASE, sq: FOREIGN, dq: ALWAYS, bt: FOREIGN, doubled: false, oneLine: true, triple: BLOCK, hash: YES, dashes: NO, nest: NO_BLOCK, dollar: false, prefix: NO, signed: true,
};
/** Indexed by QueryDialect (COMMAND never reaches the lexer). */
export const LEXICON: readonly Lexicon[] = [
  { ...BASE, dqString: false, nest: YES, qq: EITHER }, // SQL: MAYBE for standard_conforming_strings off
  { ...BASE, hash: YES, dashes: SPACED, dollar: false }, // DQ_STRING: `$` is a letter of MySQL names
  { ...BASE, sq: ALWAYS, dq: ALWAYS }, // JSON
  BASE, // COMMAND
  // UNKNOWN: -- before a space may be Cypher's relationship, with a string spanning lines after it
  { ...BASE, bt: MAYBE, triple: EITHER, hash: EITHER, dashes: EITHER, slashes: EITHER, nest: EITHER, qq: EITHER, brackets: true },
  { ...BASE, sq: NEVER, dqString: false, qq: YES }, // ORACLE
  GRAPHQL,
  { ...BASE, sq: ALWAYS, dq: ALWAYS, doubled: false, dashes: NO, slashes: YES, dollar: false, prefix: NO }, // CYPHER
  { ...BASE, sq: ALWAYS, dq: ALWAYS, bt: ALWAYS, doubled: false, oneLine: true, triple: ESCAPED, hash: YES, dollar: false, prefix: GSQL_PREFIX }, // GOOGLESQL
  { ...BASE, sq: ALWAYS, nest: YES, dollar: false, prefix: NO }, // HIVE: ".." MAYBE, an identifier without escapes in standard mode
  { ...BASE, bt: ALWAYS, triple: EITHER, hash: EITHER, nest: EITHER, prefix: GSQL_PREFIX }, // SPANNER: GOOGLESQL and SQL at once
  { ...GRAPHQL, dq: MAYBE }, // GRAPHQL_SOURCE
  // N1QL, as couchbase/query's lexer (parser/n1ql/n1ql.nex) reads it; "a""b" is two strings there, read as one here (the same span)
  { ...BASE, sq: ALWAYS, dq: ALWAYS, bt: ALWAYS, dollar: false, prefix: NO },
];

/** The dialect for a `db.system.name` / `db.system` value; UNKNOWN for any other (SQLite and SQL Server read "x" as a string in some settings). */
export function dialectFor(system: unknown): QueryDialectValue {
  switch (system) {
    case 'postgresql': return QueryDialect.SQL;
    case 'oracle': case 'oracle.db': return QueryDialect.ORACLE;
    case 'redis': case 'memcached': case 'valkey': return QueryDialect.COMMAND;
    case 'mysql': case 'mariadb': case 'tidb': return QueryDialect.DQ_STRING;
    case 'couchbase': return QueryDialect.N1QL;
    case 'neo4j': return QueryDialect.CYPHER;
    case 'spanner': case 'gcp.spanner': return QueryDialect.SPANNER;
    case 'hive': return QueryDialect.HIVE;
    case 'mongodb': case 'elasticsearch': case 'opensearch': case 'couchdb': case 'cosmosdb': case 'azure.cosmosdb': case 'aws.dynamodb': case 'dynamodb':
      return QueryDialect.JSON;
    default: return QueryDialect.UNKNOWN;
  }
}
