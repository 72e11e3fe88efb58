import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { ApprovalDecisionTable, ApprovalRequestTable, Database } from '../../db/schema.js';
import { ConflictError } from '../../errors.js';
import type { AssetRef } from '../assets/resolveAsset.js';
import type { ApprovalPolicy } from '../config/loadApprovalPolicies.js';
import type { GovernanceContext } from '../GovernanceContext.js';
import { compact } from '../outcome.js';

export type ApprovalRow = Selectable<ApprovalRequestTable>;
export type DecisionRow = Selectable<ApprovalDecisionTable>;

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'canceled', 'expired', 'failed'] as const;

export interface NewApprovalRequest {
  action: string;
  params: Record<string, unknown>;
  /** `lifecycle` or `env:<environment>`. */
  gateKey: string;
  expectedFromState?: string;
  environment?: string;
  expectedVersionId?: string;
  policy: ApprovalPolicy;
  requester: string;
  reason?: string;
}

/**
 * Expires the overdue pending requests the filter selects (06 §9.9), each with its system audit
 * event. The conditional UPDATE makes concurrent expiries (request paths, the sweep) harmless.
 */
export async function expireOverdue(
  db: Kysely<Database>,
  ctx: GovernanceContext,
  filter: { namespace?: string; assetUid?: string; gateKey?: string; id?: string } = {},
): Promise<ApprovalRow[]> {
  const now = ctx.now();
  let update = db.updateTable('approval_requests')
    .set({ status: 'expired', resolved_by: 'system', resolution_note: 'expired', resolved_at: now, updated_at: now })
    .where('status', '=', 'pending')
    .where('expires_at', '<=', now);
  if (filter.namespace !== undefined) update = update.where('namespace', '=', filter.namespace);
  if (filter.assetUid !== undefined) update = update.where('asset_uid', '=', filter.assetUid);
  if (filter.gateKey !== undefined) update = update.where('gate_key', '=', filter.gateKey);
  if (filter.id !== undefined) update = update.where('id', '=', filter.id);
  const expired = await update.returningAll().execute();
  for (const row of expired) {
    await ctx.writeSystemEvent(db, {
      namespace: row.namespace,
      eventType: 'governance.approval.expired',
      action: 'approval.expire',
      plugin: row.plugin,
      assetUid: row.asset_uid,
      oldValue: { status: 'pending' },
      newValue: { requestId: row.id, status: 'expired' },
      metadata: { approvalId: row.id },
    });
    ctx.metrics.resolved('expired');
  }
  return expired;
}

/** Inserts a pending request (06 §9.2 steps 1–3); one pending request per asset and gate key. */
export async function createApprovalRequest(trx: Kysely<Database>, ctx: GovernanceContext, asset: AssetRef, input: NewApprovalRequest): Promise<string> {
  await expireOverdue(trx, ctx, { namespace: asset.namespace, assetUid: asset.uid, gateKey: input.gateKey });
  const pending = await trx.selectFrom('approval_requests').select('id')
    .where('namespace', '=', asset.namespace).where('asset_uid', '=', asset.uid)
    .where('gate_key', '=', input.gateKey).where('status', '=', 'pending')
    .executeTakeFirst();
  if (pending) throw new ConflictError(`an approval request is already pending for ${asset.uid} (${pending.id})`);
  const now = ctx.now();
  const id = randomUUID();
  const inserted = await trx.insertInto('approval_requests').values({
    id,
    namespace: asset.namespace,
    asset_uid: asset.uid,
    plugin: asset.plugin,
    asset_kind: asset.kind,
    asset_name: asset.name,
    action: input.action,
    action_params: JSON.stringify(input.params),
    gate_key: input.gateKey,
    expected_from_state: input.expectedFromState ?? null,
    environment: input.environment ?? null,
    expected_version_id: input.expectedVersionId ?? null,
    policy_id: input.policy.id,
    policy_display_name: input.policy.displayName,
    required_count: input.policy.gate.requiredCount,
    allowed_roles: JSON.stringify(input.policy.gate.allowedRoles),
    deny_on_first: input.policy.gate.denyOnFirst,
    requester: input.requester,
    reason: input.reason || null,
    expires_at: input.policy.expiryHours > 0 ? new Date(now.getTime() + input.policy.expiryHours * 3_600_000) : null,
    created_at: now,
    updated_at: now,
  })
    // A concurrent request for the same gate lost the race on the partial unique index.
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) throw new ConflictError(`an approval request is already pending for ${asset.uid}`);
  ctx.metrics.requestCreated(input.gateKey === 'lifecycle' ? 'lifecycle' : 'promotion');
  return id;
}

/** Status as every read reports it: an overdue pending request is expired (06 §9.9). */
export function effectiveStatus(row: ApprovalRow, now: Date): string {
  return row.status === 'pending' && row.expires_at !== null && new Date(row.expires_at) <= now ? 'expired' : row.status;
}

export async function decisionsOf(db: Kysely<Database>, requestIds: readonly string[]): Promise<DecisionRow[]> {
  if (requestIds.length === 0) return [];
  return db.selectFrom('approval_decisions').selectAll().where('request_id', 'in', requestIds).orderBy('created_at').orderBy('id').execute();
}

const iso = (value: Date | string | null) => (value === null ? undefined : new Date(value).toISOString());

/** ApprovalRequest JSON (06 §9.3). */
export function approvalJson(row: ApprovalRow, decisions: readonly DecisionRow[], now: Date, withDecisions: boolean): Record<string, unknown> {
  const mine = decisions.filter((d) => d.request_id === row.id);
  const counts = (verdict: string) => mine.filter((d) => d.verdict === verdict).length;
  const params = row.action_params ?? {};
  const isLifecycle = row.gate_key === 'lifecycle';
  return compact({
    id: row.id,
    namespace: row.namespace,
    assetUid: row.asset_uid,
    assetRef: { plugin: row.plugin, kind: row.asset_kind, name: row.asset_name },
    action: row.action,
    actionParams: Object.keys(params).length > 0 ? params : undefined,
    transition: isLifecycle ? { from: row.expected_from_state, to: params.state } : undefined,
    environment: isLifecycle ? undefined : (row.environment ?? undefined),
    policyId: row.policy_id,
    policyDisplayName: row.policy_display_name ?? undefined,
    requiredCount: row.required_count,
    allowedRoles: row.allowed_roles,
    denyOnFirst: row.deny_on_first,
    approvesCount: counts('approve'),
    deniesCount: counts('deny'),
    status: effectiveStatus(row, now),
    requester: row.requester,
    reason: row.reason || undefined,
    resolvedAt: iso(row.resolved_at),
    resolvedBy: row.resolved_by ?? undefined,
    resolutionNote: row.resolution_note || undefined,
    expiresAt: iso(row.expires_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    decisions: !withDecisions ? undefined : mine.map((d) => compact({
      id: d.id, requestId: d.request_id, reviewer: d.reviewer, verdict: d.verdict, comment: d.comment || undefined, createdAt: iso(d.created_at),
    })),
  });
}

/** SQL condition for a status filter that treats overdue pending requests as expired. */
export function statusCondition(statuses: readonly string[], now: Date) {
  const overdue = sql<boolean>`(r.status = 'pending' AND r.expires_at IS NOT NULL AND r.expires_at <= ${now})`;
  const parts = statuses.map((status) => {
    if (status === 'pending') return sql`(r.status = 'pending' AND NOT ${overdue})`;
    if (status === 'expired') return sql`(r.status = 'expired' OR ${overdue})`;
    return sql`r.status = ${status}`;
  });
  return sql<boolean>`(${sql.join(parts, sql` OR `)})`;
}
