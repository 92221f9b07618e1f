// The query languages that quote strings with "..." and always read a backslash as an escape (GraphQL, Cypher,
// GoogleSQL, HiveQL), each stripped by its own lexical grammar (adapters/otel-sql-dialect.ts), and the unknown
// system's every-reading-at-once default facing their constructs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { named, setupBridge, unregisterBridge } from './helpers/otel-bridge.js';
import { dialectFor, QueryDialect, sanitizeQuery, type QueryDialectValue } from '../adapters/otel-sql.js';

test.after.each(unregisterBridge);

function check(cases: [string, string][], d: QueryDialectValue): void {
  for (const [q, want] of cases) {
    const got = sanitizeQuery(q, d);
    assert.is(got, want, q);
    assert.not.ok(got.includes('secret'), q);
  }
}

test('AC-007 GraphQL: "\\"" escapes, """block strings""", # comments and numbers are stripped; a stray \' takes no more than it must', () => {
  check([
    // a backslash is always an escape: the tail after "a \" b" is kept
    ['query { user(name: "a \\" b", pw: "secret") { id } }', 'query { user(name: ?, pw: ?) { id } }'],
    // the shorthand `{ ... }` is a GraphQL document, not JSON: its # comment goes
    ['{ # my password is secret\n  user(id: 5) { id } }', '{ \n  user(id: ?) { id } }'],
    // block strings hold " and newlines; \""" does not end them
    ['mutation { note(text: """a "quoted" secret\nline \\""" secret""") { id } }', 'mutation { note(text: ?) { id } }'],
    ['{ a(x: "", y: """""", z: "a""""secret""") }', '{ a(x: ?, y: ?, z: ??) }'],
    // an apostrophe in a description or comment is text; numbers (signed too) are literals; enums, true, null and $variables are not
    ['"""Don\'t"""\nquery Q($id: ID! = "secret") {\n  # don\'t log\n  user(id: $id, n: -7, f: 1.5e3, s: ACTIVE, ok: true, no: null) @include(if: $v) { ...F }\n}',
      '?\nquery Q($id: ID! = ?) {\n  \n  user(id: $id, n: ?, f: ?, s: ACTIVE, ok: true, no: null) @include(if: $v) { ...F }\n}'],
    // not GraphQL: a JS-style '..' string is stripped, and where what it holds could open a string or comment, the rest
    ["{ user(name: 'secret-bob') { id } }", '{ user(name: ?) { id } }'],
    ['{ a(x: \'q "secret\' other") }', '{ a(x: ?'],
    ['{ a(x: `secret`) }', '{ a(x: ?) }'],
    // a string cannot span lines: one reaching a line break is not GraphQL, and takes the rest
    ['{ a(x: "bob\n) b(y: "secret") }', '{ a(x: ?'],
  ], QueryDialect.GRAPHQL);
});

test('AC-007 Cypher (neo4j): // comments are stripped, backslash escapes keep the tail, -- is a relationship', () => {
  assert.is(dialectFor('neo4j'), QueryDialect.CYPHER);
  check([
    ['MATCH (u:User {name: "a \\" b"}) // owner bob-secret\nWHERE u.pw = \'it\\\'s\' RETURN u', 'MATCH (u:User {name: ?}) \nWHERE u.pw = ? RETURN u'],
    ['MATCH (a)-- (b)-->(c) WHERE a.x = 1 /* note: secret */ RETURN a.`na``me`, $param', 'MATCH (a)-- (b)-->(c) WHERE a.x = ?  RETURN a.`na``me`, $param'],
    ['RETURN 10 / 2 // half of secret', 'RETURN ? / ? '],
    ["MATCH (n) WHERE n.p = 'C:\\\\' AND n.q = 'secret' # not a comment", 'MATCH (n) WHERE n.p = ? AND n.q = ? # not a comment'],
  ], QueryDialect.CYPHER);
});

