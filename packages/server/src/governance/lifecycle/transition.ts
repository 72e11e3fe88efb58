import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { AppError, BadRequestError } from '../../errors.js';
import { createApprovalRequest } from '../approvals/ApprovalStore.js';
import { requireKnownAsset, resolveAsset, type AssetRef } from '../assets/resolveAsset.js';
import type { GovernanceContext } from '../GovernanceContext.js';
import { compact, type ActionResult, type Outcome } from '../outcome.js';
import { lifecyclePolicyFor } from '../policies.js';
import { lifecycleStateOf, lockRecord, riskLevelOf, writeLifecycle } from '../records/RecordStore.js';
import { checkTransition, LifecycleError, type LifecycleState } from './states.js';

export const LIFECYCLE_ACTIONS = ['lifecycle.setState', 'lifecycle.deprecate', 'lifecycle.archive', 'lifecycle.restore'] as const;
const MAX_REASON = 1024;

/** A lifecycle action reduced to its target (06 §4.5). */
export interface TransitionRequest {
  /** The action that was called; gated requests store `lifecycle.setState`. */
  action: string;
  to: string;
  reason: string;
  replacementRef?: string;
  /** `lifecycle.restore`: only from archived. */
  restore?: boolean;
}

export function parseLifecycleParams(action: string, params: Record<string, unknown>): TransitionRequest {
  const reason = params.reason === undefined || params.reason === null ? '' : params.reason;
  if (typeof reason !== 'string' || reason.length > MAX_REASON) throw new BadRequestError(`missing or invalid 'reason' parameter`);
  switch (action) {
    case 'lifecycle.setState': {
      const { state } = params;
      if (typeof state !== 'string' || state === '') throw new BadRequestError(`missing or invalid 'state' parameter`);
      return { action, to: state, reason, ...replacementOf(params, state === 'deprecated') };
    }
    case 'lifecycle.deprecate':
      return { action, to: 'deprecated', reason, ...replacementOf(params, true) };
    case 'lifecycle.archive':
      return { action, to: 'archived', reason };
    default: {
      const target = params.targetState ?? 'deprecated';
      if (target !== 'draft' && target !== 'deprecated') throw new BadRequestError('targetState must be draft or deprecated');
      return { action, to: target, reason, restore: true };
    }
  }
}

function replacementOf(params: Record<string, unknown>, applies: boolean): { replacementRef?: string } {
  const ref = params.replacementRef;
  if (ref === undefined || ref === null || ref === '' || !applies) return {};
  if (typeof ref !== 'string') throw new BadRequestError(`missing or invalid 'replacementRef' parameter`);
  return { replacementRef: ref };
}

export interface TransitionOptions {
  actor: string;
  dryRun: boolean;
  /** False when an approved request executes: policies were already satisfied (06 §9.7). */
  gated: boolean;
  /** The `from` state the approval request was created against. */
  expectedFrom?: string;
}

/** Checks and executes (or gates, or dry-runs) one transition inside `trx` (06 §4.5). */
export async function transition(
  trx: Kysely<Database>,
  ctx: GovernanceContext,
  asset: AssetRef,
  request: TransitionRequest,
  options: TransitionOptions,
): Promise<Outcome<ActionResult>> {
  const record = await lockRecord(trx, asset);
  const from = lifecycleStateOf(record);
  if (options.expectedFrom !== undefined && from !== options.expectedFrom) {
    throw new LifecycleError('LIFECYCLE_INVALID_TRANSITION', `asset state changed from ${options.expectedFrom} to ${from} since the request was created`, options.expectedFrom, request.to);
  }
  if (request.restore && from !== 'archived') {
    throw new LifecycleError('LIFECYCLE_INVALID_TRANSITION', 'restore applies only to archived assets', from, request.to);
  }
  checkTransition(from, request.to);
  const to: LifecycleState = request.to;
  const replacementRef = request.replacementRef === undefined ? undefined : await canonicalReplacement(trx, ctx, asset, request.replacementRef);
  const baseAudit = { eventType: 'governance.lifecycle.changed', action: request.action, reason: request.reason || undefined };

  const policy = options.gated && from !== to ? lifecyclePolicyFor(ctx.settings.policies, asset, riskLevelOf(record), from, to) : undefined;
  if (options.dryRun) {
    return {
      statusCode: 200,
      body: {
        action: request.action,
        status: 'dry-run',
        message: `would transition ${asset.name} from ${from} to ${to}`,
        data: compact({ from, to, requiresApproval: policy !== undefined, policyId: policy?.id, requiredCount: policy?.gate.requiredCount }),
      },
      audit: { ...baseAudit, metadata: { dryRun: true } },
    };
  }
  if (policy) {
    const params = compact({ state: to, reason: request.reason || undefined, replacementRef });
    const requestId = await createApprovalRequest(trx, ctx, asset, {
      action: 'lifecycle.setState', params, gateKey: 'lifecycle', expectedFromState: from, policy, requester: options.actor, reason: request.reason,
    });
    return {
      statusCode: 202,
      body: {
        action: request.action,
        status: 'pending-approval',
        message: `transition of ${asset.name} requires approval (policy: ${policy.displayName})`,
        data: { requestId, policyId: policy.id, requiredCount: policy.gate.requiredCount },
      },
      audit: {
        ...baseAudit,
        eventType: 'governance.approval.requested',
        outcome: 'pending',
        newValue: { requestId, policyId: policy.id, requiredCount: policy.gate.requiredCount, state: to },
        metadata: { approvalId: requestId },
      },
    };
  }
  await writeLifecycle(trx, asset, { from, to, reason: request.reason, replacementRef, actor: options.actor, now: ctx.now() });
  ctx.metrics.transition(asset.plugin, from, to);
  return {
    statusCode: 200,
    body: {
      action: request.action,
      status: 'completed',
      message: `transitioned ${asset.name} from ${from} to ${to}`,
      data: compact({ from, to, reason: request.reason || undefined, replacementRef }),
    },
    audit: { ...baseAudit, oldValue: { lifecycleState: from }, newValue: compact({ lifecycleState: to, replacementRef }) },
  };
}

/** A bare name (same plugin and kind) or an asset uid, naming a known asset of the namespace. */
async function canonicalReplacement(db: Kysely<Database>, ctx: GovernanceContext, asset: AssetRef, ref: string): Promise<string> {
  const notFound = new BadRequestError(`replacementRef "${ref}" not found`);
  let target: AssetRef;
  const first = ref.indexOf(':');
  const second = first < 0 ? -1 : ref.indexOf(':', first + 1);
  try {
    target = second < 0
      ? { ...asset, name: ref, uid: `${asset.plugin}:${asset.kind}:${ref}` }
      : resolveAsset(ctx, asset.namespace, ref.slice(0, first), ref.slice(first + 1, second), ref.slice(second + 1));
    await requireKnownAsset(ctx, db, target);
  } catch (error) {
    if (error instanceof AppError && error.statusCode === 404) throw notFound;
    throw error;
  }
  return target.uid;
}
