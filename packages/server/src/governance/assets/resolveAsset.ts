import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { NotFoundError, ServiceUnavailableError } from '../../errors.js';
import { findEntityByName } from '../../framework/findEntityByName.js';
import type { EntityRow } from '../../framework/serializeEntity.js';
import type { GovernanceContext } from '../GovernanceContext.js';

/** An asset within a namespace, with its canonical kind (06 §1.1). */
export interface AssetRef {
  namespace: string;
  plugin: string;
  kind: string;
  plural: string;
  name: string;
  /** `<plugin>:<Kind>:<name>`. */
  uid: string;
}

export function assetUid(plugin: string, kind: string, name: string): string {
  return `${plugin}:${kind}:${name}`;
}

export function assetRefJson(asset: AssetRef) {
  return { plugin: asset.plugin, kind: asset.kind, name: asset.name };
}

/** Plugin and kind of the path, canonicalized; unknown ones are 404, a failed plugin 503 (06 §1.1). */
export function resolveAsset(ctx: GovernanceContext, namespace: string, plugin: string, kind: string, name: string): AssetRef {
  const registered = ctx.registry.get(plugin);
  if (!registered) throw new NotFoundError(`plugin "${plugin}" not found`);
  if (registered.state !== 'active') {
    throw new ServiceUnavailableError(`plugin "${registered.name}" is not available: ${registered.lastError ?? 'initializing'}`);
  }
  const wanted = kind.toLowerCase();
  const match = registered.kinds.find(({ decl }) => decl.kind.toLowerCase() === wanted || decl.plural.toLowerCase() === wanted);
  if (!match) throw new NotFoundError(`kind "${kind}" not found in plugin "${plugin}"`);
  const canonical = match.decl.kind;
  return { namespace, plugin: registered.name, kind: canonical, plural: match.decl.plural, name, uid: assetUid(registered.name, canonical, name) };
}

export function assetNotFound(asset: AssetRef): NotFoundError {
  return new NotFoundError(`${asset.kind} "${asset.name}" not found`);
}

/** The entity `GET {base}/{plural}/{name}` would return (or the one of `sourceId`), if any. */
export async function findAssetEntity(ctx: GovernanceContext, db: Kysely<Database>, asset: AssetRef, sourceId?: string): Promise<EntityRow | undefined> {
  const order = ctx.catalog.enabledSourceIds(asset.namespace, asset.plugin);
  return findEntityByName(db, asset, sourceId === undefined ? order : order.filter((s) => s === sourceId));
}

/** 404 unless the asset is known (06 §3): an entity in an enabled source, or a stored governance record. */
export async function requireKnownAsset(ctx: GovernanceContext, db: Kysely<Database>, asset: AssetRef): Promise<void> {
  const record = await db.selectFrom('asset_governance').select('id')
    .where('namespace', '=', asset.namespace).where('asset_uid', '=', asset.uid).executeTakeFirst();
  if (record) return;
  if (!(await findAssetEntity(ctx, db, asset))) throw assetNotFound(asset);
}
