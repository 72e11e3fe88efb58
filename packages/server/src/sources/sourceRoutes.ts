import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../errors.js';
import type { RegisteredPlugin } from '../framework/PluginRegistry.js';
import { ErrorResponse } from '../http/errorSchema.js';
import type { SourceCatalog } from './SourceCatalog.js';
import { loadStatuses, sourceInfos, sourceStatus, type SourceInfoDependencies } from './sourceInfo.js';

export interface SourceRouteDependencies extends SourceInfoDependencies {
  catalog: SourceCatalog;
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
      const { statusOf, countOf } = await loadStatuses(deps.database.db, namespace, plugin.name);
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
      const storeError = deps.sources.storeError(namespace);
      if (storeError) errors.push({ source: 'config-store', ...storeError });
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
      const infos = await sourceInfos(deps, namespace, plugin.name, deps.catalog.sources(namespace, plugin.name), { includeContent: includeContent === 'true' });
      return { sources: infos, count: infos.length };
    },
  });
}
