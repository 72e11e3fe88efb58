import type { Kysely } from 'kysely';
import type { BaseLogger } from 'pino';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { PluginRegistry } from '../framework/PluginRegistry.js';
import type { Notifications } from '../ha/Notifications.js';
import type { Metrics } from '../metrics/metrics.js';
import { toRefreshResult, type RefreshResult } from '../sources/refreshResult.js';
import type { RefreshService } from '../sources/RefreshService.js';
import { RefreshAborted, type RefreshOptions, type RefreshOutcome } from '../sources/SourceRefresher.js';
import { ALL_SOURCES, type JobRow } from './jobRows.js';
import { claimNextJobAcrossNamespaces, countJobsByStateAcrossNamespaces, requeueOwnJobsAcrossNamespaces } from '../db/acrossNamespaces.js';
import type { JobStore } from './JobStore.js';

export interface JobWorkerSettings {
  concurrency: number;
  pollIntervalSeconds: number;
  claimTimeoutMinutes: number;
  retryBackoffSeconds: number;
  namespaceConcurrency: number;
}

const MAX_HEARTBEAT_MS = 30_000;

/** How a job attempt ended, before it is written to the job row. */
type Attempt =
  | { kind: 'done' }
  | { kind: 'succeeded'; message: string; result: RefreshResult }
  | { kind: 'failed'; error: string; retryable: boolean; result?: RefreshResult };

/**
 * The refresh-job workers of one replica (spec 05 §5.4): `concurrency` loops that claim with
 * `FOR UPDATE SKIP LOCKED`, run the shared refresh in the job's namespace, heartbeat, and commit the
 * data only while they still own the job. They wake on local enqueues and `catalog_jobs`
 * notifications, else every poll interval; a `cancel` notification aborts the running attempt.
 */
