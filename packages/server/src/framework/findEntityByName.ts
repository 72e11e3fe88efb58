import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { EntityRow } from './serializeEntity.js';

/**
 * Get-by-name (spec 02 §2.1): the entity with that exact name from the first enabled source in
 * source order, or from `sourceId` when given. One query; the winner is chosen by source order, so
 * the answer never depends on insertion time or replica.
 */
export async function findEntityByName(
  db: Kysely<Database>,
  key: { namespace: string; plugin: string; kind: string; name: string },
  sourceOrder: readonly string[],
): Promise<EntityRow | undefined> {
  if (sourceOrder.length === 0) return undefined;
  const rows = await db
    .selectFrom('catalog_entities as e')
    .leftJoin('catalog_overlays as o', (join) =>
      join.onRef('o.namespace', '=', 'e.namespace').onRef('o.plugin', '=', 'e.plugin').onRef('o.kind', '=', 'e.kind').onRef('o.name', '=', 'e.name'),
    )
    .leftJoin('asset_governance as g', (join) =>
      join.onRef('g.namespace', '=', 'e.namespace').onRef('g.plugin', '=', 'e.plugin').onRef('g.kind', '=', 'e.kind').onRef('g.name', '=', 'e.name'),
    )
    .select([
      'e.id', 'e.name', 'e.source_id', 'e.doc', 'e.digest', 'e.provenance', 'e.links', 'e.created_at', 'e.updated_at',
      'o.tags', 'o.annotations', 'o.lifecycle', sql<string | null>`g.lifecycle_state`.as('governance_state'),
    ])
    .where('e.namespace', '=', key.namespace)
    .where('e.plugin', '=', key.plugin)
    .where('e.kind', '=', key.kind)
    .where('e.name', '=', key.name)
    .where('e.source_id', 'in', [...sourceOrder])
    .execute();
  const rank = (sourceId: string) => sourceOrder.indexOf(sourceId);
  return (rows as EntityRow[]).sort((a, b) => rank(a.source_id) - rank(b.source_id))[0];
}
