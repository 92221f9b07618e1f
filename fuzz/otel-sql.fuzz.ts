// Properties of the query sanitizer behind db.query.text / db.statement (adapters/otel-sql.ts). The oracle is the
// generator: queries are built token by token (identifiers, keywords, operators, placeholders, casts, comments and
// literals quoted as each dialect's grammar says), so the expected text is known (literals → ?, comments gone);
// and whatever a literal holds (quotes, backslashes, comment openers, `$`), its content never survives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { sanitizeQuery, QueryDialect } from '../adapters/otel-sql.js';
import {
  RUNS, type Tok, kept, content, noBs, sq, dq, sqEsc, dqEsc, block, line, number, query, exactTest, noSecretTest, blockStr, tripleStr, btEsc, noTriple,
} from '../test/helpers/sql-gen.js';

/** `$tag$s$tag$`, or '' when the body would end earlier (the first `$tag$` after the opener closes it). */
function dollar(s: string, tag: string): string {
  const d = '$' + tag + '$';
  return (s + d).indexOf(d) === s.length ? d + s + d : '';
}
const PAIR: Record<string, string> = { '[': ']', '{': '}', '<': '>', '(': ')' };
/** Oracle `q'<d>s<close>'`, or '' when `<close>'` occurs in s (the first one ends it). */
function qQuote(s: string, d: string, prefix: string): string {
  const end = (PAIR[d] ?? d) + "'";
  return (s + end).indexOf(end) === s.length ? prefix + "'" + d + s + end : '';
}
const qDelim = fc.constantFrom('[', '{', '<', '(', '!', '#', '|', 'Z', '"');
const qLit = fc.tuple(content, qDelim, fc.constantFrom('q', 'Q', 'nq', 'NQ')).map(([s, d, p]) => qQuote(s, d, p) || sq(s));
const noQuote = content.map((s) => s.replace(/['"`$]|\/\*/g, '.').replace(/\n/g, ' ')); // nothing another reading could open a literal with
/** Literals of standard SQL with the exact expected '?'; no backslash in plain '..' (an ambiguous reading strips the rest). */
const sqlLiteral = fc.oneof(
  noBs.map((s): Tok => [sq(s), '?']),
  fc.tuple(fc.constantFrom('E', 'e'), content, fc.boolean()).map(([p, s, d]): Tok => [p + sqEsc(s, d), '?']),
  fc.tuple(fc.constantFrom('N', 'X', 'b', 'U&'), noBs).map(([p, s]): Tok => [p + sq(s), '?']),
  fc.tuple(content, fc.constantFrom('', 'tag', 'q_1')).map(([s, t]): Tok => { const d = dollar(s, t); return d ? [d, '?'] : [sq(s.replace(/\\/g, '/')), '?']; }),
  number,
);
/** Where MySQL's default mode and NO_BACKSLASH_ESCAPES agree: no backslashes, quotes doubled. */
const dqLiteral = fc.oneof(noBs.map((s): Tok => [sq(s), '?']), noBs.map((s): Tok => [dq(s), '?']), number);
const unknownLiteral = fc.oneof(noTriple.map((s): Tok => [sq(s), '?']), noTriple.map((s): Tok => [dq(s), '?']), number,
  fc.tuple(fc.constantFrom('E', 'N', 'X', 'b'), noTriple).map(([p, s]): Tok => [p + sq(s), '?']),
  fc.tuple(content, fc.constantFrom('', 'tag')).map(([s, t]): Tok => [dollar(s, t) || '0', '?']));
/** Oracle: no backslash escapes at all, and q-quoting. */
const oracleLiteral = fc.oneof(content.map((s): Tok => [sq(s), '?']), fc.tuple(fc.constantFrom('N', 'n'), content).map(([p, s]): Tok => [p + sq(s), '?']),
  qLit.map((t): Tok => [t, '?']), number);
const dashComment = noBs.map((s): Tok => ['-- ' + line(s), '\n']);
const blockComment = content.map((s): Tok => [block(s), '']);
const comment = fc.oneof(dashComment, blockComment);
const hashComment = noBs.map((s): Tok => ['# ' + line(s), '\n']); // MySQL: sure
const quietHash = noQuote.map((s): Tok => ['# ' + line(s), '\n']); // unknown system: # is PostgreSQL's operator too
const quietDash = noQuote.map((s): Tok => ['-- ' + line(s), '\n']); // and -- Cypher's relationship
const nested = fc.tuple(content, content).map(([a, b]): Tok => ['/* ' + block(a) + ' ' + block(b).slice(3), '']); // `/* /* a */ b */`
const sqlIdent = noBs.map((s): Tok => { const t = dq(s); return [t, t]; }); // an identifier in SQL: kept
const btIdent = fc.constantFrom('`order`', '`a b`').map(kept);

exactTest('SQL', QueryDialect.SQL, query(sqlLiteral, [comment, nested, sqlIdent]));
exactTest('DQ_STRING', QueryDialect.DQ_STRING, query(dqLiteral, [comment, hashComment, btIdent]));
exactTest('UNKNOWN', QueryDialect.UNKNOWN, query(unknownLiteral, [quietDash, blockComment, quietHash, btIdent]));
exactTest('ORACLE', QueryDialect.ORACLE, query(oracleLiteral, [comment, sqlIdent]));

// Literals and comments as each dialect the sanitizer may be facing writes them; mixed in one query, for each reading
// either both end it at one place or the rest is stripped, so no secret they hold survives, whichever reading is true.
const stdSq = content.map(sq);
const escSq = fc.tuple(content, fc.boolean()).map(([s, d]) => sqEsc(s, d));
const eSq = escSq.map((t) => 'E' + t);
const stdDq = content.map(dq);
const escDq = fc.tuple(content, fc.boolean()).map(([s, d]) => dqEsc(s, d));
const anyDollar = fc.tuple(content, fc.constantFrom('', 'tag')).map(([s, t]) => dollar(s, t) || sq(s));
const lineC = (mark: string) => content.map((s) => mark + line(s));
const blockC = content.map(block);
const noMarks = content.map((s) => s.replace(/\*\//g, '* /').replace(/\/\*/g, '/ *')); // a literal in a comment: PostgreSQL reads no quotes there
const nestedC = fc.tuple(content, fc.oneof(noMarks.map(sq), noMarks.map((t) => sqEsc(t, false)), noMarks.map(dq))).map(([a, lit]) => '/* /* ' + block(a).slice(3) + ' ' + lit + ' */');
/** `--'..'` and `#'..'`: MySQL reads `--` before a non-space, and PostgreSQL `#`, as operators; the literal may span lines. */
const glued = (mark: string, lit: fc.Arbitrary<string>) => lit.map((l) => mark + l);
/** GoogleSQL and GraphQL triple-quoted strings, Cypher // comments and `-- 'a\nb'` (a relationship, a string), GoogleSQL `..` names with escapes. */
const tripleQ = fc.tuple(content, fc.constantFrom("'", '"'), fc.constantFrom('', 'r', 'b')).map(([s, q, p]) => p + tripleStr(s, q));
noSecretTest('SQL (PostgreSQL, standard_conforming_strings on or off)', QueryDialect.SQL, [stdSq, escSq, eSq, anyDollar, qLit, lineC('--'), blockC, nestedC]);
noSecretTest('DQ_STRING (MySQL, with or without NO_BACKSLASH_ESCAPES)', QueryDialect.DQ_STRING,
  [stdSq, escSq, stdDq, escDq, lineC('-- '), lineC('#'), blockC, glued('--', escSq), glued('--', stdDq)]);
noSecretTest('UNKNOWN (any of them)', QueryDialect.UNKNOWN, [stdSq, escSq, eSq, stdDq, escDq, anyDollar, qLit, lineC('--'), lineC('#'), blockC, nestedC,
  glued('--', escSq), glued('-- ', escSq), glued('#', stdSq), glued('#', escDq), content.map(blockStr), tripleQ, lineC('//'), btEsc]);
noSecretTest('ORACLE', QueryDialect.ORACLE, [stdSq, qLit, lineC('--'), blockC]);

test('JSON documents: every string value and number → ?, keys, true/false/null and structure kept', () => {
  const key = fc.constantFrom('find', 'filter', '$gt', 'a.b', 'k"q', 'k\\');
  const json = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, content, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(true, false, null),
      fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(key, tie('v'), { maxKeys: 3 })),
  })).v;
  /** The expected text: JSON.stringify with every string value and number as ?. */
  // a minus sign is an operator to the sanitizer: -5 is -?
  const expect = (v: unknown): string => typeof v === 'string' ? '?' : typeof v === 'number' ? (v < 0 ? '-?' : '?') : Array.isArray(v) ? '[' + v.map(expect).join(',') + ']'
    : v !== null && typeof v === 'object' ? '{' + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ':' + expect(x)).join(',') + '}' : JSON.stringify(v);
  fc.assert(fc.property(fc.dictionary(key, json, { minKeys: 1, maxKeys: 4 }), fc.constantFrom(QueryDialect.JSON, QueryDialect.SQL), (doc, d) => {
    const got = sanitizeQuery(JSON.stringify(doc), d); // a leading '{' is JSON whatever the system
    assert.is(got, expect(doc), JSON.stringify(doc));
  }), { numRuns: RUNS });
});

test('COMMAND dialect: only the command name is kept, then ? when arguments follow', () => {
  fc.assert(fc.property(fc.constantFrom('GET', 'set', 'HSET', 'auth'), fc.array(content, { maxLength: 4 }), fc.constantFrom('', ' ', '\t\n'), (cmd, args, ws) => {
    const got = sanitizeQuery(ws + [cmd, ...args].join(' ') + ws, QueryDialect.COMMAND);
    assert.is(got, args.length > 0 ? cmd + ' ?' : cmd);
  }), { numRuns: RUNS });
});

test.run();
