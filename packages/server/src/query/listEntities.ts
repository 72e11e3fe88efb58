import type { KindDeclaration } from '@catalog/framework';
import { sql, type Kysely, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import type { Database, EntityTable } from '../db/schema.js';
import { bindFilter, referencesSource } from './bindFilter.js';
import { compileFilter, filterJoins } from './compileFilter.js';
import { compileSearch } from './compileSearch.js';
import { decodeCursor, encodeCursor, queryHash } from './cursor.js';
import { fieldMapFor } from './fieldMap.js';
import type { FieldSqlContext, TableJoin } from './fieldSql.js';
import { parseListParams, type ListParams, type ListRequest } from './listParams.js';
import type { CountCache } from './CountCache.js';
import { resolveOrdering, type Ordering } from './orderBy.js';
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
  /** Entity kinds a `references=<Kind>:<name>` lookup may name: those of the registered plugins. */
  referenceKinds?: readonly string[];
  /**
   * Reuse of `totalSize` across requests: counting re-reads every match, the page does not. `version`
   * must change whenever the kind's data may have changed, so a cached count is never stale here.
   */
  counts?: { cache: CountCache; version: string };
  /** Plugin-specific list semantics layered on the generic ones (the model plugin's legacy list, spec 03 §5). */
  extension?: ListExtension;
}

interface MatchConditions {
  /** Namespace, kind and sources: what the ordering indexes serve. */
  base: RawBuilder<SqlBool>[];
  /** The archived rule, `q` and `filterQuery`. */
  selective: RawBuilder<SqlBool>[];
  joins: Set<TableJoin>;
  filter: CompiledFilter | undefined;
  sourceIds: readonly string[];
}

/** The conditions of a list request; undefined when no source can match. */
function matchConditions(input: ListEntitiesInput, request: ListRequest): MatchConditions | undefined {
  const fields = fieldMapFor(input.kind);
  const context = { defaultLifecycleState: input.defaultLifecycleState };
  const filter = request.filterQuery === undefined ? undefined : compileListFilter(request.filterQuery, fields, context, input.extension);
  const sourceIds = request.sourceIds
    ? input.enabledSourceIds.filter((id) => request.sourceIds!.includes(id))
    : input.enabledSourceIds;
  if (sourceIds.length === 0) return undefined;
  const joins = new Set<TableJoin>();
  const base: RawBuilder<SqlBool>[] = [
    sql<SqlBool>`e.namespace = ${input.namespace}::text AND e.plugin = ${input.plugin}::text AND e.kind = ${input.kind.kind}::text`,
    sql<SqlBool>`e.source_id IN (${sql.join(sourceIds.map((id) => sql`${id}::text`))})`,
  ];
  // Served by the GIN index on link_keys (spec 02 §2.6: never a scan of documents).
  if (request.references.length > 0) base.push(sql<SqlBool>`e.link_keys @> ${request.references}::text[]`);
  const selective: RawBuilder<SqlBool>[] = [];
  if (!request.includeArchived && !filter?.readsGovernanceState) {
    selective.push(notArchived(input.defaultLifecycleState));
  }
  if (request.q !== undefined) {
    selective.push(compileSearch(request.q, input.kind, fields, context));
    joins.add('overlay');
  }
  if (filter) {
    selective.push(filter.condition);
    for (const join of filter.joins) joins.add(join);
  }
  return { base, selective, joins, filter, sourceIds };
}

/**
 * Every entity matching a list request's conditions (ordering and paging parameters are ignored),
 * as `(id, name)`: the candidates of list modes that order in the application (spec 03 §5.4).
 */
export async function listMatchingEntities(
  db: Kysely<Database>,
  input: ListEntitiesInput,
): Promise<{ request: ListRequest; matches: { id: string; name: string }[] }> {
  const request = parseListParams(input.params, input.referenceKinds, input.extension?.defaultPageSize);
  const conditions = matchConditions(input, request);
  if (!conditions) return { request, matches: [] };
  const { rows } = await sql<{ id: string; name: string }>`SELECT e.id, e.name FROM catalog_entities AS e
    ${conditions.joins.has('overlay') ? joinOn('catalog_overlays', 'o') : sql``}
    ${conditions.joins.has('governance') ? joinOn('asset_governance', 'g') : sql``}
    WHERE ${sql.join([...conditions.base, ...conditions.selective], sql` AND `)}`.execute(db);
  return { request, matches: rows };
}

/** Full list rows (document, overlay, governance state) of the given entity ids, in no particular order. */
export async function entityRowsById(db: Kysely<Database>, ids: readonly string[], defaultLifecycleState: string): Promise<EntityListRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<EntityListRow>`
    SELECT ${LISTED_COLUMNS}, o.tags, o.annotations, o.lifecycle,
      COALESCE(g.lifecycle_state, ${defaultLifecycleState}::text) AS governance_state
    FROM catalog_entities AS e
    ${joinOn('catalog_overlays', 'o')}
    ${joinOn('asset_governance', 'g')}
    WHERE e.id = ANY(${`{${ids.join(',')}}`}::bigint[])`.execute(db);
  return rows;
}

