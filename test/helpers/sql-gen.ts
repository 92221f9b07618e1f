// Query generators for the sanitizer's properties (fuzz/otel-sql*.fuzz.ts): queries are built token by token, each
// token with the text the sanitizer should leave (literals → ?, comments gone), so the expected output is known.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { sanitizeQuery, type QueryDialectValue } from '../../adapters/otel-sql.js';

export const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

export type Tok = [text: string, expected: string];
export const kept = (t: string): Tok => [t, t];
export const word = fc.constantFrom('SELECT', 'from', 'WHERE', 'users', 't1', 'a_b', 'AND', 'IN', 'é', 'x$y', 'e', 'n', 'x', 'b', 'u', 'q', 'nq').map(kept);
export const op = fc.constantFrom('=', '<>', '(', ')', ',', '*', '+', '-', '/', ';', '.', '||', '::text', '@>').map(kept);
export const placeholder = fc.constantFrom('?', '$1', '$23', ':name', '@p1', '%s').map(kept);

/** Secret contents: the marker plus the characters that end or escape literals and open comments. */
export const content = fc.array(fc.constantFrom('SECRET', "'", '"', '\\', '--', '/*', '*/', '$', '$$', '\n', ' ', 'é', '`', '?', '#', '//'), { maxLength: 6 })
  .map((xs) => 'SECRET' + xs.join(''));
export const noBs = content.map((s) => s.replace(/\\/g, '/'));
/** For a system that may be GoogleSQL or GraphQL, where `'''` and `"""` open a triple-quoted string: no run of quotes, none last. */
export const noTriple = noBs.map((s) => s.replace(/'+/g, "'").replace(/"+/g, '"') + '.');

export const sq = (s: string) => "'" + s.replace(/'/g, "''") + "'"; // standard SQL, MySQL NO_BACKSLASH_ESCAPES
export const dq = (s: string) => '"' + s.replace(/"/g, '""') + '"';
export const sqEsc = (s: string, doubled: boolean) => "'" + s.replace(/\\/g, '\\\\').replace(/'/g, doubled ? "''" : "\\'") + "'"; // MySQL / E'..'
export const dqEsc = (s: string, doubled: boolean) => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, doubled ? '""' : '\\"') + '"';
export const block = (s: string) => '/* ' + s.replace(/\*\//g, '* /').replace(/\/\*/g, '/ *') + ' */';
export const line = (s: string) => s.replace(/\n/g, ' ') + '\n';
export const number = fc.constantFrom('0', '42', '3.14', '.5', '1e10', '2E-3', '0x1F', '1_000').map((n): Tok => [n, '?']);

export const lead = fc.constantFrom(['SELECT', 'SELECT'] as Tok, ['UPDATE', 'UPDATE'] as Tok);
export function query(lit: fc.Arbitrary<Tok>, extra: fc.Arbitrary<Tok>[], words: fc.Arbitrary<Tok>[] = [word, op, placeholder]): fc.Arbitrary<Tok[]> {
  return fc.array(fc.oneof(...words, words[0]!, lit, lit, ...extra), { maxLength: 14 });
}
const join = (ts: Tok[], i: 0 | 1) => ts.map((t) => t[i]).join(' ');

/** The sanitized text is the query with each literal → ? and each comment removed; no literal content survives. */
export function exactTest(name: string, dialect: QueryDialectValue, q: fc.Arbitrary<Tok[]>, first: fc.Arbitrary<Tok> = lead): void {
  test(`${name}: the sanitized text is the query with each literal → ? and each comment removed; no literal content survives`, () => {
    fc.assert(fc.property(first, q, (l, ts) => {
      const all = [l, ...ts];
      const got = sanitizeQuery(join(all, 0), dialect);
      assert.is(got, join(all, 1), join(all, 0));
      assert.not.ok(got.includes('SECRET') && !all.some((t) => t[1].includes('SECRET')), got);
    }), { numRuns: RUNS * 2 });
  });
}

/** Literals and comments as each language the sanitizer may be facing writes them, mixed in one query: whichever reading is true, no secret survives. */
export function noSecretTest(name: string, dialect: QueryDialectValue, lits: fc.Arbitrary<string>[]): void {
  test(`${name}: under either reading of backslashes, comments and quoting, a literal's content never survives`, () => {
    const sep = fc.constantFrom(' ', '\n', ' \t');
    const tok = fc.oneof(word.map((t) => t[0]), op.map((t) => t[0]), placeholder.map((t) => t[0]), ...lits, ...lits);
    fc.assert(fc.property(fc.array(fc.tuple(tok, sep), { minLength: 1, maxLength: 10 }), (ts) => {
      const s = 'SELECT ' + ts.map(([t, w]) => t + w).join('');
      const got = sanitizeQuery(s, dialect);
      assert.not.ok(got.includes('SECRET'), `${s} -> ${got}`);
    }), { numRuns: RUNS * 2 });
  });
}

// The languages with backslash escapes always and their own quoting (GraphQL, Cypher, GoogleSQL, HiveQL).
const escape = (s: string, q: string) => s.replace(/\\/g, '\\\\').split(q).join('\\' + q);
/** GraphQL "..." and GoogleSQL '..' / "..": backslash escapes, no line break (written `\n`). */
export const oneLineStr = (s: string, q: string) => q + escape(s, q).replace(/\n/g, '\\n') + q;
/** GraphQL """...""": only `\"""` is an escape; content ending in `"` or `\` gets a space so the closing quotes stay three. */
export function blockStr(s: string): string {
  let e = s.replace(/"""/g, '\\"""');
  if (e.endsWith('"') || e.endsWith('\\')) e += ' ';
  return '"""' + e + '"""';
}
/** GoogleSQL '''...''' / """...""": backslash escapes; a quote stays bare unless another follows it or it ends the content. */
export function tripleStr(s: string, q: string): string {
  let e = '';
  for (let k = 0; k < s.length; k++) {
    const ch = s[k]!;
    e += ch === '\\' ? '\\\\' : ch === q && (k + 1 === s.length || s[k + 1] === q) ? '\\' + q : ch;
  }
  return q + q + q + e + q + q + q;
}
/** A quoted identifier's text, the marker removed: what it holds is a name, not a literal, and is kept. */
export const nameOf = content.map((s) => s.replace(/SECRET/g, 'id'));
/** GoogleSQL `...`: backslash escapes, no line break. */
export const btEsc = nameOf.map((s) => oneLineStr(s, '`'));
/** Cypher, HiveQL, MySQL `...`: a doubled backtick. */
export const btDoubled = nameOf.map((s) => '`' + s.replace(/`/g, '``') + '`');
