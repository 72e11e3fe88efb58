import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FilterQueryError } from '../errors.js';
import type { FilterExpression } from './ast.js';
import { parseFilterQuery } from './parser.js';

/** A compact rendering of the tree: `(a = 'x' AND (b IN [1, 2] OR c NOT LIKE 'y'))`. */
function show(expression: FilterExpression): string {
  if (expression.type !== 'comparison') {
    return `(${expression.operands.map(show).join(` ${expression.type.toUpperCase()} `)})`;
  }
  const path = expression.field.segments.map((s) => (s.quoted ? `\`${s.name}\`` : s.name)).join('.');
  switch (expression.operator) {
    case 'compare':
      return `${path} ${expression.comparator} ${JSON.stringify(expression.value.value)}`;
    case 'like':
      return `${path} ${expression.operatorText} ${JSON.stringify(expression.pattern.value)}`;
    case 'in':
      return `${path} ${expression.operatorText} ${JSON.stringify(expression.values.map((v) => v.value))}`;
  }
}

function parseError(input: string): { position: number; message: string } {
  try {
    parseFilterQuery(input);
  } catch (error) {
    assert.ok(error instanceof FilterQueryError, String(error));
    assert.equal(error.statusCode, 400);
    assert.equal(error.code, 'bad_request');
    assert.deepEqual(error.extra, { position: error.position });
    return { position: error.position, message: error.message };
  }
  assert.fail(`expected a parse error for ${JSON.stringify(input)}`);
}

function expectError(input: string, position: number, detail: string): void {
  assert.deepEqual(parseError(input), { position, message: `invalid filterQuery at position ${position}: ${detail}` });
}

test('the valid examples of spec 01 §10.7.6 parse', () => {
  const examples: [string, string][] = [
    ["name LIKE '%granite%' AND deploymentMode = 'local'", `(name LIKE "%granite%" AND deploymentMode = "local")`],
    [`(category = 'DevOps' OR category = "Database") and toolCount >= 5`, `((category = "DevOps" OR category = "Database") AND toolCount >= 5)`],
    ["status IN ('active', 'indexing') AND name NOT LIKE 'test-%'", `(status IN ["active","indexing"] AND name NOT LIKE "test-%")`],
    ["description ILIKE '%kubernetes%' OR tags = 'production'", `(description ILIKE "%kubernetes%" OR tags = "production")`],
    ["author = 'O''Brien' AND governance.lifecycle.state <> 'deprecated'", `(author = "O'Brien" AND governance.lifecycle.state <> "deprecated")`],
    ["modelConfig.temperature < 0.5 AND tools.skillRef = 'ticket-create'", `(modelConfig.temperature < 0.5 AND tools.skillRef = "ticket-create")`],
    ["`mlflow.source.type` = 'notebook' AND customProperties.size_bytes.int_value > 1000", '(`mlflow.source.type` = "notebook" AND customProperties.size_bytes.int_value > 1000)'],
  ];
  for (const [input, expected] of examples) assert.equal(show(parseFilterQuery(input)), expected, input);
});

test('AND binds tighter than OR; parentheses group', () => {
  assert.equal(show(parseFilterQuery('a = 1 OR b = 2 AND c = 3')), '(a = 1 OR (b = 2 AND c = 3))');
  assert.equal(show(parseFilterQuery('(a = 1 OR b = 2) AND c = 3')), '((a = 1 OR b = 2) AND c = 3)');
  assert.equal(show(parseFilterQuery('a = 1 AND b = 2 AND c = 3 OR d = 4')), '((a = 1 AND b = 2 AND c = 3) OR d = 4)');
  assert.equal(show(parseFilterQuery('((a = 1))')), 'a = 1');
});

test('every operator form, booleans, empty IN lists and NOT IN', () => {
  assert.equal(show(parseFilterQuery('a <> 1')), 'a <> 1');
  assert.equal(show(parseFilterQuery('a != true')), 'a != true');
  assert.equal(show(parseFilterQuery('a = FALSE')), 'a = false');
  assert.equal(show(parseFilterQuery('a IN ()')), 'a IN []');
  assert.equal(show(parseFilterQuery("a not in ('x', 2, true)")), 'a NOT IN ["x",2,true]');
  assert.equal(show(parseFilterQuery("a not ilike 'x'")), 'a NOT ILIKE "x"');
  assert.equal(show(parseFilterQuery('a>-1')), 'a > -1');
});

