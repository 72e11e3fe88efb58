import { sql, type Kysely } from 'kysely';

/**
 * Per-source configuration history and managed content (spec 04 §7, §8.5, §10). `plugin` holds the
 * plugin name; keys lead with the namespace (05 §1.8).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE IF NOT EXISTS catalog_source_revisions (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      namespace VARCHAR(63) NOT NULL DEFAULT 'default',
      plugin VARCHAR(63) NOT NULL,
      source_id VARCHAR(63) COLLATE "C" NOT NULL,
      digest CHAR(64) NOT NULL,
      action VARCHAR(16) NOT NULL,
      actor VARCHAR(255) NOT NULL,
      snapshot JSONB NOT NULL,
      size INTEGER NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS catalog_source_revisions_by_source
    ON catalog_source_revisions (namespace, plugin, source_id, created_at DESC, id DESC)`.execute(db);

  await sql`
    CREATE TABLE IF NOT EXISTS catalog_source_contents (
      namespace VARCHAR(63) NOT NULL DEFAULT 'default',
      plugin VARCHAR(63) NOT NULL,
      source_id VARCHAR(63) COLLATE "C" NOT NULL,
      digest CHAR(64) NOT NULL,
      content TEXT NOT NULL,
      size INTEGER NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (namespace, plugin, source_id, digest)
    )`.execute(db);
}

export async function down(): Promise<void> {
  // Expand/contract (spec 05 §7.2): a release never drops what the previous release reads.
}
