import type { Kysely } from 'kysely';
import type { BaseLogger } from 'pino';
import type { ServerConfig } from '../config/serverConfig.js';
import type { Database } from '../db/schema.js';
import type { SourceCatalog } from '../sources/SourceCatalog.js';

export const UNREACHABLE_DEFAULT_WARNING = 'CATALOG_NAMESPACES omits "default", which holds sources or entities; that data is not reachable';

/**
 * Spec 05 §1.5: the allow-list is strict, and pre-upgrade data lives in `default`, so an operator
 * who leaves `default` out of the list after an upgrade is told at startup that its data is no
 * longer served. Returns whether it warned.
 */
export async function warnUnreachableDefault(
  tenancy: ServerConfig['tenancy'],
  deps: { db: Kysely<Database>; catalog: SourceCatalog; plugins: readonly string[]; log: BaseLogger },
): Promise<boolean> {
  if (tenancy.mode !== 'namespace' || tenancy.namespaces.length === 0 || tenancy.namespaces.includes('default')) return false;
  const holdsSources = deps.plugins.some((plugin) => deps.catalog.sources('default', plugin).length > 0);
  const holdsData = holdsSources
    || (await deps.db.selectFrom('catalog_entities').select('id').where('namespace', '=', 'default').limit(1).executeTakeFirst()) !== undefined;
  if (holdsData) deps.log.warn({ namespaces: tenancy.namespaces }, UNREACHABLE_DEFAULT_WARNING);
  return holdsData;
}
