import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { SourceConfig } from '../config/sourcesDocument.js';
import type { Database } from '../db/schema.js';
import { BadRequestError, NotFoundError, UnsupportedMediaTypeError } from '../errors.js';
import type { EntityRouteDependencies } from '../framework/entityRoutes.js';
import { entityResponseSchema, listResponseSchema } from '../framework/entityResponseSchema.js';
import { findEntityByName } from '../framework/findEntityByName.js';
import type { RegisteredPlugin } from '../framework/PluginRegistry.js';
import { serializeEntity, type EntityRow } from '../framework/serializeEntity.js';
import { ErrorResponse } from '../http/errorSchema.js';
import { fieldMapFor } from '../query/fieldMap.js';
import type { ListRequest } from '../query/listParams.js';
import { entityRowsById, listEntities, listMatchingEntities, type ListEntitiesInput } from '../query/listEntities.js';
import type { Provider } from '../providers/types.js';
import { allArtifacts, ARTIFACT_TYPES, pageArtifacts, pageOrderedRows, serializeArtifact, type ArtifactQuery } from './artifactQueries.js';
import { MODEL_KIND, readFilterOptions } from './filterOptions.js';
import { compareKeys, legacyPaging, MultiValue, multiValues, pageInMemory, parseBoolean, parseNonNegativeInt32, singleValue, type PageKey } from './legacyParams.js';
import { compileModelFilter } from './modelFilter.js';
import { modelOrdering } from './modelOrdering.js';
import { parseMultipart } from './multipart.js';
import { DEFAULT_PERFORMANCE_PROPERTIES, performancePoint, recommendedIds, sizing, type PerformanceProperties } from './pareto.js';
import { previewSource, type PreviewContext } from './preview.js';
import { compareRanked, rankByRecommendedLatency } from './recommendations.js';

export interface ModelRouteDependencies extends EntityRouteDependencies {
  /** Read at request time: providers exist once the server has started. */
  providers: () => Readonly<Record<string, Provider>>;
  previewHf: PreviewContext['previewHf'];
  maxSourceBytes: number;
}

/** The list shape of spec 03 §2. */
const LegacyList = (items: TSchema) => Type.Object({
  items: Type.Array(items),
  size: Type.Integer(),
  pageSize: Type.Integer(),
  nextPageToken: Type.String(),
  totalSize: Type.Integer(),
});
const AnyObject = Type.Record(Type.String(), Type.Unknown());
const optionalText = () => Type.Optional(Type.String());
/** Paging and ordering, shared by the model and artifact lists. */
const PAGE_AND_ORDER = {
  filterQuery: optionalText(),
  pageSize: optionalText(),
  nextPageToken: optionalText(),
  pageToken: optionalText(),
  orderBy: optionalText(),
  sortOrder: optionalText(),
};
/** The performance parameters of 03 §8.1, shared by recommendations mode and the performance route. */
const PERFORMANCE = {
  recommendations: optionalText(),
  targetRPS: optionalText(),
  latencyProperty: optionalText(),
  rpsProperty: optionalText(),
  hardwareCountProperty: optionalText(),
  hardwareTypeProperty: optionalText(),
};
const ModelsQuery = Type.Object(
  {
    source: Type.Optional(MultiValue),
    sourceId: Type.Optional(MultiValue),
    sourceLabel: Type.Optional(MultiValue),
    q: optionalText(),
    ...PAGE_AND_ORDER,
    ...PERFORMANCE,
    includeArchived: optionalText(),
  },
  { additionalProperties: true },
);
const ArtifactsQuery = Type.Object(
  { artifactType: Type.Optional(MultiValue), artifact_type: Type.Optional(MultiValue), ...PAGE_AND_ORDER, ...PERFORMANCE },
  { additionalProperties: true },
);

type Query = Record<string, unknown>;

/**
 * Model list answers are cached per (namespace, data version, enabled sources, parameters), so paging
 * and repeated dashboards do not recompute artifact joins and recommendations (spec 03 §5.4 step 5).
 * The TTL bounds how long an answer may trail a write made on another replica, as for list counts.
 */
