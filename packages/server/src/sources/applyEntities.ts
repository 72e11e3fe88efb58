import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { EntityLink } from '../framework/links.js';
import { linkKeys } from '../framework/links.js';
import { canonicalJson, contentDigest, sha256Hex } from '../ingest/digest.js';

export interface EntityToApply {
  name: string;
  /** The entity as served: without its child collection. */
  doc: Record<string, unknown>;
  provenance: Record<string, unknown>;
  links: EntityLink[];
  /** Child records (kind `children` declaration); part of the content digest, stored as child rows. */
  children?: ChildrenToApply;
}

export interface ChildrenToApply {
  collection: string;
  items: { identity: string; name: string | null; doc: Record<string, unknown> }[];
}

/**
 * An entity as its row is written: documents already serialized and the digest computed. Ingest
 * prepares entities in a worker thread (ingest/IngestWorkerPool.ts), so plain strings are what
 * crosses back to the request thread, and applying them costs no hashing or serializing there.
 */
export interface PreparedEntity {
  name: string;
  doc: string;
  digest: string;
  provenance: string;
  links: string;
  linkKeys: string[];
  children?: { collection: string; items: { identity: string; name: string | null; doc: string }[] };
}

/**
 * `provenance` may be given serialized, when many entities of one document share it. Documents are
 * stored as their canonical JSON: JSONB keeps no key order anyway, and the digest hashes the same text.
 */
export function prepareEntity(entity: EntityToApply, provenance = JSON.stringify(entity.provenance)): PreparedEntity {
  const { children } = entity;
  const doc = canonicalJson(entity.doc);
  return {
    name: entity.name,
    doc,
    // Children count toward the digest, so a change in one artifact rewrites the model and its artifacts.
    digest: children ? contentDigest({ doc: entity.doc, children }) : sha256Hex(doc),
    provenance,
    links: JSON.stringify(entity.links),
    linkKeys: linkKeys(entity.links),
    ...(children && { children: { collection: children.collection, items: children.items.map((item) => ({ ...item, doc: canonicalJson(item.doc) })) } }),
  };
}

export interface ApplyCounts {
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
}

export interface SourceKey {
  namespace: string;
  plugin: string;
  sourceId: string;
}

const INSERT_BATCH = 1000;
const UPDATE_BATCH = 500;

/**
 * Replaces the entities of one (source, kind) with `entities` inside the caller's transaction:
 * inserts new names, updates rows whose content digest changed, deletes vanished names (except those
 * `keep` accepts: entries a remote source failed to fetch this time), and leaves unchanged rows (id,
 * timestamps) untouched.
 */
