import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Notifications } from '../ha/Notifications.js';
import type { RefreshResult } from '../sources/refreshResult.js';
import { ACTIVE_STATES, BACKOFF_SECONDS_SQL, idempotencyKey, isJobId, type JobRow } from './jobRows.js';


export interface EnqueueInput {
  namespace: string;
  plugin: string;
  /** A source id or `_all`. */
  sourceId: string;
  force: boolean;
  requestedBy: string;
  requestId: string | null;
}

/**
 * The `refresh_jobs` repository (spec 05 §5). Request-side functions take the namespace and put it in
 * every WHERE clause; worker transitions address a job by id AND by the claiming replica, each one a
 * conditional UPDATE whose zero-row result means the race was lost (§5.2). Cross-namespace work
 * (claim, recovery, retention) is in db/acrossNamespaces.ts.
 */
export class JobStore {
  constructor(
    private readonly deps: {
      db: () => Kysely<Database>;
      notifications: () => Notifications;
      maxAttempts: number;
    },
  ) {}

  /**
   * Enqueues a refresh job, or returns the active job with the same key (spec 05 §5.3). `inTransaction`
   * runs in the enqueue transaction (the request's audit event).
   */
  async enqueue(input: EnqueueInput, inTransaction: (trx: Transaction<Database>, job: { jobId: string; reused: boolean }) => Promise<void>): Promise<{ job: JobRow; reused: boolean }> {
    const key = idempotencyKey(input.namespace, input.plugin, input.sourceId);
    // The active job may finish between the insert and the select: then insert again, once.
    for (let attempt = 0; attempt < 2; attempt++) {
      const done = await this.deps.db().transaction().execute(async (trx) => {
        const inserted = await sql<JobRow>`
          INSERT INTO refresh_jobs (id, namespace, plugin, source_id, force, requested_by, request_id, requested_at,
            state, max_attempts, next_attempt_at, idempotency_key)
          VALUES (${randomUUID()}, ${input.namespace}, ${input.plugin}, ${input.sourceId}, ${input.force}, ${input.requestedBy},
            ${input.requestId}, ${new Date()}, 'queued', ${this.deps.maxAttempts}, now(), ${key})
          ON CONFLICT (idempotency_key) WHERE state IN ('queued', 'running') DO NOTHING
          RETURNING *`.execute(trx);
        let job: JobRow | undefined = inserted.rows[0];
        const reused = job === undefined;
        if (reused) {
          job = await trx.selectFrom('refresh_jobs').selectAll()
            .where('idempotency_key', '=', key).where('state', 'in', ACTIVE_STATES).forUpdate().executeTakeFirst();
          if (!job) return undefined;
          if (input.force && !job.force && job.state === 'queued') {
            job = await trx.updateTable('refresh_jobs').set({ force: true }).where('id', '=', job.id).returningAll().executeTakeFirstOrThrow();
          }
        } else {
          await this.deps.notifications().publish('catalog_jobs', { event: 'enqueued', jobId: job.id, namespace: input.namespace }, trx);
        }
        await inTransaction(trx, { jobId: job.id, reused });
        return { job, reused };
      });
      if (done) return done;
    }
    throw new Error('refresh job could not be enqueued: its active job kept changing');
  }

