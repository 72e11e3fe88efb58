import { readFile } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely, Selectable } from 'kysely';
import type { SourceConfig } from '../config/sourcesDocument.js';
import type { Database, RefreshStatusTable } from '../db/schema.js';
import { BadRequestError } from '../errors.js';
import type { RegisteredPlugin } from '../framework/PluginRegistry.js';
import { ErrorResponse } from '../http/errorSchema.js';
import { resolveInsideDataRoots } from '../providers/dataRoots.js';
import type { FetchContext } from '../providers/types.js';
import { redactProperties } from './redactProperties.js';
import type { SourceCatalog } from './SourceCatalog.js';
import { dataConfigDigest, sourceVersion } from './sourceDigests.js';

export interface SourceRouteDependencies {
  database: { readonly db: Kysely<Database> };
  catalog: SourceCatalog;
  fetchContext: FetchContext;
}

/**
 * The read side of source management: `GET {base}/management/sources` (spec 04 §5.1, every source in
 * source order with its redacted configuration and derived state) and `GET …/diagnostics` (§4.6).
 */
export function registerSourceRoutes(app: FastifyInstance, plugin: RegisteredPlugin, deps: SourceRouteDependencies): void {
  app.get(`${plugin.basePath}/management/diagnostics`, {
    config: { authz: { resource: 'catalogsources', verb: 'get' }, plugin: plugin.name },
    schema: {
      operationId: `get_${plugin.name}_diagnostics`,
      tags: ['management'],
      summary: 'Refresh state of every source of this plugin and the latest errors',
      response: { 200: Type.Record(Type.String(), Type.Unknown()), '4xx': ErrorResponse },
    },
    handler: async (request) => {
      const namespace = request.namespace!;
      const { statusOf, countOf } = await loadStatuses(deps, namespace, plugin.name);
      const [jobs, health] = await Promise.all([
        deps.database.db
          .selectFrom('refresh_jobs')
          .select(['state', (eb) => eb.fn.countAll<string>().as('n')])
          .where('namespace', '=', namespace)
          .where('plugin', '=', plugin.name)
          .where('state', 'in', ['queued', 'running'])
          .groupBy('state')
          .execute(),
        plugin.checkHealth(),
      ]);
      const errors: { source: string; message: string; time: string }[] = [];
      const sources = deps.catalog.sources(namespace, plugin.name).map((source) => {
        const row = statusOf.get(source.id);
        const status = sourceStatus(source, row, countOf.get(source.id) ?? 0);
        if (row?.last_refresh_at && typeof status.error === 'string') {
          errors.push({ source: source.id, message: status.error, time: new Date(row.last_refresh_at).toISOString() });
        }
        return {
          id: source.id,
          name: source.name,
          state: status.state,
          entityCount: status.entityCount,
          ...(row?.last_refresh_at
            ? {
                lastRefreshTime: status.lastRefreshTime,
                lastRefreshStatus: status.lastRefreshStatus,
                lastRefreshDuration: Number(row.duration_ns),
                lastRefreshDurationMs: status.lastRefreshDurationMs,
              }
            : {}),
          ...(row?.content_digest ? { contentDigest: `sha256:${row.content_digest}` } : {}),
          ...(status.error ? { error: status.error } : {}),
        };
      });
      const times = sources.flatMap((s) => (s.lastRefreshTime ? [String(s.lastRefreshTime)] : [])).sort();
      errors.sort((a, b) => b.time.localeCompare(a.time));
      const count = (state: string) => Number(jobs.find((j) => j.state === state)?.n ?? 0);
      return {
        pluginName: plugin.name,
        namespace,
        healthy: health.healthy,
        sources,
        ...(times.length > 0 ? { lastRefresh: times.at(-1) } : {}),
        errors: errors.slice(0, 100),
        jobs: { queued: count('queued'), running: count('running') },
      };
    },
  });

  app.get(`${plugin.basePath}/management/sources`, {
    config: { authz: { resource: 'catalogsources', verb: 'list' }, plugin: plugin.name },
    schema: {
      operationId: `list_${plugin.name}_sources`,
      tags: ['management'],
      summary: 'Sources of this plugin with their status',
      querystring: Type.Object({ includeContent: Type.Optional(Type.String()) }, { additionalProperties: true }),
      response: { 200: Type.Object({ sources: Type.Array(Type.Record(Type.String(), Type.Unknown())), count: Type.Integer() }), '4xx': ErrorResponse },
    },
    handler: async (request) => {
      const namespace = request.namespace!;
      const { includeContent = 'true' } = request.query as { includeContent?: string };
      if (includeContent !== 'true' && includeContent !== 'false') throw new BadRequestError('includeContent must be true or false');
      const sources = deps.catalog.sources(namespace, plugin.name);
      const { statusOf, countOf } = await loadStatuses(deps, namespace, plugin.name);
      const infos = await Promise.all(
        sources.map(async (source) => ({
          id: source.id,
          name: source.name,
          type: source.type,
          enabled: source.enabled,
          labels: source.labels,
          properties: redactProperties(includeContent === 'true' ? await withContent(source, deps.fetchContext) : source.properties),
          includedItems: source.includedItems,
          excludedItems: source.excludedItems,
          namespace,
          plugin: plugin.name,
          version: sourceVersion(source),
          status: sourceStatus(source, statusOf.get(source.id), countOf.get(source.id) ?? 0),
        })),
      );
      return { sources: infos, count: infos.length };
    },
  });
}