test('AC-007 GoogleSQL: triple-quoted, raw and bytes strings, # and -- comments, escaped backticks', () => {
  check([
    ['SELECT \'\'\'it\'s a "secret"\'\'\', """two\nsecret lines""", r\'C:\\d+secret\', b\'\\x00secret\', RB"raw\\"secret" FROM t # owner secret\nWHERE a = @p -- trailing secret',
      'SELECT ?, ?, ?, ?, ? FROM t \nWHERE a = @p '],
    // a backslash escapes a backtick in a quoted identifier: `a\`b` is one name, and 'x' after it a literal
    ["SELECT `a\\`b` , 'secret' , `c` FROM t", 'SELECT `a\\`b` , ? , `c` FROM t'],
    // a raw string ends as any other: an escaped quote does not end it (the ZetaSQL tokenizer)
    ["SELECT r'\\'secret' , 'x' FROM t", 'SELECT ? , ? FROM t'],
    // no doubled quotes: 'a''b' is two strings, 'a'''' a string and a triple-quoted one
    ["SELECT 'a''b', 'a'''' secret ''' FROM t", 'SELECT ??, ?? FROM t'],
    ['SELECT 1 /* a /* b */ FROM t WHERE x = "a \\" b"', 'SELECT ?  FROM t WHERE x = ?'],
    // a string cannot span lines: one reaching a line break is not GoogleSQL, and takes the rest
    ["SELECT 'bob\nFROM t WHERE x = 'secret'", 'SELECT ?'],
  ], QueryDialect.GOOGLESQL);
});

test('AC-007 Spanner (GoogleSQL or its PostgreSQL interface): where the two read a literal differently, the rest goes', () => {
  assert.equal(['spanner', 'gcp.spanner'].map(dialectFor), [QueryDialect.SPANNER, QueryDialect.SPANNER]);
  check([
    ["SELECT \"\"\"two\nlines\"\"\", r'C:\\d+', b'\\x00', `col\\`x` FROM t WHERE a = @p AND b = $1 AND c = $$secret$$ -- trailing secret",
      'SELECT ?, ?, ?, `col\\`x` FROM t WHERE a = @p AND b = $1 AND c = ? '],
    // PostgreSQL: 'C:\' is a whole literal; GoogleSQL: an escaped quote
    ["SELECT 'C:\\' , 'secret' FROM t", 'SELECT ?'],
    // GoogleSQL: a triple-quoted string; PostgreSQL: 'it' quoted, then more
    ["SELECT '''it's secret''' FROM t", 'SELECT ?'],
    ["SELECT 'it''s' , '''plain''' FROM t # secret\nWHERE a /* b /* c */ */ = 'secret'", 'SELECT ? , ? FROM t \nWHERE a '],
  ], QueryDialect.SPANNER);
});

test('AC-007 HiveQL: \'..\' with backslash escapes, -- comments before anything, nested /* */; ".." may be an identifier (quoted identifiers standard)', () => {
  assert.is(dialectFor('hive'), QueryDialect.HIVE);
  check([
    ["SELECT `id`, \"secret\" FROM users WHERE pw = 'it\\'s' --'secret\nAND n = 100L /* a /* nested */ secret */ AND m = 1.5BD", 'SELECT `id`, ? FROM users WHERE pw = ? \nAND n = ?  AND m = ?'],
    // "a\" ... under quoted identifiers standard is the identifier `a\`: the readings part, the rest goes
    ['SELECT "a\\" , \'secret\' FROM t', 'SELECT ?'],
    ['SELECT $KEY$, a FROM t', 'SELECT $KEY$, a FROM t'],
  ], QueryDialect.HIVE);
});