const LIST_CACHE_TTL_MS = 5_000;
const LIST_CACHE_ENTRIES = 500;

/**
 * The Kubeflow-compatible model catalog API (spec 03 §1): the legacy list and get routes replace the
 * plugin's generic ones at the same paths; every route answers errors with the legacy `code`.
 */
export function registerModelRoutes(app: FastifyInstance, plugin: RegisteredPlugin, deps: ModelRouteDependencies): void {
  const kindRuntime = plugin.kindByName(MODEL_KIND);
  if (!kindRuntime) throw new Error(`plugin "${plugin.name}" declares no ${MODEL_KIND} kind`);
  const kind = kindRuntime.decl;
  const base = plugin.basePath;
  const db = () => deps.database.db;
  const defaultState = deps.governance.defaultState;
  const context = { defaultLifecycleState: defaultState };
  const modelFields = fieldMapFor(kind);
  const sortableColumns = new Set(kind.fields.columns.filter((c) => c.sortable).map((c) => c.name));
  const config = (verb: 'list' | 'get', resource: 'assets' | 'catalogsources' = 'assets') => ({
    authz: { resource, verb }, plugin: plugin.name, legacyErrorCode: true,
  });
  const tags = [plugin.name];
  const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };
  const serializeModel = (row: EntityRow) => ({ ...serializeEntity(row, defaultState), source_id: row.source_id });
  const listCache = new LRUCache<string, object>({ max: LIST_CACHE_ENTRIES, ttl: LIST_CACHE_TTL_MS });

  const listInput = (namespace: string, params: Record<string, string | undefined>): ListEntitiesInput => ({
    namespace,
    plugin: plugin.name,
    kind,
    enabledSourceIds: deps.catalog.enabledSourceIds(namespace, plugin.name),
    defaultLifecycleState: defaultState,
    params,
    counts: { cache: deps.countCache, version: deps.versions.get(namespace, plugin.name) },
    extension: {
      compileFilter: (filterQuery) => compileModelFilter(filterQuery, namespace, modelFields, context),
      ordering: modelOrdering(namespace, modelFields, context, sortableColumns),
      defaultPageSize: 10,
    },
  });

  app.get(`${base}/models`, {
    config: config('list'),
    schema: {
      operationId: 'findModels', tags, summary: 'List models (Kubeflow model catalog API)',
      querystring: ModelsQuery, response: { 200: listResponseSchema(kind), ...errors },
    },
    handler: async (request) => {
      const namespace = request.namespace!;
      const query = request.query as Query;
      const sourceIds = selectedSources(deps, namespace, plugin.name, query);
      const params = {
        pageSize: singleValue(query, 'pageSize'),
        pageToken: singleValue(query, 'pageToken'),
        nextPageToken: singleValue(query, 'nextPageToken'),
        filterQuery: singleValue(query, 'filterQuery'),
        q: singleValue(query, 'q'),
        orderBy: singleValue(query, 'orderBy'),
        sortOrder: singleValue(query, 'sortOrder'),
        includeArchived: singleValue(query, 'includeArchived'),
        sourceId: sourceIds?.join(','),
      };
      const recommendations = parseBoolean(query, 'recommendations');
      const targetRPS = parseNonNegativeInt32(query, 'targetRPS');
      const properties = performanceProperties(query);
      if (sourceIds !== undefined && sourceIds.length === 0) {
        const page = legacyPaging(query);
        return { items: [], size: 0, pageSize: page.pageSize, nextPageToken: '', totalSize: 0 };
      }
      const cacheKey = JSON.stringify([
        namespace, deps.versions.get(namespace, plugin.name), deps.catalog.enabledSourceIds(namespace, plugin.name),
        params, recommendations, targetRPS ?? null, properties,
      ]);
      const cached = listCache.get(cacheKey);
      if (cached) return cached;
      const answer = await listModels();
      listCache.set(cacheKey, answer);
      return answer;

      async function listModels(): Promise<object> {
        if (!recommendations) {
          const page = await listEntities(db(), listInput(namespace, params));
          return { items: (page.rows as EntityRow[]).map(serializeModel), size: page.rows.length, pageSize: page.pageSize, nextPageToken: page.nextPageToken, totalSize: page.totalSize };
        }
        // orderBy and sortOrder are ignored in this mode (spec 03 §5.4 step 3), but still validated.
        const { request: list, matches } = await listMatchingEntities(db(), listInput(namespace, { ...params, orderBy: undefined }));
        const ranked = await rankByRecommendedLatency(db(), {
          namespace, candidates: matches, filterQuery: list.filterQuery, properties, targetRPS: targetRPS ?? 1, context,
        });
        const page = pageInMemory(ranked, {
          keyOf: (model) => [model.latency ?? null, model.name, model.id],
          compare: (a, b) => compareRanked(
            { latency: (a[0] as number | null) ?? undefined, name: String(a[1]), id: String(a[2]) },
            { latency: (b[0] as number | null) ?? undefined, name: String(b[1]), id: String(b[2]) },
          ),
          pageSize: list.pageSize,
          pageToken: list.pageToken,
          query: ['recommendations', namespace, params, properties, targetRPS ?? 1, deps.versions.get(namespace, plugin.name)],
        });
        const rows = new Map((await entityRowsById(db(), page.items.map((m) => m.id), defaultState)).map((row) => [String(row.id), row]));
        return { ...page, items: page.items.flatMap((model) => (rows.has(model.id) ? [serializeModel(rows.get(model.id) as EntityRow)] : [])) };
      }
    },
  });

  app.get(`${base}/models/filter_options`, {
    config: config('list'),
    schema: {
      operationId: 'findModelsFilterOptions', tags, summary: 'Filter options over the models of the namespace',
      response: { 200: Type.Object({ filters: AnyObject, namedQueries: Type.Optional(AnyObject) }), ...errors },
    },
    handler: async (request) => {
      const namespace = request.namespace!;
      return readFilterOptions(db(), namespace, deps.catalog.section(namespace, plugin.name).namedQueries);
    },
  });

  app.get(`${base}/models/*`, {
    config: config('get'),
    schema: {
      operationId: 'getModelByName', tags, summary: 'Get a model by name from the first source in source order (names may contain "/")',
      querystring: Type.Object({ sourceId: Type.Optional(Type.String()) }, { additionalProperties: true }),
      response: { 200: entityResponseSchema(kind), ...errors },
    },
    handler: async (request) => {
      const namespace = request.namespace!;
      const name = (request.params as { '*': string })['*'];
      const { sourceId } = request.query as { sourceId?: string };
      const order = deps.catalog.enabledSourceIds(namespace, plugin.name);
      const row = await findEntityByName(db(), { namespace, plugin: plugin.name, kind: kind.kind, name }, sourceId ? order.filter((s) => s === sourceId) : order);
      if (!row) throw new NotFoundError(`model "${name}" not found`);
      return { ...serializeModel(row), provenance: { ...(row.provenance ?? {}), entityDigest: row.digest } };
    },
  });

  app.get(`${base}/labels`, {
    config: config('list'),
    schema: {
      operationId: 'findLabels', tags, summary: 'Source labels of the model configuration',
      querystring: Type.Object({}, { additionalProperties: true }),
      response: { 200: LegacyList(AnyObject), ...errors },
    },
    handler: async (request) => {
      const namespace = request.namespace!;
      const query = request.query as Query;
      const paging = legacyPaging(query);
      const orderBy = singleValue(query, 'orderBy');
      const labels = deps.catalog.section(namespace, plugin.name).labels;
      // Labels with a string value for the key first, ordered by it; the others in configuration order.
      const keyOf = (index: number): PageKey => {
        const value = orderBy === undefined ? undefined : labels[index][orderBy];
        return typeof value === 'string' ? [0, value, index] : [1, '', index];
      };
      const order = labels.map((_, index) => index).sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
      if (paging.descending) order.reverse();
      const page = pageInMemory(order, {
        keyOf, compare: (a, b) => (paging.descending ? -1 : 1) * compareKeys(a, b),
        pageSize: paging.pageSize, pageToken: paging.pageToken, query: ['labels', namespace, orderBy ?? null, paging.descending, labels],
      });
      return { ...page, items: page.items.map((index) => labels[index]) };
    },
  });

  app.get(`${base}/sources`, {
    config: config('list', 'catalogsources'),
    schema: {
      operationId: 'findSources', tags, summary: 'Model sources of the namespace (legacy form)',
      querystring: Type.Object({}, { additionalProperties: true }),
      response: { 200: LegacyList(AnyObject), ...errors },
    },
    handler: async (request) => {
      const namespace = request.namespace!;
      const query = request.query as Query;
      const paging = legacyPaging(query);
      const orderBy = singleValue(query, 'orderBy') ?? 'ID';
      if (orderBy !== 'ID' && orderBy !== 'NAME') throw new BadRequestError('unsupported order by field');
      const name = singleValue(query, 'name')?.toLowerCase();
      const sources = deps.catalog.sources(namespace, plugin.name).filter((s) => name === undefined || s.name.toLowerCase().includes(name));
      const statuses = await sourceStatuses(db(), namespace, plugin.name);
      const keyOf = (source: SourceConfig): PageKey => [orderBy === 'ID' ? source.id : source.name, source.id];
      const direction = paging.descending ? -1 : 1;
      const sorted = [...sources].sort((a, b) => direction * compareKeys(keyOf(a), keyOf(b)));
      const page = pageInMemory(sorted, {
        keyOf, compare: (a, b) => direction * compareKeys(a, b),
        pageSize: paging.pageSize, pageToken: paging.pageToken, query: ['sources', namespace, orderBy, paging.descending, name ?? null],
      });
      return { ...page, items: page.items.map((source) => legacySource(source, statuses.get(source.id))) };
    },
  });

  app.register(async (scope) => {
    scope.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: deps.maxSourceBytes + 2 * 1024 * 1024 }, (_request, body, done) => done(null, body));
    scope.post(`${base}/sources/preview`, {
      config: { authz: { resource: 'catalogsources', verb: 'update' }, audit: { action: 'preview' }, plugin: plugin.name, legacyErrorCode: true },
      schema: {
        operationId: 'previewCatalogSource', tags, summary: 'Which models a source configuration would include (multipart: config, catalogData)',
        querystring: Type.Object({}, { additionalProperties: true }),
        response: { 200: Type.Object({ ...LegacyList(AnyObject).properties, summary: AnyObject }), ...errors },
      },
      handler: async (request) => {
        request.audit.enrich({ action: 'preview', metadata: { dryRun: true } });
        const query = request.query as Query;
        const paging = legacyPaging(query);
        const filterStatus = (singleValue(query, 'filterStatus') ?? 'all').toLowerCase();
        if (!['all', 'included', 'excluded'].includes(filterStatus)) throw new BadRequestError('filterStatus must be all, included or excluded');
        const contentType = String(request.headers['content-type'] ?? '');
        if (!Buffer.isBuffer(request.body) || !/^multipart\/form-data/i.test(contentType)) {
          throw new UnsupportedMediaTypeError('preview requires a multipart/form-data body');
        }
        const result = await previewSource(parseMultipart(request.body, contentType), {
          namespace: request.namespace!, kind, providers: deps.providers(), previewHf: deps.previewHf, maxSourceBytes: deps.maxSourceBytes,
        });
        const indexed = result.items.map((item, index) => ({ ...item, index })).filter((item) => filterStatus === 'all' || item.included === (filterStatus === 'included'));
        const page = pageInMemory(indexed, {
          keyOf: (item) => [item.index], compare: compareKeys, pageSize: paging.pageSize, pageToken: paging.pageToken,
          query: ['preview', filterStatus, request.body.length],
        });
        return { ...page, items: page.items.map(({ name, included }) => ({ name, included })), summary: result.summary };
      },
    });
  });

  app.get(`${base}/sources/:source_id/models/*`, {
    config: config('get'),
    schema: {
      operationId: 'getModel', tags,
      summary: 'A model of one source; `…/artifacts` and `…/artifacts/performance` list its artifacts (names may contain "/")',
      params: Type.Object({ source_id: Type.String(), '*': Type.String() }),
      querystring: ArtifactsQuery,
      response: { 200: Type.Union([entityResponseSchema(kind), LegacyList(AnyObject)]), ...errors },
    },
    handler: async (request) => {
      const namespace = request.namespace!;
      const { source_id: sourceId, '*': rest } = request.params as { source_id: string; '*': string };
      const [name, route] = rest.endsWith('/artifacts/performance')
        ? [rest.slice(0, -'/artifacts/performance'.length), 'performance' as const]
        : rest.endsWith('/artifacts') ? [rest.slice(0, -'/artifacts'.length), 'artifacts' as const] : [rest, 'model' as const];
      const query = request.query as Query;
      const notFound = () => new NotFoundError(`No model found '${name}' in source '${sourceId}'`);
      // Parameters are checked before the lookup, so a bad request is a 400 whatever the model.
      const check = route === 'model' ? undefined : artifactRequest(query, route === 'performance');
      const enabled = deps.catalog.enabledSourceIds(namespace, plugin.name).includes(sourceId);
      const row = enabled ? await findEntityByName(db(), { namespace, plugin: plugin.name, kind: kind.kind, name }, [sourceId]) : undefined;
      if (!row) throw notFound();
      if (!check) return { ...serializeModel(row), provenance: { ...(row.provenance ?? {}), entityDigest: row.digest } };
      return listModelArtifacts(db(), { ...check.query, namespace, entityId: String(row.id), context }, check);
    },
  });
}