type StatusRow = Selectable<RefreshStatusTable>;

/** The refresh records and stored entity counts of a plugin's sources, keyed by source id. */
async function loadStatuses(deps: SourceRouteDependencies, namespace: string, plugin: string) {
  const [statuses, counts] = await Promise.all([
    deps.database.db.selectFrom('catalog_refresh_status').selectAll().where('namespace', '=', namespace).where('plugin', '=', plugin).execute(),
    deps.database.db
      .selectFrom('catalog_entities')
      .select(['source_id', (eb) => eb.fn.countAll<string>().as('n')])
      .where('namespace', '=', namespace)
      .where('plugin', '=', plugin)
      .groupBy('source_id')
      .execute(),
  ]);
  return {
    statusOf: new Map<string, StatusRow>(statuses.map((row) => [row.source_id, row])),
    countOf: new Map(counts.map((row) => [row.source_id, Number(row.n)])),
  };
}

/** The state of spec 04 §13.12, derived on read, and the fields of the last refresh attempt. */
function sourceStatus(source: SourceConfig, row: StatusRow | undefined, entityCount: number): Record<string, unknown> {
  const attempted = row !== undefined && row.config_digest === dataConfigDigest(source);
  let state: string;
  if (!source.enabled) state = 'disabled';
  else if (!attempted) state = 'loading';
  else if (row.last_refresh_status === 'error') state = entityCount > 0 ? 'partially_available' : 'error';
  else state = row.rejected_count > 0 ? 'partially_available' : 'available';

  const status: Record<string, unknown> = { state, entityCount };
  if (row?.last_refresh_at) {
    status.lastRefreshTime = new Date(row.last_refresh_at).toISOString();
    status.lastRefreshStatus = row.last_refresh_status;
    status.lastRefreshSummary = row.last_refresh_summary;
    status.lastRefreshDurationMs = Math.round(Number(row.duration_ns) / 1e6);
  }
  if (row && (state === 'error' || state === 'partially_available')) {
    status.error = row.last_error ?? `${row.rejected_count} entries were rejected`;
  }
  if (row && row.rejected_count > 0) {
    status.rejectedCount = row.rejected_count;
    status.ingestErrors = row.ingest_errors;
  }
  return status;
}

/** For yaml sources, `properties.content` = the text the source loads, when readable (spec 04 §7). */
async function withContent(source: SourceConfig, ctx: FetchContext): Promise<Record<string, unknown>> {
  const path = source.properties.yamlCatalogPath ?? source.properties.path;
  if (source.type !== 'yaml' || typeof source.properties.content === 'string' || typeof path !== 'string') return source.properties;
  try {
    const resolved = await resolveInsideDataRoots(ctx.baseDir, path, ctx.dataRoots);
    const text = await readFile(resolved, 'utf8');
    return Buffer.byteLength(text) > ctx.maxBytes ? source.properties : { ...source.properties, content: text };
  } catch {
    // Outside the roots, missing or unreadable: `content` is omitted, the status says why.
    return source.properties;
  }
}