export class JobWorkerPool {
  private readonly running = new Map<string, AbortController>();
  private readonly released = new Set<string>();
  private waiters: (() => void)[] = [];
  private loops: Promise<void>[] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopping = false;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      store: JobStore;
      refreshes: RefreshService;
      /**
       * Brings the namespace's runtime configuration up to date with the shared config store before
       * an attempt, so a job claimed here for a source another replica just applied refreshes that
       * configuration, not the one this replica had before its change notification arrived.
       */
      syncConfiguration: (namespace: string) => Promise<void>;
      registry: PluginRegistry;
      notifications: Notifications;
      /** Replica identity (`POD_NAME`, else the hostname): the `claimed_by` of this replica's jobs. */
      identity: string;
      metrics: Pick<Metrics, 'observeJob' | 'setJobCounts'>;
      settings: JobWorkerSettings;
      log: BaseLogger;
    },
  ) {}

  /** Re-queues what a crashed predecessor with this identity left running, then starts the workers. */
  async start(): Promise<void> {
    const { db, identity, settings, notifications, log } = this.deps;
    const recovered = await requeueOwnJobsAcrossNamespaces(db, identity, settings.retryBackoffSeconds);
    if (recovered > 0) log.warn({ jobs: recovered, replica: identity }, 'recovered refresh jobs interrupted by a previous run of this replica');
    this.unsubscribe = notifications.subscribe('catalog_jobs', (payload) => {
      if (payload.event === 'cancel' && typeof payload.jobId === 'string') this.running.get(payload.jobId)?.abort();
      else this.wake();
    });
    notifications.onReconnect(() => this.wake());
    this.pollTimer = setInterval(() => this.wake(), settings.pollIntervalSeconds * 1000);
    this.pollTimer.unref();
    this.loops = Array.from({ length: settings.concurrency }, () => this.loop());
  }

  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Graceful shutdown (spec 05 §7.5): stop claiming at once, let running attempts finish until the
   * deadline, then abort them (their transactions roll back) and put them back in the queue without
   * consuming an attempt.
   */
  async stop(deadline: Promise<void>): Promise<void> {
    this.stopping = true;
    clearInterval(this.pollTimer);
    this.unsubscribe?.();
    this.wake();
    const finished = Promise.all(this.loops).then(() => 'finished' as const);
    if ((await Promise.race([finished, deadline.then(() => 'deadline' as const)])) === 'deadline') {
      for (const [id, controller] of this.running) {
        this.released.add(id);
        controller.abort();
      }
      await finished;
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let job: JobRow | undefined;
      try {
        job = await claimNextJobAcrossNamespaces(this.deps.db, this.deps.identity, this.deps.settings.namespaceConcurrency);
      } catch (error) {
        this.deps.log.error({ err: error }, 'claiming a refresh job failed');
      }
      if (job) await this.run(job);
      else if (!this.stopping) await this.idle();
    }
  }

  private async run(job: JobRow): Promise<void> {
    const { store, identity, log, settings } = this.deps;
    const started = Date.now();
    const controller = new AbortController();
    this.running.set(job.id, controller);
    const progress = { phase: 'fetching', sourcesTotal: job.source_id === ALL_SOURCES ? 0 : 1, sourcesDone: 0 };
    const beat = async () => {
      if (!(await store.heartbeat(job.id, identity, progress).catch(() => true))) controller.abort();
    };
    const heartbeat = setInterval(() => void beat(), Math.min(MAX_HEARTBEAT_MS, (settings.claimTimeoutMinutes * 60_000) / 4));
    heartbeat.unref();
    const context = { namespace: job.namespace, plugin: job.plugin, sourceId: job.source_id, jobId: job.id, attempt: job.attempt_count };
    log.info(context, 'refresh job started');
    try {
      const attempt = await this.attempt(job, controller.signal, progress, beat);
      await this.record(job, attempt, progress);
    } catch (error) {
      if (this.released.delete(job.id)) {
        await store.release(job.id, identity).catch((e: Error) => log.error({ err: e, ...context }, 'releasing a refresh job failed'));
        log.warn(context, 'refresh job released at shutdown');
      } else if (error instanceof RefreshAborted) {
        log.info(context, 'refresh job aborted: canceled or taken over');
      } else {
        log.error({ err: error, ...context }, 'refresh job attempt failed unexpectedly');
        await this.record(job, { kind: 'failed', error: 'internal error during refresh', retryable: true }, progress).catch(() => undefined);
      }
    } finally {
      clearInterval(heartbeat);
      this.running.delete(job.id);
      await this.observe(job, started).catch(() => undefined);
    }
  }

  /** Job metrics after an attempt: the duration when it ended the job, and the counts by state. */
  private async observe(job: JobRow, started: number): Promise<void> {
    this.deps.metrics.setJobCounts(await countJobsByStateAcrossNamespaces(this.deps.db));
    const final = await this.deps.db.selectFrom('refresh_jobs').select('state').where('id', '=', job.id).executeTakeFirst();
    if (final?.state === 'succeeded' || final?.state === 'failed' || final?.state === 'canceled') {
      this.deps.metrics.observeJob(final.state, (Date.now() - started) / 1000);
    }
  }

  /** Runs one attempt. A single source that succeeds commits its terminal state in the refresh transaction. */
  private async attempt(job: JobRow, signal: AbortSignal, progress: { phase: string; sourcesTotal: number; sourcesDone: number }, beat: () => Promise<void>): Promise<Attempt> {
    const { store, identity, refreshes } = this.deps;
    const plugin = this.deps.registry.get(job.plugin);
    if (!plugin || plugin.state !== 'active') return { kind: 'failed', error: `plugin "${job.plugin}" is not active`, retryable: false };
    await this.deps.syncConfiguration(job.namespace);
    const onPhase = async (phase: string) => {
      progress.phase = phase;
      // The configuration may have changed while the source was fetched (an apply whose refresh
      // request reused this running job): the refresher starts over when it did, and it learns of
      // a change made on another replica from this sync, not only from that replica's notification.
      if (phase === 'writing') await this.deps.syncConfiguration(job.namespace);
      await beat();
    };
    const options: RefreshOptions = {
      force: job.force,
      signal,
      onPhase,
      beforeCommit: async (trx) => {
        if (!(await store.lockIfOwned(trx, job.id, identity))) throw new RefreshAborted('job is no longer running on this replica');
      },
    };

    if (job.source_id !== ALL_SOURCES) {
      let source;
      try {
        source = refreshes.source(job.namespace, job.plugin, job.source_id);
      } catch (error) {
        if (error instanceof AppError) return { kind: 'failed', error: error.message, retryable: false };
        throw error;
      }
      const outcome = await refreshes.refreshOne(job.namespace, plugin, source, {
        ...options,
        beforeCommit: async (trx, done) => {
          await options.beforeCommit!(trx, done);
          progress.sourcesDone = 1;
          // The data, the refresh status and the job's terminal state commit together (05 §5.4).
          await store.finish(trx, job.id, identity, { state: 'succeeded', message: succeededMessage(done), result: toRefreshResult(done), progress });
        },
      });
      progress.sourcesDone = 1;
      if (outcome.status === 'success') return { kind: 'done' };
      if (outcome.status === 'unchanged') return { kind: 'succeeded', message: succeededMessage(outcome), result: toRefreshResult(outcome) };
      return { kind: 'failed', error: outcome.error ?? 'refresh failed', retryable: outcome.retryable ?? false, result: toRefreshResult(outcome) };
    }

    const sources = refreshes.enabledSources(job.namespace, job.plugin);
    progress.sourcesTotal = sources.length;
    const outcomes: RefreshOutcome[] = [];
    const result = await refreshes.refreshMany(job.namespace, plugin, () => options, (outcome) => {
      outcomes.push(outcome);
      progress.sourcesDone += 1;
      void beat();
    }, sources);
    const failed = outcomes.filter((o) => o.status === 'error');
    if (failed.length > 0) {
      return { kind: 'failed', error: `${failed.length} of ${sources.length} sources failed`, retryable: failed.every((o) => o.retryable), result };
    }
    const unchanged = outcomes.every((o) => o.status === 'unchanged');
    return {
      kind: 'succeeded',
      message: unchanged ? `Unchanged: ${result.entitiesLoaded} entities` : `Loaded ${result.entitiesLoaded} entities, removed ${result.entitiesRemoved}`,
      result,
    };
  }

  /** Writes the attempt's end to the job row (spec 05 §5.2, §5.5): succeeded, retry with backoff, or failed. */
  private async record(job: JobRow, attempt: Attempt, progress: Record<string, unknown>): Promise<void> {
    const { store, identity, db, settings, log } = this.deps;
    const context = { namespace: job.namespace, plugin: job.plugin, sourceId: job.source_id, jobId: job.id };
    if (attempt.kind === 'done') {
      log.info(context, 'refresh job succeeded');
      return;
    }
    if (attempt.kind === 'succeeded') {
      await store.finish(db, job.id, identity, { state: 'succeeded', message: attempt.message, result: attempt.result, progress });
      log.info(context, 'refresh job succeeded');
      return;
    }
    const { result } = attempt;
    if (attempt.retryable && job.attempt_count < job.max_attempts) {
      await store.retry(job.id, identity, attempt.error, settings.retryBackoffSeconds, result);
      log.warn({ ...context, error: attempt.error }, 'refresh job attempt failed; retry scheduled');
      return;
    }
    // Refresh-all reports `<n> of <m> sources failed` as is (spec 05 §5.4).
    const message = job.source_id === ALL_SOURCES ? attempt.error : attempt.retryable ? `Max retries exceeded: ${attempt.error}` : `Refresh failed: ${attempt.error}`;
    await store.finish(db, job.id, identity, { state: 'failed', message, lastError: attempt.error, result, progress });
    log.warn({ ...context, error: attempt.error }, 'refresh job failed');
  }
}

function succeededMessage(outcome: RefreshOutcome): string {
  return outcome.status === 'unchanged'
    ? `Unchanged: ${outcome.entityCount} entities`
    : `Loaded ${outcome.entityCount} entities, removed ${outcome.removed}`;
}
