import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from '../db/schema.js';
import { BadRequestError } from '../errors.js';
import { compileFilter } from '../query/compileFilter.js';
import { decodeCursor, encodeCursor, INVALID_PAGE_TOKEN, queryHash } from '../query/cursor.js';
import type { FieldSqlContext } from '../query/fieldSql.js';
import { fieldOrdering, resolveOrdering, type Ordering, type SortKey } from '../query/orderBy.js';
import { ARTIFACTS, artifactFields } from './artifactFields.js';
import { bindArtifactFilter } from './modelFilter.js';
import { artifactSortField } from './modelOrdering.js';

export const ARTIFACT_TYPES = ['model-artifact', 'metrics-artifact'];
const ARTIFACT_ORDER_NAMES = new Set(['ID', 'NAME', 'CREATE_TIME', 'LAST_UPDATE_TIME']);
const SORT_SUFFIXES = new Set(['string_value', 'int_value', 'double_value']);

export interface ArtifactRow {
  id: string;
  doc: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export interface ArtifactQuery {
  namespace: string;
  entityId: string;
  artifactTypes: string[];
  /** Only `performance-metrics` artifacts (spec 03 §8.1). */
  performanceOnly: boolean;
  filterQuery?: string;
  orderBy?: string;
  descending: boolean;
  context: FieldSqlContext;
}

/**
 * The artifact orderings of spec 03 §7: `ID` (default), `NAME`, `CREATE_TIME`, `LAST_UPDATE_TIME`,
 * or `<property>.<string_value|int_value|double_value>`; a value without a suffix falls back to `ID`.
 */
export function artifactOrdering(orderBy: string | undefined, descending: boolean, context: FieldSqlContext): Ordering {
  const value = orderBy ?? 'ID';
  if (ARTIFACT_ORDER_NAMES.has(value)) return resolveOrdering(value, descending, artifactFields, context);
  const dot = value.lastIndexOf('.');
  if (dot < 0) return resolveOrdering('ID', descending, artifactFields, context);
  const property = value.slice(0, dot);
  const suffix = value.slice(dot + 1);
  if (property === '' || !SORT_SUFFIXES.has(suffix)) throw new BadRequestError(`unsupported orderBy "${value}"`);
  return fieldOrdering(artifactSortField(property, suffix as 'string_value'), descending, context);
}

/** Artifact rows of one model as a relation shaped like entity rows (alias `e`), so the generic orderings apply. */
function artifactRelation(query: ArtifactQuery): RawBuilder<unknown> {
  return sql`(SELECT c.id, COALESCE(c.name, '') AS name, lower(COALESCE(c.name, '')) AS name_lower, ''::text AS source_id,
      c.doc, c.created_at, c.updated_at
    FROM catalog_entity_children AS c
    WHERE c.namespace = ${query.namespace}::text AND c.entity_id = ${query.entityId}::bigint AND c.collection = ${ARTIFACTS}::text) AS e`;
}

function artifactConditions(query: ArtifactQuery): RawBuilder<SqlBool> {
  const conditions: RawBuilder<SqlBool>[] = [sql<SqlBool>`true`];
  if (query.artifactTypes.length > 0) {
    conditions.push(sql<SqlBool>`e.doc->>'artifactType' IN (${sql.join(query.artifactTypes.map((t) => sql`${t}::text`))})`);
  }
  if (query.performanceOnly) conditions.push(sql<SqlBool>`e.doc->>'metricsType' = 'performance-metrics'`);
  if (query.filterQuery !== undefined) conditions.push(compileFilter(bindArtifactFilter(query.filterQuery), query.context));
  return sql<SqlBool>`${sql.join(conditions, sql` AND `)}`;
}

/** One keyset page of a model's artifacts and the number of matches. */
export async function pageArtifacts(
  db: Kysely<Database>,
  query: ArtifactQuery,
  page: { pageSize: number; pageToken?: string },
): Promise<{ rows: ArtifactRow[]; totalSize: number; nextPageToken: string }> {
  const ordering = artifactOrdering(query.orderBy, query.descending, query.context);
  const hash = artifactQueryHash(query);
  const after = page.pageToken === undefined ? undefined : ordering.after(ordering.parseKey(decodeCursor(page.pageToken, hash)));
  const where = artifactConditions(query);
  const [rows, count] = await Promise.all([
    sql<ArtifactRow & Record<string, unknown>>`
      SELECT s.id, s.doc, s.created_at, s.updated_at, ${sql.join(ordering.keyTexts('s'))}
      FROM (
        SELECT e.id, e.doc, e.created_at, e.updated_at, ${sql.join(ordering.keyColumns())}
        FROM ${artifactRelation(query)}
        WHERE ${where} ${after ? sql`AND ${after}` : sql``}
        ORDER BY ${sql.join(ordering.orderByTerms())}
        LIMIT ${page.pageSize + 1}
      ) AS s
      ORDER BY ${sql.join(ordering.orderByKeyColumns('s'))}`.execute(db),
    sql<{ total: number }>`SELECT count(*)::int AS total FROM ${artifactRelation(query)} WHERE ${where}`.execute(db),
  ]);
  const served = rows.rows.slice(0, page.pageSize);
  const nextPageToken = rows.rows.length > page.pageSize ? encodeCursor(ordering.keyOf(served[served.length - 1]), hash) : '';
  return { rows: served.map((row) => ordering.stripKeys(row)), totalSize: count.rows[0].total, nextPageToken };
}

/** Every matching artifact in query order, each with its sort key (for lists filtered in the application). */
export async function allArtifacts(db: Kysely<Database>, query: ArtifactQuery): Promise<{ rows: (ArtifactRow & { key: SortKey })[]; ordering: Ordering }> {
  const ordering = artifactOrdering(query.orderBy, query.descending, query.context);
  const { rows } = await sql<ArtifactRow & Record<string, unknown>>`
    SELECT s.id, s.doc, s.created_at, s.updated_at, ${sql.join(ordering.keyTexts('s'))}
    FROM (
      SELECT e.id, e.doc, e.created_at, e.updated_at, ${sql.join(ordering.keyColumns())}
      FROM ${artifactRelation(query)}
      WHERE ${artifactConditions(query)}
    ) AS s
    ORDER BY ${sql.join(ordering.orderByKeyColumns('s'))}`.execute(db);
  return { rows: rows.map((row) => ({ ...ordering.stripKeys(row), key: ordering.keyOf(row) })), ordering };
}

/** A page of rows already in order, continuing after the row whose key a cursor carries. */
export function pageOrderedRows<T extends { key: SortKey }>(rows: readonly T[], query: ArtifactQuery, page: { pageSize: number; pageToken?: string }) {
  const hash = artifactQueryHash(query);
  let start = 0;
  if (page.pageToken !== undefined) {
    const key = JSON.stringify(decodeCursor(page.pageToken, hash));
    const index = rows.findIndex((row) => JSON.stringify(row.key) === key);
    if (index < 0) throw new BadRequestError(`${INVALID_PAGE_TOKEN}: the item it continues from no longer exists`);
    start = index + 1;
  }
  const served = rows.slice(start, start + page.pageSize);
  const more = start + page.pageSize < rows.length;
  return { rows: served, totalSize: rows.length, nextPageToken: more ? encodeCursor(served[served.length - 1].key, hash) : '' };
}

function artifactQueryHash(query: ArtifactQuery): string {
  return queryHash(['artifacts', query.namespace, query.entityId, query.artifactTypes, query.performanceOnly, query.filterQuery ?? null, query.orderBy ?? 'ID', query.descending]);
}

/** The served artifact (spec 03 §3.3): the document plus id and epoch-millisecond timestamps. */
export function serializeArtifact(row: ArtifactRow): Record<string, unknown> {
  const { doc } = row;
  return {
    artifactType: doc.artifactType,
    ...doc,
    id: String(row.id),
    customProperties: doc.customProperties ?? {},
    createTimeSinceEpoch: typeof doc.createTimeSinceEpoch === 'string' ? doc.createTimeSinceEpoch : String(new Date(row.created_at).getTime()),
    lastUpdateTimeSinceEpoch: typeof doc.lastUpdateTimeSinceEpoch === 'string' ? doc.lastUpdateTimeSinceEpoch : String(new Date(row.updated_at).getTime()),
  };
}