interface ArtifactRequest {
  paging: ListRequest;
  performance: boolean;
  recommendations: boolean;
  targetRPS: number | undefined;
  properties: PerformanceProperties;
  query: Pick<ArtifactQuery, 'artifactTypes' | 'performanceOnly' | 'filterQuery' | 'orderBy' | 'descending'>;
}

/** The parameters of the artifact routes, all checked before the model is looked up. */
function artifactRequest(query: Query, performance: boolean): ArtifactRequest {
  const paging = legacyPaging(query);
  const artifactTypes = [...new Set(multiValues(query, 'artifactType', 'artifact_type'))];
  const unknown = artifactTypes.find((type) => !ARTIFACT_TYPES.includes(type));
  if (unknown !== undefined) throw new BadRequestError(`invalid artifactType "${unknown.slice(0, 50)}": must be one of ${ARTIFACT_TYPES.join(', ')}`);
  return {
    paging,
    performance,
    recommendations: performance && parseBoolean(query, 'recommendations'),
    targetRPS: performance ? parseNonNegativeInt32(query, 'targetRPS') : undefined,
    properties: performanceProperties(query),
    query: {
      artifactTypes, performanceOnly: performance, filterQuery: singleValue(query, 'filterQuery'),
      orderBy: singleValue(query, 'orderBy'), descending: paging.descending,
    },
  };
}

