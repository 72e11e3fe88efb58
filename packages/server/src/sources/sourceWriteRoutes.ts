import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { BadRequestError } from '../errors.js';
import type { JobStore } from '../jobs/JobStore.js';
import type { RegisteredPlugin } from '../framework/PluginRegistry.js';
import { ErrorResponse } from '../http/errorSchema.js';
import { redactProperties } from './redactProperties.js';
import { sourceVersion, type SourceSnapshot } from './sourceDigests.js';
import { sourceInfo, type SourceInfoDependencies } from './sourceInfo.js';
import type { MutationContext, MutationOutcome } from './SourceManager.js';

const AnyObject = Type.Record(Type.String(), Type.Unknown());
const SourceIdParams = Type.Object({ id: Type.String() });
/** A source id segment followed by a literal `:validate` / `:rollback` (find-my-way needs the regex to end the parameter). */
const ID_SEGMENT = ':id(^[^:/]+)';

/**
 * The write side of source management under `{base}/management` (spec 04 §5.2–5.8): validation,
 * apply, enable/disable, delete, revisions and rollback. Each handler enriches the request's one
 * audit event (05 §4.3) with the source id and the redacted configuration before and after.
 */
export interface SourceWriteRouteDependencies extends SourceInfoDependencies {
  /** `null` when jobs are disabled: `refreshAfterApply: false` then refreshes in the background in-process. */
  jobs: JobStore | null;
}

export function registerSourceWriteRoutes(app: FastifyInstance, plugin: RegisteredPlugin, deps: SourceWriteRouteDependencies): void {
  const base = `${plugin.basePath}/management`;
  const route = { plugin: plugin.name };
  const info = (namespace: string, source: SourceSnapshot) => sourceInfo(deps, namespace, plugin.name, source);

  app.post(`${base}/validate-source`, {
    config: { ...route, authz: { resource: 'catalogsources', verb: 'update' }, audit: { action: 'validate-source' } },
    schema: {
      operationId: `validate_${plugin.name}_source`,
      tags: ['management'],
      summary: 'Run the validation pipeline on a source configuration without applying it',
      response: { 200: Type.Object({ valid: Type.Boolean(), errors: Type.Array(AnyObject), warnings: Type.Array(AnyObject) }), '4xx': ErrorResponse },
    },
    handler: async (request) => {
      const body = objectBody(request);
      audit(request, 'validate-source', typeof body.id === 'string' ? body.id : undefined, { metadata: { dryRun: true } });
      const { result } = await deps.sources.validate(request.namespace!, plugin, body);
      return { valid: result.valid, errors: result.errors, warnings: result.warnings };
    },
  });

  app.post(`${base}/sources/${ID_SEGMENT}::validate`, {
    config: { ...route, authz: { resource: 'catalogsources', verb: 'update' }, audit: { action: 'validate' } },
    schema: {
      operationId: `validate_${plugin.name}_source_detailed`,
      tags: ['management'],
      summary: 'Validate a configuration for this source id, layer by layer',
      params: SourceIdParams,
      response: { 200: AnyObject, '4xx': ErrorResponse },
    },
    handler: async (request) => {
      const { id } = request.params as { id: string };
      const body = objectBody(request);
      audit(request, 'validate', id, { metadata: { dryRun: true } });
      return (await deps.sources.validate(request.namespace!, plugin, body, id)).result;
    },
  });

  app.post(`${base}/apply-source`, {
    config: { ...route, authz: { resource: 'catalogsources', verb: 'create' }, audit: { action: 'apply-source' } },
    schema: {
      operationId: `apply_${plugin.name}_source`,
      tags: ['management'],
      summary: 'Create or replace a source, then refresh it (422 with the validation result when invalid)',
      headers: Type.Object({ 'if-match': Type.Optional(Type.String()) }, { additionalProperties: true }),
      response: { 200: AnyObject, '4xx': ErrorResponse, '5xx': ErrorResponse },
    },
    handler: async (request) => {
      const body = objectBody(request);
      const id = typeof body.id === 'string' ? body.id : undefined;
      audit(request, 'apply-source', id);
      const outcome = await deps.sources.apply(mutation(request, plugin), body);
      recordChange(request, outcome);
      const response = await info(request.namespace!, outcome.after!);
      // `refreshAfterApply: false` (04 §5.4): the response shows `loading`; the refresh is a job
      // (05 §5.3) or, with jobs disabled, runs in-process after the response.
      if (outcome.background && deps.jobs) {
        const { job, reused } = await deps.jobs.enqueue(
          { namespace: request.namespace!, plugin: plugin.name, sourceId: outcome.after!.id, force: false, requestedBy: request.identity.user, requestId: request.id },
          async () => undefined,
        );
        request.audit.enrich({ metadata: { jobId: job.id, reused } });
      } else {
        void outcome.background?.();
      }
      return response;
    },
  });

  app.post(`${base}/sources/:id/enable`, {
    config: { ...route, authz: { resource: 'catalogsources', verb: 'update' }, audit: { action: 'enable-source' } },
    schema: {
      operationId: `enable_${plugin.name}_source`,
      tags: ['management'],
      summary: 'Enable or disable a source: disabling deletes its entities, enabling refreshes it',
      params: SourceIdParams,
      response: { 200: AnyObject, '4xx': ErrorResponse, '5xx': ErrorResponse },
    },
    handler: async (request) => {
      const { id } = request.params as { id: string };
      const body = objectBody(request);
      audit(request, 'enable-source', id);
      if (typeof body.enabled !== 'boolean') throw new BadRequestError('enabled (boolean) is required');
      const outcome = await deps.sources.setEnabled(mutation(request, plugin), id, body.enabled);
      recordChange(request, outcome);
      return info(request.namespace!, outcome.after!);
    },
  });

  // A source id never holds `:`, so `sources/{id}:verb` with an unknown verb is a 404, not a 405 of this route.
  app.delete(`${base}/sources/${ID_SEGMENT}`, {
    config: { ...route, authz: { resource: 'catalogsources', verb: 'delete' }, audit: { action: 'delete' } },
    schema: {
      operationId: `delete_${plugin.name}_source`,
      tags: ['management'],
      summary: 'Remove a source and its entities (history kept: undo with rollback)',
      params: SourceIdParams,
      response: { 200: Type.Object({ status: Type.Literal('deleted'), id: Type.String() }), '4xx': ErrorResponse, '5xx': ErrorResponse },
    },
    handler: async (request) => {
      const { id } = request.params as { id: string };
      audit(request, 'delete', id);
      const outcome = await deps.sources.remove(mutation(request, plugin), id);
      recordChange(request, outcome);
      return { status: 'deleted' as const, id };
    },
  });

  app.get(`${base}/sources/:id/revisions`, {
    config: { ...route, authz: { resource: 'catalogsources', verb: 'get' } },
    schema: {
      operationId: `list_${plugin.name}_source_revisions`,
      tags: ['management'],
      summary: 'Configuration revisions of one source, newest first',
      params: SourceIdParams,
      response: { 200: Type.Object({ revisions: Type.Array(AnyObject), count: Type.Integer() }), '4xx': ErrorResponse },
    },
    handler: async (request) => {
      const { id } = request.params as { id: string };
      const revisions = await deps.sources.revisions(request.namespace!, plugin, id);
      return { revisions, count: revisions.length };
    },
  });

  app.post(`${base}/sources/${ID_SEGMENT}::rollback`, {
    config: { ...route, authz: { resource: 'catalogsources', verb: 'update' }, audit: { action: 'rollback' } },
    schema: {
      operationId: `rollback_${plugin.name}_source`,
      tags: ['management'],
      summary: 'Restore one source\'s configuration from a revision and re-apply it',
      params: SourceIdParams,
      response: { 200: AnyObject, '4xx': ErrorResponse, '5xx': ErrorResponse },
    },
    handler: async (request) => {
      const { id } = request.params as { id: string };
      const body = objectBody(request);
      audit(request, 'rollback', id, { metadata: { version: body.version } });
      const outcome = await deps.sources.rollback(mutation(request, plugin), id, body.version);
      recordChange(request, outcome);
      return {
        status: 'rolled_back',
        version: sourceVersion(outcome.after),
        sourceId: id,
        source: await info(request.namespace!, outcome.after),
        ...(outcome.refresh?.status === 'error' ? { reinitError: outcome.refresh.error } : {}),
      };
    },
  });
}

