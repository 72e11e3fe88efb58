import { FilterQueryError } from '../errors.js';
import type { Comparison, FilterExpression, Literal } from './ast.js';
import type { FieldMap, FieldSource, ResolvedField, ScalarType } from './fieldMap.js';
import { normalizeLikePattern } from './likePattern.js';
import { parseEpochMillis, parseNumericText } from './textValues.js';

/** A literal converted to the type it is compared as; dates are epoch milliseconds. */
export type Operand =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'date'; value: number };

/**
 * The positive test of a comparison. `!=`/`<>`, `NOT LIKE` and `NOT IN` are the negation of `=`,
 * `LIKE` and `IN` (spec 01 §10.7.5): that is what makes them true for missing values and mean
 * "no element" on arrays.
 */
export type BoundTest =
  | { kind: 'compare'; comparator: '=' | '<' | '>' | '<=' | '>='; operand: Operand }
  /** Matches the text of the value (the served string for dates) against a normalized pattern. */
  | { kind: 'like'; pattern: string; caseInsensitive: boolean }
  | { kind: 'in'; operands: Operand[] };

export interface BoundComparison {
  type: 'comparison';
  field: ResolvedField;
  negated: boolean;
  test: BoundTest;
}

export type BoundExpression = { type: 'and' | 'or'; operands: BoundExpression[] } | BoundComparison;

/**
 * Resolves every path of a parsed filter and type-checks its operators and literals (spec 01 §10.7.4
 * and §10.7.5). The result is what both the SQL compiler and the reference evaluator execute, so
 * they agree on every error and on how every literal is read.
 */
export function bindFilter(expression: FilterExpression, fields: FieldMap): BoundExpression {
  if (expression.type !== 'comparison') {
    return { type: expression.type, operands: expression.operands.map((operand) => bindFilter(operand, fields)) };
  }
  return bindComparison(expression, fields);
}

/** Whether a comparison reads the given source kind (the archived rule looks for the governance state). */
export function referencesSource(expression: BoundExpression, kind: FieldSource['kind']): boolean {
  if (expression.type !== 'comparison') return expression.operands.some((operand) => referencesSource(operand, kind));
  return expression.field.source.kind === kind;
}

function bindComparison(comparison: Comparison, fields: FieldMap): BoundComparison {
  const field = fields.resolve(comparison.field);
  switch (comparison.operator) {
    case 'compare': {
      const { comparator, value } = comparison;
      if (comparator === '=' || comparator === '!=' || comparator === '<>') {
        const operand = toOperand(field, value);
        return { type: 'comparison', field, negated: comparator !== '=', test: { kind: 'compare', comparator: '=', operand } };
      }
      const type = field.valueType === 'inferred' ? value.kind : field.valueType;
      if (type === 'boolean') throw unsupportedOperator(comparison, field, type);
      return { type: 'comparison', field, negated: false, test: { kind: 'compare', comparator, operand: toOperand(field, value) } };
    }
    case 'like': {
      const type = field.valueType === 'inferred' ? 'string' : field.valueType;
      if (type === 'number' || type === 'boolean') throw unsupportedOperator(comparison, field, type);
      return {
        type: 'comparison',
        field,
        negated: comparison.negated,
        test: { kind: 'like', pattern: normalizeLikePattern(comparison.pattern.value), caseInsensitive: comparison.caseInsensitive },
      };
    }
    case 'in':
      return {
        type: 'comparison',
        field,
        negated: comparison.negated,
        test: { kind: 'in', operands: comparison.values.map((value) => toOperand(field, value)) },
      };
  }
}

function unsupportedOperator(comparison: Comparison, field: ResolvedField, type: ScalarType): FilterQueryError {
  return new FilterQueryError(
    comparison.operatorPosition,
    `operator "${comparison.operatorText}" is not supported for ${type} field "${field.display}"`,
  );
}

/** Reads a literal as the field's type; fields without a declared type take the literal's own type. */
function toOperand(field: ResolvedField, literal: Literal): Operand {
  const fail = (what: string) =>
    new FilterQueryError(literal.position, `value for field "${field.display}" must be ${what}`);
  switch (field.valueType) {
    case 'inferred':
      return literal.kind === 'string'
        ? { type: 'string', value: literal.value }
        : literal.kind === 'number'
          ? { type: 'number', value: literal.value }
          : { type: 'boolean', value: literal.value };
    case 'string':
      // A number is compared as written (`version = 1.0` means the text "1.0").
      return { type: 'string', value: literal.kind === 'string' ? literal.value : literal.kind === 'number' ? literal.text : String(literal.value) };
    case 'number': {
      const value = literal.kind === 'number' ? literal.value : literal.kind === 'string' ? parseNumericText(literal.value) : undefined;
      if (value === undefined) throw fail('a number');
      return { type: 'number', value };
    }
    case 'boolean': {
      if (literal.kind === 'boolean') return { type: 'boolean', value: literal.value };
      if (literal.kind === 'string' && (literal.value === 'true' || literal.value === 'false')) {
        return { type: 'boolean', value: literal.value === 'true' };
      }
      throw fail('a boolean');
    }
    case 'date': {
      const value = literal.kind === 'number' ? literal.value : literal.kind === 'string' ? parseEpochMillis(literal.value) : undefined;
      if (value === undefined) throw fail('a date (RFC 3339 or epoch milliseconds)');
      return { type: 'date', value };
    }
  }
}
