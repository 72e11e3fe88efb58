import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { DEFAULT_AUDIT_RETENTION_DAYS } from '../config/serverConfig.js';
import { deleteAuditEventsAcrossNamespaces } from '../db/acrossNamespaces.js';
import type { Database } from '../db/schema.js';
import type { Leadership } from '../ha/Leadership.js';
import { withTaskLock } from '../ha/taskLock.js';
import type { Metrics } from '../metrics/metrics.js';

const FIRST_RUN_DELAY_MS = 60_000;
const RUN_INTERVAL_MS = 24 * 60 * 60 * 1000;
const LEADERSHIP_POLL_MS = 1_000;
const BATCH_SIZE = 5_000;
const DAY_MS = 24 * 60 * 60 * 1000;
const TASK_NAME = 'audit-retention';

/** Timers and clock, replaceable so tests drive the schedule. */
export interface Scheduler {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Retention days of spec 05 §4.9: `CATALOG_AUDIT_RETENTION_DAYS` when set, else the governance
 * file's `auditRetention.days` when greater than 0, else 90. `0` disables deletion.
 */
export function auditRetentionDays(fromEnvironment: number | null, fromGovernance: number | null | undefined): number {
  if (fromEnvironment !== null) return fromEnvironment;
  if (fromGovernance !== null && fromGovernance !== undefined && fromGovernance > 0) return fromGovernance;
  return DEFAULT_AUDIT_RETENTION_DAYS;
}

export interface AuditRetentionDependencies {
  database: { readonly type: 'pglite' | 'postgres'; readonly db: Kysely<Database> };
  leadership: Leadership;
  /** Read at every run, so a reloaded governance file applies without a restart. */
  retentionDays: () => number;
  log: Logger;
  metrics: Metrics;
  scheduler?: Scheduler;
}

/**
 * Deletes expired audit events (spec 05 §4.9): first 60 s after this replica starts running
 * singleton tasks, then every 24 h, in batches of 5000, under the task lock of §7.3. Losing
 * leadership cancels the pending run; regaining it starts the 60 s countdown again.
 */
export class AuditRetention {
  private readonly scheduler: Scheduler;
  private pollHandle: unknown;
  private runHandle: unknown;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: AuditRetentionDependencies) {
    this.scheduler = deps.scheduler ?? realScheduler;
  }

  start(): void {
    this.stopped = false;
    this.poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.scheduler.clearTimeout(this.pollHandle);
    this.scheduler.clearTimeout(this.runHandle);
    this.runHandle = undefined;
    await this.running;
  }

  /** Resolves when no run is in progress (tests). */
  async idle(): Promise<void> {
    await this.running;
  }

  /** One retention pass; returns the number of deleted events, or null when another replica held the lock. */
  async runOnce(): Promise<number | null> {
    const days = this.deps.retentionDays();
    if (days === 0) {
      this.deps.log.info({ retentionDays: 0 }, 'audit retention disabled; no events deleted');
      return 0;
    }
    const cutoff = new Date(this.scheduler.now() - days * DAY_MS);
    let deleted = 0;
    const ran = await withTaskLock(this.deps.database, TASK_NAME, async () => {
      for (;;) {
        const batch = await deleteAuditEventsAcrossNamespaces(this.deps.database.db, cutoff, BATCH_SIZE);
        deleted += batch;
        if (batch < BATCH_SIZE || this.stopped) break;
      }
    });
    if (!ran) {
      this.deps.log.debug({ task: TASK_NAME }, 'audit retention skipped: another replica holds the task lock');
      return null;
    }
    this.deps.metrics.recordAuditRetentionRun(deleted);
    this.deps.log.info({ deleted, retentionDays: days, cutoff: cutoff.toISOString() }, 'audit retention deleted expired events');
    return deleted;
  }

  private poll(): void {
    if (this.stopped) return;
    const leading = this.deps.leadership.runsSingletonTasks();
    if (leading && this.runHandle === undefined && this.running === undefined) this.schedule(FIRST_RUN_DELAY_MS);
    if (!leading && this.runHandle !== undefined) {
      this.scheduler.clearTimeout(this.runHandle);
      this.runHandle = undefined;
    }
    this.pollHandle = this.scheduler.setTimeout(() => this.poll(), LEADERSHIP_POLL_MS);
  }

  private schedule(delayMs: number): void {
    this.runHandle = this.scheduler.setTimeout(() => {
      this.runHandle = undefined;
      if (this.stopped || !this.deps.leadership.runsSingletonTasks()) return;
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.deps.log.error({ err: error }, 'audit retention failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped && this.deps.leadership.runsSingletonTasks()) this.schedule(RUN_INTERVAL_MS);
        });
    }, delayMs);
  }
}