/** 04 §3: a body that is not a JSON object is a 400; no body counts as `{}`. */
function objectBody(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError(`invalid request body: expected a JSON object, got ${Array.isArray(body) ? 'array' : typeof body}`);
  }
  return body as Record<string, unknown>;
}

function mutation(request: FastifyRequest, plugin: RegisteredPlugin): MutationContext {
  const ifMatch = request.headers['if-match'];
  return {
    namespace: request.namespace!,
    plugin,
    actor: request.identity.user,
    ...(typeof ifMatch === 'string' ? { precondition: ifMatch } : {}),
    // db store: the audit event commits in the same transaction as the configuration change (05 §4.7).
    withinTransaction: (trx: Kysely<Database>) => request.audit.commitWith(trx, 200),
  };
}

function audit(request: FastifyRequest, action: string, sourceId: string | undefined, extra: { metadata?: Record<string, unknown> } = {}): void {
  request.audit.enrich({ eventType: 'management', action, actionVerb: action, ...(sourceId ? { resourceIds: [sourceId] } : {}), ...extra });
}

function recordChange(request: FastifyRequest, outcome: MutationOutcome): void {
  request.audit.enrich({
    ...(outcome.before ? { oldValue: redacted(outcome.before) } : {}),
    ...(outcome.after ? { newValue: redacted(outcome.after) } : {}),
    metadata: { changed: outcome.changed, ...(outcome.refresh ? { refresh: outcome.refresh.status } : {}) },
  });
}

/** Source configurations enter audit events as stored (references unresolved), redacted (05 §4.6). */
function redacted(snapshot: SourceSnapshot): SourceSnapshot {
  return { ...snapshot, properties: redactProperties(snapshot.properties) };
}
