import { sql, type Kysely } from 'kysely';

/**
 * Child records of entities (the model plugin's artifacts, spec 03 §3.3) and the model plugin's
 * filter-options snapshot (spec 03 §9.2).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`SET LOCAL statement_timeout = 0`.execute(db);
  // One row per child; the parent's row id ties it to one (namespace, plugin, kind, source, name),
  // and deleting the parent deletes its children in the same statement.
  await sql`
    CREATE TABLE IF NOT EXISTS catalog_entity_children (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      namespace VARCHAR(63) NOT NULL DEFAULT 'default',
      entity_id BIGINT NOT NULL REFERENCES catalog_entities (id) ON DELETE CASCADE,
      collection VARCHAR(63) NOT NULL,
      identity TEXT COLLATE "C" NOT NULL,
      -- The item's identity field (an artifact's name) as a column, so filters read it like an entity's name.
      name TEXT COLLATE "C",
      position INTEGER NOT NULL,
      doc JSONB NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS catalog_entity_children_identity
    ON catalog_entity_children (namespace, entity_id, collection, identity)`.execute(db);
  // Artifact lists and performance reads select by parent and type.
  await sql`CREATE INDEX IF NOT EXISTS catalog_entity_children_by_type
    ON catalog_entity_children (namespace, entity_id, collection, (doc ->> 'artifactType'), (doc ->> 'metricsType'))`.execute(db);

  await sql`
    CREATE TABLE IF NOT EXISTS model_filter_options (
      namespace VARCHAR(63) NOT NULL DEFAULT 'default' PRIMARY KEY,
      options JSONB NOT NULL,
      computed_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(db);
}

export async function down(): Promise<void> {
  // Expand/contract (spec 05 §7.2): a release never drops what the previous release reads.
}
