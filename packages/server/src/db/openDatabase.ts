import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { StartupError } from '../errors.js';
import { lockDataDir } from './dataDirLock.js';
import { acquireMigrationLock, type HeldLock } from './migrationLock.js';
import { migrationProvider } from './migrations/index.js';
import { PGliteDialect } from './PGliteDialect.js';
import type { Database } from './schema.js';

export type DatabaseConfig =
  | { type: 'pglite'; dataDir: string }
  | { type: 'postgres'; connection: pg.ClientConfig; connectTimeoutSeconds: number; poolSize?: number };

export interface CatalogDatabase {
  readonly type: 'pglite' | 'postgres';
  readonly db: Kysely<Database>;
  /** Connection settings for dedicated sessions (advisory locks, LISTEN); postgres only. */
  readonly connection?: pg.ClientConfig;
  close(): Promise<void>;
}

interface Logger {
  info: (msg: string) => void;
  warn: (msg: string) => void;
}

export const MEMORY_DATA_DIR = 'memory://';
const STATEMENT_TIMEOUT_MS = 30_000;

/**
 * Opens the database. PGlite: takes the data-dir lock (none for `memory://`). PostgreSQL: retries an
 * unreachable server with exponential backoff (1 s doubling, max 10 s) until the connect timeout.
 */
export async function openDatabase(config: DatabaseConfig, log: Logger): Promise<CatalogDatabase> {
  if (config.type === 'pglite') return openPGlite(config.dataDir);
  return openPostgres(config, log);
}

async function openPGlite(dataDir: string): Promise<CatalogDatabase> {
  const inMemory = dataDir === MEMORY_DATA_DIR;
  const lock = inMemory ? undefined : lockDataDir(dataDir);
  try {
    let pgliteDir: string | undefined;
    if (!inMemory) {
      pgliteDir = join(dataDir, 'pglite');
      mkdirSync(pgliteDir, { recursive: true });
    }
    const pglite = new PGlite({
      ...(pgliteDir ? { dataDir: pgliteDir } : {}),
      extensions: { pg_trgm },
      // Match node-postgres: int8 (row ids) as strings, never lossy numbers.
      parsers: { 20: (value: string) => value },
    });
    await pglite.waitReady;
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    return {
      type: 'pglite',
      db,
      close: async () => {
        await db.destroy();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

async function openPostgres(
  config: Extract<DatabaseConfig, { type: 'postgres' }>,
  log: Logger,
): Promise<CatalogDatabase> {
  const deadline = Date.now() + config.connectTimeoutSeconds * 1000;
  let delayMs = 1000;
  for (;;) {
    const client = new pg.Client({ ...config.connection, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() + delayMs > deadline) {
        throw new StartupError(`database unreachable after ${config.connectTimeoutSeconds}s: ${describePgError(error)}`);
      }
      log.warn(`database not reachable yet (${describePgError(error)}); retrying in ${delayMs / 1000}s`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 10_000);
    }
  }
  // A bound on every statement: no request (a 100-comparison filter over a huge kind, say) can hold
  // a connection for long. Migrations lift it for their own transactions.
  const pool = new pg.Pool({ ...config.connection, max: config.poolSize ?? 20, statement_timeout: STATEMENT_TIMEOUT_MS });
  // A dropped idle connection must not crash the process; the next query reconnects.
  pool.on('error', (error) => log.warn(`database connection error: ${describePgError(error)}`));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { type: 'postgres', db, connection: config.connection, close: () => db.destroy() };
}

/** The error text without connection details (no host names, users or passwords). */
export function describePgError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e?.code === 'ECONNREFUSED') return 'connection refused';
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return 'host not found';
  if (e?.code === '28P01' || e?.code === '28000') return 'authentication failed';
  if (e?.code === '3D000') return 'database does not exist';
  if (typeof e?.code === 'string') return `error ${e.code}`;
  return 'connection failed';
}

export interface MigrateOptions {
  lockEnabled: boolean;
  lockBackend: 'advisory' | 'table';
  lockTimeoutSeconds: number;
  log: Logger;
  onWaitForLock?: () => void;
}

/** Runs the migration set, under the migration lock on PostgreSQL when enabled (spec 05 §7.2). */
export async function migrateDatabase(database: CatalogDatabase, options: MigrateOptions): Promise<string[]> {
  let lock: HeldLock | undefined;
  if (database.type === 'postgres' && options.lockEnabled) {
    lock = await acquireMigrationLock(
      { db: database.db, connectionConfig: database.connection! },
      {
        backend: options.lockBackend,
        timeoutSeconds: options.lockTimeoutSeconds,
        log: options.log,
        onWait: options.onWaitForLock,
      },
    );
  }
  try {
    const migrator = new Migrator({ db: database.db, provider: migrationProvider });
    const pending = (await migrator.getMigrations()).filter((m) => m.executedAt === undefined);
    if (pending.length > 0) options.log.info(`applying migrations: ${pending.map((m) => m.name).join(', ')}`);
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error');
      throw new StartupError(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`);
    }
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  } finally {
    await lock?.release();
  }
}

/** `SELECT 1` with a deadline: the readiness probe of the database component. */
export async function pingDatabase(database: CatalogDatabase, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      sql`SELECT 1`.execute(database.db),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('database probe timed out')), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
