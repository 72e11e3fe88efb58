import { randomBytes, randomUUID } from 'node:crypto';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { AssetVersionTable, Database } from '../../db/schema.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { AssetRef } from '../assets/resolveAsset.js';
import { compact } from '../outcome.js';

export type VersionRow = Selectable<AssetVersionTable>;

const MAX_ID_ATTEMPTS = 5;

export type NewVersion = Omit<Insertable<AssetVersionTable>, 'id' | 'version_id' | 'namespace' | 'asset_uid' | 'plugin' | 'asset_kind' | 'asset_name'>;

/** Inserts a version with a fresh `<label>:<8 hex>` id (retried on the rare id collision); 409 on a repeated label. */
export async function insertVersion(trx: Kysely<Database>, asset: AssetRef, version: NewVersion): Promise<VersionRow> {
  for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
    await requireNewLabel(trx, asset, version.version_label);
    const row = await trx.insertInto('asset_versions').values({
      ...version,
      id: randomUUID(),
      version_id: `${version.version_label}:${randomBytes(4).toString('hex')}`,
      namespace: asset.namespace,
      asset_uid: asset.uid,
      plugin: asset.plugin,
      asset_kind: asset.kind,
      asset_name: asset.name,
    }).onConflict((oc) => oc.doNothing()).returningAll().executeTakeFirst();
    if (row) return row;
  }
  throw new ConflictError(`could not allocate a version id for ${asset.uid}; retry`);
}

export async function requireNewLabel(db: Kysely<Database>, asset: AssetRef, label: string): Promise<void> {
  const existing = await db.selectFrom('asset_versions').select('id')
    .where('namespace', '=', asset.namespace).where('asset_uid', '=', asset.uid).where('version_label', '=', label)
    .executeTakeFirst();
  if (existing) throw new ConflictError(`version label "${label}" already exists for ${asset.uid}`);
}

/** The version of this asset in this namespace, else 404 (a foreign id is never revealed). */
export async function findVersion(db: Kysely<Database>, asset: AssetRef, versionId: string): Promise<VersionRow> {
  const row = await db.selectFrom('asset_versions').selectAll()
    .where('namespace', '=', asset.namespace).where('asset_uid', '=', asset.uid).where('version_id', '=', versionId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`version "${versionId}" not found for ${asset.uid}`);
  return row;
}

/** VersionResponse (06 §7.4); snapshots only for the single GET. */
export function versionJson(row: VersionRow, withSnapshots: boolean): Record<string, unknown> {
  const provenance = row.provenance_source_type === null ? undefined : compact({
    sourceType: row.provenance_source_type,
    sourceUri: row.provenance_source_uri ?? undefined,
    sourceId: row.provenance_source_id ?? undefined,
    revisionId: row.provenance_revision_id ?? undefined,
    observedAt: row.provenance_revision_observed_at ? new Date(row.provenance_revision_observed_at).toISOString() : undefined,
    integrity: row.provenance_integrity_method === null ? undefined : {
      verified: row.provenance_integrity_verified === true,
      method: row.provenance_integrity_method,
      details: row.provenance_integrity_details ?? '',
    },
  });
  const governance = row.governance_snapshot as { lifecycle?: { state?: string } };
  return compact({
    versionId: row.version_id,
    versionLabel: row.version_label,
    assetUid: row.asset_uid,
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
    reason: row.reason || undefined,
    sourceId: row.source_id ?? undefined,
    lifecycleState: governance.lifecycle?.state ?? 'draft',
    contentDigest: row.content_digest,
    provenance,
    assetSnapshot: withSnapshots ? row.asset_snapshot : undefined,
    governanceSnapshot: withSnapshots ? row.governance_snapshot : undefined,
  });
}
