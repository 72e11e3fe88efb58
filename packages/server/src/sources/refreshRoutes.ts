import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequestError } from '../errors.js';
import type { RegisteredPlugin } from '../framework/PluginRegistry.js';
import { ErrorResponse } from '../http/errorSchema.js';
import { ALL_SOURCES } from '../jobs/jobRows.js';
import type { JobStore } from '../jobs/JobStore.js';
import { toRefreshResult } from './refreshResult.js';
import { REFRESH_ALL_RATE_KEY, type RefreshRateLimiter } from './RefreshRateLimiter.js';
import type { RefreshService } from './RefreshService.js';

export interface RefreshRouteDependencies {
  refreshes: RefreshService;
  rateLimiter: RefreshRateLimiter;
  /** `null` when jobs are disabled (`CATALOG_JOB_ENABLED=false`): refreshes run synchronously. */
  jobs: JobStore | null;
}

const QueuedResponse = Type.Object({ status: Type.Literal('queued'), jobId: Type.String(), reused: Type.Boolean() });
const RefreshResultSchema = Type.Record(Type.String(), Type.Unknown(), { description: 'RefreshResult (spec 04 §4.4)' });

/**
 * `POST {base}/management/refresh` and `…/refresh/{sourceId}` (spec 04 §5.9–5.10). Checks in order:
 * authorization (pipeline), source existence and state, the rate limit, then enqueue a job (202) or,
 * with jobs disabled, refresh synchronously (200 RefreshResult, a failed source reported in `error`).
 */
export function registerRefreshRoutes(app: FastifyInstance, plugin: RegisteredPlugin, deps: RefreshRouteDependencies): void {
  const base = `${plugin.basePath}/management`;
  const schema = (operationId: string, summary: string, params?: ReturnType<typeof Type.Object>) => ({
    operationId,
    tags: ['management'],
    summary,
    ...(params ? { params } : {}),
    querystring: Type.Object({ force: Type.Optional(Type.String()) }, { additionalProperties: true }),
    response: { 200: RefreshResultSchema, 202: QueuedResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
  });

  const handle = async (request: FastifyRequest, reply: import('fastify').FastifyReply, sourceId: string | undefined) => {
    const namespace = request.namespace!;
    const force = parseForce((request.query as { force?: string }).force);
    request.audit.enrich({ action: 'refresh', plugin: plugin.name, resourceIds: [sourceId ?? ALL_SOURCES], metadata: { force } });
    const source = sourceId === undefined ? undefined : deps.refreshes.source(namespace, plugin.name, sourceId);
    await deps.rateLimiter.take(namespace, plugin.name, sourceId ?? REFRESH_ALL_RATE_KEY);
    if (deps.jobs) {
      const { job, reused } = await deps.jobs.enqueue(
        { namespace, plugin: plugin.name, sourceId: sourceId ?? ALL_SOURCES, force, requestedBy: request.identity.user, requestId: request.id },
        async (trx, created) => {
          request.audit.enrich({ newValue: created, metadata: { jobId: created.jobId } });
          await request.audit.commitWith(trx, 202);
        },
      );
      reply.code(202).header('Location', `/api/jobs/v1alpha1/refresh/${job.id}`);
      return { status: 'queued' as const, jobId: job.id, reused };
    }
    const result = source
      ? toRefreshResult(await deps.refreshes.refreshOne(namespace, plugin, source, { force }))
      : await deps.refreshes.refreshMany(namespace, plugin, () => ({ force }));
    request.audit.enrich({ newValue: result, ...(result.error ? { reason: result.error } : {}) });
    return result;
  };

  app.post(`${base}/refresh`, {
    config: { authz: { resource: 'jobs', verb: 'create' }, audit: { action: 'refresh' }, plugin: plugin.name },
    schema: schema(`refresh_${plugin.name}_sources`, 'Refresh every enabled source of this plugin (async job, or synchronous when jobs are disabled)'),
    handler: async (request, reply) => handle(request, reply, undefined),
  });

  app.post(`${base}/refresh/:sourceId`, {
    config: { authz: { resource: 'jobs', verb: 'create' }, audit: { action: 'refresh' }, plugin: plugin.name },
    schema: schema(`refresh_${plugin.name}_source`, 'Refresh one source (async job, or synchronous when jobs are disabled)', Type.Object({ sourceId: Type.String() })),
    handler: async (request, reply) => handle(request, reply, (request.params as { sourceId: string }).sourceId),
  });
}

function parseForce(raw: string | undefined): boolean {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new BadRequestError('force must be true or false');
}
