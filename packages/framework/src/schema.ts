import { Kind, Type, TypeRegistry, type TSchema, type TUnsafe } from '@sinclair/typebox';

const STRING_ENUM = 'StringEnum';

// TypeBox's own checkers (Value, TypeCompiler) only understand registered kinds.
if (!TypeRegistry.Has(STRING_ENUM)) {
  TypeRegistry.Set<{ enum: unknown[] }>(STRING_ENUM, (schema, value) => typeof value === 'string' && schema.enum.includes(value));
}

/**
 * A string enum as a plain JSON-schema `enum` (a TypeBox union of literals renders as a noisier
 * `anyOf` in OpenAPI and in capabilities).
 */
export function Enum<const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ [Kind]: STRING_ENUM, type: 'string', enum: [...values], ...options });
}

/** Epoch-millisecond timestamp: a string of digits in responses; sources may also give an integer. */
const EpochMillis = Type.Union([Type.String({ pattern: '^[0-9]{1,16}$' }), Type.Integer({ minimum: 0 })]);

/**
 * The common source fields every kind's schema starts with (spec 02 §2.3).
 * `name` rules beyond length (control characters, slashes) are checked by the ingest pipeline.
 */
export const CommonEntityFields = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  externalId: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  createTimeSinceEpoch: Type.Optional(EpochMillis),
  lastUpdateTimeSinceEpoch: Type.Optional(EpochMillis),
};

/** `customProperties` of the plugins whose values are any JSON. */
export const OpenCustomProperties = Type.Optional(Type.Record(Type.String(), Type.Unknown()));

/** `customProperties` whose values must be scalars (mcp). */
export const ScalarCustomProperties = Type.Optional(
  Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
);

export type { TSchema };
