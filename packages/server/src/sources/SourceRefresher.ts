import { sql, type Kysely, type Transaction } from 'kysely';
import type { BaseLogger } from 'pino';
import type { DataVersions } from '../cache/DataVersions.js';
import type { SourceConfig } from '../config/sourcesDocument.js';
import type { Database } from '../db/schema.js';
import type { PluginRegistry, RegisteredPlugin } from '../framework/PluginRegistry.js';
import { sha256Hex } from '../ingest/digest.js';
import { compileNameFilter } from '../ingest/globs.js';
import { IngestFailure } from '../ingest/ingestDocuments.js';
import type { IngestWorkerPool } from '../ingest/IngestWorkerPool.js';
import { MAX_INGEST_ERRORS, type IngestError } from '../ingest/validateEntries.js';
import type { Metrics } from '../metrics/metrics.js';
import { ProviderError } from '../providers/ProviderError.js';
import type { FailedDocument, FailedItem, FetchedDocument, FetchResult, Provider } from '../providers/types.js';
import { applyKindEntities, inSourceTransaction, type ApplyCounts, type PreparedEntity } from './applyEntities.js';
import type { SourceCatalog } from './SourceCatalog.js';
import { dataConfigDigest } from './sourceDigests.js';
import type { AfterApplyHooks } from './sourceEffects.js';

export type RefreshStatus = 'success' | 'unchanged' | 'error';

/** The outcome of one source refresh. */
export interface RefreshOutcome extends ApplyCounts {
  namespace: string;
  plugin: string;
  sourceId: string;
  status: RefreshStatus;
  entityCount: number;
  rejectedCount: number;
  ingestErrors: IngestError[];
  error?: string;
  /** Facts the provider reported for the summary (a `maxModels` cap). */
  notices?: string[];
  /** A failure that an async job retries (network, timeout, remote 5xx/429, database faults), spec 05 §5.5. */
  retryable?: boolean;
  durationNs: number;
}

export type RefreshPhase = 'fetching' | 'parsing' | 'writing';

export interface RefreshOptions {
  /** Skip the unchanged-content check (spec 04 §13.3). */
  force?: boolean;
  /** Aborts the refresh: it throws RefreshAborted, writes nothing, and its transaction rolls back. */
  signal?: AbortSignal;
  /** Awaited: a job records its progress before the phase starts. */
  onPhase?: (phase: RefreshPhase) => Promise<void> | void;
  /**
   * Runs inside the write transaction after the entities and status are written and before commit;
   * throwing rolls everything back (an async job checks it still owns its job row, spec 05 §5.4).
   */
  beforeCommit?: (trx: Transaction<Database>, outcome: RefreshOutcome) => Promise<void>;
}

/** The refresh was aborted (job canceled, lost or shut down); nothing was committed or recorded. */
export class RefreshAborted extends Error {
  constructor(message = 'refresh aborted') {
    super(message);
    this.name = 'RefreshAborted';
  }
}

/**
 * The source was disabled or deleted while its refresh ran. The refresh fails with the reason and
 * records nothing: the disable or delete has already set the source's status and entities.
 */
class SourceWithdrawn extends Error {}

/** The source's configuration changed while its refresh ran with the previous one: refresh again. */
class ConfigChanged extends Error {
  constructor(readonly current: SourceConfig) {
    super('source configuration changed during the refresh');
  }
}

/** Refreshes one source tries before it commits what it has, although the configuration keeps changing. */
const CONFIG_ATTEMPTS = 3;

export interface RefreshSettings {
  maxBytes: number;
  maxItemsPerSource: number;
  refreshTimeoutSeconds: number;
}

/**
 * A refresh changing this many entities refreshes the planner statistics: right after a bulk load
 * autovacuum has not run yet, and row estimates of 1 turn semi-joins over child rows into nested
 * loops that take seconds.
 */
const ANALYZE_AFTER_ROWS = 1000;

/**
 * Refreshes sources: fetch through the source's provider, parse and validate every entry, and apply
 * the accepted set atomically (one transaction per source, digest-based change detection). A failed
 * refresh records its error and leaves the previous entities in place.
 */