/** `…/artifacts` and `…/artifacts/performance` (spec 03 §7, §8). */
async function listModelArtifacts(db: Kysely<Database>, query: ArtifactQuery, request: ArtifactRequest) {
  const { paging, recommendations, properties } = request;
  const targetRPS = recommendations ? (request.targetRPS ?? 1) : (request.targetRPS ?? 0);
  const sized = request.performance && targetRPS > 0;
  if (!request.performance || (!recommendations && !sized)) {
    const page = await pageArtifacts(db, query, paging);
    return { items: page.rows.map(serializeArtifact), size: page.rows.length, pageSize: paging.pageSize, nextPageToken: page.nextPageToken, totalSize: page.totalSize };
  }
  const { rows } = await allArtifacts(db, query);
  const points = new Map(rows.map((row) => [String(row.id), performancePoint(String(row.id), row.doc.customProperties as Record<string, unknown> | undefined, properties)]));
  if (rows.length > 0) {
    const required = recommendations
      ? [properties.rpsProperty, properties.latencyProperty, properties.hardwareCountProperty, properties.hardwareTypeProperty]
      : [properties.rpsProperty];
    const missing = [...new Set(required)].filter((name) => !rows.some((row) => Object.hasOwn((row.doc.customProperties ?? {}) as object, name))).sort();
    if (missing.length > 0) throw new BadRequestError(`properties not found in any performance artifacts: [${missing.join(', ')}]`);
  }
  const kept = recommendations ? recommendedIds([...points.values()], targetRPS) : undefined;
  const selected = kept ? rows.filter((row) => kept.has(String(row.id))) : rows;
  const page = pageOrderedRows(selected, query, paging);
  return {
    items: page.rows.map((row) => {
      const artifact = serializeArtifact(row);
      const { replicas, totalRequestsPerSecond } = sizing(points.get(String(row.id))?.rps, targetRPS);
      artifact.customProperties = {
        ...(artifact.customProperties as object),
        replicas: { metadataType: 'MetadataIntValue', int_value: String(replicas) },
        total_requests_per_second: { metadataType: 'MetadataDoubleValue', double_value: totalRequestsPerSecond },
      };
      return artifact;
    }),
    size: page.rows.length, pageSize: paging.pageSize, nextPageToken: page.nextPageToken, totalSize: page.totalSize,
  };
}

