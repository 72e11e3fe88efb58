import { sql, type RawBuilder } from 'kysely';
import { BadRequestError } from '../errors.js';
import { compileFilter } from '../query/compileFilter.js';
import type { FieldMap, ResolvedField, TypeSuffix } from '../query/fieldMap.js';
import { fieldValues, readValue, type FieldSqlContext } from '../query/fieldSql.js';
import { fieldOrdering, Ordering, textPart, type SortGroup } from '../query/orderBy.js';
import { ARTIFACT_STRING_FIELDS, ARTIFACTS } from './artifactFields.js';
import { topLevelArtifactFilter } from './modelFilter.js';

type SortSuffix = Extract<TypeSuffix, 'string_value' | 'int_value' | 'double_value'>;
const SUFFIXED = /^(.+)\.(string_value|int_value|double_value)$/;
/** Orderings the generic list implements with the same meaning (spec 03 §5.3). */
const GENERIC_NAMES = new Set(['NAME', 'ID', 'CREATE_TIME', 'LAST_UPDATE_TIME', 'name']);

/** The value of a custom property or a member of a document, read with a type suffix. */
export function suffixedField(path: string[], suffix: SortSuffix): ResolvedField {
  const numeric = suffix !== 'string_value';
  return { display: path.join('.'), source: { kind: 'docValue', path }, valueType: numeric ? 'number' : 'string', metadata: suffix, numericStrings: numeric };
}

/** An artifact property or field as a sortable field over artifact rows (alias `e`). */
export function artifactSortField(property: string, suffix: SortSuffix): ResolvedField {
  if ((ARTIFACT_STRING_FIELDS as readonly string[]).includes(property)) {
    return { display: property, source: { kind: 'docValue', path: [property] }, valueType: 'string', metadata: 'none', numericStrings: false };
  }
  return suffixedField(['customProperties', property], suffix);
}

/**
 * The `orderBy` values of `GET /models` beyond the generic ones (spec 03 §5.3): `ACCURACY`, model
 * values with a type suffix, and per-model aggregates of an artifact property over the artifacts
 * satisfying the top-level artifact conditions. The kind's sortable columns (`provider`, `license`,
 * `sourceId`) are ordered like on every other catalog, since the capabilities document advertises
 * them to UIs as `orderBy` values (01 §8.3, 07 §4.3 B). Anything else is a 400.
 */
export function modelOrdering(namespace: string, modelFields: FieldMap, context: FieldSqlContext, sortableColumns: ReadonlySet<string>) {
  return (orderBy: string, descending: boolean, filterQuery: string | undefined): { ordering: Ordering; from?: RawBuilder<unknown> } | undefined => {
    if (GENERIC_NAMES.has(orderBy) || sortableColumns.has(orderBy)) return undefined;
    const unsupported = () => new BadRequestError(`unsupported orderBy "${orderBy}"`);
    const value = orderBy === 'ACCURACY' ? 'artifacts.overall_average.double_value' : orderBy;
    const match = SUFFIXED.exec(value);
    if (!match) throw unsupported();
    const [, path, suffix] = match as unknown as [string, string, SortSuffix];
    const names = path.split('.');
    if (names.some((name) => name === '')) throw unsupported();
    if (names[0] === ARTIFACTS) {
      if (names.length !== 2) throw unsupported();
      return artifactAggregateOrdering(namespace, artifactSortField(names[1], suffix), descending, filterQuery, context);
    }
    const declared = names.length === 1 ? modelFields.resolveOrderField(names[0]) : undefined;
    if (declared && declared.source.kind !== 'name' && declared.source.kind !== 'sourceId') {
      const fits = declared.valueType === 'string' ? suffix === 'string_value' : suffix !== 'string_value';
      if (!fits) throw unsupported();
      return { ordering: fieldOrdering(declared, descending, context) };
    }
    const property = names[0] === 'customProperties' ? names.slice(1) : names;
    if (property.length !== 1) throw unsupported();
    return { ordering: fieldOrdering(suffixedField(['customProperties', property[0]], suffix), descending, context) };
  };
}

/** Minimum (ASC) or maximum (DESC) per model of an artifact property; models without a value last. */
function artifactAggregateOrdering(
  namespace: string,
  field: ResolvedField,
  descending: boolean,
  filterQuery: string | undefined,
  context: FieldSqlContext,
): { ordering: Ordering; from: RawBuilder<unknown> } {
  const text = field.valueType === 'string';
  const values = fieldValues(field);
  const value = readValue(field, values.shape === 'single' ? values.json : undefined, text ? 'string' : 'number', context);
  const artifactFilter = topLevelArtifactFilter(filterQuery);
  const condition = artifactFilter ? sql`AND ${compileFilter(artifactFilter, context)}` : sql``;
  const aggregate = descending ? sql`max` : sql`min`;
  const aggregated = sql`${aggregate}(a.v${text ? sql` COLLATE "C"` : sql``})`;
  // With a filter, only the models passing it need a key: a lateral aggregate per listed model
  // (joined on the model id through `sk`, since artifact rows are aliased `e` too) reads just their
  // artifacts through the (namespace, entity_id, collection) index. Without one every model needs a
  // key, and one pass grouping all artifacts of the namespace is cheaper than a probe per model
  // (EXPLAIN ANALYZE, 10,000 models: about 200 ms against 320 ms).
  const from = filterQuery !== undefined
    ? sql`CROSS JOIN LATERAL (SELECT e.id AS sort_entity_id) AS sk
      LEFT JOIN LATERAL (
        SELECT ${aggregated} AS sort_value
        FROM (SELECT ${value} AS v FROM catalog_entity_children AS e
          WHERE e.namespace = ${namespace}::text AND e.entity_id = sk.sort_entity_id AND e.collection = ${ARTIFACTS}::text ${condition}) AS a
      ) AS art ON true`
    : sql`LEFT JOIN (
        SELECT a.entity_id AS sort_entity_id, ${aggregated} AS sort_value
        FROM (SELECT e.entity_id, ${value} AS v FROM catalog_entity_children AS e
          WHERE e.namespace = ${namespace}::text AND e.collection = ${ARTIFACTS}::text) AS a
        GROUP BY a.entity_id
      ) AS art ON art.sort_entity_id = e.id`;
  const group: SortGroup = {
    parts: [text ? textPart(sql`art.sort_value`) : { expression: sql`art.sort_value`, type: 'numeric' }],
    nullable: true,
    descending,
  };
  return { ordering: new Ordering(group), from };
}
