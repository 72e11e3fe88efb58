import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createPostgresTestDatabase } from '../testing/databases.js';
import { logLines, startReplicas, stopProcesses, until, type Replica } from '../testing/replicas.js';
import { runServerProcess, waitReady, type ServerProcess } from '../testing/serverProcess.js';
import { migrationProvider } from './migrations/index.js';

/*
 * 05 §11 #9, table backend: three replicas start while a crashed pod's `migration_lock` row holds
 * the lock; once that row is older than 5 minutes it is removed, one replica applies the
 * migrations and all three become ready.
 */
describe('three replica processes, table migration lock, stale lock row (05 §11 #9)', { skip: process.env.CATALOG_TEST_DATABASE_URL ? false : 'CATALOG_TEST_DATABASE_URL not set' }, () => {
  let database: { url: string; drop: () => Promise<void> };
  let admin: pg.Client;
  const spawned: ServerProcess[] = [];
  let replicas: Replica[] = [];

  before(async () => {
    database = await createPostgresTestDatabase(undefined, 'catalog_table_lock');
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    // Another pod holds the table lock (every taker creates the table IF NOT EXISTS) ...
    await admin.query('CREATE TABLE migration_lock (id TEXT PRIMARY KEY, locked_at TIMESTAMPTZ NOT NULL, locked_by TEXT NOT NULL)');
    await admin.query("INSERT INTO migration_lock VALUES ('migration', now(), 'crashed-pod')");
    replicas = await startReplicas(['pod-a', 'pod-b', 'pod-c'], (pod) => runServerProcess(
      ['--listen=127.0.0.1:0', '--db-type=postgres', `--db-dsn=${database.url}`],
      { CATALOG_MIGRATION_LOCK_BACKEND: 'table', CATALOG_MIGRATION_LOCK_TIMEOUT_SECONDS: '120', POD_NAME: pod },
    ), spawned);
    await until(async () => replicas.every((r) => logLines(r, 'waiting for migration lock').length > 0), 60_000, 'every replica waits for the migration lock');
    // ... and crashed: its row ages past the 5-minute stale window without a heartbeat.
    await admin.query("UPDATE migration_lock SET locked_at = now() - interval '6 minutes' WHERE id = 'migration'");
    await Promise.all(replicas.map((r) => waitReady(r.url, 120_000)));
  });

  after(async () => {
    await stopProcesses(spawned);
    await admin?.end();
    await database?.drop();
  });

  test('the stale row is removed and the lock acquired; one replica applies the migrations, all become ready', async () => {
    const applying = replicas.filter((r) => r.process.stdout().includes('"msg":"applying migrations'));
    assert.equal(applying.length, 1, replicas.map((r) => `${r.pod}: ${r.process.stdout().slice(0, 2000)}`).join('\n'));
    for (const r of replicas) assert.equal((await fetch(`${r.url}/readyz`)).status, 200, r.pod);
    // Every holder released its own row; the crashed pod's row is gone.
    assert.deepEqual((await admin.query('SELECT locked_by FROM migration_lock')).rows, []);
    const { rows } = await admin.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name');
    assert.deepEqual(rows.map((r) => r.name), Object.keys(await migrationProvider.getMigrations()).sort());
  });
});
