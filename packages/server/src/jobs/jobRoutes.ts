import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ErrorResponse } from '../http/errorSchema.js';
import type { JobStore } from './JobStore.js';
import { getJob, listJobs, type JobListQuery, type JobScope } from './listJobs.js';

export interface JobRouteDependencies {
  database: { readonly db: Kysely<Database> };
  jobs: JobStore;
  /** `CATALOG_NAMESPACES`: the bound of cluster-scope reads (`[]` = every namespace). */
  tenancy: { allowList: readonly string[] };
}

const JOBS = '/api/jobs/v1alpha1/refresh';
const Job = Type.Record(Type.String(), Type.Unknown());

/**
 * The jobs API (spec 05 §5.8), registered only when jobs are enabled. The list and get are
 * namespace-optional: without a namespace in namespace mode they read at cluster scope (§1.7).
 */
export function registerJobRoutes(app: FastifyInstance, deps: JobRouteDependencies): void {
  app.get(JOBS, {
    config: { authz: { resource: 'jobs', verb: 'list' }, namespace: 'optional' },
    schema: {
      operationId: 'listRefreshJobs',
      tags: ['jobs'],
      summary: 'Refresh jobs, newest first, with exact-match filters and keyset pages',
      querystring: Type.Object({
        plugin: Type.Optional(Type.String()),
        sourceId: Type.Optional(Type.String()),
        state: Type.Optional(Type.String()),
        requestedBy: Type.Optional(Type.String()),
        pageSize: Type.Optional(Type.String()),
        pageToken: Type.Optional(Type.String()),
        nextPageToken: Type.Optional(Type.String()),
      }, { additionalProperties: true }),
      response: {
        200: Type.Object({ jobs: Type.Array(Job), size: Type.Integer(), pageSize: Type.Integer(), nextPageToken: Type.String(), totalSize: Type.Integer() }),
        '4xx': ErrorResponse,
      },
    },
    handler: async (request) => listJobs(deps.database.db, scopeOf(request.namespace, deps), request.query as JobListQuery),
  });

  app.get(`${JOBS}/:id`, {
    config: { authz: { resource: 'jobs', verb: 'get' }, namespace: 'optional' },
    schema: {
      operationId: 'getRefreshJob',
      tags: ['jobs'],
      summary: 'One refresh job',
      params: Type.Object({ id: Type.String() }),
      response: { 200: Job, '4xx': ErrorResponse },
    },
    handler: async (request) => getJob(deps.database.db, scopeOf(request.namespace, deps), (request.params as { id: string }).id),
  });

  app.post(`${JOBS}/:id(^[^:/]+)::cancel`, {
    config: { authz: { resource: 'jobs', verb: 'update' }, audit: { action: 'cancel' } },
    schema: {
      operationId: 'cancelRefreshJob',
      tags: ['jobs'],
      summary: 'Cancel a queued or running refresh job',
      params: Type.Object({ id: Type.String() }),
      response: { 200: Type.Object({ status: Type.Literal('canceled'), jobId: Type.String() }), '4xx': ErrorResponse, '5xx': ErrorResponse },
    },
    handler: async (request) => {
      const { id } = request.params as { id: string };
      request.audit.enrich({ action: 'cancel', resourceIds: [id], metadata: { jobId: id } });
      await deps.jobs.cancel(request.namespace!, id, request.identity.user, async (trx) => {
        request.audit.enrich({ newValue: { state: 'canceled' } });
        await request.audit.commitWith(trx, 200);
      });
      return { status: 'canceled' as const, jobId: id };
    },
  });
}

function scopeOf(namespace: string | null, deps: JobRouteDependencies): JobScope {
  return namespace === null ? { kind: 'cluster', allowList: deps.tenancy.allowList } : { kind: 'namespace', namespace };
}
