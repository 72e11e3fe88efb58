import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { AuditDetails } from '../../audit/RequestAudit.js';
import type { Database } from '../../db/schema.js';
import { BadRequestError } from '../../errors.js';
import type { GovernanceContext } from '../GovernanceContext.js';
import type { Outcome } from '../outcome.js';

/**
 * Runs one governance mutation in a transaction: the operation's audit details enrich the request's
 * one event, which commits with the change (05 §4.7). `changed` names the plugin whose lists may
 * now read differently (governance fields are filterable), so cached counts are invalidated.
 */
export async function runOperation<T>(
  ctx: GovernanceContext,
  request: FastifyRequest,
  reply: FastifyReply,
  run: (trx: Kysely<Database>) => Promise<Outcome<T>>,
  changed?: () => { namespace: string; plugin: string } | undefined,
): Promise<T> {
  const outcome = await ctx.database.db.transaction().execute(async (trx) => {
    const result = await run(trx);
    request.audit.enrich(result.audit);
    await request.audit.commitWith(trx, result.statusCode);
    return result;
  });
  const scope = changed?.();
  if (scope) ctx.versions.bump(scope.namespace, scope.plugin);
  reply.code(outcome.statusCode);
  return outcome.body;
}

/** The request body as an object; no body equals `{}` (06 §1). */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError(`invalid request body: must be a JSON object, got ${Array.isArray(body) ? 'array' : typeof body}`);
  }
  return body as Record<string, unknown>;
}

/** The skeleton every governance asset route adds to its audit event, before anything can fail. */
export function assetAudit(params: { plugin: string; kind: string; name: string }, extra: AuditDetails): AuditDetails {
  return { plugin: params.plugin, assetUid: `${params.plugin}:${params.kind}:${params.name}`, resourceIds: [params.name], ...extra };
}
