import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { assetUid, type AssetRef } from '../assets/resolveAsset.js';
import { runBinding, type PromotionAction } from '../bindings/bindVersion.js';
import type { GovernanceContext } from '../GovernanceContext.js';
import { transition } from '../lifecycle/transition.js';
import type { ActionResult, Outcome } from '../outcome.js';
import type { ApprovalRow } from './ApprovalStore.js';

/**
 * Re-validates and executes an approved request's stored action as its requester, without policy
 * lookup (06 §9.7). Throws the same errors a direct call would; the caller turns them into `failed`.
 */
export async function executeStoredAction(trx: Kysely<Database>, ctx: GovernanceContext, request: ApprovalRow): Promise<Outcome<ActionResult>> {
  const asset: AssetRef = {
    namespace: request.namespace,
    plugin: request.plugin,
    kind: request.asset_kind,
    plural: ctx.registry.get(request.plugin)?.kinds.find((k) => k.decl.kind === request.asset_kind)?.decl.plural ?? request.asset_kind,
    name: request.asset_name,
    uid: assetUid(request.plugin, request.asset_kind, request.asset_name),
  };
  const params = request.action_params;
  const options = { actor: request.requester, dryRun: false, gated: false };
  if (request.gate_key === 'lifecycle') {
    return transition(trx, ctx, asset, {
      action: 'lifecycle.setState',
      to: String(params.state),
      reason: typeof params.reason === 'string' ? params.reason : '',
      ...(typeof params.replacementRef === 'string' ? { replacementRef: params.replacementRef } : {}),
    }, { ...options, expectedFrom: request.expected_from_state ?? undefined });
  }
  const action = request.action as PromotionAction;
  const environment = request.environment!;
  const versionId = request.expected_version_id!;
  const binding = action === 'promotion.promote'
    ? { action, fromEnv: String(params.fromEnv), toEnv: environment }
    : action === 'promotion.rollback'
      ? { action, environment, targetVersionId: versionId }
      : { action: 'promotion.bind' as const, environment, versionId };
  const outcome = await runBinding(trx, ctx, asset, binding, { ...options, expectedVersionId: versionId });
  return { statusCode: outcome.statusCode, body: outcome.body.result, audit: outcome.audit };
}
