import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { AssetGovernanceTable, Database } from '../../db/schema.js';
import { ConflictError } from '../../errors.js';
import type { AssetRef } from '../assets/resolveAsset.js';
import type { LifecycleState } from '../lifecycle/states.js';
import { presentMetadata, type GovernanceMetadata } from './metadata.js';

export type GovernanceRow = Selectable<AssetGovernanceTable>;

function byAsset(db: Kysely<Database>, asset: AssetRef) {
  return db.selectFrom('asset_governance').selectAll().where('namespace', '=', asset.namespace).where('asset_uid', '=', asset.uid);
}

export async function readRecord(db: Kysely<Database>, asset: AssetRef): Promise<GovernanceRow | undefined> {
  return byAsset(db, asset).executeTakeFirst();
}

/** The record under a row lock (inside a transaction), if stored. */
export async function lockRecord(trx: Kysely<Database>, asset: AssetRef): Promise<GovernanceRow | undefined> {
  return byAsset(trx, asset).forUpdate().executeTakeFirst();
}

/** Creates the record with the defaults when missing (06 §3), then returns it locked. */
export async function ensureRecord(trx: Kysely<Database>, asset: AssetRef): Promise<GovernanceRow> {
  await trx.insertInto('asset_governance')
    .values({ id: randomUUID(), namespace: asset.namespace, plugin: asset.plugin, kind: asset.kind, name: asset.name, asset_uid: asset.uid })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return (await lockRecord(trx, asset))!;
}

export function storedMetadata(row: GovernanceRow | undefined): GovernanceMetadata {
  return (row?.metadata ?? {}) as GovernanceMetadata;
}

export function lifecycleStateOf(row: GovernanceRow | undefined): LifecycleState {
  return (row?.lifecycle_state ?? 'draft') as LifecycleState;
}

export function riskLevelOf(row: GovernanceRow | undefined): string {
  return (storedMetadata(row).risk?.level as string | undefined) ?? 'medium';
}

export async function writeMetadata(trx: Kysely<Database>, asset: AssetRef, metadata: GovernanceMetadata, actor: string, now: Date): Promise<void> {
  await trx.updateTable('asset_governance')
    .set({ metadata: JSON.stringify(metadata), updated_at: now, updated_by: actor })
    .where('namespace', '=', asset.namespace).where('asset_uid', '=', asset.uid)
    .execute();
}

/**
 * Sets the lifecycle state, only if it still is `from` (the caller checked the matrix against it);
 * a concurrent change in between is a 409 rather than a transition the matrix never saw.
 */
export async function writeLifecycle(
  trx: Kysely<Database>,
  asset: AssetRef,
  change: { from: LifecycleState; to: LifecycleState; reason: string; replacementRef?: string; actor: string; now: Date },
): Promise<void> {
  await ensureRecord(trx, asset);
  const result = await trx.updateTable('asset_governance')
    .set({
      lifecycle_state: change.to,
      lifecycle_reason: change.reason,
      lifecycle_changed_by: change.actor,
      lifecycle_changed_at: change.now,
      lifecycle_replacement_ref: change.to === 'deprecated' ? (change.replacementRef ?? null) : null,
      updated_at: change.now,
      updated_by: change.actor,
    })
    .where('namespace', '=', asset.namespace).where('asset_uid', '=', asset.uid).where('lifecycle_state', '=', change.from)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new ConflictError(`the lifecycle state of ${asset.uid} changed concurrently; retry`);
}

/** The governance object of 06 §5.1 (the default record when none is stored). */
export function governanceJson(row: GovernanceRow | undefined): Record<string, unknown> {
  return { ...presentMetadata(storedMetadata(row)), lifecycle: lifecycleJson(row) };
}

function lifecycleJson(row: GovernanceRow | undefined): Record<string, unknown> {
  if (!row) return { state: 'draft', changedBy: 'system' };
  return {
    state: row.lifecycle_state,
    ...(row.lifecycle_reason ? { reason: row.lifecycle_reason } : {}),
    changedBy: row.lifecycle_changed_by,
    ...(row.lifecycle_changed_at ? { changedAt: new Date(row.lifecycle_changed_at).toISOString() } : {}),
    ...(row.lifecycle_replacement_ref && row.lifecycle_state === 'deprecated' ? { replacementRef: row.lifecycle_replacement_ref } : {}),
  };
}

