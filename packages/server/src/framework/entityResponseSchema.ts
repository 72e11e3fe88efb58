import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import type { KindDeclaration } from '@catalog/framework';

const EPOCH_FIELDS = ['createTimeSinceEpoch', 'lastUpdateTimeSinceEpoch'];

/** Framework fields every served entity carries (spec 01 §10.2). */
const FRAMEWORK_FIELDS = {
  id: Type.String({ description: 'Server-assigned row id, stable while the entity exists' }),
  sourceId: Type.String(),
  tags: Type.Optional(Type.Array(Type.String())),
  annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
  lifecycle: Type.Optional(Type.String()),
  governance: Type.Object({ lifecycle: Type.Object({ state: Type.String() }) }),
  links: Type.Optional(Type.Object({ related: Type.Array(Type.Record(Type.String(), Type.Unknown())) })),
  provenance: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
};

/**
 * The response schema of one served entity: the kind's schema (epoch fields always strings on the
 * wire) extended with the framework fields. It drives serialization and the OpenAPI document.
 */
export function entityResponseSchema(kind: KindDeclaration): TObject {
  // `id` and `name` lead the served object, as in the API examples.
  const properties: Record<string, TSchema> = { id: FRAMEWORK_FIELDS.id };
  for (const [name, schema] of Object.entries(kind.schema.properties as Record<string, TSchema>)) {
    properties[name] = EPOCH_FIELDS.includes(name) ? Type.String({ description: 'Epoch milliseconds' }) : schema;
  }
  return Type.Object({ ...properties, ...FRAMEWORK_FIELDS }, { title: kind.kind, additionalProperties: true });
}

export function listResponseSchema(kind: KindDeclaration): TObject {
  return Type.Object({
    items: Type.Array(entityResponseSchema(kind)),
    size: Type.Integer(),
    pageSize: Type.Integer(),
    totalSize: Type.Integer(),
    nextPageToken: Type.String(),
  });
}
