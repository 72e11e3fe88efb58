import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../testing/databases.js';
import { migrateDatabase, openDatabase } from './openDatabase.js';
import { lockDataDir } from './dataDirLock.js';
import { normalizeDsn } from '../config/databaseDsn.js';

const quiet = { info: () => undefined, warn: () => undefined };

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
    assert.deepEqual(tables, [
      'approval_decisions', 'approval_requests', 'asset_governance', 'asset_versions', 'audit_events',
      'catalog_config_sections', 'catalog_entities', 'catalog_entity_children', 'catalog_overlays', 'catalog_refresh_rate_limits',
      'catalog_refresh_status', 'catalog_source_contents', 'catalog_source_revisions', 'env_bindings', 'model_filter_options', 'refresh_jobs',
    ]);
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
