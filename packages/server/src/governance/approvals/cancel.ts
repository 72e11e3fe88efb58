import type { Kysely } from 'kysely';
import type { AccessCheck } from '../../authz/Authorizer.js';
import type { Identity } from '../../authz/identity.js';
import type { Database } from '../../db/schema.js';
import { BadRequestError, ForbiddenError } from '../../errors.js';
import type { GovernanceContext } from '../GovernanceContext.js';
import type { Outcome } from '../outcome.js';
import { isEligibleReviewer, lockPendingRequest } from './decide.js';

export function parseCancel(body: Record<string, unknown>): { reason?: string } {
  if (body.reason !== undefined && body.reason !== null && typeof body.reason !== 'string') {
    throw new BadRequestError('invalid request body: reason must be a string');
  }
  return body.reason ? { reason: body.reason as string } : {};
}

/**
 * Cancels a pending request (06 §9.8): the requester may, and so may an eligible approver, one
 * who passes `allowedRoles` and is authorized for approvals/approve in the namespace.
 */
export async function cancelRequest(
  trx: Kysely<Database>,
  ctx: GovernanceContext,
  namespace: string,
  id: string,
  identity: Identity,
  reason: string | undefined,
  mayApprove: (check: AccessCheck) => Promise<boolean>,
): Promise<Outcome<Record<string, unknown>>> {
  const request = await lockPendingRequest(trx, ctx, namespace, id);
  const allowed = identity.user === request.requester
    || (isEligibleReviewer(request, identity) && (await mayApprove({ resource: 'approvals', verb: 'approve', namespace })));
  if (!allowed) throw new ForbiddenError('only the requester or an eligible approver can cancel this request');
  const now = ctx.now();
  await trx.updateTable('approval_requests')
    .set({ status: 'canceled', resolved_at: now, resolved_by: identity.user, resolution_note: reason ?? null, updated_at: now })
    .where('id', '=', id).execute();
  ctx.metrics.resolved('canceled');
  return {
    statusCode: 200,
    body: { status: 'canceled', requestId: id },
    audit: {
      eventType: 'governance.approval.canceled', action: 'approval.cancel', reason, outcome: 'canceled',
      oldValue: { status: 'pending' }, newValue: { requestId: id, status: 'canceled' }, metadata: { approvalId: id },
    },
  };
}
