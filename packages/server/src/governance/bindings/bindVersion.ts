import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { AuditDetails } from '../../audit/RequestAudit.js';
import type { Database, EnvBindingTable } from '../../db/schema.js';
import { BadRequestError, ConflictError } from '../../errors.js';
import { createApprovalRequest } from '../approvals/ApprovalStore.js';
import type { AssetRef } from '../assets/resolveAsset.js';
import type { GovernanceContext } from '../GovernanceContext.js';
import { compact, type ActionResult, type Outcome } from '../outcome.js';
import { promotionPolicyFor } from '../policies.js';
import { lifecycleStateOf, lockRecord, riskLevelOf } from '../records/RecordStore.js';
import { findVersion } from '../versions/VersionStore.js';

export type BindingRow = Selectable<EnvBindingTable>;
export const PROMOTION_ACTIONS = ['promotion.bind', 'promotion.promote', 'promotion.rollback'] as const;
export type PromotionAction = (typeof PROMOTION_ACTIONS)[number];

/** One binding operation after its parameters were read (06 §8.4–8.5). */
export type BindingRequest =
  | { action: 'promotion.bind'; environment: string; versionId: string }
  | { action: 'promotion.promote'; fromEnv: string; toEnv: string }
  | { action: 'promotion.rollback'; environment: string; targetVersionId: string };

export interface BindingOptions {
  actor: string;
  dryRun: boolean;
  /** False when an approved request executes (06 §9.7). */
  gated: boolean;
  /** The version an approved request resolved at request time (promote: the one bound in fromEnv then). */
  expectedVersionId?: string;
}

const AUDIT_TYPES: Record<PromotionAction, string> = {
  'promotion.bind': 'governance.promotion.bound',
  'promotion.promote': 'governance.promotion.promoted',
  'promotion.rollback': 'governance.promotion.rollback',
};
const METRIC_ACTIONS = { 'promotion.bind': 'bind', 'promotion.promote': 'promote', 'promotion.rollback': 'rollback' } as const;

export function parseBindingParams(action: PromotionAction, params: Record<string, unknown>): BindingRequest {
  const required = (name: string): string => {
    const value = params[name];
    if (typeof value !== 'string' || value === '') throw new BadRequestError(`missing or invalid '${name}' parameter`);
    return value;
  };
  switch (action) {
    case 'promotion.bind':
      return { action, environment: required('environment'), versionId: required('versionId') };
    case 'promotion.promote':
      return { action, fromEnv: required('fromEnv'), toEnv: required('toEnv') };
    case 'promotion.rollback':
      return { action, environment: required('environment'), targetVersionId: required('targetVersionId') };
  }
}

export async function bindingsOf(db: Kysely<Database>, asset: AssetRef): Promise<BindingRow[]> {
  return db.selectFrom('env_bindings').selectAll().where('namespace', '=', asset.namespace).where('asset_uid', '=', asset.uid).execute();
}

/** Bound environments in configured order, then unconfigured ones alphabetically (06 §8.4). */
export function orderBindings(rows: BindingRow[], environments: readonly string[]): BindingRow[] {
  const rank = (env: string) => (environments.includes(env) ? environments.indexOf(env) : environments.length);
  return [...rows].sort((a, b) => rank(a.environment) - rank(b.environment) || (a.environment < b.environment ? -1 : a.environment > b.environment ? 1 : 0));
}

export function bindingJson(row: BindingRow, label: string | undefined): Record<string, unknown> {
  return compact({
    environment: row.environment,
    versionId: row.version_id,
    versionLabel: label ?? row.version_id.slice(0, row.version_id.lastIndexOf(':')),
    boundAt: new Date(row.bound_at).toISOString(),
    boundBy: row.bound_by,
    previousVersionId: row.previous_version_id ?? undefined,
  });
}

async function lockBinding(trx: Kysely<Database>, asset: AssetRef, environment: string): Promise<BindingRow | undefined> {
  return trx.selectFrom('env_bindings').selectAll()
    .where('namespace', '=', asset.namespace).where('asset_uid', '=', asset.uid).where('environment', '=', environment)
    .forUpdate().executeTakeFirst();
}

function requireEnvironment(ctx: GovernanceContext, environment: string): void {
  if (!ctx.settings.environments.includes(environment)) {
    throw new BadRequestError(`unknown environment "${environment}" (configured: ${ctx.settings.environments.join(', ')})`);
  }
}

export interface BindingOutcome {
  result: ActionResult;
  /** The binding after the call (absent for dry runs and gated calls). */
  binding?: Record<string, unknown>;
  warnings: string[];
}