function performanceProperties(query: Query): PerformanceProperties {
  const read = (name: keyof PerformanceProperties) => singleValue(query, name) ?? DEFAULT_PERFORMANCE_PROPERTIES[name];
  return {
    rpsProperty: read('rpsProperty'),
    latencyProperty: read('latencyProperty'),
    hardwareCountProperty: read('hardwareCountProperty'),
    hardwareTypeProperty: read('hardwareTypeProperty'),
  };
}

/**
 * The source restriction of `GET /models` (spec 03 §5.1): `source`/`sourceId` ids, or the enabled
 * sources carrying one of the `sourceLabel`s (`null` = no labels). Undefined = not restricted.
 */
function selectedSources(deps: ModelRouteDependencies, namespace: string, plugin: string, query: Query): string[] | undefined {
  const ids = multiValues(query, 'source', 'sourceId');
  const labels = multiValues(query, 'sourceLabel').map((label) => label.toLowerCase());
  if (ids.length > 0 && labels.length > 0) throw new BadRequestError('source and sourceLabel cannot be used together');
  if (ids.length > 0) return ids;
  if (labels.length === 0) return undefined;
  return deps.catalog.sources(namespace, plugin)
    .filter((source) => source.enabled)
    .filter((source) => (source.labels.length === 0 && labels.includes('null')) || source.labels.some((label) => labels.includes(label.toLowerCase())))
    .map((source) => source.id);
}