test('comparisons record the positions later errors point at', () => {
  const comparison = parseFilterQuery("x.`y z` NOT LIKE 'p'");
  assert.equal(comparison.type, 'comparison');
  if (comparison.type !== 'comparison' || comparison.operator !== 'like') return;
  assert.equal(comparison.field.position, 1);
  assert.equal(comparison.field.text, 'x.`y z`');
  assert.equal(comparison.operatorPosition, 9);
  assert.equal(comparison.pattern.position, 18);
});

test('every error of the table in spec 01 §10.7.6, with its position', () => {
  expectError('x'.repeat(4097), 4097, 'filterQuery exceeds maximum length of 4096 characters');
  expectError("name = 'x'; DROP TABLE users", 11, "unexpected character ';'");
  expectError("name = 'x' AND desc = 'abc", 23, 'unterminated string starting at position 23');
  expectError('name', 5, 'expected an operator after "name"');
  expectError("name 'x'", 6, 'expected an operator after "name"');
  expectError("a.`b c` AND", 9, 'expected an operator after "a.`b c`"');
  expectError('name = ', 8, 'expected a value after "="');
  expectError('a IN (1,', 9, 'expected a value after ","');
  expectError('name = AND', 8, 'expected a string, number or boolean but found "AND"');
  expectError('name = and', 8, 'expected a string, number or boolean but found "and"');
  expectError('name = foo', 8, 'expected a string, number or boolean but found "foo"');
  expectError('name LIKE 5', 11, 'LIKE requires a string pattern');
  expectError('name NOT ILIKE', 15, 'ILIKE requires a string pattern');
  expectError("name IN 'a'", 9, 'IN requires a parenthesized list of values');
  expectError('(a = 1', 7, 'expected ")"');
  expectError('(a = 1 b = 2)', 8, 'expected ")"');
  expectError("a IN ('x' 'y')", 11, 'expected ")"');
  expectError('a IN (', 7, 'expected ")"');
  expectError('a = 1 foo', 7, 'unexpected "foo" after end of expression');
  expectError('a = 1)', 6, 'unexpected ")" after end of expression');
  expectError('', 1, 'expected a field name');
  expectError('   ', 4, 'expected a field name');
  expectError('a = 1 AND ', 11, 'expected a field name');
  expectError('()', 2, 'expected a field name but found ")"');
  expectError("NOT a = 'x'", 1, 'expected a field name but found "NOT"');
  expectError('a. = 1', 4, 'expected a field name after "."');
  expectError("a NOT = 'x'", 7, 'expected LIKE, ILIKE or IN after "NOT"');
});

test('the first error in reading order wins', () => {
  expectError('name AND ;', 6, 'expected an operator after "name"');
  expectError('name = ; AND', 8, "unexpected character ';'");
});

test('limits: length, comparisons, nesting and IN values', () => {
  const atLength = `name = '${'x'.repeat(4096 - 9)}'`;
  assert.equal(atLength.length, 4096);
  parseFilterQuery(atLength);

  const comparisons = (n: number) => Array.from({ length: n }, (_, i) => `f${i} = ${i}`).join(' OR ');
  parseFilterQuery(comparisons(100));
  const tooMany = comparisons(101);
  expectError(tooMany, tooMany.lastIndexOf('f100') + 1, 'too many comparisons (maximum 100)');

  const nested = (depth: number) => `${'('.repeat(depth)}a = 1${')'.repeat(depth)}`;
  parseFilterQuery(nested(32));
  expectError(nested(33), 33, 'expressions nested too deeply (maximum 32)');
  expectError(`a = 1 OR ${nested(40)}`, 42, 'expressions nested too deeply (maximum 32)');

  const inList = (n: number) => `a IN (${Array.from({ length: n }, (_, i) => i).join(', ')})`;
  parseFilterQuery(inList(100));
  const tooManyValues = inList(101);
  expectError(tooManyValues, tooManyValues.lastIndexOf('100') + 1, 'too many values in IN list (maximum 100)');
});

test('IN-list parentheses do not count as nesting', () => {
  const nested = `${'('.repeat(32)}a IN (1, 2)${')'.repeat(32)}`;
  assert.equal(show(parseFilterQuery(nested)), 'a IN [1,2]');
});
