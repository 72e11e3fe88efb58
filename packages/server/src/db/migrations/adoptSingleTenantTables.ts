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

const ON_DELETE: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE' };

/**
 * The tenancy backfill of spec 05 §7.2 for tables a single-tenant release created, run before the
 * migrations' `CREATE … IF NOT EXISTS` statements (which skip existing tables and index names):
 * the `namespace` column is added with its default, so every existing row lands in `default`;
 * each primary key and unique constraint is replaced by the same key led by the namespace (a
 * single-column surrogate `id` stays, being globally unique), and foreign keys onto it by the same
 * reference led by the namespace; every other index is dropped, and the migrations then build this
 * release's namespace-leading ones.
 */
export async function adoptSingleTenantTables(db: Kysely<any>): Promise<void> {
  const adopted: string[] = [];
  for (const table of TENANT_TABLES) {
    const { rows: columns } = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ${table}`.execute(db);
    if (columns.length === 0 || columns.some((c) => c.column_name === 'namespace')) continue;
    await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN namespace VARCHAR(63) NOT NULL DEFAULT 'default'`.execute(db);
    adopted.push(table);
  }
  // Every adopted table has its column before any key moves, so references between them can follow.
  for (const table of adopted) await rekey(db, table);
}

/** `a,b` of a constraint's columns, in key order. */
const keyColumns = (columns: 'conkey' | 'confkey', relation: 'conrelid' | 'confrelid') => sql`
  (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord)
     FROM unnest(c.${sql.raw(columns)}) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = c.${sql.raw(relation)} AND a.attnum = k.attnum)`;

const namespaced = (columns: string) => sql.join(['namespace', ...columns.split(',')].map((column) => sql.id(column)));

async function rekey(db: Kysely<any>, table: string): Promise<void> {
  const { rows: keys } = await sql<{ name: string; primary: boolean; columns: string; index: string }>`
    SELECT c.conname AS name, c.contype = 'p' AS primary, ${keyColumns('conkey', 'conrelid')} AS columns, c.conindid::text AS index
    FROM pg_constraint c
    WHERE c.conrelid = to_regclass(${table}) AND c.contype IN ('p', 'u')`.execute(db);
  for (const key of keys) {
    if (key.columns === 'id') continue;
    const { rows: references } = await sql<{ name: string; table: string; columns: string; referenced: string; on_delete: string }>`
      SELECT c.conname AS name, r.relname AS table, ${keyColumns('conkey', 'conrelid')} AS columns,
             ${keyColumns('confkey', 'confrelid')} AS referenced, c.confdeltype AS on_delete
      FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
      WHERE c.contype = 'f' AND c.conindid = ${key.index}::oid`.execute(db);
    for (const reference of references) {
      if (!(reference.on_delete in ON_DELETE)) throw new Error(`cannot move foreign key ${reference.name} of ${reference.table} onto the namespace: ON DELETE SET NULL/DEFAULT would clear the namespace`);
      await sql`ALTER TABLE ${sql.table(reference.table)} DROP CONSTRAINT ${sql.id(reference.name)}`.execute(db);
    }
    await sql`ALTER TABLE ${sql.table(table)} DROP CONSTRAINT ${sql.id(key.name)}`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} ADD CONSTRAINT ${sql.id(key.name)} ${key.primary ? sql`PRIMARY KEY` : sql`UNIQUE`} (${namespaced(key.columns)})`.execute(db);
    for (const reference of references) {
      await sql`ALTER TABLE ${sql.table(reference.table)} ADD CONSTRAINT ${sql.id(reference.name)}
        FOREIGN KEY (${namespaced(reference.columns)}) REFERENCES ${sql.table(table)} (${namespaced(reference.referenced)})
        ON DELETE ${sql.raw(ON_DELETE[reference.on_delete])}`.execute(db);
    }
  }
  const { rows: indexes } = await sql<{ name: string }>`
    SELECT i.relname AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
    WHERE x.indrelid = to_regclass(${table})
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`.execute(db);
  for (const index of indexes) await sql`DROP INDEX ${sql.id(index.name)}`.execute(db);
}
