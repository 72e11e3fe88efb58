import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { RegisteredPlugin } from '../framework/PluginRegistry.js';
import { inSourceTransaction, type SourceKey } from './applyEntities.js';
import type { SourceCatalog } from './SourceCatalog.js';
import type { RefreshOutcome, SourceRefresher } from './SourceRefresher.js';

/**
 * Refreshes one source now, with its current configuration, through the one refresh function every
 * path shares (spec 04 §13.7): apply, enable, rollback and reconcile call it directly (no rate limit,
 * no job); the refresh endpoints and jobs route through it too. `undefined` when the source is gone.
 */
export type RefreshSourceNow = (namespace: string, plugin: RegisteredPlugin, sourceId: string, options?: { force?: boolean }) => Promise<RefreshOutcome | undefined>;

export function createRefreshSourceNow(deps: { catalog: SourceCatalog; refresher: () => SourceRefresher }): RefreshSourceNow {
  return async (namespace, plugin, sourceId, options = {}) => {
    const source = deps.catalog.sources(namespace, plugin.name).find((s) => s.id === sourceId);
    if (!source) return undefined;
    return deps.refresher().refresh(namespace, plugin, source, options);
  };
}

/**
 * Deletes a source's entities in one transaction (spec 04 §13.6). `disable` keeps the refresh
 * status row but clears its content digest, so re-enabling always reloads; `delete` removes the row.
 * Overlays and governance records are keyed by entity name and stay.
 */
export async function removeSourceEntities(db: Kysely<Database>, key: SourceKey, mode: 'disable' | 'delete'): Promise<number> {
  return inSourceTransaction(db, key, async (trx) => {
    const removed = await trx
      .deleteFrom('catalog_entities')
      .where('namespace', '=', key.namespace)
      .where('plugin', '=', key.plugin)
      .where('source_id', '=', key.sourceId)
      .executeTakeFirst();
    const status = trx
      .updateTable('catalog_refresh_status')
      .set({ content_digest: null, provider_state: null, entity_count: 0 })
      .where('namespace', '=', key.namespace)
      .where('plugin', '=', key.plugin)
      .where('source_id', '=', key.sourceId);
    if (mode === 'disable') await status.execute();
    else {
      await trx
        .deleteFrom('catalog_refresh_status')
        .where('namespace', '=', key.namespace)
        .where('plugin', '=', key.plugin)
        .where('source_id', '=', key.sourceId)
        .execute();
    }
    return Number(removed.numDeletedRows);
  });
}
