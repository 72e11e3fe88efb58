import { sql, type Kysely } from 'kysely';
import { findAuditEvent, queryAuditEvents, type AuditEvent, type AuditPage, type AuditPageRequest } from '../audit/auditRepository.js';
import { BACKOFF_SECONDS_SQL, type JobRow } from '../jobs/jobRows.js';
import type { Database } from './schema.js';

/**
 * The only repository functions that read or write across namespaces (spec 05 §1.8): cluster-scope
 * audit reads (§1.7), job claiming, recovery and retention (§5), audit retention (§4.9), the
 * namespaces reconcile and the initial load visit (04) and the namespace candidates of §1.6. The
 * cluster-scope job list and get (§1.7) go through `listJobs` with an explicit namespace scope.
 * Only the importers listed in `acrossNamespaces.test.ts` may use this module.
 */

/** Cluster-scope audit read: every namespace, or only the `CATALOG_NAMESPACES` allow-list when set. */
export function listAuditEventsAcrossNamespaces(db: Kysely<Database>, allowList: readonly string[], request: AuditPageRequest): Promise<AuditPage> {
  return queryAuditEvents(db, { acrossNamespaces: allowList.length > 0 ? allowList : 'all' }, request);
}

/** Cluster-scope audit get: the event of any (allowed) namespace. */
export function getAuditEventAcrossNamespaces(db: Kysely<Database>, allowList: readonly string[], id: string): Promise<AuditEvent | undefined> {
  return findAuditEvent(db, { acrossNamespaces: allowList.length > 0 ? allowList : 'all' }, id);
}

/** Retention: deletes at most `batchSize` events created before `cutoff`, in any namespace; returns how many. */
export async function deleteAuditEventsAcrossNamespaces(db: Kysely<Database>, cutoff: Date, batchSize: number): Promise<number> {
  const result = await db
    .deleteFrom('audit_events')
    .where('id', 'in', (eb) => eb.selectFrom('audit_events').select('id').where('created_at', '<', cutoff).limit(batchSize))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Every namespace holding configuration, entities or governance records (the candidates of §1.6). */
export async function knownNamespacesAcrossNamespaces(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ namespace: string }>`
    SELECT DISTINCT namespace FROM catalog_entities
    UNION SELECT namespace FROM catalog_config_sections
    UNION SELECT namespace FROM asset_governance`.execute(db);
  return rows.map((row) => row.namespace);
}

/** The namespaces the `db` config store holds a document for: what reconcile and the initial load visit (04 §8.8). */
export async function configNamespacesAcrossNamespaces(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('catalog_config_sections').select('namespace').orderBy('namespace').execute();
  return rows.map((row) => row.namespace);
}

/**
 * Claims the next eligible job for replica `me` (spec 05 §5.4) in one statement: `FOR UPDATE SKIP
 * LOCKED` makes the claim exclusive between replicas. Fair between namespaces: fewest running jobs
 * first, then the namespace served least recently (never served first), then age.
 */
export async function claimNextJobAcrossNamespaces(db: Kysely<Database>, me: string, namespaceCap: number): Promise<JobRow | undefined> {
  const { rows } = await sql<JobRow>`
    WITH running AS (
      SELECT namespace, count(*) AS n FROM refresh_jobs WHERE state = 'running' GROUP BY namespace
    ), served AS (
      SELECT namespace, max(started_at) AS last FROM refresh_jobs WHERE started_at IS NOT NULL GROUP BY namespace
    ), candidate AS (
      SELECT j.id FROM refresh_jobs j
      LEFT JOIN running r ON r.namespace = j.namespace
      LEFT JOIN served s ON s.namespace = j.namespace
      WHERE j.state = 'queued' AND j.next_attempt_at <= now()
        AND (${namespaceCap}::int = 0 OR COALESCE(r.n, 0) < ${namespaceCap}::int)
      ORDER BY COALESCE(r.n, 0), s.last ASC NULLS FIRST, j.requested_at, j.id
      LIMIT 1
      FOR UPDATE OF j SKIP LOCKED
    )
    UPDATE refresh_jobs AS t SET state = 'running', attempt_count = t.attempt_count + 1, claimed_by = ${me},
      started_at = clock_timestamp(), heartbeat_at = clock_timestamp()
    FROM candidate WHERE t.id = candidate.id AND t.state = 'queued'
    RETURNING t.*`.execute(db);
  return rows[0];
}

/**
 * At startup: jobs still `running` under this replica's identity belong to its crashed predecessor.
 * The interrupted attempt counts: re-queued when attempts remain, else failed (spec 05 §5.4).
 */
export async function requeueOwnJobsAcrossNamespaces(db: Kysely<Database>, me: string, backoffSeconds: number): Promise<number> {
  return recover(db, sql`claimed_by = ${me}`, 'interrupted (replica restarted)', backoffSeconds);
}

/** Stuck recovery (spec 05 §5.7): running jobs whose heartbeat is older than the claim timeout. */
export async function recoverStuckJobsAcrossNamespaces(db: Kysely<Database>, claimTimeoutMinutes: number, backoffSeconds: number): Promise<number> {
  return recover(db, sql`heartbeat_at < now() - make_interval(mins => ${claimTimeoutMinutes})`, 'timed out (stuck job recovery)', backoffSeconds);
}

async function recover(db: Kysely<Database>, condition: ReturnType<typeof sql>, reason: string, backoffSeconds: number): Promise<number> {
  const capitalized = reason[0].toUpperCase() + reason.slice(1);
  const backoff = sql.raw(BACKOFF_SECONDS_SQL.replace('$B', String(backoffSeconds)));
  const { rows } = await sql<{ id: string }>`
    UPDATE refresh_jobs SET
      state = CASE WHEN attempt_count < max_attempts THEN 'queued' ELSE 'failed' END,
      last_error = ${capitalized},
      message = CASE WHEN attempt_count < max_attempts
        THEN 'Retry ' || (attempt_count + 1) || ' of ' || max_attempts || ' scheduled: ' || ${capitalized}
        ELSE ${`Max retries exceeded: ${reason}`} END,
      finished_at = CASE WHEN attempt_count < max_attempts THEN NULL ELSE now() END,
      next_attempt_at = CASE WHEN attempt_count < max_attempts THEN now() + make_interval(secs => ${backoff}) ELSE next_attempt_at END,
      claimed_by = NULL, heartbeat_at = NULL
    WHERE state = 'running' AND ${condition}
    RETURNING id`.execute(db);
  return rows.length;
}

/** Retention (spec 05 §5.7): deletes terminal jobs finished more than `days` ago, in batches. */
export async function deleteExpiredJobsAcrossNamespaces(db: Kysely<Database>, days: number, batchSize = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rows } = await sql<{ id: string }>`
      DELETE FROM refresh_jobs WHERE id IN (
        SELECT id FROM refresh_jobs
        WHERE state IN ('succeeded', 'failed', 'canceled') AND finished_at < now() - make_interval(days => ${days})
        LIMIT ${batchSize})
      RETURNING id`.execute(db);
    total += rows.length;
    if (rows.length < batchSize) return total;
  }
}

/** Jobs per state in every namespace, for the `catalog_jobs` gauge. */
export async function countJobsByStateAcrossNamespaces(db: Kysely<Database>): Promise<Record<string, number>> {
  const rows = await db.selectFrom('refresh_jobs').select(['state', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('state').execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}