test('AC-007 an unknown system: triple quotes, // comments and escaped backticks leave no literal behind', () => {
  check([
    ["SELECT '''it's a secret''' FROM t", 'SELECT ?'],
    ['SELECT """a "quoted" secret""" FROM t', 'SELECT ?'],
    ['SELECT """plain""" FROM t', 'SELECT ? FROM t'],
    ["SELECT 'a'''' secret ''' FROM t", 'SELECT ?'], // one literal in SQL, two in GoogleSQL
    ["SELECT 'it''s' FROM t", 'SELECT ? FROM t'],
    ['MATCH (u) // user secret\nRETURN u', 'MATCH (u) \nRETURN u'],
    ["MATCH (a)-- (b {name: 'multi\nline secret'}) RETURN a", 'MATCH (a)'], // -- is Cypher's relationship, not a comment
    ['SELECT a -- plain note\nFROM t', 'SELECT a \nFROM t'],
    ["MATCH (u) // it's secret\nRETURN u", 'MATCH (u) '],
    ["SELECT `a\\`b` , 'secret' , `c` FROM t", 'SELECT ?'],
    ['SELECT `a b`, `c\\d` FROM t', 'SELECT `a b`, `c\\d` FROM t'],
  ], QueryDialect.UNKNOWN);
});

test('AC-007 graphql.source as instrumentation-graphql prints it (allowValues: string values between quotes, unescaped): a value ending in \\ leaves no literal behind', () => {
  const { cap, otel } = setupBridge('dialects-test');
  // the document had path: "C:\\", so the printed value is C:\ and "C:\" ends there
  const printed = 'mutation { login(path: "C:\\", password: "secret-hunter2") { token } }';
  otel.startSpan('src', { attributes: { 'graphql.source': printed } }).end();
  otel.startSpan('default', { attributes: { 'graphql.source': 'mutation { login(path: "*", pin: *) { token } }' } }).end(); // allowValues off
  assert.is(named(cap, 'src').getAttribute('graphql.source'), 'mutation { login(path: ?');
  assert.is(named(cap, 'default').getAttribute('graphql.source'), 'mutation { login(path: ?, pin: *) { token } }');
  assert.is(sanitizeQuery('{ a(x: "a \\" b", y: "secret") { id } }', QueryDialect.GRAPHQL_SOURCE), '{ a(x: ?', 'either reading of the backslash');
});

test('AC-007 a quoted name left open takes the rest of the statement: no literal after it is kept as part of the name', () => {
  const cases: [string, QueryDialectValue, string][] = [
    ["SELECT \"abc FROM t WHERE pw = 'secret'", QueryDialect.SQL, 'SELECT ?'],
    ["SELECT \"abc FROM t WHERE pw = 'secret'", QueryDialect.ORACLE, 'SELECT ?'],
    ["SELECT `abc FROM t WHERE pw = 'secret'", QueryDialect.DQ_STRING, 'SELECT ?'],
    ["SELECT `abc FROM t WHERE pw = 'secret'", QueryDialect.UNKNOWN, 'SELECT ?'],
    ["MATCH (n) RETURN n.`abc, 'secret'", QueryDialect.CYPHER, 'MATCH (n) RETURN n.?'],
    ["SELECT `abc\n` FROM t WHERE pw = 'secret'", QueryDialect.GOOGLESQL, 'SELECT ?'], // GoogleSQL: no line break in a name
    ["SELECT `a``b`, \"c\"\"d\" FROM t WHERE pw = 'secret'", QueryDialect.SQL, 'SELECT `a``b`, "c""d" FROM t WHERE pw = ?'],
  ];
  for (const [q, d, want] of cases) assert.is(sanitizeQuery(q, d), want, q);
});

test('AC-007 through the bridge: graphql.document by the GraphQL grammar, db.query.text by db.system.name', () => {
  const { cap, otel } = setupBridge('dialects-test');
  otel.startSpan('gql', { attributes: { 'graphql.document': '{ # token secret\n  login(pw: "a \\" secret", note: """x "secret" y""") { id } }' } }).end();
  const queries: [string, string, string][] = [
    ['neo4j', 'MATCH (u) // bob-secret\nWHERE u.name = "a \\" b" RETURN u', 'MATCH (u) \nWHERE u.name = ? RETURN u'],
    ['gcp.spanner', "SELECT '''two\nlines''' FROM t WHERE `a\\`b` = 'secret'", 'SELECT ? FROM t WHERE `a\\`b` = ?'],
    ['hive', "SELECT a FROM t WHERE b = 'it\\'s' AND c = 'secret'", 'SELECT a FROM t WHERE b = ? AND c = ?'],
  ];
  for (const [system, q] of queries) otel.startSpan(system, { attributes: { 'db.system.name': system, 'db.query.text': q } }).end();
  assert.is(named(cap, 'gql').getAttribute('graphql.document'), '{ \n  login(pw: ?, note: ?) { id } }');
  assert.equal(queries.map(([system]) => named(cap, system).getAttribute('db.query.text')), queries.map((x) => x[2]));
  assert.not.ok(JSON.stringify(cap.spans.map((s) => s.attributes)).includes('secret'));
});

