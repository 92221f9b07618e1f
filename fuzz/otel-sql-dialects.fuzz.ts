// Properties of the query sanitizer (adapters/otel-sql.ts) for the languages that always read a backslash as an
// escape: GraphQL, Cypher, GoogleSQL, HiveQL and N1QL. The oracle is each language's lexical grammar, written into the
// generators (test/helpers/sql-gen.ts): a query built token by token has a known sanitized text; and literals
// written as any reading of the language may have them never leave their content behind.
import { test } from 'uvu';
import fc from 'fast-check';
import { QueryDialect } from '../adapters/otel-sql.js';
import {
  type Tok, kept, word, op, placeholder, content, noBs, sq, dq, sqEsc, dqEsc, block, line, number, query, exactTest, noSecretTest,
  oneLineStr, blockStr, tripleStr, btEsc, btDoubled, noTriple,
} from '../test/helpers/sql-gen.js';

const lit = (a: fc.Arbitrary<string>): fc.Arbitrary<Tok> => a.map((t): Tok => [t, '?']);
const gone = (a: fc.Arbitrary<string>, left: string): fc.Arbitrary<Tok> => a.map((t): Tok => [t, left]);
const noBreak = content.map((s) => s.replace(/\n/g, ' '));
const blockC = content.map(block);
const nestedC = fc.tuple(content, content).map(([a, b]) => '/* ' + block(a) + ' ' + block(b).slice(3)); // `/* /* a */ b */`

// GraphQL (October 2021 spec, 2.1): "..." with escapes, """...""" block strings, # comments, signed numbers; ' is no quote.
const gqlWord = fc.constantFrom('query', 'mutation', 'user', 'id', '__typename', 'ACTIVE', 'true', 'null', 'on', 'Login').map(kept);
const gqlPunct = fc.constantFrom('{', '}', '(', ')', ':', '!', '[', ']', '=', '|', '&', '...', '@include', '$id', '$v2').map(kept);
const gqlString = content.map((s) => oneLineStr(s, '"'));
const gqlBlock = content.map(blockStr);
const gqlNumber = fc.constantFrom('0', '-7', '42', '3.14', '-0.5e-3', '1E10').map((n): Tok => [n, '?']);
const gqlLead = fc.constantFrom(['query', 'query'] as Tok, ['{', '{'] as Tok, ['mutation', 'mutation'] as Tok); // `{`: the shorthand, not JSON
exactTest('GRAPHQL', QueryDialect.GRAPHQL, query(fc.oneof(lit(gqlString), lit(gqlBlock), gqlNumber), [gone(noBreak.map((s) => '#' + line(s)), '\n')],
  [gqlWord, gqlPunct]), gqlLead);
