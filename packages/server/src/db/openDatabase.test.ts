import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createPostgresTestDatabase, createTestDatabase, describeEachDatabase, type TestDatabase, type TestDatabaseKind } from '../testing/databases.js';
import { createPreEnterpriseSchema, NATURAL_KEY_REPEATS, PRE_ENTERPRISE_TABLES } from '../testing/preEnterpriseSchema.js';
import { migrationProvider } from './migrations/index.js';
import { migrateDatabase, openDatabase, MEMORY_DATA_DIR, type CatalogDatabase } from './openDatabase.js';
import { lockDataDir } from './dataDirLock.js';
import { normalizeDsn } from '../config/databaseDsn.js';

const quiet = { info: () => undefined, warn: () => undefined };

/** The tables with a `namespace` column (05 §1.8, the entity children with their entities), as a fresh install creates them. */
const NAMESPACED_TABLES = [
  'approval_decisions', 'approval_requests', 'asset_governance', 'asset_versions', 'audit_events',
  'catalog_config_sections', 'catalog_entities', 'catalog_entity_children', 'catalog_overlays', 'catalog_refresh_rate_limits',
  'catalog_refresh_status', 'catalog_source_contents', 'catalog_source_revisions', 'env_bindings', 'model_filter_options', 'refresh_jobs',
];

