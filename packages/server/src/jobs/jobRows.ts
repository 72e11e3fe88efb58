import type { Selectable } from 'kysely';
import type { RefreshJobTable } from '../db/schema.js';

export type JobRow = Selectable<RefreshJobTable>;
export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const ACTIVE_STATES: readonly JobState[] = ['queued', 'running'];
/** `source_id` of a refresh-all job. */
export const ALL_SOURCES = '_all';

/** Backoff before the next attempt in SQL (spec 05 §5.5): min(B × 2^(k−1), 300) s × U[0.8, 1.2], k = attempts made. */
export const BACKOFF_SECONDS_SQL = 'LEAST($B * power(2, GREATEST(attempt_count, 1) - 1), 300) * (0.8 + random() * 0.4)';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Job ids are UUIDs; anything else is answered 404 without a query. */
export function isJobId(id: string): boolean {
  return UUID.test(id);
}

export function idempotencyKey(namespace: string, plugin: string, sourceId: string): string {
  return `${namespace}:${plugin}:${sourceId}`;
}

const iso = (value: Date | string | null) => (value === null ? undefined : new Date(value).toISOString());

/** The job as the jobs API shows it (spec 05 §5.8): fixed fields always, the others when set. */
export function jobView(row: JobRow): Record<string, unknown> {
  const optional: Record<string, unknown> = {
    nextAttemptAt: row.state === 'queued' && row.attempt_count > 0 ? iso(row.next_attempt_at) : undefined,
    claimedBy: row.claimed_by ?? undefined,
    startedAt: iso(row.started_at),
    heartbeatAt: row.state === 'running' ? iso(row.heartbeat_at) : undefined,
    finishedAt: iso(row.finished_at),
    progress: row.progress ?? undefined,
    message: row.message ?? undefined,
    lastError: row.last_error ?? undefined,
    entitiesLoaded: row.entities_loaded ?? undefined,
    entitiesAdded: row.entities_added ?? undefined,
    entitiesUpdated: row.entities_updated ?? undefined,
    entitiesRemoved: row.entities_removed ?? undefined,
    durationMs: row.duration_ms === null ? undefined : Number(row.duration_ms),
    result: row.result ?? undefined,
  };
  return {
    id: row.id,
    namespace: row.namespace,
    plugin: row.plugin,
    sourceId: row.source_id,
    force: row.force,
    requestedBy: row.requested_by,
    ...(row.request_id ? { requestId: row.request_id } : {}),
    requestedAt: iso(row.requested_at),
    state: row.state,
    attemptCount: row.attempt_count,
    maxAttempts: row.max_attempts,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}
