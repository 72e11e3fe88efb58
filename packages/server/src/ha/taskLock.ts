import { crc32 } from 'node:zlib';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Runs `task` only if this replica gets the task lock (spec 05 §7.3): `pg_try_advisory_lock` on the
 * CRC-32 of `catalog-server-task/<name>`, held on one pinned session for the run. Replicas that do
 * not get it skip the run. PGlite serves one process, so there the task simply runs.
 */
export async function withTaskLock(db: Kysely<Database>, type: 'pglite' | 'postgres', name: string, task: () => Promise<void>): Promise<boolean> {
  if (type === 'pglite') {
    await task();
    return true;
  }
  const key = crc32(`catalog-server-task/${name}`);
  return db.connection().execute(async (session) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${key}) AS locked`.execute(session);
    if (!rows[0].locked) return false;
    try {
      await task();
      return true;
    } finally {
      await sql`SELECT pg_advisory_unlock(${key})`.execute(session);
    }
  });
}
