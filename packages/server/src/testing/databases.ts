import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';
import pg from 'pg';
import { migrateDatabase, openDatabase, MEMORY_DATA_DIR, type CatalogDatabase } from '../db/openDatabase.js';

/**
 * Test databases: every database test runs on PGlite (in memory) and, when
 * CATALOG_TEST_DATABASE_URL is set, again on a fresh PostgreSQL database created for the test
 * and dropped afterwards.
 */
export type TestDatabaseKind = 'pglite' | 'postgres';

export interface TestDatabase extends CatalogDatabase {
  readonly kind: TestDatabaseKind;
  /** Connection URL of the PostgreSQL test database (postgres only), for tests that start a server process. */
  readonly url?: string;
}

const quietLog = { info: () => undefined, warn: () => undefined };

export function testDatabaseKinds(): TestDatabaseKind[] {
  return process.env.CATALOG_TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/** A fresh, migrated, empty database of the given kind. */
export async function createTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = await openDatabase({ type: 'pglite', dataDir: MEMORY_DATA_DIR }, quietLog);
    await migrateDatabase(database, { lockEnabled: false, lockBackend: 'advisory', lockTimeoutSeconds: 60, log: quietLog });
    return Object.assign(database, { kind });
  }
  const { url, drop } = await createPostgresTestDatabase();
  const database = await openDatabase(
    { type: 'postgres', connection: { connectionString: url }, connectTimeoutSeconds: 5, poolSize: 5 },
    quietLog,
  );
  await migrateDatabase(database, { lockEnabled: true, lockBackend: 'advisory', lockTimeoutSeconds: 60, log: quietLog });
  return {
    ...database,
    kind,
    url,
    close: async () => {
      await database.close();
      await drop();
    },
  };
}

/**
 * Creates an empty PostgreSQL database next to `adminUrl` (default CATALOG_TEST_DATABASE_URL);
 * `drop` removes it.
 */
export async function createPostgresTestDatabase(
  adminUrl = process.env.CATALOG_TEST_DATABASE_URL,
  prefix = 'catalog_test',
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!adminUrl) throw new Error('CATALOG_TEST_DATABASE_URL is not set');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Declares the suite once per database kind: `describeEachDatabase('entities', (kind) => { test(...) })`.
 * Use `createTestDatabase(kind)` inside (in `before`/`after` or per test).
 */
export function describeEachDatabase(title: string, body: (kind: TestDatabaseKind) => void): void {
  for (const kind of testDatabaseKinds()) {
    describe(`${title} [${kind}]`, () => body(kind));
  }
}
