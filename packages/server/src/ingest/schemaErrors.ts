import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/compiler';
import type { LocateTarget } from './locateNode.js';

/** A schema violation phrased for the people who write source documents. */
export interface SchemaProblem {
  message: string;
  /** JSON pointer of the offending node inside the entry. */
  pointer: string;
  target: LocateTarget;
}

/**
 * Rewrites a TypeBox error in the vocabulary of spec 02 §2.4 (`must be one of: a, b`,
 * `unknown field "x"`, `must be an integer`); the field itself is named by the error item's path.
 */
export function describeSchemaError(error: ValueError): SchemaProblem {
  const field = (): string => lastToken(error.path);
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return { message: `missing required field "${field()}"`, pointer: error.path, target: 'value' };
    case ValueErrorType.ObjectAdditionalProperties:
      return { message: `unknown field "${field()}"`, pointer: error.path, target: 'key' };
    case ValueErrorType.Union:
      return describeUnion(error);
    default:
      // Point at the field's key, as the error items of spec 02 §2.4 do (`agentType` at column 5).
      return { message: describeConstraint(error), pointer: error.path, target: 'key' };
  }
}

function describeConstraint({ type, schema, message }: ValueError): string {
  if (Array.isArray(schema.enum)) return `must be one of: ${schema.enum.join(', ')}`;
  switch (type) {
    case ValueErrorType.String:
    case ValueErrorType.Integer:
    case ValueErrorType.Number:
    case ValueErrorType.Boolean:
    case ValueErrorType.Null:
    case ValueErrorType.Object:
    case ValueErrorType.Array:
      return `must be ${typePhrase(schema) ?? 'valid'}`;
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(schema.const)}`;
    case ValueErrorType.StringMinLength:
      return schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters long`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${schema.maxLength} characters long`;
    case ValueErrorType.StringPattern:
      return `must match the pattern ${schema.pattern}`;
    case ValueErrorType.StringFormat:
      return `must be a valid ${schema.format}`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be at least ${schema.minimum}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be at most ${schema.maximum}`;
    case ValueErrorType.IntegerExclusiveMinimum:
    case ValueErrorType.NumberExclusiveMinimum:
      return `must be greater than ${schema.exclusiveMinimum}`;
    case ValueErrorType.IntegerExclusiveMaximum:
    case ValueErrorType.NumberExclusiveMaximum:
      return `must be less than ${schema.exclusiveMaximum}`;
    case ValueErrorType.IntegerMultipleOf:
    case ValueErrorType.NumberMultipleOf:
      return `must be a multiple of ${schema.multipleOf}`;
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${schema.minItems} ${schema.minItems === 1 ? 'item' : 'items'}`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${schema.maxItems} ${schema.maxItems === 1 ? 'item' : 'items'}`;
    case ValueErrorType.ArrayUniqueItems:
      return 'must not contain duplicate items';
    case ValueErrorType.ObjectMinProperties:
      return `must have at least ${schema.minProperties} ${schema.minProperties === 1 ? 'field' : 'fields'}`;
    case ValueErrorType.ObjectMaxProperties:
      return `must have at most ${schema.maxProperties} ${schema.maxProperties === 1 ? 'field' : 'fields'}`;
    default:
      return message;
  }
}

/**
 * A union of literals reads as an enum. Otherwise, when exactly one alternative has the value's JSON
 * type, that alternative's own complaint is the useful one (`"12ab"` for an epoch field fails the
 * string pattern, not "the union"); when none has, the alternatives' types are listed.
 */
function describeUnion(error: ValueError): SchemaProblem {
  const variants = (error.schema.anyOf ?? []) as TSchema[];
  const literals = variants.flatMap((variant) => ('const' in variant ? [variant.const] : Array.isArray(variant.enum) ? variant.enum : [undefined]));
  if (variants.length > 0 && literals.every((literal) => literal !== undefined)) {
    return { message: `must be one of: ${literals.join(', ')}`, pointer: error.path, target: 'key' };
  }
  const candidates = variants.flatMap((variant, index) => (acceptsTypeOf(variant, error.value) ? [index] : []));
  if (candidates.length === 1) {
    const nested = error.errors[candidates[0]]?.First();
    if (nested) return describeSchemaError(nested);
  }
  const phrases = [...new Set(variants.map(typePhrase).filter((phrase): phrase is string => phrase !== undefined))];
  const message = phrases.length > 0 ? `must be ${joinAlternatives(phrases)}` : error.message;
  return { message, pointer: error.path, target: 'key' };
}

function jsonTypesOf(value: unknown): string[] {
  if (value === null) return ['null'];
  if (Array.isArray(value)) return ['array'];
  if (typeof value === 'number') return Number.isInteger(value) ? ['integer', 'number'] : ['number'];
  return [typeof value];
}

function acceptsTypeOf(schema: TSchema, value: unknown): boolean {
  return typeof schema.type === 'string' && jsonTypesOf(value).includes(schema.type);
}

const TYPE_PHRASES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function typePhrase(schema: TSchema): string | undefined {
  return typeof schema.type === 'string' ? TYPE_PHRASES[schema.type] : undefined;
}

function joinAlternatives(phrases: readonly string[]): string {
  return phrases.length === 1 ? phrases[0] : `${phrases.slice(0, -1).join(', ')} or ${phrases[phrases.length - 1]}`;
}

function lastToken(pointer: string): string {
  return pointer.slice(pointer.lastIndexOf('/') + 1).replace(/~1/g, '/').replace(/~0/g, '~');
}
