import { sql, type Kysely } from 'kysely';

/**
 * Every table holding tenant data (spec 05 §1.8; the entity children belong to their entities).
 * A database created by a single-tenant release holds some of them without a `namespace` column.
 */
const TENANT_TABLES = [
  'catalog_entities', 'catalog_entity_children', 'catalog_source_configs', 'catalog_config_sections', 'catalog_source_revisions',
  'catalog_source_contents', 'catalog_refresh_status', 'catalog_refresh_rate_limits', 'catalog_overlays', 'model_filter_options',
  'asset_governance', 'asset_versions', 'env_bindings', 'approval_requests', 'approval_decisions', 'audit_events', 'refresh_jobs',
];

/**
 * The tenancy backfill of spec 05 §7.2 for tables a single-tenant release created, run before the
 * migrations' `CREATE … IF NOT EXISTS` statements (which skip existing tables and index names):
 * the `namespace` column is added with its default, so every existing row lands in `default`;
 * each primary key and unique constraint is replaced by the same key led by the namespace (a
 * single-column surrogate `id` stays, being globally unique); every other index is dropped, and the
 * migrations then build this release's namespace-leading ones. A key another table's foreign key
 * depends on cannot be swapped: the migration then fails (exit 1) rather than dropping the reference.
 */
export async function adoptSingleTenantTables(db: Kysely<any>): Promise<void> {
  for (const table of TENANT_TABLES) {
    const { rows: columns } = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ${table}`.execute(db);
    if (columns.length === 0 || columns.some((c) => c.column_name === 'namespace')) continue;

    await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN namespace VARCHAR(63) NOT NULL DEFAULT 'default'`.execute(db);
    const { rows: keys } = await sql<{ name: string; primary: boolean; columns: string }>`
      SELECT c.conname AS name, c.contype = 'p' AS primary,
             (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord)
                FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns
      FROM pg_constraint c
      WHERE c.conrelid = to_regclass(${table}) AND c.contype IN ('p', 'u')`.execute(db);
    for (const key of keys) {
      const keyColumns = key.columns.split(',');
      if (keyColumns.length === 1 && keyColumns[0] === 'id') continue;
      const led = sql.join(['namespace', ...keyColumns].map((column) => sql.id(column)));
      await sql`ALTER TABLE ${sql.table(table)} DROP CONSTRAINT ${sql.id(key.name)}`.execute(db);
      await sql`ALTER TABLE ${sql.table(table)} ADD CONSTRAINT ${sql.id(key.name)} ${key.primary ? sql`PRIMARY KEY` : sql`UNIQUE`} (${led})`.execute(db);
    }
    const { rows: indexes } = await sql<{ name: string }>`
      SELECT i.relname AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
      WHERE x.indrelid = to_regclass(${table})
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`.execute(db);
    for (const index of indexes) await sql`DROP INDEX ${sql.id(index.name)}`.execute(db);
  }
}
