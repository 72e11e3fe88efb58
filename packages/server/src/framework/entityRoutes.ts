import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import type { GovernanceSettings } from '../governance/GovernanceSettings.js';
import type { CountCache } from '../query/CountCache.js';
import { listEntities } from '../query/listEntities.js';
import type { DataVersions } from '../cache/DataVersions.js';
import type { SourceCatalog } from '../sources/SourceCatalog.js';
import { entityResponseSchema, listResponseSchema } from './entityResponseSchema.js';
import { findEntityByName } from './findEntityByName.js';
import type { PluginRegistry, RegisteredPlugin } from './PluginRegistry.js';
import { resolveLinks } from './resolveLinks.js';
import { serializeEntity, type EntityRow } from './serializeEntity.js';
import { ErrorResponse } from '../http/errorSchema.js';

/** List parameters arrive as raw strings: the query engine validates them with the spec's exact messages. */
const ListQuery = Type.Object(
  {
    pageSize: Type.Optional(Type.String()),
    pageToken: Type.Optional(Type.String()),
    nextPageToken: Type.Optional(Type.String()),
    filterQuery: Type.Optional(Type.String()),
    q: Type.Optional(Type.String()),
    orderBy: Type.Optional(Type.String()),
    sortOrder: Type.Optional(Type.String()),
    sourceId: Type.Optional(Type.String()),
    includeArchived: Type.Optional(Type.String()),
    references: Type.Optional(Type.Array(Type.String(), { description: '<Kind>:<name>, repeatable' })),
  },
  { additionalProperties: true },
);
const GetQuery = Type.Object({ sourceId: Type.Optional(Type.String()) }, { additionalProperties: true });

export interface EntityRouteDependencies {
  /** Read at request time: the database opens after the routes are registered (spec 01 §3.1). */
  database: { readonly db: Kysely<Database> };
  catalog: SourceCatalog;
  registry: PluginRegistry;
  governance: GovernanceSettings;
  countCache: CountCache;
  versions: DataVersions;
}

/** The generic list and get routes of every kind of a plugin (spec 01 §10). */
export function registerEntityRoutes(app: FastifyInstance, plugin: RegisteredPlugin, deps: EntityRouteDependencies): void {
  const defaultState = deps.governance.defaultState;
  const referenceKinds = deps.registry.kindNames();
  for (const { decl: kind, listPath } of plugin.kinds) {
    app.get(listPath, {
      config: { authz: { resource: 'assets', verb: 'list' }, plugin: plugin.name },
      schema: {
        operationId: `list_${plugin.name}_${kind.plural}`,
        tags: [plugin.name],
        summary: `List ${kind.displayName} entities`,
        querystring: ListQuery,
        response: { 200: listResponseSchema(kind), '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
      handler: async (request) => {
        const namespace = request.namespace!;
        const page = await listEntities(deps.database.db, {
          namespace,
          plugin: plugin.name,
          kind,
          enabledSourceIds: deps.catalog.enabledSourceIds(namespace, plugin.name),
          defaultLifecycleState: defaultState,
          params: request.query as Record<string, string | undefined>,
          counts: { cache: deps.countCache, version: deps.versions.get(namespace, plugin.name) },
          referenceKinds,
        });
        const rows = page.rows as EntityRow[];
        const links = await resolveLinks(deps.database.db, namespace, rows.map((row) => row.links ?? []), deps);
        return {
          items: rows.map((row, i) => serializeEntity(row, defaultState, { links: links[i] })),
          size: page.rows.length,
          pageSize: page.pageSize,
          totalSize: page.totalSize,
          nextPageToken: page.nextPageToken,
        };
      },
    });

    app.get(`${listPath}/*`, {
      config: { authz: { resource: 'assets', verb: 'get' }, plugin: plugin.name },
      schema: {
        operationId: `get_${plugin.name}_${kind.plural}`,
        tags: [plugin.name],
        summary: `Get one ${kind.displayName} by name (names may contain "/")`,
        querystring: GetQuery,
        response: { 200: entityResponseSchema(kind), '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
      handler: async (request) => {
        const namespace = request.namespace!;
        const name = (request.params as { '*': string })['*'];
        const { sourceId } = request.query as { sourceId?: string };
        const order = deps.catalog.enabledSourceIds(namespace, plugin.name);
        const row = await findEntityByName(deps.database.db, { namespace, plugin: plugin.name, kind: kind.kind, name }, sourceId ? order.filter((s) => s === sourceId) : order);
        if (!row) {
          throw new NotFoundError(`${kind.notFoundPhrase} "${name}" not found${sourceId ? ` in source "${sourceId}"` : ''}`);
        }
        const [links] = await resolveLinks(deps.database.db, namespace, [row.links ?? []], deps);
        return serializeEntity(row, defaultState, { withProvenance: true, links });
      },
    });
  }
}