export async function applyKindEntities(
  trx: Transaction<Database>,
  key: SourceKey & { kind: string },
  entities: readonly PreparedEntity[],
  keep: (name: string) => boolean = () => false,
): Promise<ApplyCounts & { kept: number }> {
  const existing = await trx
    .selectFrom('catalog_entities')
    .select(['id', 'name', 'digest', 'links'])
    .where('namespace', '=', key.namespace)
    .where('plugin', '=', key.plugin)
    .where('kind', '=', key.kind)
    .where('source_id', '=', key.sourceId)
    .execute();
  const byName = new Map(existing.map((row) => [row.name, row]));

  type Row = { doc: string; digest: string; provenance: string; links: string; link_keys: string[] };
  const inserts: (Row & { name: string })[] = [];
  const updates: (Row & { id: string })[] = [];
  let unchanged = 0;
  const withChildren: { id?: string; name: string; children: NonNullable<PreparedEntity['children']> }[] = [];
  for (const entity of entities) {
    const { digest, links } = entity;
    const current = byName.get(entity.name);
    byName.delete(entity.name);
    // Links derive from the document and the kind's declared references, which a new release may change.
    if (current?.digest === digest && JSON.stringify(current.links) === links) {
      unchanged++;
      continue;
    }
    const row = { doc: entity.doc, digest, provenance: entity.provenance, links, link_keys: entity.linkKeys };
    if (current) updates.push({ id: current.id, ...row });
    else inserts.push({ name: entity.name, ...row });
    if (entity.children) withChildren.push({ id: current?.id, name: entity.name, children: entity.children });
  }
  const vanished = [...byName.values()];
  const removedIds = vanished.filter((row) => !keep(row.name)).map((row) => row.id);

  const insertedIds = new Map<string, string>();
  for (let i = 0; i < inserts.length; i += INSERT_BATCH) {
    const inserted = await trx
      .insertInto('catalog_entities')
      .values(
        inserts.slice(i, i + INSERT_BATCH).map((row) => ({
          namespace: key.namespace,
          plugin: key.plugin,
          kind: key.kind,
          source_id: key.sourceId,
          name: row.name,
          name_lower: row.name.toLowerCase(),
          doc: row.doc,
          digest: row.digest,
          provenance: row.provenance,
          links: row.links,
          link_keys: row.link_keys,
        })),
      )
      .returning(['id', 'name'])
      .execute();
    for (const row of inserted) insertedIds.set(row.name, row.id);
  }
  for (let i = 0; i < updates.length; i += UPDATE_BATCH) {
    const values = sql.join(
      updates
        .slice(i, i + UPDATE_BATCH)
        .map((u) => sql`(${u.id}::bigint, ${u.doc}::jsonb, ${u.digest}, ${u.provenance}::jsonb, ${u.links}::jsonb, ${u.link_keys}::text[])`),
    );
    await sql`UPDATE catalog_entities AS e
      SET doc = v.doc, digest = v.digest, provenance = v.provenance, links = v.links, link_keys = v.link_keys, updated_at = now()
      FROM (VALUES ${values}) AS v(id, doc, digest, provenance, links, link_keys)
      WHERE e.id = v.id`.execute(trx);
  }
  if (removedIds.length > 0) {
    await sql`DELETE FROM catalog_entities WHERE id = ANY(${toBigintArray(removedIds)}::bigint[])`.execute(trx);
  }
  await replaceChildren(trx, key.namespace, withChildren.map((entity) => ({ entityId: entity.id ?? insertedIds.get(entity.name)!, children: entity.children })));
  return { added: inserts.length, updated: updates.length, removed: removedIds.length, unchanged, kept: vanished.length - removedIds.length };
}

/**
 * Writes the child rows of inserted and changed entities: rows whose identity remains keep their id
 * (and creation time), vanished ones are deleted. Children of removed entities go with them (FK cascade).
 */
async function replaceChildren(
  trx: Transaction<Database>,
  namespace: string,
  entities: readonly { entityId: string; children: NonNullable<PreparedEntity['children']> }[],
): Promise<void> {
  if (entities.length === 0) return;
  const rows = entities.flatMap(({ entityId, children }) =>
    children.items.map((item, position) => ({ entityId, collection: children.collection, identity: item.identity, name: item.name, position, doc: item.doc })),
  );
  const entityIds = toBigintArray(entities.map((entity) => entity.entityId));
  await sql`DELETE FROM catalog_entity_children AS c
    WHERE c.namespace = ${namespace}::text AND c.entity_id = ANY(${entityIds}::bigint[])
      AND (c.entity_id, c.collection, c.identity) NOT IN (
        SELECT * FROM unnest(${toBigintArray(rows.map((r) => r.entityId))}::bigint[], ${rows.map((r) => r.collection)}::text[], ${rows.map((r) => r.identity)}::text[]))`.execute(trx);
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    const values = sql.join(
      rows.slice(i, i + INSERT_BATCH).map((r) => sql`(${namespace}::text, ${r.entityId}::bigint, ${r.collection}::text, ${r.identity}::text, ${r.name}::text, ${r.position}::int, ${r.doc}::jsonb)`),
    );
    await sql`INSERT INTO catalog_entity_children AS c (namespace, entity_id, collection, identity, name, position, doc)
      VALUES ${values}
      ON CONFLICT (namespace, entity_id, collection, identity) DO UPDATE
        SET name = excluded.name, position = excluded.position, doc = excluded.doc,
          updated_at = CASE WHEN c.doc = excluded.doc THEN c.updated_at ELSE now() END`.execute(trx);
  }
}

/** PostgreSQL array literal for an id list (ids are decimal strings, so no quoting is needed). */
function toBigintArray(ids: readonly string[]): string {
  return `{${ids.join(',')}}`;
}

/**
 * Runs `work` in one transaction that holds a per-source lock, so two refreshes of the same source
 * (on this replica or another) apply one after the other and readers never see half a source.
 */
export async function inSourceTransaction<T>(
  db: Kysely<Database>,
  key: SourceKey,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`catalog-source/${key.namespace}/${key.plugin}/${key.sourceId}`}, 0))`.execute(trx);
    return work(trx);
  });
}
