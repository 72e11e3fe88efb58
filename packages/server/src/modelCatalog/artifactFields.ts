import { Type } from '@sinclair/typebox';
import type { FieldPath } from '../query/ast.js';
import { FieldMap } from '../query/fieldMap.js';

/** The child collection that holds a model's artifacts (spec 03 §3.3). */
export const ARTIFACTS = 'artifacts';

/** The artifact members that are fields, not custom properties (spec 03 §7 filterQuery names). */
export const ARTIFACT_STRING_FIELDS = ['name', 'externalId', 'description', 'uri', 'artifactType', 'metricsType'] as const;

const ArtifactSchema = Type.Object({
  externalId: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  uri: Type.Optional(Type.String()),
  artifactType: Type.Optional(Type.String()),
  metricsType: Type.Optional(Type.String()),
  customProperties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

/**
 * Filter names of artifact rows. Artifact rows are read with the entity compiler under the alias
 * `e` (catalog_entity_children has the id, name and timestamp columns it reads); names that mean
 * framework data of entities (tags, lifecycle, …) are artifact custom properties here.
 */
export const artifactFields = new FieldMap({ schema: ArtifactSchema, aliases: {}, notFilterable: [] });

const ENTITY_ONLY_NAMES = new Set(['sourceId', 'lifecycle', 'tags', 'annotations', 'governance']);

/** A filter path over artifacts with entity-only names turned into custom property names. */
export function artifactPath(path: FieldPath): FieldPath {
  const [head] = path.segments;
  if (!ENTITY_ONLY_NAMES.has(head.name)) return path;
  return { ...path, segments: [{ name: 'customProperties', quoted: true }, ...path.segments] };
}
