import { crc32 } from 'node:zlib';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Runs `task` while holding the task lock of spec 05 §7.3 (`pg_try_advisory_lock` on CRC-32 of
 * `catalog-server-task/<name>`, on one pinned session, for one run). Returns false, without running,
 * when another replica holds it. PGlite serves one process, so there is nobody to exclude.
 */
export async function withTaskLock(database: { readonly type: 'pglite' | 'postgres'; readonly db: Kysely<Database> }, name: string, task: () => Promise<void>): Promise<boolean> {
  if (database.type === 'pglite') {
    await task();
    return true;
  }
  const key = crc32(`catalog-server-task/${name}`);
  return database.db.connection().execute(async (session) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${key}) AS locked`.execute(session);
    if (!rows[0]?.locked) return false;
    try {
      await task();
      return true;
    } finally {
      await sql`SELECT pg_advisory_unlock(${key})`.execute(session);
    }
  });
}
