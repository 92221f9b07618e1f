// Properties of the query sanitizer behind db.query.text / db.statement (adapters/otel-sql.ts). The oracle is the
// generator: queries are built token by token (identifiers, keywords, operators, placeholders, casts, comments and
// literals quoted as each dialect's grammar says), so the expected text is known (literals → ?, comments gone);
// and whatever a literal holds (quotes, backslashes, comment openers, `$`), its content never survives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { sanitizeQuery, QueryDialect, type QueryDialectValue } from '../adapters/otel-sql.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

type Tok = [text: string, expected: string];
const kept = (t: string): Tok => [t, t];
const word = fc.constantFrom('SELECT', 'from', 'WHERE', 'users', 't1', 'a_b', 'AND', 'IN', 'é', 'x$y', 'e', 'n', 'x', 'b', 'u').map(kept);
const op = fc.constantFrom('=', '<>', '(', ')', ',', '*', '+', '-', '/', ';', '.', '||', '::text', '@>').map(kept);
const placeholder = fc.constantFrom('?', '$1', '$23', ':name', '@p1', '%s').map(kept);

/** Secret contents: the marker plus the characters that end or escape literals and open comments. */
const content = fc.array(fc.constantFrom('SECRET', "'", '"', '\\', '--', '/*', '*/', '$', '$$', '\n', ' ', 'é', '`', '?'), { maxLength: 6 }).map((xs) => 'SECRET' + xs.join(''));
const noBs = content.map((s) => s.replace(/\\/g, '/'));

const sq = (s: string) => "'" + s.replace(/'/g, "''") + "'"; // standard SQL
const sqEsc = (s: string, doubled: boolean) => "'" + s.replace(/\\/g, '\\\\').replace(/'/g, doubled ? "''" : "\\'") + "'"; // MySQL / E'..'
const dqEsc = (s: string, doubled: boolean) => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, doubled ? '""' : '\\"') + '"';
/** `$tag$s$tag$`, or '' when the body would end earlier (the first `$tag$` after the opener closes it). */
function dollar(s: string, tag: string): string {
  const d = '$' + tag + '$';
  return (s + d).indexOf(d) === s.length ? d + s + d : '';
}

const number = fc.constantFrom('0', '42', '3.14', '.5', '1e10', '2E-3', '0x1F', '1_000').map((n): Tok => [n, '?']);
/** Literals of standard SQL with the exact expected '?'; no backslash in plain '..' (an ambiguous reading strips the rest). */
const sqlLiteral = fc.oneof(
  noBs.map((s): Tok => [sq(s), '?']),
  fc.tuple(fc.constantFrom('E', 'e'), content, fc.boolean()).map(([p, s, d]): Tok => [p + sqEsc(s, d), '?']),
  fc.tuple(fc.constantFrom('N', 'X', 'b', 'U&'), noBs).map(([p, s]): Tok => [p + sq(s), '?']),
  fc.tuple(content, fc.constantFrom('', 'tag', 'q_1')).map(([s, t]): Tok => { const d = dollar(s, t); return d ? [d, '?'] : [sq(s.replace(/\\/g, '/')), '?']; }),
  number,
);
const dqLiteral = fc.oneof(
  fc.tuple(content, fc.boolean()).map(([s, d]): Tok => [sqEsc(s, d), '?']),
  fc.tuple(content, fc.boolean()).map(([s, d]): Tok => [dqEsc(s, d), '?']),
  number,
);
const comment = fc.oneof(
  noBs.map((s): Tok => ['-- ' + s.replace(/\n/g, ' ') + '\n', '\n']),
  content.map((s): Tok => ['/* ' + s.replace(/\*\//g, '* /').replace(/\/\*/g, '/ *') + ' */', '']),
);
const sqlIdent = noBs.map((s): Tok => { const t = '"' + s.replace(/"/g, '""') + '"'; return [t, t]; }); // an identifier in SQL: kept
const btIdent = fc.constantFrom('`order`', '`a b`').map(kept);

function query(lit: fc.Arbitrary<Tok>, extra: fc.Arbitrary<Tok>[]): fc.Arbitrary<Tok[]> {
  return fc.array(fc.oneof(word, word, op, placeholder, lit, lit, comment, ...extra), { maxLength: 14 });
}
const lead = fc.constantFrom(['SELECT', 'SELECT'] as Tok, ['UPDATE', 'UPDATE'] as Tok);
const join = (ts: Tok[], i: 0 | 1) => ts.map((t) => t[i]).join(' ');

const cases: [string, QueryDialectValue, fc.Arbitrary<Tok[]>][] = [
  ['SQL', QueryDialect.SQL, query(sqlLiteral, [sqlIdent])],
  ['DQ_STRING', QueryDialect.DQ_STRING, query(dqLiteral, [btIdent])],
];
for (const [name, dialect, q] of cases) {
  test(`${name}: the sanitized text is the query with each literal → ? and each comment removed; no literal content survives`, () => {
    fc.assert(fc.property(lead, q, (l, ts) => {
      const all = [l, ...ts];
      const got = sanitizeQuery(join(all, 0), dialect);
      assert.is(got, join(all, 1), join(all, 0));
      assert.not.ok(got.includes('SECRET') && !all.some((t) => t[1].includes('SECRET')), got);
    }), { numRuns: RUNS * 2 });
  });
}

test('SQL dialect, either backslash reading (standard or MySQL / E-string): a literal\'s content never survives', () => {
  // standard '..' holding backslashes and escaped '..' mixed: where the readings differ the rest is stripped
  const anyLit = fc.oneof(content.map(sq), fc.tuple(content, fc.boolean()).map(([s, d]) => sqEsc(s, d)), fc.tuple(content, fc.boolean()).map(([s, d]) => 'E' + sqEsc(s, d)));
  const tok = fc.oneof(word.map((t) => t[0]), op.map((t) => t[0]), placeholder.map((t) => t[0]), anyLit, anyLit);
  fc.assert(fc.property(fc.array(tok, { minLength: 1, maxLength: 10 }), fc.constant(QueryDialect.SQL), (ts, d) => {
    const s = 'SELECT ' + ts.join(' ');
    const got = sanitizeQuery(s, d);
    assert.not.ok(got.includes('SECRET'), `${s} -> ${got}`);
  }), { numRuns: RUNS * 2 });
});

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