/** Not GraphQL, but what a hand-written document may hold: a JS-style '..' or `..` string. */
const jsStr = fc.tuple(content, fc.constantFrom("'", '`')).map(([s, q]) => oneLineStr(s, q));
noSecretTest('GRAPHQL', QueryDialect.GRAPHQL, [gqlString, gqlBlock, content.map((s) => '#' + line(s)), jsStr]);
// graphql.source as instrumentation-graphql prints it with allowValues: `"` + the value, unescaped, + `"` (a value
// holding `"` cannot be told from the document around it, so none here); or a GraphQL document.
const printed = (a: fc.Arbitrary<string>) => a.map((s) => '"' + s.replace(/"/g, '.').replace(/\n/g, ' ') + '"');
exactTest('GRAPHQL_SOURCE', QueryDialect.GRAPHQL_SOURCE, query(fc.oneof(lit(printed(noBs)), lit(gqlBlock), gqlNumber, lit(fc.constant('"*"'))),
  [gone(noBreak.map((s) => '#' + line(s)), '\n')], [gqlWord, gqlPunct, fc.constant(kept('*'))]), gqlLead);
noSecretTest('GRAPHQL_SOURCE', QueryDialect.GRAPHQL_SOURCE, [printed(content), gqlString, gqlBlock, content.map((s) => '#' + line(s)), jsStr]);

// Cypher (openCypher 9 / Neo4j 5): '..' and ".." with escapes, // and /* */ comments, `..` names; -- is a pattern.
const cypherOp = fc.constantFrom('=', '(', ')', '-->', '<--', '--', '-', '/', ':', '{', '}', '[', ']', '.', ',', '*').map(kept);
const cypherParam = fc.constantFrom('$p', '$0', '$name').map(kept);
const cypherString = fc.tuple(content, fc.constantFrom("'", '"')).map(([s, q]) => q === "'" ? sqEsc(s, false) : dqEsc(s, false));
exactTest('CYPHER', QueryDialect.CYPHER, query(fc.oneof(lit(cypherString), number),
  [gone(content.map((s) => '//' + line(s)), '\n'), gone(blockC, ''), btDoubled.map(kept)], [word, cypherOp, cypherParam]));
// 'a''b' is two literals side by side in Cypher
noSecretTest('CYPHER', QueryDialect.CYPHER, [cypherString, noBs.map(sq), noBs.map(dq), content.map((s) => '//' + line(s)), blockC, btDoubled]);

// GoogleSQL (ZetaSQL flex_tokenizer.l): '..' / ".." / '''..''' / """..""" with escapes (raw strings end the same
// way), prefixes r, b, rb, br in any case; #, -- and /* */ comments (no nesting); `..` names with escapes.
const gsqlPrefix = fc.constantFrom('', '', 'r', 'R', 'b', 'B', 'rb', 'bR', 'Br', 'RB');
const gsqlString = fc.tuple(gsqlPrefix, content, fc.constantFrom("'", '"'), fc.boolean())
  .map(([p, s, q, triple]) => p + (triple ? tripleStr(s, q) : oneLineStr(s, q)));
const gsqlComment = fc.tuple(fc.constantFrom('#', '-- ', '--'), noBreak).map(([m, s]) => m + line(s));
exactTest('GOOGLESQL', QueryDialect.GOOGLESQL, query(fc.oneof(lit(gsqlString), number),
  [gone(gsqlComment, '\n'), gone(blockC, ''), btEsc.map(kept)]));
noSecretTest('GOOGLESQL', QueryDialect.GOOGLESQL, [gsqlString, fc.tuple(fc.constantFrom('#', '--'), content).map(([m, s]) => m + line(s)), blockC, btEsc]);

// Spanner: GoogleSQL or its PostgreSQL interface. Exact where both readings end each literal at one place (no
// backslash, no run of quotes); under both readings, no secret survives.
const noQ = (q: string) => noBs.map((s) => s.split(q).join(''));
const bothStr = fc.oneof(
  fc.tuple(fc.constantFrom('', 'r', 'B'), noTriple, fc.constantFrom("'", '"')).map(([p, s, q]) => p + (q === "'" ? sq(s) : dq(s))),
  fc.tuple(fc.constantFrom('', 'r'), fc.constantFrom("'", '"')).chain(([p, q]) => noQ(q).map((s) => p + q + q + q + s + q + q + q)),
  content.map((s) => (s + '$$').indexOf('$$') === s.length ? '$$' + s + '$$' : '0'));
const quiet = content.map((s) => s.replace(/['"`$]|\/\*/g, '.').replace(/\n/g, ' ')); // nothing the other reading opens a literal with
exactTest('SPANNER', QueryDialect.SPANNER, query(fc.oneof(lit(bothStr), number),
  [gone(quiet.map((s) => '#' + line(s)), '\n'), gone(noBreak.map((s) => '-- ' + line(s)), '\n'), gone(blockC, ''), btEsc.map(kept)]));
noSecretTest('SPANNER', QueryDialect.SPANNER, [gsqlString, content.map(sq), content.map(dq), fc.tuple(content, fc.boolean()).map(([s, d]) => 'E' + sqEsc(s, d)),
  content.map((s) => '$$' + s.split('$$').join('') + '$$'), fc.tuple(fc.constantFrom('#', '--'), content).map(([m, s]) => m + line(s)), blockC, nestedC, btEsc]);

// HiveQL (HiveLexer.g): '..' and ".." with escapes, adjacent ones one literal; -- comments before anything; nested
// /* */; `..` names. Under hive.support.quoted.identifiers=standard ".." is a name without escapes, so only the
// ".." both readings end at one place are exact.
const hiveNumber = fc.constantFrom('0', '100L', '10Y', '5S', '1.5BD', '2D', '3.0e2').map((n): Tok => [n, '?']);
const hiveSq = fc.tuple(content, fc.boolean()).map(([s, d]) => sqEsc(s, d));
exactTest('HIVE', QueryDialect.HIVE, query(fc.oneof(lit(hiveSq), lit(noBs.map(dq)), hiveNumber),
  [gone(fc.tuple(fc.constantFrom('-- ', '--'), noBreak).map(([m, s]) => m + line(s)), '\n'), gone(nestedC, ''), gone(blockC, ''), btDoubled.map(kept)]));
noSecretTest('HIVE', QueryDialect.HIVE, [hiveSq, fc.tuple(content, fc.boolean()).map(([s, d]) => dqEsc(s, d)), content.map(dq),
  content.map((s) => '--' + line(s)), nestedC, blockC, btDoubled]);

// N1QL (couchbase/query parser/n1ql/n1ql.nex): '..' with escapes or '' doubled, ".." with escapes, -- comments before
// anything, flat /* */ comments (hints /*+ */ too), `..` names with escapes or doubled; no # comments, no $tag$ quoting.
const n1qlString = fc.tuple(content, fc.constantFrom("'", '"'), fc.boolean()).map(([s, q, d]) => q === "'" ? sqEsc(s, d) : dqEsc(s, false));
const n1qlComment = fc.tuple(fc.constantFrom('-- ', '--', '--+'), noBreak).map(([m, s]) => m + line(s));
const n1qlDoubled = btDoubled.map((s) => s.replace(/\\/g, '/')); // `a``b`: a backslash in a name escapes in N1QL too
exactTest('N1QL', QueryDialect.N1QL, query(fc.oneof(lit(n1qlString), number),
  [gone(n1qlComment, '\n'), gone(blockC, ''), btEsc.map(kept), n1qlDoubled.map(kept), fc.constantFrom('$a$', '@p', '$name').map(kept)]));
noSecretTest('N1QL', QueryDialect.N1QL, [n1qlString, content.map((s) => '--' + line(s)), blockC, btEsc, n1qlDoubled]);

test.run();
