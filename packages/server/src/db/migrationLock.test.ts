import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../testing/databases.js';
import { acquireMigrationLock, MIGRATION_ADVISORY_LOCK_ID } from './migrationLock.js';

const enabled = Boolean(process.env.CATALOG_TEST_DATABASE_URL);

describe('migration lock [postgres]', { skip: !enabled && 'CATALOG_TEST_DATABASE_URL not set' }, () => {
  let database: TestDatabase;
  const logged: string[] = [];
  const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m) };
  before(async () => {
    database = await createTestDatabase('postgres');
  });
  after(() => database?.close());

  test('advisory: a second taker waits while the first holds the lock, then gets it', async () => {
    const first = await acquireMigrationLock({ db: database.db, connectionConfig: database.connection! }, { backend: 'advisory', timeoutSeconds: 5, log });
    let waited = false;
    const second = acquireMigrationLock({ db: database.db, connectionConfig: database.connection! }, {
      backend: 'advisory', timeoutSeconds: 10, log, onWait: () => { waited = true; },
    });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.equal(waited, true);
    assert.ok(logged.includes('waiting for migration lock'));
    await first.release();
    const held = await second;
    await held.release();
  });

  test('advisory: gives up after the timeout while another session holds the id', async () => {
    const other = new pg.Client(database.connection!);
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [MIGRATION_ADVISORY_LOCK_ID]);
      await assert.rejects(
        acquireMigrationLock({ db: database.db, connectionConfig: database.connection! }, { backend: 'advisory', timeoutSeconds: 1, log }),
        /timed out after 1s waiting for the migration lock/,
      );
    } finally {
      await other.end();
    }
  });

  test('table: a row older than 5 minutes is stale and removed; a fresh one is respected', async () => {
    await sql`INSERT INTO migration_lock (id, locked_at, locked_by) VALUES ('migration', now() - interval '6 minutes', 'crashed-pod')`.execute(database.db);
    const held = await acquireMigrationLock({ db: database.db, connectionConfig: database.connection! }, { backend: 'table', timeoutSeconds: 2, log, identity: 'me' });
    const row = await database.db.selectFrom('migration_lock').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.locked_by, 'me');
    await assert.rejects(
      acquireMigrationLock({ db: database.db, connectionConfig: database.connection! }, { backend: 'table', timeoutSeconds: 1, log, identity: 'other' }),
      /timed out/,
    );
    await held.release();
    assert.equal((await database.db.selectFrom('migration_lock').selectAll().execute()).length, 0);
  });
});
