import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { inSourceTransaction, type SourceKey } from './applyEntities.js';

/**
 * Per plugin: work run in every transaction that changes the plugin's entities — refresh, and the
 * deletion on disable or delete — so derived data (the model plugin's filter-options snapshot, spec
 * 03 §9.2) never disagrees with the entities it is derived from.
 */
export type AfterApplyHook = (trx: Transaction<Database>, namespace: string) => Promise<void>;
export type AfterApplyHooks = ReadonlyMap<string, AfterApplyHook>;

/**
 * Deletes a source's entities in one transaction (spec 04 §13.6). `disable` keeps the refresh
 * status row but clears its content digest, so re-enabling always reloads; `delete` removes the row.
 * Overlays and governance records are keyed by entity name and stay.
 */
export async function removeSourceEntities(db: Kysely<Database>, key: SourceKey, mode: 'disable' | 'delete', afterApply?: AfterApplyHook): Promise<number> {
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
    const count = Number(removed.numDeletedRows);
    if (count > 0) await afterApply?.(trx, key.namespace);
    return count;
  });
}
