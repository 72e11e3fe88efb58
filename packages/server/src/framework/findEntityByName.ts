import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { joinOn } from '../query/listEntities.js';
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
  const { rows } = await sql<EntityRow>`
    SELECT e.id, e.name, e.source_id, e.doc, e.digest, e.provenance, e.links, e.created_at, e.updated_at,
      o.tags, o.annotations, o.lifecycle, g.lifecycle_state AS governance_state
    FROM catalog_entities AS e
    ${joinOn('catalog_overlays', 'o')}
    ${joinOn('asset_governance', 'g')}
    WHERE e.namespace = ${key.namespace} AND e.plugin = ${key.plugin} AND e.kind = ${key.kind} AND e.name = ${key.name}
      AND e.source_id IN (${sql.join([...sourceOrder])})`.execute(db);
  const rank = (sourceId: string) => sourceOrder.indexOf(sourceId);
  return rows.sort((a, b) => rank(a.source_id) - rank(b.source_id))[0];
}
