import { sql, type Kysely } from 'kysely';

/**
 * Refresh rate limiting shared by every replica (spec 04 §13.8): one row per (namespace, plugin,
 * source id or `*`), holding the start of the current window. `refresh_jobs` itself is in 0001.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE IF NOT EXISTS catalog_refresh_rate_limits (
      namespace VARCHAR(63) NOT NULL DEFAULT 'default',
      plugin VARCHAR(63) NOT NULL,
      key VARCHAR(63) NOT NULL,
      last_allowed_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (namespace, plugin, key)
    )`.execute(db);
}

export async function down(): Promise<void> {
  // Expand/contract (spec 05 §7.2): a release never drops what the previous release reads.
}