export class SourceRefresher {
  /** The refreshes running now, by `namespace/plugin/sourceId`, so disable, delete and shutdown can stop them. */
  private readonly running = new Map<AbortController, string>();

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      registry: PluginRegistry;
      catalog: SourceCatalog;
      providers: Record<string, Provider>;
      settings: RefreshSettings;
      metrics: Metrics;
      versions: DataVersions;
      log: BaseLogger;
      /** Run at the end of every refresh transaction that changed the plugin's entities. */
      afterApply?: AfterApplyHooks;
      ingest: IngestWorkerPool;
    },
  ) {}

  /**
   * Refreshes one source with `source` as its configuration. A refresh that finds, under the source's
   * lock and before it commits, that the runtime view now holds another configuration of the source
   * (an apply landed meanwhile, perhaps on another replica) starts over with that one: committed
   * last, it would otherwise replace the newer configuration's data with the older's. This happens
   * when an apply's refresh request reuses a job that was already running (05 §5.3).
   */
  async refresh(namespace: string, plugin: RegisteredPlugin, source: SourceConfig, options: RefreshOptions = {}): Promise<RefreshOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.refreshOnce(namespace, plugin, source, options, attempt < CONFIG_ATTEMPTS);
      } catch (error) {
        if (!(error instanceof ConfigChanged)) throw error;
        this.deps.log.info({ namespace, plugin: plugin.name, sourceId: source.id }, 'source configuration changed during its refresh; refreshing again');
        source = error.current;
      }
    }
  }

  private async refreshOnce(
    namespace: string,
    plugin: RegisteredPlugin,
    source: SourceConfig,
    options: RefreshOptions,
    restartOnConfigChange: boolean,
  ): Promise<RefreshOutcome> {
    const started = process.hrtime.bigint();
    const key = { namespace, plugin: plugin.name, sourceId: source.id };
    const configDigest = dataConfigDigest(source);
    const outcome: RefreshOutcome = {
      ...key, status: 'success', added: 0, updated: 0, removed: 0, unchanged: 0,
      entityCount: 0, rejectedCount: 0, ingestErrors: [], durationNs: 0,
    };
    const finish = () => {
      outcome.durationNs = Number(process.hrtime.bigint() - started);
      this.deps.metrics.recordRefresh(outcome);
      // Every completed refresh, whatever its result, changes what discovery and counts report.
      this.deps.versions.bump(namespace, plugin.name);
      return outcome;
    };
    // One signal stops every phase of this refresh: fetch, ingest and the write before it commits.
    // Its reason says why: RefreshAborted (the job's signal), SourceWithdrawn, or a ProviderError.
    const stop = new AbortController();
    const onJobAbort = () => stop.abort(new RefreshAborted());
    if (options.signal?.aborted) onJobAbort();
    else options.signal?.addEventListener('abort', onJobAbort, { once: true });
    this.running.set(stop, sourceKeyText(key));
    const { signal } = stop;
    const checkAborted = () => {
      if (signal.aborted) throw signal.reason as Error;
    };
    try {
      const previous = await this.previousRefresh(key);
      const sameConfig = previous?.config_digest === configDigest && previous.state !== 'error';
      await options.onPhase?.('fetching');
      const fetched = await this.withTimeout((fetchSignal) => this.fetch(namespace, plugin, source, {
        previousState: sameConfig ? (previous?.provider_state ?? undefined) : undefined,
        force: options.force ?? false,
        signal: fetchSignal,
      }), signal);
      checkAborted();
      const unchangedResult = async () => {
        outcome.status = 'unchanged';
        outcome.entityCount = await this.countEntities(key);
        outcome.durationNs = Number(process.hrtime.bigint() - started);
        await this.writeStatus(this.deps.db, key, {
          state: previous?.state ?? 'available', outcome, contentDigest: null, configDigest, success: true, providerState: null,
        });
        return finish();
      };
      if (fetched.unchanged) return await unchangedResult();
      const { documents } = fetched;
      // Which entries failed, and whether they keep their stored version, decides the result as much as the documents do.
      const failures = (fetched.failedItems ?? []).map((f) => `${f.file}\n${f.message}`).concat(fetched.keep ?? []);
      const contentDigest = sha256Hex([...documents.map((d) => d.digest), ...failures].join(','));
      if (!options.force && sameConfig && previous?.content_digest === contentDigest) return await unchangedResult();
      await options.onPhase?.('parsing');
      const filters = this.deps.providers[source.type]?.filters?.(source) ?? source;
      // A stopped refresh stops its ingest at once rather than waiting for a large source to finish.
      const perKind = await this.ingest(plugin, source, filters, fetched, outcome, signal).catch((error: unknown) => {
        checkAborted();
        throw error;
      });
      const keepFilter = compileNameFilter(fetched.keep ?? [], []);
      const included = compileNameFilter(filters.includedItems, filters.excludedItems);
      const keep = (fetched.keep ?? []).length === 0 ? () => false : (name: string) => keepFilter(name) && included(name);
      outcome.notices = fetched.notices ?? [];
      await options.onPhase?.('writing');
      await inSourceTransaction(this.deps.db, key, async (trx) => {
        for (const [kind, entities] of perKind) {
          const counts = await applyKindEntities(trx, { ...key, kind }, entities, keep);
          outcome.added += counts.added;
          outcome.updated += counts.updated;
          outcome.removed += counts.removed;
          outcome.unchanged += counts.unchanged;
          outcome.entityCount += entities.length + counts.kept;
        }
        if (outcome.added + outcome.updated + outcome.removed > 0) await this.deps.afterApply?.get(plugin.name)?.(trx, namespace);
        outcome.durationNs = Number(process.hrtime.bigint() - started);
        await this.writeStatus(trx, key, {
          state: outcome.rejectedCount > 0 ? 'partially_available' : 'available',
          outcome, contentDigest, configDigest, success: true, providerState: fetched.state ?? null,
        });
        checkAborted();
        await options.beforeCommit?.(trx, outcome);
        // After beforeCommit, which locks a job's row: a request that would reuse this job waits for
        // the commit and then gets a new job, so a change it carries is either seen here or refreshed anew.
        const current = this.deps.catalog.sources(namespace, plugin.name).find((s) => s.id === source.id);
        if (restartOnConfigChange && current && dataConfigDigest(current) !== configDigest) throw new ConfigChanged(current);
      });
      if (outcome.added + outcome.updated + outcome.removed >= ANALYZE_AFTER_ROWS) await this.analyze();
      this.deps.metrics.setSourceEntities(key, outcome.entityCount);
      return finish();
    } catch (error) {
      if (error instanceof RefreshAborted || error instanceof ConfigChanged) throw error;
      outcome.status = 'error';
      if (error instanceof SourceWithdrawn) {
        outcome.error = error.message;
        this.deps.log.info({ ...key, reason: error.message }, 'source refresh stopped');
        return finish();
      }
      outcome.error = error instanceof ProviderError || error instanceof IngestFailure ? error.message : 'internal error during refresh';
      // Transient provider faults and anything unexpected (database, bugs) may succeed on a retry;
      // bad data, bad configuration and limits will not.
      outcome.retryable = error instanceof ProviderError ? error.retryable : !(error instanceof IngestFailure);
      if (!(error instanceof ProviderError || error instanceof IngestFailure)) {
        this.deps.log.error({ ...key, err: error }, 'source refresh failed unexpectedly');
      } else {
        this.deps.log.warn({ ...key, error: outcome.error }, 'source refresh failed');
      }
      const remaining = await this.countEntities(key);
      outcome.entityCount = remaining;
      outcome.durationNs = Number(process.hrtime.bigint() - started);
      await this.writeStatus(this.deps.db, key, {
        state: remaining > 0 ? 'partially_available' : 'error', outcome, contentDigest: null, configDigest, success: false, providerState: null,
      });
      return finish();
    } finally {
      options.signal?.removeEventListener('abort', onJobAbort);
      this.running.delete(stop);
    }
  }

  /**
   * Refreshes every enabled source of every active plugin (or of `onlyPlugin`) in the given
   * namespaces, `concurrency` at a time. Failures are recorded per source, never thrown.
   */
  async refreshAll(
    namespaces: readonly string[],
    concurrency: number,
    onDone: (outcome: RefreshOutcome) => void = () => undefined,
    onlyPlugin?: string,
  ): Promise<RefreshOutcome[]> {
    const work: (() => Promise<RefreshOutcome>)[] = [];
    for (const namespace of namespaces) {
      for (const plugin of this.deps.registry.list()) {
        if (plugin.state !== 'active' || (onlyPlugin !== undefined && plugin.name !== onlyPlugin)) continue;
        for (const source of this.deps.catalog.sources(namespace, plugin.name)) {
          if (source.enabled) work.push(() => this.refresh(namespace, plugin, source));
        }
      }
    }
    return runLimited(work, concurrency, onDone);
  }

  /** The number of enabled sources `refreshAll` would visit. */
  countRefreshable(namespaces: readonly string[]): number {
    let n = 0;
    for (const namespace of namespaces) {
      for (const plugin of this.deps.registry.list()) {
        if (plugin.state === 'active') n += this.deps.catalog.sources(namespace, plugin.name).filter((s) => s.enabled).length;
      }
    }
    return n;
  }

  private async fetch(
    namespace: string,
    plugin: RegisteredPlugin,
    source: SourceConfig,
    options: { previousState?: Record<string, unknown>; force: boolean; signal: AbortSignal },
  ): Promise<FetchResult> {
    if (source.problems.length > 0) throw new ProviderError(source.problems.join('; '));
    if (!plugin.decl.sourceTypes.includes(source.type)) {
      throw new ProviderError(`unsupported source type "${source.type}" for plugin "${plugin.name}"; supported types: ${plugin.decl.sourceTypes.join(', ')}`);
    }
    const provider = this.deps.providers[source.type];
    if (!provider) throw new ProviderError(`source type "${source.type}" is not available in this server build`);
    return provider.fetch({ source, location: { namespace, plugin: plugin.name, sourceId: source.id }, ...options });
  }

  /** Ingests the fetched documents in a worker thread (stopped when `signal` aborts) and reports the rejections into `outcome`. */
  private async ingest(
    plugin: RegisteredPlugin,
    source: SourceConfig,
    filters: { includedItems: readonly string[]; excludedItems: readonly string[] },
    fetched: { documents: FetchedDocument[]; failedDocuments?: FailedDocument[]; failedItems?: FailedItem[] },
    outcome: RefreshOutcome,
    signal: AbortSignal,
  ): Promise<Map<string, PreparedEntity[]>> {
    const { settings } = this.deps;
    const ingesting = this.deps.ingest.ingest(plugin, {
      documents: fetched.documents.map(({ file, text, provenance }) => ({ file, text, provenance })),
      failedDocuments: fetched.failedDocuments ?? [],
      failedItems: fetched.failedItems ?? [],
      includedItems: filters.includedItems,
      excludedItems: filters.excludedItems,
      maxBytes: settings.maxBytes,
      maxItemsPerSource: settings.maxItemsPerSource,
    }, signal);
    const result = await ingesting;
    outcome.rejectedCount += result.rejectedCount;
    for (const item of result.rejections) {
      if (outcome.ingestErrors.length < MAX_INGEST_ERRORS) outcome.ingestErrors.push(item);
      this.deps.log.warn({ namespace: outcome.namespace, plugin: plugin.name, sourceId: source.id, ...item }, 'entry rejected');
    }
    return new Map(result.perKind);
  }

  private async analyze(): Promise<void> {
    try {
      await sql`ANALYZE catalog_entities, catalog_entity_children`.execute(this.deps.db);
    } catch (error) {
      this.deps.log.warn({ err: error }, 'ANALYZE after a large refresh failed');
    }
  }

  private previousRefresh(key: { namespace: string; plugin: string; sourceId: string }) {
    return this.deps.db
      .selectFrom('catalog_refresh_status')
      .select(['content_digest', 'config_digest', 'state', 'provider_state'])
      .where('namespace', '=', key.namespace)
      .where('plugin', '=', key.plugin)
      .where('source_id', '=', key.sourceId)
      .executeTakeFirst();
  }

  private async countEntities(key: { namespace: string; plugin: string; sourceId: string }): Promise<number> {
    const row = await this.deps.db
      .selectFrom('catalog_entities')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('namespace', '=', key.namespace)
      .where('plugin', '=', key.plugin)
      .where('source_id', '=', key.sourceId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private async writeStatus(
    db: Kysely<Database>,
    key: { namespace: string; plugin: string; sourceId: string },
    input: {
      state: string;
      outcome: RefreshOutcome;
      contentDigest: string | null;
      configDigest: string;
      success: boolean;
      providerState: Record<string, unknown> | null;
    },
  ): Promise<void> {
    const now = new Date();
    const { outcome } = input;
    const summary = !input.success
      ? 'Refresh failed'
      : outcome.status === 'unchanged'
        ? `Unchanged: ${outcome.entityCount} entities`
        : `Loaded ${outcome.entityCount} entities${outcome.removed > 0 ? `, removed ${outcome.removed}` : ''}${(outcome.notices ?? []).map((n) => `; ${n}`).join('')}`;
    // An unchanged refresh keeps what the last loading refresh recorded about content and rejections.
    const unchanged = outcome.status === 'unchanged';
    const values = {
      state: input.state,
      last_refresh_status: input.success ? 'success' : 'error',
      last_refresh_summary: summary,
      entity_count: input.outcome.entityCount,
      ...(unchanged ? {} : { rejected_count: input.outcome.rejectedCount, ingest_errors: JSON.stringify(input.outcome.ingestErrors) }),
      last_error: input.outcome.error ?? null,
      config_digest: input.configDigest,
      last_refresh_at: now,
      duration_ns: input.outcome.durationNs,
      updated_at: now,
      ...(input.success && !unchanged
        ? { content_digest: input.contentDigest, provider_state: input.providerState ? JSON.stringify(input.providerState) : null }
        : {}),
      ...(input.success ? { last_success_at: now } : {}),
    };
    await db
      .insertInto('catalog_refresh_status')
      .values({ namespace: key.namespace, plugin: key.plugin, source_id: key.sourceId, ...values })
      .onConflict((oc) => oc.columns(['namespace', 'plugin', 'source_id']).doUpdateSet(values))
      .execute();
  }

  /**
   * Stops the running refreshes of a source that is being disabled or deleted, in whichever phase
   * they are (04 §13.6): they fail with `reason`, commit nothing and record nothing, so data of a
   * source that no longer serves it never lands after the disable or delete removed it.
   */
  withdraw(reason: string, key: { namespace: string; plugin: string; sourceId: string }): void {
    const text = sourceKeyText(key);
    for (const [controller, running] of this.running) {
      if (running === text) controller.abort(new SourceWithdrawn(reason));
    }
  }

  /** Stops every running refresh (shutdown): each fails with `reason`, recorded, and keeps the previous data. */
  abortAll(reason: string): void {
    for (const controller of this.running.keys()) controller.abort(new ProviderError(reason));
  }

  /**
   * Runs `work` within the refresh timeout; on expiry or when the refresh stops, the signal handed to
   * `work` stops what the provider still has running.
   */
  private withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, refreshSignal: AbortSignal): Promise<T> {
    const seconds = this.deps.settings.refreshTimeoutSeconds;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const onStop = () => controller.abort(refreshSignal.reason);
    return Promise.race([
      work(controller.signal),
      new Promise<never>((_, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
        timer = setTimeout(() => controller.abort(new ProviderError(`refresh timed out after ${seconds}s`, undefined, true)), seconds * 1000);
        if (refreshSignal.aborted) onStop();
        else refreshSignal.addEventListener('abort', onStop, { once: true });
      }),
    ]).finally(() => {
      clearTimeout(timer);
      refreshSignal.removeEventListener('abort', onStop);
    });
  }
}

function sourceKeyText(key: { namespace: string; plugin: string; sourceId: string }): string {
  return `${key.namespace}/${key.plugin}/${key.sourceId}`;
}

/** Runs `work` at most `concurrency` at a time, results in input order. */
export async function runLimited<T>(work: (() => Promise<T>)[], concurrency: number, onDone: (value: T) => void): Promise<T[]> {
  const results: T[] = new Array(work.length);
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const index = next++;
      results[index] = await work[index]();
      onDone(results[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, work.length)) }, worker));
  return results;
}