  /**
   * Cancels a queued or running job (spec 05 §5.6): locks the row, moves it to `canceled` and tells
   * the worker holding it to abort; its commit check then refuses to commit any data.
   */
  async cancel(namespace: string, id: string, actor: string, inTransaction: (trx: Transaction<Database>) => Promise<void>): Promise<void> {
    if (!isJobId(id)) throw new NotFoundError(`job "${id}" not found`);
    await this.deps.db().transaction().execute(async (trx) => {
      const job = await trx.selectFrom('refresh_jobs').select(['state']).where('namespace', '=', namespace).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!job) throw new NotFoundError(`job "${id}" not found`);
      if (!ACTIVE_STATES.includes(job.state as 'queued')) throw new ConflictError(`job "${id}" is already ${job.state}`);
      await trx.updateTable('refresh_jobs')
        .set({ state: 'canceled', message: `Canceled by ${actor}`, finished_at: new Date(), heartbeat_at: null })
        .where('id', '=', id).where('state', '=', job.state).execute();
      await this.deps.notifications().publish('catalog_jobs', { event: 'cancel', jobId: id, namespace }, trx);
      await inTransaction(trx);
    });
  }

  // ----- worker transitions: by id and claiming replica (spec 05 §5.2) -----

  /** Records liveness and progress; false when the job is no longer ours (canceled or recovered). */
  async heartbeat(id: string, me: string, progress: Record<string, unknown>): Promise<boolean> {
    const result = await this.deps.db().updateTable('refresh_jobs')
      .set({ heartbeat_at: new Date(), progress: JSON.stringify(progress) })
      .where('id', '=', id).where('state', '=', 'running').where('claimed_by', '=', me)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Inside a refresh's write transaction: locks the job row; false unless it is still running under `me`. */
  async lockIfOwned(trx: Transaction<Database>, id: string, me: string): Promise<boolean> {
    const row = await trx.selectFrom('refresh_jobs').select(['state', 'claimed_by']).where('id', '=', id).forUpdate().executeTakeFirst();
    return row?.state === 'running' && row.claimed_by === me;
  }

  /** Moves a running job of ours to a terminal state; false when the race was lost. */
  async finish(
    db: Kysely<Database>,
    id: string,
    me: string,
    values: { state: 'succeeded' | 'failed'; message: string; lastError?: string; result?: RefreshResult; progress?: Record<string, unknown> },
  ): Promise<boolean> {
    const { result } = values;
    const update = await db.updateTable('refresh_jobs')
      .set({
        state: values.state,
        message: values.message,
        last_error: values.lastError ?? null,
        finished_at: new Date(),
        ...(values.progress ? { progress: JSON.stringify(values.progress) } : {}),
        ...(result
          ? {
              result: JSON.stringify(result),
              entities_loaded: result.entitiesLoaded,
              entities_added: result.entitiesAdded,
              entities_updated: result.entitiesUpdated,
              entities_removed: result.entitiesRemoved,
              duration_ms: result.durationMs,
            }
          : {}),
      })
      .where('id', '=', id).where('state', '=', 'running').where('claimed_by', '=', me)
      .executeTakeFirst();
    return Number(update.numUpdatedRows) === 1;
  }

  /** Schedules the next attempt after a retryable failure (spec 05 §5.5). */
  async retry(id: string, me: string, error: string, backoffSeconds: number, result?: RefreshResult): Promise<boolean> {
    const { rows } = await sql<{ id: string }>`
      UPDATE refresh_jobs SET state = 'queued', claimed_by = NULL, heartbeat_at = NULL, last_error = ${error},
        message = 'Retry ' || (attempt_count + 1) || ' of ' || max_attempts || ' scheduled: ' || ${error},
        next_attempt_at = now() + make_interval(secs => ${sql.raw(BACKOFF_SECONDS_SQL.replace('$B', String(backoffSeconds)))}),
        result = ${result ? JSON.stringify(result) : null}::jsonb
      WHERE id = ${id} AND state = 'running' AND claimed_by = ${me}
      RETURNING id`.execute(this.deps.db());
    return rows.length === 1;
  }

  /** Shutdown deadline (spec 05 §7.5): back to the queue, and the interrupted attempt does not count. */
  async release(id: string, me: string): Promise<void> {
    await sql`UPDATE refresh_jobs SET state = 'queued', claimed_by = NULL, heartbeat_at = NULL,
        attempt_count = GREATEST(attempt_count - 1, 0), next_attempt_at = now()
      WHERE id = ${id} AND state = 'running' AND claimed_by = ${me}`.execute(this.deps.db());
  }
}