describeEachDatabase('migrations', (kind) => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase(kind);
  });
  after(() => database.close());

  test('create every table with a namespace column defaulting to default', async () => {
    const { rows } = await sql<{ table_name: string; column_default: string; is_nullable: string }>`
      SELECT table_name, column_default, is_nullable FROM information_schema.columns
      WHERE column_name = 'namespace' AND table_schema = current_schema()`.execute(database.db);
    const tables = rows.map((r) => r.table_name).sort();
    assert.deepEqual(tables, NAMESPACED_TABLES);
    for (const row of rows) {
      assert.equal(row.is_nullable, 'NO');
      assert.match(row.column_default, /'default'/);
    }
  });

  test('create the migration_lock table', async () => {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.tables
      WHERE table_name = 'migration_lock'`.execute(database.db);
    assert.equal(rows[0].n, 1);
  });

  test('are idempotent: a second run applies nothing and changes nothing', async () => {
    const applied = await migrateDatabase(database, { lockEnabled: true, lockBackend: 'advisory', lockTimeoutSeconds: 5, log: quiet });
    assert.deepEqual(applied, []);
  });

  test('request statements are bounded by a timeout on PostgreSQL', { skip: kind !== 'postgres' && 'PostgreSQL only' }, async () => {
    const { rows } = await sql<{ statement_timeout: string }>`SHOW statement_timeout`.execute(database.db);
    assert.equal(rows[0].statement_timeout, '30s');
  });

  test('the entity identity is unique per namespace', async () => {
    const row = { plugin: 'mcp', kind: 'McpServer', source_id: 's', name: 'a', name_lower: 'a', doc: '{}', digest: '0'.repeat(64), provenance: '{}' };
    await database.db.insertInto('catalog_entities').values(row).execute();
    await database.db.insertInto('catalog_entities').values({ ...row, namespace: 'team-a' }).execute();
    await assert.rejects(database.db.insertInto('catalog_entities').values(row).execute());
    const ids = await database.db.selectFrom('catalog_entities').select(['id', 'namespace']).orderBy('id').execute();
    assert.equal(typeof ids[0].id, 'string');
    assert.deepEqual(ids.map((r) => r.namespace), ['default', 'team-a']);
  });
});

/** An empty, unmigrated database of the given kind. */
async function emptyDatabase(kind: TestDatabaseKind): Promise<CatalogDatabase> {
  if (kind === 'pglite') return openDatabase({ type: 'pglite', dataDir: MEMORY_DATA_DIR }, quiet);
  const { url, drop } = await createPostgresTestDatabase();
  const database = await openDatabase({ type: 'postgres', connection: { connectionString: url }, connectTimeoutSeconds: 5, poolSize: 2 }, quiet);
  return { ...database, close: async () => { await database.close(); await drop(); } };
}

/** Tables, columns, indexes and constraints of the schema, and every row of the fixture tables: what a re-run must leave alone. */
async function snapshot(database: CatalogDatabase): Promise<string> {
  const columns = await sql`SELECT table_name, column_name, data_type, column_default, is_nullable FROM information_schema.columns
    WHERE table_schema = current_schema() ORDER BY table_name, column_name`.execute(database.db);
  const indexes = await sql`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`.execute(database.db);
  const constraints = await sql`SELECT conname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
    JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema() ORDER BY conname, def`.execute(database.db);
  const rows: Record<string, unknown[]> = {};
  for (const table of PRE_ENTERPRISE_TABLES) rows[table] = (await sql`SELECT * FROM ${sql.table(table)} ORDER BY 1, 2, 3`.execute(database.db)).rows;
  return JSON.stringify({ columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows, rows });
}

/** Every unique index (primary keys and unique constraints included) of a table, with its key columns. */
async function uniqueKeys(database: CatalogDatabase, table: string): Promise<{ index: string; columns: string[] }[]> {
  const { rows } = await sql<{ index: string; columns: string }>`
    SELECT i.relname AS index, string_agg(a.attname::text, ',' ORDER BY k.ord) AS columns
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE x.indisunique AND t.relname = ${table} AND n.nspname = current_schema()
    GROUP BY i.relname ORDER BY i.relname`.execute(database.db);
  return rows.map((r) => ({ index: r.index, columns: r.columns.split(',') }));
}

describeEachDatabase('upgrade from the pre-enterprise schema (05 §11 #8)', (kind) => {
  let database: CatalogDatabase;
  const counts: Record<string, number> = {};
  before(async () => {
    database = await emptyDatabase(kind);
    await createPreEnterpriseSchema(database.db);
    for (const table of PRE_ENTERPRISE_TABLES) {
      counts[table] = Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(database.db)).rows[0].n);
      assert.ok(counts[table] > 0, `the fixture fills ${table}`);
    }
    const applied = await migrateDatabase(database, { lockEnabled: true, lockBackend: 'advisory', lockTimeoutSeconds: 10, log: quiet });
    assert.deepEqual(applied, Object.keys(await migrationProvider.getMigrations()));
  });
  after(() => database?.close());

  test('every pre-existing row is kept and lands in namespace default', async () => {
    for (const table of PRE_ENTERPRISE_TABLES) {
      const { rows } = await sql<{ total: number; in_default: number }>`
        SELECT count(*)::int AS total, count(*) FILTER (WHERE namespace = 'default')::int AS in_default FROM ${sql.table(table)}`.execute(database.db);
      assert.deepEqual(rows[0], { total: counts[table], in_default: counts[table] }, table);
    }
  });

  test('the enterprise tables exist', async () => {
    const { rows } = await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_name IN ('audit_events', 'refresh_jobs', 'migration_lock') ORDER BY table_name`.execute(database.db);
    assert.deepEqual(rows.map((r) => r.table_name), ['audit_events', 'migration_lock', 'refresh_jobs']);
  });

  test('running the migrations again changes nothing', async () => {
    const before = await snapshot(database);
    assert.deepEqual(await migrateDatabase(database, { lockEnabled: true, lockBackend: 'advisory', lockTimeoutSeconds: 10, log: quiet }), []);
    assert.equal(await snapshot(database), before);
  });

  test('every tenant table, adopted or created by the upgrade, has the namespace column of a fresh install', async () => {
    const { rows } = await sql<{ table_name: string; column_default: string; is_nullable: string; data_type: string; character_maximum_length: number }>`
      SELECT table_name, column_default, is_nullable, data_type, character_maximum_length FROM information_schema.columns
      WHERE column_name = 'namespace' AND table_schema = current_schema() ORDER BY table_name`.execute(database.db);
    assert.deepEqual(rows.map((r) => r.table_name), NAMESPACED_TABLES);
    for (const row of rows) {
      assert.deepEqual([row.is_nullable, row.data_type, row.character_maximum_length], ['NO', 'character varying', 63], row.table_name);
      assert.match(row.column_default, /^'default'::character varying$/, row.table_name);
    }
  });

  test('every uniqueness constraint includes the namespace: a single-tenant key repeats in team-a, not in default', async () => {
    // Every namespaced table, not only the fixture's: the ones the upgrade creates (model_filter_options,
    // audit_events, refresh_jobs) are held to the same rule.
    for (const table of NAMESPACED_TABLES) {
      for (const key of await uniqueKeys(database, table)) {
        // Surrogate row ids are globally unique by construction (05 §1.8: still looked up with the namespace),
        // and so are keys led by one: a reviewer's decision on a (globally unique) approval request.
        if (key.columns.length === 1 && key.columns[0] === 'id') continue;
        if (table === 'approval_decisions' && key.columns[0] === 'request_id') continue;
        // The active-job key of 05 §5.1 is (idempotency_key), whose value is `<namespace>:<plugin>:<source>`.
        if (table === 'refresh_jobs' && key.index === 'refresh_jobs_active_key') continue;
        assert.ok(key.columns.includes('namespace'), `${table}: unique index ${key.index} (${key.columns.join(', ')}) lacks the namespace`);
      }
    }
    for (const table of PRE_ENTERPRISE_TABLES) {
      const repeat = NATURAL_KEY_REPEATS[table];
      if (!repeat) continue;
      await repeat('team-a').execute(database.db);
      if (table !== 'catalog_source_revisions') await assert.rejects(repeat('default').execute(database.db), /duplicate key|unique/i, table);
    }
    // model_filter_options, which the upgrade creates, is keyed by the namespace alone: one snapshot per namespace.
    for (const ns of ['default', 'team-a']) await sql`INSERT INTO model_filter_options (namespace, options) VALUES (${ns}, '{}')`.execute(database.db);
    await assert.rejects(sql`INSERT INTO model_filter_options (options) VALUES ('{}')`.execute(database.db), /duplicate key|unique/i);
    // A team-b binding cannot point at a version of default or team-a: the reference includes the namespace.
    await assert.rejects(sql`INSERT INTO env_bindings (id, namespace, plugin, asset_kind, asset_name, asset_uid, environment, version_id, bound_by)
      VALUES ('b-x', 'team-b', 'mcp', 'McpServer', 'Alpha', 'mcp:McpServer:Alpha', 'dev', 'v1', 'alice')`.execute(database.db), /foreign key/i);
  });
});

