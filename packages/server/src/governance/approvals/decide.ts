import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Identity } from '../../authz/identity.js';
import type { Database } from '../../db/schema.js';
import { AppError, BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../../errors.js';
import type { GovernanceContext } from '../GovernanceContext.js';
import { compact, type Outcome } from '../outcome.js';
import { effectiveStatus, type ApprovalRow } from './ApprovalStore.js';
import { executeStoredAction } from './executeStoredAction.js';

const MAX_COMMENT = 1024;

export type DecisionInput = {
  verdict: 'approve' | 'deny';
  comment?: string;
};

export function parseDecision(body: Record<string, unknown>): DecisionInput {
  if (body.verdict !== 'approve' && body.verdict !== 'deny') throw new BadRequestError(`verdict must be 'approve' or 'deny'`);
  if (body.comment !== undefined && body.comment !== null && (typeof body.comment !== 'string' || body.comment.length > MAX_COMMENT)) {
    throw new BadRequestError(`invalid request body: comment must be a string of at most ${MAX_COMMENT} characters`);
  }
  return compact<DecisionInput>({ verdict: body.verdict, comment: (body.comment as string | undefined) || undefined });
}

/**
 * The request, pending and not overdue, locked for this transaction (06 §9.5 checks 3–4). Callers
 * expire an overdue request in its own statement first (expireOverdue), so the expiry stays written
 * although this transaction then fails with `already expired`.
 */
export async function lockPendingRequest(trx: Kysely<Database>, ctx: GovernanceContext, namespace: string, id: string): Promise<ApprovalRow> {
  const found = await trx.selectFrom('approval_requests').selectAll().where('namespace', '=', namespace).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!found) throw new NotFoundError('approval request not found');
  const status = effectiveStatus(found, ctx.now());
  if (status !== 'pending') throw new ConflictError(`approval request is already ${status}`);
  return found;
}

/** True when the identity may review: no allowedRoles, or one of its groups is listed (exact match). */
export function isEligibleReviewer(request: ApprovalRow, identity: Identity): boolean {
  return request.allowed_roles.length === 0 || identity.groups.some((group) => request.allowed_roles.includes(group));
}

/** Records one vote and applies the quorum rule (06 §9.5–9.7), executing the stored action when met. */
export async function decide(
  trx: Kysely<Database>,
  ctx: GovernanceContext,
  namespace: string,
  id: string,
  identity: Identity,
  input: DecisionInput,
): Promise<Outcome<Record<string, unknown>>> {
  const request = await lockPendingRequest(trx, ctx, namespace, id);
  const reviewer = identity.user;
  const action = `approval.${input.verdict}`;
  if (reviewer === request.requester) {
    throw new ForbiddenError(input.verdict === 'approve' ? 'requester cannot approve their own request' : 'requester cannot deny their own request; cancel it instead');
  }
  if (!isEligibleReviewer(request, identity)) {
    throw new ForbiddenError(`reviewer ${reviewer} is not in an allowed role for this request (allowed: ${request.allowed_roles.join(', ')})`);
  }
  const now = ctx.now();
  const inserted = await trx.insertInto('approval_decisions')
    .values({ id: randomUUID(), namespace, request_id: id, reviewer, verdict: input.verdict, comment: input.comment ?? null, created_at: now })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) throw new ConflictError(`reviewer ${reviewer} has already voted on this request`);

  const votes = await trx.selectFrom('approval_decisions').select('verdict').where('request_id', '=', id).execute();
  const approvesCount = votes.filter((v) => v.verdict === 'approve').length;
  const deniesCount = votes.length - approvesCount;
  const counts = { requestId: id, approvesCount, deniesCount, requiredCount: request.required_count };
  const base = { action, reason: input.comment, metadata: { approvalId: id } };
  const resolve = (status: string, note: string | undefined, result?: Record<string, unknown>) => trx.updateTable('approval_requests')
    .set({ status, resolved_at: now, resolved_by: reviewer, resolution_note: note ?? null, result: result ? JSON.stringify(result) : null, updated_at: now })
    .where('id', '=', id).execute();

  if ((request.deny_on_first && deniesCount >= 1) || (!request.deny_on_first && deniesCount >= request.required_count && approvesCount < request.required_count)) {
    await resolve('denied', input.comment);
    ctx.metrics.resolved('denied');
    return {
      statusCode: 200,
      body: { decision: 'denied', ...counts, status: 'denied' },
      audit: { ...base, eventType: 'governance.approval.denied', oldValue: { status: 'pending' }, newValue: { requestId: id, verdict: input.verdict, status: 'denied' } },
    };
  }
  if (approvesCount < request.required_count) {
    await trx.updateTable('approval_requests').set({ updated_at: now }).where('id', '=', id).execute();
    return {
      statusCode: 200,
      body: { decision: input.verdict, ...counts, status: 'pending' },
      audit: { ...base, eventType: 'governance.approval.decision', oldValue: { status: 'pending' }, newValue: { requestId: id, verdict: input.verdict, status: 'pending', approvesCount, deniesCount } },
    };
  }

  let executed: Awaited<ReturnType<typeof executeStoredAction>>;
  try {
    executed = await executeStoredAction(trx, ctx, request);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    await resolve('failed', error.message);
    ctx.metrics.resolved('failed');
    return {
      statusCode: 200,
      body: { decision: 'failed', ...counts, status: 'failed', autoExecuted: false, error: { error: error.code, message: error.message, ...error.extra } },
      audit: {
        ...base,
        eventType: 'governance.approval.execution_failed',
        oldValue: { status: 'pending' },
        newValue: { requestId: id, verdict: input.verdict, status: 'failed', approvesCount, deniesCount },
        metadata: { approvalId: id, executedAs: request.requester, error: error.message },
      },
    };
  }
  const result = executed.body;
  await resolve('approved', 'threshold met', result as unknown as Record<string, unknown>);
  ctx.metrics.resolved('approved');
  const effect = executed.audit;
  return {
    statusCode: 200,
    body: { decision: 'approved', ...counts, status: 'approved', autoExecuted: true, result },
    audit: {
      ...base,
      eventType: 'governance.approval.decision',
      versionId: effect.versionId,
      oldValue: { status: 'pending', ...(effect.oldValue as Record<string, unknown> | undefined) },
      newValue: { requestId: id, verdict: input.verdict, status: 'approved', approvesCount, deniesCount, ...(effect.newValue as Record<string, unknown> | undefined) },
      metadata: {
        approvalId: id,
        executedAs: request.requester,
        effects: [{ eventType: effect.eventType, oldValue: effect.oldValue, newValue: effect.newValue }],
      },
    },
  };
}
