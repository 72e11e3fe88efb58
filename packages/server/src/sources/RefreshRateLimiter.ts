import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { TooManyRequestsError } from '../errors.js';

/** The rate-limit key of a refresh-all request (spec 04 §13.8). */
export const REFRESH_ALL_RATE_KEY = '*';

/**
 * One allowed refresh request per window per (namespace, plugin, source id or `*`), spec 04 §13.8.
 * The window lives in `catalog_refresh_rate_limits` and is taken with one atomic conditional upsert
 * evaluated on the database clock, so the limit holds across replicas whatever their clocks say.
 * Only allowed requests move the window.
 */
export class RefreshRateLimiter {
  constructor(private readonly deps: { db: () => Kysely<Database>; windowSeconds: number }) {}

  /** Takes the window for `key` or throws 429 with the seconds left. */
  async take(namespace: string, plugin: string, key: string): Promise<void> {
    const seconds = this.deps.windowSeconds;
    if (seconds <= 0) return;
    const db = this.deps.db();
    const taken = await sql<{ last_allowed_at: Date }>`
      INSERT INTO catalog_refresh_rate_limits AS r (namespace, plugin, key, last_allowed_at)
      VALUES (${namespace}, ${plugin}, ${key}, now())
      ON CONFLICT (namespace, plugin, key) DO UPDATE SET last_allowed_at = now()
        WHERE r.last_allowed_at <= now() - make_interval(secs => ${seconds})
      RETURNING last_allowed_at`.execute(db);
    if (taken.rows.length > 0) return;
    const { rows } = await sql<{ remaining: string | number }>`
      SELECT EXTRACT(EPOCH FROM (last_allowed_at + make_interval(secs => ${seconds}) - now())) AS remaining
      FROM catalog_refresh_rate_limits WHERE namespace = ${namespace} AND plugin = ${plugin} AND key = ${key}`.execute(db);
    const remaining = Number(rows[0]?.remaining ?? seconds);
    throw new TooManyRequestsError(Math.min(seconds, Math.max(1, Math.ceil(remaining))));
  }
}