test('the PGlite data directory is locked against a second process and released on close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'catalog-lock-'));
  try {
    const database = await openDatabase({ type: 'pglite', dataDir: dir }, quiet);
    assert.ok(existsSync(join(dir, 'catalog-server.lock')));
    // Pretend a live process (our parent) holds it: a second open must fail with the exact message.
    writeFileSync(join(dir, 'catalog-server.lock'), String(process.ppid));
    await assert.rejects(openDatabase({ type: 'pglite', dataDir: dir }, quiet), {
      message: `data directory ${dir} is in use by another catalog-server process (pid ${process.ppid})`,
    });
    writeFileSync(join(dir, 'catalog-server.lock'), String(process.pid));
    await database.close();
    assert.equal(existsSync(join(dir, 'catalog-server.lock')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock file naming a dead process is taken over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'catalog-lock-'));
  try {
    writeFileSync(join(dir, 'catalog-server.lock'), '999999999');
    const lock = lockDataDir(dir);
    lock.release();
    assert.equal(existsSync(join(dir, 'catalog-server.lock')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a libpq key/value DSN opens the same PostgreSQL database', { skip: !process.env.CATALOG_TEST_DATABASE_URL && 'CATALOG_TEST_DATABASE_URL not set' }, async () => {
  const url = new URL(process.env.CATALOG_TEST_DATABASE_URL!);
  const keyValue = `host=${url.hostname} port=${url.port || 5432} user=${decodeURIComponent(url.username)} dbname=${url.pathname.slice(1)} sslmode=disable`;
  const database = await openDatabase(
    { type: 'postgres', connection: { connectionString: normalizeDsn('DATABASE_DSN', keyValue) }, connectTimeoutSeconds: 5 },
    quiet,
  );
  try {
    const { rows } = await sql<{ db: string }>`SELECT current_database() AS db`.execute(database.db);
    assert.equal(rows[0].db, url.pathname.slice(1));
  } finally {
    await database.close();
  }
});
