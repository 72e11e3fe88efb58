import type { Kysely } from 'kysely';
import type { BaseLogger } from 'pino';
import type { Database } from '../db/schema.js';
import type { Leadership } from '../ha/Leadership.js';
import type { Metrics } from '../metrics/metrics.js';
import { withTaskLock } from '../ha/taskLock.js';
import { deleteExpiredJobsAcrossNamespaces, recoverStuckJobsAcrossNamespaces } from '../db/acrossNamespaces.js';

const RUN_EVERY_MS = 60_000;
const RETENTION_EVERY_MS = 3_600_000;

/**
 * Job maintenance (spec 05 §5.7), a singleton task: every 60 s re-queue (or fail) running jobs whose
 * heartbeat is older than the claim timeout, and at most hourly delete terminal jobs past retention.
 * With leader election on it runs on the leader only; otherwise each run takes the task lock, so
 * one replica runs it and the others skip that run (§7.3). Both steps are idempotent.
 */
export class JobMaintenance {
  private timer: NodeJS.Timeout | undefined;
  private lastRetention = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      databaseType: 'pglite' | 'postgres';
      /** `null` while leader election is off: the task lock decides. */
      leadership: Leadership | null;
      claimTimeoutMinutes: number;
      retentionDays: number;
      retryBackoffSeconds: number;
      log: BaseLogger;
      metrics: Pick<Metrics, 'recordJobMaintenanceRun'>;
      /** Milliseconds between runs (tests shorten it). */
      intervalMs?: number;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.runOnce().then(() => undefined, (error: Error) => this.deps.log.error({ err: error }, 'job maintenance failed')).finally(() => {
        this.running = undefined;
      });
    }, this.deps.intervalMs ?? RUN_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One run; false when another replica (or the leader) runs it instead. */
  async runOnce(now = Date.now()): Promise<boolean> {
    const { leadership, db, databaseType } = this.deps;
    if (leadership) {
      if (!leadership.runsSingletonTasks()) return false;
      await this.work(now);
      return true;
    }
    return withTaskLock({ db, type: databaseType }, 'job-maintenance', () => this.work(now));
  }

  private async work(now: number): Promise<void> {
    const { db, log } = this.deps;
    const recovered = await recoverStuckJobsAcrossNamespaces(db, this.deps.claimTimeoutMinutes, this.deps.retryBackoffSeconds);
    if (recovered > 0) log.warn({ jobs: recovered }, 'recovered stuck refresh jobs');
    if (now - this.lastRetention >= RETENTION_EVERY_MS) {
      this.lastRetention = now;
      const deleted = await deleteExpiredJobsAcrossNamespaces(db, this.deps.retentionDays);
      log.info({ deleted, retentionDays: this.deps.retentionDays }, 'refresh job retention run');
    }
    this.deps.metrics.recordJobMaintenanceRun();
  }
}