test('AC-007 MySQL has no dollar quoting: $a$ is a name there (a $ is a letter of MySQL names), and a literal after it is still stripped on its own; PostgreSQL keeps $tag$..$tag$', () => {
  for (const system of ['mysql', 'mariadb', 'tidb']) {
    assert.is(sanitizeQuery("SELECT $a$, a$b FROM t WHERE x = 'secret' AND y = 2", dialectFor(system)), 'SELECT $a$, a$b FROM t WHERE x = ? AND y = ?', system);
  }
  check([["SELECT $a$ it's secret $a$, $$x$$ FROM t WHERE b = $1", 'SELECT ?, ? FROM t WHERE b = $1']], QueryDialect.SQL);
  check([["SELECT $a$ FROM t WHERE x = 'secret'", 'SELECT ?']], QueryDialect.UNKNOWN); // may be PostgreSQL's: the rest goes
});

test('AC-007 Couchbase N1QL by its own lexer: \\ escapes in \'..\', ".." and `..`, \'\' doubled, -- without a space, no # comments, $name and @name parameters', () => {
  assert.is(dialectFor('couchbase'), QueryDialect.N1QL);
  check([
    // a backslash always escapes, in either quote; '' continues a string
    ["SELECT `name` FROM `travel-sample` WHERE pw = 'it\\'s' AND x = \"a \\\" b\" AND y = 'it''s' AND z = 'secret'",
      'SELECT `name` FROM `travel-sample` WHERE pw = ? AND x = ? AND y = ? AND z = ?'],
    // `a\`b` is one name; `c``d` too
    ["SELECT `a\\`b`, `c``d` FROM t WHERE x = 'secret'", 'SELECT `a\\`b`, `c``d` FROM t WHERE x = ?'],
    // -- is a comment before anything (MySQL needs a space); # is not one
    ["SELECT a FROM t --'secret\nWHERE b = $name AND c = @p AND d = $1 AND e = 'secret' # x", 'SELECT a FROM t \nWHERE b = $name AND c = @p AND d = $1 AND e = ? # x'],
    ["SELECT a /* a /* b */ FROM t WHERE $a$ = 'secret'", 'SELECT a  FROM t WHERE $a$ = ?'],
  ], QueryDialect.N1QL);
});

test('AC-007 SQL Server and SQLite [names], read with every other reading (unknown system): a quote or comment opener in one never leaves a literal after it behind', () => {
  assert.equal(['mssql', 'sqlite'].map(dialectFor), [QueryDialect.UNKNOWN, QueryDialect.UNKNOWN]);
  check([
    // T-SQL: a name; any other reading: a string opening inside it and running past its ]
    ["SELECT [Customer's Name] FROM t WHERE email = 'bob-secret'", 'SELECT [Customer?'],
    ["SELECT [a]]'b] FROM t WHERE x = 'secret'", 'SELECT [a]]?'],
    ["SELECT [a--b], x FROM t WHERE y = 'secret'", 'SELECT [a'],
    ["SELECT [a`b] FROM t WHERE x = 'secret' AND `c`", 'SELECT [a?'],
    // what opens and closes inside the brackets reads the same either way: only the literal goes
    ["SELECT a[1], ARRAY['x'] FROM t WHERE y = 'secret'", 'SELECT a[?], ARRAY[?] FROM t WHERE y = ?'],
    ["SELECT [Name], [Order Id] FROM [dbo].[Orders] WHERE id = 5 AND n = N'secret'", 'SELECT [Name], [Order Id] FROM [dbo].[Orders] WHERE id = ? AND n = ?'],
  ], QueryDialect.UNKNOWN);
});

test.run();
