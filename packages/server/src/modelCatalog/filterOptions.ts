import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { ARTIFACTS } from './artifactFields.js';

export const MODEL_PLUGIN = 'model';
export const MODEL_KIND = 'CatalogModel';

type FilterOption = { type: 'string'; values: string[] } | { type: 'number'; range: { min: number; max: number } };

/** Custom properties that never become options (spec 03 §9.1). */
const EXCLUDED_PROPERTIES = ['model_id'];

/**
 * Recomputes the namespace's filter options inside the caller's transaction and stores them as one
 * row (spec 03 §9.2). The advisory lock serializes recomputations, so the last committed snapshot
 * reflects every committed write. Set-based SQL that runs on PostgreSQL 14+ and PGlite alike.
 */
export async function recomputeFilterOptions(trx: Transaction<Database>, namespace: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`model-filter-options/${namespace}`}, 0))`.execute(trx);
  const models = sql`SELECT e.id, e.doc FROM catalog_entities AS e
    WHERE e.namespace = ${namespace}::text AND e.plugin = ${MODEL_PLUGIN}::text AND e.kind = ${MODEL_KIND}::text`;
  const artifacts = sql`SELECT c.doc FROM catalog_entity_children AS c JOIN m ON m.id = c.entity_id
    WHERE c.namespace = ${namespace}::text AND c.collection = ${ARTIFACTS}::text`;
  const excluded = sql.join(EXCLUDED_PROPERTIES.map((name) => sql`${name}::text`));
  const { rows: strings } = await sql<{ key: string; vals: string[] }>`
    WITH m AS (${models}), a AS (${artifacts}),
    s AS (
      SELECT f.key, f.val FROM m CROSS JOIN LATERAL (VALUES
          ('license', m.doc->>'license'), ('provider', m.doc->>'provider'),
          ('maturity', m.doc->>'maturity'), ('library_name', m.doc->>'libraryName')) AS f(key, val)
      UNION ALL
      SELECT k.key, v.val FROM m
        CROSS JOIN LATERAL (VALUES ('tasks'), ('language')) AS k(key)
        CROSS JOIN LATERAL jsonb_array_elements_text(
          CASE WHEN jsonb_typeof(m.doc->k.key) = 'array' THEN m.doc->k.key ELSE '[]'::jsonb END) AS v(val)
      UNION ALL
      SELECT c.key || '.string_value', c.value->>'string_value' FROM m
        CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(m.doc->'customProperties') = 'object' THEN m.doc->'customProperties' ELSE '{}'::jsonb END) AS c
        WHERE c.value->>'metadataType' = 'MetadataStringValue' AND c.key NOT IN (${excluded})
      UNION ALL
      SELECT 'artifacts.' || c.key || '.string_value', c.value->>'string_value' FROM a
        CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(a.doc->'customProperties') = 'object' THEN a.doc->'customProperties' ELSE '{}'::jsonb END) AS c
        WHERE c.value->>'metadataType' = 'MetadataStringValue' AND c.key NOT IN (${excluded}))
    SELECT key, array_agg(DISTINCT v ORDER BY v) AS vals
    FROM (SELECT key, val COLLATE "C" AS v FROM s WHERE val IS NOT NULL AND val <> '') t
    GROUP BY key
    HAVING count(DISTINCT v) < 50 AND max(char_length(v)) <= 100`.execute(trx);
  const { rows: numbers } = await sql<{ key: string; min: string; max: string }>`
    WITH m AS (${models}), a AS (${artifacts}),
    p AS (
      SELECT '' AS prefix, c.key, c.value FROM m
        CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(m.doc->'customProperties') = 'object' THEN m.doc->'customProperties' ELSE '{}'::jsonb END) AS c
      UNION ALL
      SELECT 'artifacts.', c.key, c.value FROM a
        CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(a.doc->'customProperties') = 'object' THEN a.doc->'customProperties' ELSE '{}'::jsonb END) AS c),
    n AS (
      SELECT prefix || key || '.double_value' AS key, (value->>'double_value')::float8 AS v FROM p
        WHERE value->>'metadataType' = 'MetadataDoubleValue' AND jsonb_typeof(value->'double_value') = 'number' AND key NOT IN (${excluded})
      UNION ALL
      SELECT prefix || key || '.int_value', (value->>'int_value')::numeric::float8 FROM p
        WHERE value->>'metadataType' = 'MetadataIntValue' AND key NOT IN (${excluded}))
    SELECT key, min(v)::text AS min, max(v)::text AS max FROM n GROUP BY key`.execute(trx);

  const filters: Record<string, FilterOption> = {};
  for (const row of [...strings].sort((a, b) => compareText(a.key, b.key))) filters[row.key] = { type: 'string', values: row.vals };
  for (const row of [...numbers].sort((a, b) => compareText(a.key, b.key))) {
    filters[row.key] = { type: 'number', range: { min: Number(row.min), max: Number(row.max) } };
  }
  const options = JSON.stringify({ filters });
  await trx
    .insertInto('model_filter_options')
    .values({ namespace, options, computed_at: new Date() })
    .onConflict((oc) => oc.column('namespace').doUpdateSet({ options, computed_at: new Date() }))
    .execute();
}

/**
 * `GET /models/filter_options` (spec 03 §9.1): the namespace's snapshot (one row) plus the configured
 * named queries, whose `"min"`/`"max"` values take the range of the option with the same key.
 */
export async function readFilterOptions(db: Kysely<Database>, namespace: string, namedQueries: Record<string, unknown>): Promise<Record<string, unknown>> {
  const row = await db.selectFrom('model_filter_options').select('options').where('namespace', '=', namespace).executeTakeFirst();
  const filters = ((row?.options as { filters?: Record<string, FilterOption> } | undefined)?.filters ?? {});
  if (Object.keys(namedQueries).length === 0) return { filters };
  const resolved: Record<string, unknown> = {};
  for (const [name, query] of Object.entries(namedQueries)) {
    const conditions: Record<string, unknown> = {};
    for (const [key, condition] of Object.entries((query ?? {}) as Record<string, unknown>)) {
      const option = Object.hasOwn(filters, key) ? filters[key] : undefined;
      const { value } = (condition ?? {}) as { value?: unknown };
      conditions[key] = option?.type === 'number' && (value === 'min' || value === 'max')
        ? { ...(condition as object), value: option.range[value] }
        : condition;
    }
    resolved[name] = conditions;
  }
  return { filters, namedQueries: resolved };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