/** Runs the checks of 06 §8.1 in order, then binds, gates or dry-runs; everything inside `trx`. */
export async function runBinding(
  trx: Kysely<Database>,
  ctx: GovernanceContext,
  asset: AssetRef,
  request: BindingRequest,
  options: BindingOptions,
): Promise<Outcome<BindingOutcome>> {
  const environment = request.action === 'promotion.promote' ? request.toEnv : request.environment;
  if (request.action === 'promotion.promote') requireEnvironment(ctx, request.fromEnv);
  requireEnvironment(ctx, environment);
  const current = await lockBinding(trx, asset, environment);

  let versionId: string;
  if (request.action === 'promotion.promote') {
    if (request.fromEnv === request.toEnv) throw new BadRequestError('fromEnv and toEnv must be different');
    const source = await trx.selectFrom('env_bindings').select('version_id')
      .where('namespace', '=', asset.namespace).where('asset_uid', '=', asset.uid).where('environment', '=', request.fromEnv)
      .executeTakeFirst();
    if (options.expectedVersionId !== undefined) versionId = options.expectedVersionId;
    else if (!source) throw new ConflictError(`no version is bound to "${request.fromEnv}"`);
    else versionId = source.version_id;
  } else if (request.action === 'promotion.rollback') {
    if (!current) throw new ConflictError(`no version is bound to "${environment}"; use promotion.bind`);
    versionId = request.targetVersionId;
  } else {
    versionId = request.versionId;
  }
  const version = await findVersion(trx, asset, versionId);

  const record = await lockRecord(trx, asset);
  const state = lifecycleStateOf(record);
  const isProtected = ctx.settings.protectedEnvironments.includes(environment);
  const verb = request.action === 'promotion.promote' ? 'promoted' : 'bound';
  if (state === 'archived') throw new BadRequestError(`archived assets cannot be ${verb}`);
  if (state === 'draft' && isProtected) throw new BadRequestError(`draft assets cannot be ${verb} to protected environment "${environment}"`);
  const warnings = state === 'deprecated'
    ? [`asset is deprecated; binding is allowed but consider migrating${record?.lifecycle_replacement_ref ? ` to ${record.lifecycle_replacement_ref}` : ''}`]
    : [];

  const previous = current?.version_id;
  const audit: AuditDetails = {
    eventType: AUDIT_TYPES[request.action],
    action: request.action,
    versionId,
    oldValue: { environment, versionId: previous ?? null },
    newValue: request.action === 'promotion.promote'
      ? { fromEnv: request.fromEnv, toEnv: request.toEnv, versionId }
      : { environment, versionId },
  };
  const data = (previousVersionId: string | undefined) => compact({
    ...(request.action === 'promotion.promote' ? { fromEnv: request.fromEnv, toEnv: request.toEnv } : { environment }),
    versionId,
    previousVersionId,
    warnings: warnings.length > 0 ? warnings : undefined,
  });
  const message = request.action === 'promotion.promote'
    ? `promoted ${versionId} from ${request.fromEnv} to ${request.toEnv}`
    : request.action === 'promotion.rollback' ? `rolled back ${environment} from ${previous} to ${versionId}` : `bound ${versionId} to ${environment}`;
  const answer = (binding: BindingRow, status: 'completed' | 'dry-run', replaced: string | undefined, extraAudit: AuditDetails = {}) => ({
    statusCode: 200 as const,
    body: { result: { action: request.action, status, message, data: data(replaced) }, binding: bindingJson(binding, version.version_label), warnings },
    audit: { ...audit, ...extraAudit },
  });

  // Re-binding the bound version is a successful no-op, never gated; the binding keeps its history (06 §8.1).
  if (current && previous === versionId) {
    return answer(current, options.dryRun ? 'dry-run' : 'completed', current.previous_version_id ?? undefined, { oldValue: audit.newValue, ...(options.dryRun ? { metadata: { dryRun: true } } : {}) });
  }
  const policy = options.gated ? promotionPolicyFor(ctx.settings.policies, asset, riskLevelOf(record), environment) : undefined;
  if (options.dryRun) {
    const dryData = request.action === 'promotion.rollback'
      ? { environment, currentVersionId: previous, targetVersionId: versionId }
      : data(previous);
    return {
      statusCode: 200,
      body: {
        result: {
          action: request.action,
          status: 'dry-run',
          message: `would ${message.replace(/^(\w+)/, (w) => ({ bound: 'bind', promoted: 'promote', rolled: 'roll' })[w] ?? w)}`,
          data: compact({ ...dryData, requiresApproval: policy !== undefined, policyId: policy?.id, requiredCount: policy?.gate.requiredCount }),
        },
        warnings,
      },
      audit: { ...audit, metadata: { dryRun: true } },
    };
  }
  if (policy) {
    const requestId = await createApprovalRequest(trx, ctx, asset, {
      action: request.action,
      params: request.action === 'promotion.promote' ? { fromEnv: request.fromEnv, toEnv: request.toEnv }
        : request.action === 'promotion.rollback' ? { environment, targetVersionId: versionId } : { environment, versionId },
      gateKey: `env:${environment}`,
      environment,
      expectedVersionId: versionId,
      policy,
      requester: options.actor,
    });
    return {
      statusCode: 202,
      body: {
        result: {
          action: request.action,
          status: 'pending-approval',
          message: `binding of ${asset.name} to ${environment} requires approval (policy: ${policy.displayName})`,
          data: { requestId, policyId: policy.id, requiredCount: policy.gate.requiredCount },
        },
        warnings,
      },
      audit: {
        eventType: 'governance.approval.requested',
        action: request.action,
        versionId,
        outcome: 'pending',
        newValue: { requestId, policyId: policy.id, requiredCount: policy.gate.requiredCount, environment, versionId },
        metadata: { approvalId: requestId },
      },
    };
  }

  const now = ctx.now();
  const binding = current
    ? await trx.updateTable('env_bindings')
      .set({ version_id: versionId, previous_version_id: previous ?? null, bound_at: now, bound_by: options.actor })
      .where('id', '=', current.id).returningAll().executeTakeFirstOrThrow()
    : await trx.insertInto('env_bindings').values({
      id: randomUUID(), namespace: asset.namespace, plugin: asset.plugin, asset_kind: asset.kind, asset_name: asset.name, asset_uid: asset.uid,
      environment, version_id: versionId, previous_version_id: null, bound_at: now, bound_by: options.actor,
    }).onConflict((oc) => oc.doNothing()).returningAll().executeTakeFirst();
  // A first binding of the environment created concurrently by another request.
  if (!binding) throw new ConflictError(`the binding of ${asset.uid} to "${environment}" changed concurrently; retry`);
  ctx.metrics.bound(environment, METRIC_ACTIONS[request.action]);
  return answer(binding, 'completed', previous);
}
