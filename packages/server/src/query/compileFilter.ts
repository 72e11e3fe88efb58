import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { BoundComparison, BoundExpression, BoundTest, Operand } from './bindFilter.js';
import { fieldValues, joinFor, readValue, valueRows, type FieldSqlContext, type TableJoin } from './fieldSql.js';
import { jsonPathTest } from './jsonPathTest.js';

type Sql = RawBuilder<unknown>;

/**
 * Compiles a bound filter to a parameterized SQL condition over `e`, `o` and `g` (see fieldSql.ts).
 * Each comparison compiles to its positive test, which is TRUE or FALSE and never NULL (a missing
 * value makes it FALSE); negated operators are `NOT` of that test, which gives the missing-value and
 * "no element" semantics of spec 01 §10.7.5 without three-valued logic leaking through.
 */
export function compileFilter(expression: BoundExpression, context: FieldSqlContext): RawBuilder<SqlBool> {
  if (expression.type !== 'comparison') {
    const operands = expression.operands.map((operand) => compileFilter(operand, context));
    return sql<SqlBool>`(${sql.join(operands, expression.type === 'and' ? sql` AND ` : sql` OR `)})`;
  }
  const positive = compilePositive(expression, context);
  return expression.negated ? sql<SqlBool>`(NOT ${positive})` : positive;
}

/** The tables besides `e` that a filter reads. */
export function filterJoins(expression: BoundExpression, joins = new Set<TableJoin>()): Set<TableJoin> {
  if (expression.type !== 'comparison') {
    for (const operand of expression.operands) filterJoins(operand, joins);
  } else {
    const join = joinFor(expression.field);
    if (join) joins.add(join);
  }
  return joins;
}

function compilePositive(comparison: BoundComparison, context: FieldSqlContext): RawBuilder<SqlBool> {
  if (comparison.test.kind === 'in' && comparison.test.operands.length === 0) return sql<SqlBool>`false`;
  const containment = containmentTest(comparison);
  if (containment) return containment;
  const values = fieldValues(comparison.field);
  if (values.shape === 'set') {
    const pathTest = jsonPathTest(comparison.field, comparison.test, values.mode, values.keys);
    if (pathTest) {
      // Silent: a structural mismatch (strict mode) yields NULL, which counts as no match.
      return sql<SqlBool>`COALESCE(jsonb_path_exists(${values.root}, ${pathTest.path}::jsonpath, ${JSON.stringify(pathTest.vars)}::jsonb, true), false)`;
    }
    return sql<SqlBool>`EXISTS (SELECT 1 FROM ${valueRows(values)} AS t(v) WHERE ${compileTest(comparison, sql`t.v`, context)})`;
  }
  const json = values.shape === 'single' ? values.json : undefined;
  return sql<SqlBool>`COALESCE(${compileTest(comparison, json, context)}, false)`;
}

/**
 * Equality as JSON containment where that is exactly the semantics: a value reached through objects
 * equals the literal, or an array reached through objects has an equal element. Containment is
 * type-aware (`"5"` does not contain `5`), far cheaper than extracting the value, and served by the
 * GIN index on `doc`.
 */
function containmentTest(comparison: BoundComparison): RawBuilder<SqlBool> | undefined {
  const { field, test } = comparison;
  if (field.metadata !== 'none') return undefined;
  const operands = test.kind === 'compare' && test.comparator === '=' ? [test.operand] : test.kind === 'in' ? test.operands : [];
  if (operands.length === 0 || operands.some((operand) => operand.type === 'date')) return undefined;
  let target: { root: Sql; path: string[]; element: boolean; nullable: boolean };
  const { source } = field;
  switch (source.kind) {
    case 'docValue':
      target = { root: sql`e.doc`, path: source.path, element: false, nullable: false };
      break;
    case 'docElements':
      target = { root: sql`e.doc`, path: source.path, element: true, nullable: false };
      break;
    case 'overlayTags':
      target = { root: sql`o.tags`, path: [], element: true, nullable: true };
      break;
    case 'governanceArray':
      target = { root: sql`g.metadata`, path: [source.group, source.key], element: true, nullable: true };
      break;
    default:
      return undefined;
  }
  // ±Infinity cannot be stored in JSON, so it equals nothing.
  const storable = operands.filter((operand) => operand.type !== 'number' || Number.isFinite(operand.value));
  if (storable.length === 0) return sql<SqlBool>`false`;
  const documents = storable.map((operand) => {
    const leaf: unknown = target.element ? [operand.value] : operand.value;
    const document = target.path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), leaf);
    return sql`${target.root} @> ${JSON.stringify(document)}::jsonb`;
  });
  const anyOf = sql<SqlBool>`(${sql.join(documents, sql` OR `)})`;
  // e.doc is never NULL, and a bare `doc @> …` is what the planner can estimate and serve from the index.
  return target.nullable ? sql<SqlBool>`COALESCE(${anyOf}, false)` : anyOf;
}

/** The test on one value; NULL when the value is missing or of another type. */
function compileTest(comparison: BoundComparison, json: Sql | undefined, context: FieldSqlContext): Sql {
  const { field } = comparison;
  const test: BoundTest = comparison.test;
  switch (test.kind) {
    case 'compare': {
      const value = readValue(field, json, test.operand.type, context);
      // Code-point order for strings (spec 01 §10.7.5), whatever the database's default collation.
      const ordered = test.operand.type === 'string' && test.comparator !== '=' ? sql`${value} COLLATE "C"` : value;
      return sql`${ordered} ${sql.raw(test.comparator)} ${operandParameter(test.operand)}`;
    }
    case 'like': {
      const value = readValue(field, json, 'likeText', context);
      return sql`${value} ${test.caseInsensitive ? sql`ILIKE` : sql`LIKE`} ${test.pattern}::text`;
    }
    case 'in': {
      const byType = new Map<Operand['type'], Operand[]>();
      for (const operand of test.operands) byType.set(operand.type, [...(byType.get(operand.type) ?? []), operand]);
      const alternatives = [...byType].map(([type, operands]) =>
        sql`${readValue(field, json, type, context)} IN (${sql.join(operands.map(operandParameter))})`,
      );
      return sql`(${sql.join(alternatives, sql` OR `)})`;
    }
  }
}

function operandParameter(operand: Operand): Sql {
  switch (operand.type) {
    case 'string':
      return sql`${operand.value}::text`;
    case 'boolean':
      return sql`${String(operand.value)}::boolean`;
    case 'number':
    case 'date':
      return sql`${numericText(operand.value)}::numeric`;
  }
}

/** Numeric parameters as text: exact for every finite double, and PostgreSQL's spelling of infinity. */
function numericText(value: number): string {
  if (Number.isFinite(value)) return String(value);
  return value > 0 ? 'Infinity' : '-Infinity';
}
