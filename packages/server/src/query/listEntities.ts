import type { KindDeclaration } from '@catalog/framework';
import { sql, type Kysely, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import type { Database, EntityTable } from '../db/schema.js';
import { bindFilter, referencesSource } from './bindFilter.js';
import { compileFilter, filterJoins } from './compileFilter.js';
import { compileSearch } from './compileSearch.js';
import { decodeCursor, encodeCursor, queryHash } from './cursor.js';
import { fieldMapFor } from './fieldMap.js';
import type { TableJoin } from './fieldSql.js';
import { parseListParams, type ListParams } from './listParams.js';
import { resolveOrdering } from './orderBy.js';
import { parseFilterQuery } from './parser.js';

export interface ListEntitiesInput {
  namespace: string;
  plugin: string;
  kind: KindDeclaration;
  /** Enabled sources of the plugin in the namespace; entities of other sources are never listed. */
  enabledSourceIds: readonly string[];
  /** Governance state of assets without a governance record (06). */
  defaultLifecycleState: string;
  /** Raw query-string values, validated here. */
  params: ListParams;
}

/** An entity row with its overlay and its governance state (the default state when it has no record). */
export type EntityListRow = Selectable<EntityTable> & {
  tags: string[] | null;
  annotations: Record<string, string> | null;
  lifecycle: string | null;
  governance_state: string;
};

export interface EntityListPage {
  rows: EntityListRow[];
  /** Entities matching every condition, independent of paging. */
  totalSize: number;
  /** Effective page size, after clamping. */
  pageSize: number;
  /** Cursor of the next page; `""` on the last page. */
  nextPageToken: string;
}

/**
 * One page of a kind's entities (spec 01 §10.3–10.7): namespace, plugin and kind, enabled sources,
 * the `sourceId` list, the archived rule, `q` and `filterQuery`, ANDed, in a keyset-paged total
 * order. Two statements, run concurrently: the page and the count.
 */
export async function listEntities(db: Kysely<Database>, input: ListEntitiesInput): Promise<EntityListPage> {
  const request = parseListParams(input.params);
  const fields = fieldMapFor(input.kind);
  const context = { defaultLifecycleState: input.defaultLifecycleState };
  const ordering = resolveOrdering(request.orderBy, request.descending, fields, context);
  const filter = request.filterQuery === undefined ? undefined : bindFilter(parseFilterQuery(request.filterQuery), fields);
  const hash = queryHash([
    input.namespace, input.plugin, input.kind.kind, request.filterQuery ?? null, request.q ?? null,
    request.orderBy, request.descending, request.sourceIds ?? null, request.includeArchived,
  ]);
  const after = request.pageToken === undefined
    ? undefined
    : ordering.after(ordering.parseKey(decodeCursor(request.pageToken, hash)));

  const sourceIds = request.sourceIds
    ? input.enabledSourceIds.filter((id) => request.sourceIds!.includes(id))
    : input.enabledSourceIds;
  if (sourceIds.length === 0) return { rows: [], totalSize: 0, pageSize: request.pageSize, nextPageToken: '' };

  const joins = new Set<TableJoin>(ordering.joins);
  const conditions: RawBuilder<SqlBool>[] = [
    sql<SqlBool>`e.namespace = ${input.namespace}::text AND e.plugin = ${input.plugin}::text AND e.kind = ${input.kind.kind}::text`,
    sql<SqlBool>`e.source_id IN (${sql.join(sourceIds.map((id) => sql`${id}::text`))})`,
  ];
  if (!request.includeArchived && !(filter && referencesSource(filter, 'governanceState'))) {
    conditions.push(notArchived(input.defaultLifecycleState));
  }
  if (request.q !== undefined) {
    conditions.push(compileSearch(request.q, input.kind, fields, context));
    joins.add('overlay');
  }
  if (filter) {
    conditions.push(compileFilter(filter, context));
    for (const join of filterJoins(filter)) joins.add(join);
  }
  // Only the tables the conditions and sort keys read are joined before ordering and counting.
  const from = sql`catalog_entities AS e
    ${joins.has('overlay') ? joinOn('catalog_overlays', 'o') : sql``}
    ${joins.has('governance') ? joinOn('asset_governance', 'g') : sql``}`;
  const where = sql.join(conditions, sql` AND `);

  // The page is chosen on narrow rows; documents, overlays and governance are read for it alone.
  const pageQuery = sql<EntityListRow & Record<string, unknown>>`
    SELECT e.*, o.tags, o.annotations, o.lifecycle,
      COALESCE(g.lifecycle_state, ${input.defaultLifecycleState}::text) AS governance_state,
      ${sql.join(ordering.keyTexts('page'))}
    FROM (
      SELECT e.id AS page_id, ${sql.join(ordering.keyColumns())}
      FROM ${from}
      WHERE ${where} ${after ? sql`AND ${after}` : sql``}
      ORDER BY ${sql.join(ordering.orderByTerms())}
      LIMIT ${request.pageSize + 1}
    ) AS page
    JOIN catalog_entities AS e ON e.id = page.page_id
    ${joinOn('catalog_overlays', 'o')}
    ${joinOn('asset_governance', 'g')}
    ORDER BY ${sql.join(ordering.orderByKeyColumns('page'))}`;
  const countQuery = sql<{ total: number }>`SELECT count(*)::int AS total FROM ${from} WHERE ${where}`;

  const [{ rows }, count] = await Promise.all([pageQuery.execute(db), countQuery.execute(db)]);
  const page = rows.slice(0, request.pageSize);
  const nextPageToken = rows.length > request.pageSize ? encodeCursor(ordering.keyOf(page[page.length - 1]), hash) : '';
  return {
    rows: page.map((row) => ordering.stripKeys(row)),
    totalSize: count.rows[0].total,
    pageSize: request.pageSize,
    nextPageToken,
  };
}

/** LEFT JOIN of an overlay-style table, keyed like the entity without its source. */
function joinOn(table: 'catalog_overlays' | 'asset_governance', alias: 'o' | 'g'): RawBuilder<unknown> {
  const ref = (column: string) => sql.ref(`${alias}.${column}`);
  return sql`LEFT JOIN ${sql.table(table)} AS ${sql.id(alias)} ON ${ref('namespace')} = e.namespace
    AND ${ref('plugin')} = e.plugin AND ${ref('kind')} = e.kind AND ${ref('name')} = e.name`;
}

/**
 * The archived rule (spec 01 §10.3) as an (anti-)semi-join: cheaper than joining every governance
 * record, since only archived records (or, when the default state is archived, the others) matter.
 */
function notArchived(defaultLifecycleState: string): RawBuilder<SqlBool> {
  const records = (state: RawBuilder<unknown>) => sql`SELECT 1 FROM asset_governance AS ga
    WHERE ga.namespace = e.namespace AND ga.plugin = e.plugin AND ga.kind = e.kind AND ga.name = e.name AND ${state}`;
  return defaultLifecycleState === 'archived'
    ? sql<SqlBool>`EXISTS (${records(sql`ga.lifecycle_state <> 'archived'`)})`
    : sql<SqlBool>`NOT EXISTS (${records(sql`ga.lifecycle_state = 'archived'`)})`;
}