interface StatusRow {
  state: string;
  last_refresh_status: string | null;
  last_error: string | null;
  rejected_count: number;
  ingest_errors: { message?: string }[];
}

async function sourceStatuses(db: Kysely<Database>, namespace: string, plugin: string): Promise<Map<string, StatusRow>> {
  const { rows } = await sql<StatusRow & { source_id: string }>`
    SELECT source_id, state, last_refresh_status, last_error, rejected_count, ingest_errors FROM catalog_refresh_status
    WHERE namespace = ${namespace}::text AND plugin = ${plugin}::text`.execute(db);
  return new Map(rows.map((row) => [row.source_id, row]));
}

/** A source in the legacy `CatalogSource` shape, its state mapped onto the closed enum (spec 03 §11). */
function legacySource(source: SourceConfig, status: StatusRow | undefined): Record<string, unknown> {
  const item: Record<string, unknown> = { id: source.id, name: source.name, enabled: source.enabled, labels: source.labels, error: null };
  if (!source.enabled) item.status = 'disabled';
  else if (status?.state === 'error') {
    item.status = 'error';
    item.error = status.last_error;
  } else if (status?.state === 'available' || status?.state === 'partially_available') {
    item.status = 'available';
    if (status.state === 'partially_available') {
      item.error = status.last_refresh_status === 'error'
        ? status.last_error
        : `${status.rejected_count} entries rejected; first: ${status.ingest_errors[0]?.message ?? 'unknown'}`;
    }
  }
  if (source.includedItems.length > 0) item.includedModels = source.includedItems;
  if (source.excludedItems.length > 0) item.excludedModels = source.excludedItems;
  return item;
}