/** A compiled filterQuery: the condition, the tables it reads, and whether it names the governance state. */
export interface CompiledFilter {
  condition: RawBuilder<SqlBool>;
  joins: ReadonlySet<TableJoin>;
  readsGovernanceState: boolean;
}

export interface ListExtension {
  /** Compiles `filterQuery` in place of the kind's field map (e.g. conditions on child records). */
  compileFilter?: (filterQuery: string) => CompiledFilter;
  /**
   * Resolves an orderBy value before the generic names; `from` is joined to the entity table
   * (aliased `e`) when the sort key needs it. Undefined means "not mine".
   */
  ordering?: (orderBy: string, descending: boolean, filterQuery: string | undefined) => { ordering: Ordering; from?: RawBuilder<unknown> } | undefined;
  /** Page size when `pageSize` is absent (legacy lists: 10). */
  defaultPageSize?: number;
}

/** An entity row with its overlay and its governance state (the default state when it has no record). */
/** The entity columns a list serves (provenance, search and index helper columns stay in the database). */
const LISTED_COLUMNS = sql.raw('e.id, e.name, e.source_id, e.doc, e.digest, e.links, e.created_at, e.updated_at');

export type EntityListRow = Pick<Selectable<EntityTable>, 'id' | 'name' | 'source_id' | 'doc' | 'digest' | 'links' | 'created_at' | 'updated_at'> & {
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
  const request = parseListParams(input.params, input.referenceKinds, input.extension?.defaultPageSize);
  const fields = fieldMapFor(input.kind);
  const context = { defaultLifecycleState: input.defaultLifecycleState };
  const custom = input.extension?.ordering?.(request.orderBy, request.descending, request.filterQuery);
  const ordering = custom?.ordering ?? resolveOrdering(request.orderBy, request.descending, fields, context);
  const hash = queryHash([
    input.namespace, input.plugin, input.kind.kind, request.filterQuery ?? null, request.q ?? null,
    request.orderBy, request.descending, request.sourceIds ?? null, request.includeArchived, request.references,
  ]);
  const after = request.pageToken === undefined
    ? undefined
    : ordering.after(ordering.parseKey(decodeCursor(request.pageToken, hash)));
  const conditions = matchConditions(input, request);
  if (!conditions) return { rows: [], totalSize: 0, pageSize: request.pageSize, nextPageToken: '' };
  const { base, selective, filter, sourceIds } = conditions;
  const joins = new Set<TableJoin>([...ordering.joins, ...conditions.joins]);

  // Only the tables the conditions and sort keys read are joined before ordering and counting.
  const from = sql`catalog_entities AS e
    ${joins.has('overlay') ? joinOn('catalog_overlays', 'o') : sql``}
    ${joins.has('governance') ? joinOn('asset_governance', 'g') : sql``}
    ${custom?.from ?? sql``}`;
  const where = sql.join([...base, ...selective], sql` AND `);
  const query: PageQuery = { db, ordering, from, base, selective, after, limit: request.pageSize + 1, defaultLifecycleState: input.defaultLifecycleState };

  const countKey = input.counts ? JSON.stringify([hash, sourceIds, input.counts.version]) : undefined;
  const cachedCount = countKey === undefined ? undefined : input.counts!.cache.get(countKey);
  // The sort key's join never changes which rows match.
  const countFrom = custom?.from ? sql`catalog_entities AS e
    ${joins.has('overlay') ? joinOn('catalog_overlays', 'o') : sql``}
    ${joins.has('governance') ? joinOn('asset_governance', 'g') : sql``}` : from;
  const countQuery = sql<{ total: number }>`SELECT count(*)::int AS total FROM ${countFrom} WHERE ${where}`;
  // A filter or search makes the planner's row estimates unreliable (JSON expressions); when an
  // index delivers the order, walking it in chunks finds the page without scanning the kind.
  const walk = ordering.indexed && (filter !== undefined || request.q !== undefined);
  const [rows, total] = await Promise.all([
    walk ? walkIndexForPage(query) : selectPage(query),
    cachedCount ?? countQuery.execute(db).then((result) => result.rows[0].total),
  ]);
  if (countKey !== undefined && cachedCount === undefined) input.counts!.cache.set(countKey, total);

  const page = rows.slice(0, request.pageSize);
  const nextPageToken = rows.length > request.pageSize ? encodeCursor(ordering.keyOf(page[page.length - 1]), hash) : '';
  return {
    rows: page.map((row) => ordering.stripKeys(row)),
    totalSize: total,
    pageSize: request.pageSize,
    nextPageToken,
  };
}

function compileListFilter(filterQuery: string, fields: ReturnType<typeof fieldMapFor>, context: FieldSqlContext, extension: ListExtension | undefined): CompiledFilter {
  if (extension?.compileFilter) return extension.compileFilter(filterQuery);
  const bound = bindFilter(parseFilterQuery(filterQuery), fields);
  return { condition: compileFilter(bound, context), joins: filterJoins(bound), readsGovernanceState: referencesSource(bound, 'governanceState') };
}

