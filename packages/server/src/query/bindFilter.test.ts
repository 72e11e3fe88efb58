import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FilterQueryError } from '../errors.js';
import { bindFilter, referencesSource, type BoundComparison, type BoundExpression } from './bindFilter.js';
import { fieldMapFor } from './fieldMap.js';
import { parseFilterQuery } from './parser.js';
import { widgetKind } from '../testing/queryFixtures.js';

const fields = fieldMapFor(widgetKind);

function bind(query: string): BoundExpression {
  return bindFilter(parseFilterQuery(query), fields);
}

function bindComparison(query: string): Pick<BoundComparison, 'negated' | 'test'> {
  const bound = bind(query);
  assert.equal(bound.type, 'comparison');
  const { negated, test: bindTest } = bound as BoundComparison;
  return { negated, test: bindTest };
}

function expectError(query: string, position: number, detail: string): void {
  assert.throws(() => bind(query), (error: unknown) => {
    assert.ok(error instanceof FilterQueryError);
    assert.equal(error.message, `invalid filterQuery at position ${position}: ${detail}`);
    assert.equal(error.position, position);
    return true;
  });
}

test('type errors of spec 01 §10.7.6 point at the operator or the value', () => {
  expectError('verified < true', 10, 'operator "<" is not supported for boolean field "verified"');
  expectError("verified >= 'x'", 10, 'operator ">=" is not supported for boolean field "verified"');
  expectError("toolCount LIKE '1%'", 11, 'operator "LIKE" is not supported for number field "toolCount"');
  expectError("toolCount NOT ILIKE '1%'", 11, 'operator "NOT ILIKE" is not supported for number field "toolCount"');
  expectError("verified LIKE 't%'", 10, 'operator "LIKE" is not supported for boolean field "verified"');
  expectError("toolCount > 'many'", 13, 'value for field "toolCount" must be a number');
  expectError('toolCount = true', 13, 'value for field "toolCount" must be a number');
  expectError("toolCount IN (1, 'x')", 18, 'value for field "toolCount" must be a number');
  expectError('verified = 1', 12, 'value for field "verified" must be a boolean');
  expectError("verified = 'yes'", 12, 'value for field "verified" must be a boolean');
  expectError("releasedAt > 'yesterday'", 14, 'value for field "releasedAt" must be a date (RFC 3339 or epoch milliseconds)');
  expectError('releasedAt > true', 14, 'value for field "releasedAt" must be a date (RFC 3339 or epoch milliseconds)');
  expectError('size < true', 6, 'operator "<" is not supported for boolean field "size"');
  expectError("size.int_value = 'abc'", 18, 'value for field "size" must be a number');
  expectError("a = 1 AND governance.owner.email = 'x'", 11, 'field "governance.owner.email" is not filterable');
});

test('numeric fields accept numbers and numeric strings', () => {
  assert.deepEqual(bindComparison("toolCount > '9'").test, { kind: 'compare', comparator: '>', operand: { type: 'number', value: 9 } });
  assert.deepEqual(bindComparison("score = '-.5e1'").test, { kind: 'compare', comparator: '=', operand: { type: 'number', value: -5 } });
  assert.deepEqual(bindComparison('toolCount < 1e999').test, { kind: 'compare', comparator: '<', operand: { type: 'number', value: Infinity } });
});

test('boolean fields accept TRUE/FALSE and the strings true/false', () => {
  assert.deepEqual(bindComparison("verified = 'false'").test, { kind: 'compare', comparator: '=', operand: { type: 'boolean', value: false } });
  assert.deepEqual(bindComparison('verified IN (TRUE)').test, { kind: 'in', operands: [{ type: 'boolean', value: true }] });
});

test('date fields accept RFC 3339 and epoch milliseconds', () => {
  const epoch = Date.parse('2026-02-17T10:30:00.123Z');
  assert.deepEqual(bindComparison("releasedAt > '2026-02-17T10:30:00.123Z'").test.kind, 'compare');
  for (const literal of ["'2026-02-17T10:30:00.123Z'", "'2026-02-17T12:30:00.123+02:00'", `'${epoch}'`, String(epoch)]) {
    const { test: bound } = bindComparison(`createTimeSinceEpoch = ${literal}`);
    assert.deepEqual(bound, { kind: 'compare', comparator: '=', operand: { type: 'date', value: epoch } }, literal);
  }
  assert.equal((bindComparison("releasedAt LIKE '2026%'").test as { kind: string }).kind, 'like');
});

test('string fields compare numbers and booleans by their text', () => {
  assert.deepEqual(bindComparison('name = 1.0').test, { kind: 'compare', comparator: '=', operand: { type: 'string', value: '1.0' } });
  assert.deepEqual(bindComparison('name = True').test, { kind: 'compare', comparator: '=', operand: { type: 'string', value: 'true' } });
});

test('inferred fields take the type of each literal', () => {
  assert.deepEqual(bindComparison("size IN ('a', 2, false)").test, {
    kind: 'in',
    operands: [{ type: 'string', value: 'a' }, { type: 'number', value: 2 }, { type: 'boolean', value: false }],
  });
});

test('!=, <>, NOT LIKE and NOT IN are negations of =, LIKE and IN', () => {
  assert.deepEqual(bindComparison("name <> 'x'"), { negated: true, test: { kind: 'compare', comparator: '=', operand: { type: 'string', value: 'x' } } });
  assert.deepEqual(bindComparison("name != 'x'").negated, true);
  assert.deepEqual(bindComparison("name NOT LIKE 'x%'"), { negated: true, test: { kind: 'like', pattern: 'x%', caseInsensitive: false } });
  assert.deepEqual(bindComparison("name NOT IN ('x')").negated, true);
  assert.deepEqual(bindComparison("name ILIKE 'a\\\\'"), { negated: false, test: { kind: 'like', pattern: 'a\\\\', caseInsensitive: true } });
});

test('referencesSource finds the governance state anywhere in the tree', () => {
  assert.equal(referencesSource(bind("a = 1 OR (b = 2 AND governance.lifecycle.state = 'archived')"), 'governanceState'), true);
  assert.equal(referencesSource(bind("governance.risk.level = 'high'"), 'governanceState'), false);
});
