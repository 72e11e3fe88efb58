import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { StartupError } from '../errors.js';

/** CRC-32 of `catalog-server-migration`: the reference design's id, so old and new replicas exclude each other. */
export const MIGRATION_ADVISORY_LOCK_ID = 86669445;
const STALE_AFTER_MS = 5 * 60_000;
const HEARTBEAT_MS = 60_000;
const RETRY_MS = 1_000;
const WAIT_LOG_EVERY_MS = 10_000;

export interface MigrationLockOptions {
  backend: 'advisory' | 'table';
  timeoutSeconds: number;
  identity?: string;
  log: { info: (msg: string) => void; warn: (msg: string) => void };
  /** Called once when the lock turns out to be held by someone else. */
  onWait?: () => void;
}

export interface HeldLock {
  release(): Promise<void>;
}

/** Takes the migration lock on PostgreSQL; resolves when held, throws StartupError after the timeout. */
export async function acquireMigrationLock(
  target: { db: Kysely<any>; connectionConfig: pg.ClientConfig },
  options: MigrationLockOptions,
): Promise<HeldLock> {
  return options.backend === 'advisory'
    ? acquireAdvisoryLock(target.connectionConfig, options)
    : acquireTableLock(target.db, options);
}

async function waitLoop(options: MigrationLockOptions, attempt: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  let lastLog = 0;
  for (;;) {
    if (await attempt()) return;
    const now = Date.now();
    if (lastLog === 0) options.onWait?.();
    if (now - lastLog >= WAIT_LOG_EVERY_MS) {
      options.log.info('waiting for migration lock');
      lastLog = now;
    }
    if (now - started >= options.timeoutSeconds * 1000) {
      throw new StartupError(`timed out after ${options.timeoutSeconds}s waiting for the migration lock`);
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

/** A session-level advisory lock on a dedicated connection; a crashed holder's lock dies with its session. */
async function acquireAdvisoryLock(config: pg.ClientConfig, options: MigrationLockOptions): Promise<HeldLock> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    await waitLoop(options, async () => {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        MIGRATION_ADVISORY_LOCK_ID,
      ]);
      return rows[0].locked;
    });
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    release: async () => {
      try {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_ADVISORY_LOCK_ID]);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * The `migration_lock` table backend, for connections where session advisory locks are unreliable
 * (transaction-pooling proxies): a stale row (older than 5 minutes) is removed, the holder refreshes
 * `locked_at` every minute so a long migration never looks stale.
 */
async function acquireTableLock(db: Kysely<any>, options: MigrationLockOptions): Promise<HeldLock> {
  const identity = options.identity ?? `${hostname()}/${process.pid}`;
  await sql`CREATE TABLE IF NOT EXISTS migration_lock (
    id TEXT PRIMARY KEY, locked_at TIMESTAMPTZ NOT NULL, locked_by TEXT NOT NULL)`.execute(db);
  await waitLoop(options, async () => {
    await sql`DELETE FROM migration_lock WHERE id = 'migration' AND locked_at < now() - ${`${STALE_AFTER_MS / 1000} seconds`}::interval`.execute(db);
    const inserted = await sql`INSERT INTO migration_lock (id, locked_at, locked_by) VALUES ('migration', now(), ${identity})
      ON CONFLICT (id) DO NOTHING`.execute(db);
    return Number(inserted.numAffectedRows ?? 0) === 1;
  });
  const heartbeat = setInterval(() => {
    sql`UPDATE migration_lock SET locked_at = now() WHERE id = 'migration' AND locked_by = ${identity}`
      .execute(db)
      .catch((error: Error) => options.log.warn(`migration lock heartbeat failed: ${error.message}`));
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    release: async () => {
      clearInterval(heartbeat);
      await sql`DELETE FROM migration_lock WHERE id = 'migration' AND locked_by = ${identity}`.execute(db);
    },
  };
}