interface PageQuery {
  db: Kysely<Database>;
  ordering: Ordering;
  from: RawBuilder<unknown>;
  base: RawBuilder<SqlBool>[];
  selective: RawBuilder<SqlBool>[];
  after: RawBuilder<SqlBool> | undefined;
  /** Page size + 1: one extra row tells whether a next page exists. */
  limit: number;
  defaultLifecycleState: string;
}

type PageRow = EntityListRow & Record<string, unknown>;

/** One statement: the page is chosen on narrow rows; documents, overlays and governance are read for it alone. */
async function selectPage(q: PageQuery): Promise<PageRow[]> {
  const where = sql.join([...q.base, ...q.selective], sql` AND `);
  const { rows } = await sql<PageRow>`
    SELECT ${LISTED_COLUMNS}, o.tags, o.annotations, o.lifecycle,
      COALESCE(g.lifecycle_state, ${q.defaultLifecycleState}::text) AS governance_state,
      ${sql.join(q.ordering.keyTexts('page'))}
    FROM (
      SELECT e.id AS page_id, ${sql.join(q.ordering.keyColumns())}
      FROM ${q.from}
      WHERE ${where} ${q.after ? sql`AND ${q.after}` : sql``}
      ORDER BY ${sql.join(q.ordering.orderByTerms())}
      LIMIT ${q.limit}
    ) AS page
    JOIN catalog_entities AS e ON e.id = page.page_id
    ${joinOn('catalog_overlays', 'o')}
    ${joinOn('asset_governance', 'g')}
    ORDER BY ${sql.join(q.ordering.orderByKeyColumns('page'))}`.execute(q.db);
  return rows;
}

const FIRST_CHUNK_ROWS = 200;
const CHUNK_GROWTH = 4;

/**
 * Finds the page by walking the ordering's index in growing chunks: each chunk reads the next rows
 * in order (namespace, kind and sources only, which the index serves) and evaluates the filter on
 * them; the walk stops when the page is full or the rows run out. Cost follows the rows read to fill
 * the page, not the size of the kind; a very selective filter degrades to about one scan.
 */
async function walkIndexForPage(q: PageQuery): Promise<PageRow[]> {
  const found: PageRow[] = [];
  let position = q.after;
  let chunk = Math.max(FIRST_CHUNK_ROWS, q.limit * CHUNK_GROWTH);
  const matched = sql.join(q.selective, sql` AND `);
  for (;;) {
    // Matching rows come back whole (document, overlay, governance) in the same statement, so the
    // usual page costs one round trip; the last scanned row comes back too, as the resume point.
    const { rows } = await sql<PageRow & { matched: boolean; scan_index: string; scanned: string }>`
      SELECT s.matched, s.scan_index, s.scanned, ${sql.join(q.ordering.keyTexts('s'))},
        ${LISTED_COLUMNS}, o.tags, o.annotations, o.lifecycle,
        COALESCE(g.lifecycle_state, ${q.defaultLifecycleState}::text) AS governance_state
      FROM (
        SELECT w.*, row_number() OVER (ORDER BY ${sql.join(q.ordering.orderByKeyColumns('w'))}) AS scan_index, count(*) OVER () AS scanned
        FROM (
          SELECT e.id AS page_id, ${sql.join(q.ordering.keyColumns())}, COALESCE(${matched}, false) AS matched
          FROM ${q.from}
          WHERE ${sql.join(q.base, sql` AND `)} ${position ? sql`AND ${position}` : sql``}
          ORDER BY ${sql.join(q.ordering.orderByTerms())}
          LIMIT ${chunk}
        ) AS w
      ) AS s
      LEFT JOIN catalog_entities AS e ON s.matched AND e.id = s.page_id
      ${joinOn('catalog_overlays', 'o')}
      ${joinOn('asset_governance', 'g')}
      WHERE s.matched OR s.scan_index = s.scanned
      ORDER BY s.scan_index`.execute(q.db);
    for (const row of rows) {
      if (row.matched && found.length < q.limit) found.push(withoutScanColumns(row));
    }
    const last = rows.at(-1);
    if (found.length >= q.limit || last === undefined || Number(last.scanned) < chunk) break;
    position = q.ordering.after(q.ordering.keyOf(last));
    chunk *= CHUNK_GROWTH;
  }
  return found;
}

function withoutScanColumns(row: PageRow & { matched?: boolean; scan_index?: string; scanned?: string }): PageRow {
  const { matched: _m, scan_index: _i, scanned: _s, ...rest } = row;
  return rest as PageRow;
}

/** LEFT JOIN of an overlay-style table, keyed like the entity without its source (alias `e`). */
export function joinOn(table: 'catalog_overlays' | 'asset_governance', alias: 'o' | 'g'): RawBuilder<unknown> {
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
