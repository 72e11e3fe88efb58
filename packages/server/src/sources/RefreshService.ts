import type { SourceConfig } from '../config/sourcesDocument.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { RegisteredPlugin } from '../framework/PluginRegistry.js';
import { combineRefreshResults, toRefreshResult, type RefreshResult } from './refreshResult.js';
import type { SourceCatalog } from './SourceCatalog.js';
import { runLimited, type RefreshOptions, type RefreshOutcome, type SourceRefresher } from './SourceRefresher.js';

/**
 * On-demand refreshes shared by the refresh endpoints, the source action `refresh` and the job
 * workers (spec 04 §5.9–5.10, §13.7, §16.4): source checks and synchronous refresh of one source or
 * of every enabled source of a plugin, `CATALOG_REFRESH_CONCURRENCY` at a time.
 */
export class RefreshService {
  constructor(
    private readonly deps: {
      catalog: SourceCatalog;
      /** The refresher exists once the database is open; requests arrive only after that. */
      refresher: () => SourceRefresher;
      concurrency: number;
    },
  ) {}

  /** The source a single-source refresh targets: 404 when unknown, 409 when disabled (04 §5.10). */
  source(namespace: string, plugin: string, sourceId: string): SourceConfig {
    const source = this.deps.catalog.sources(namespace, plugin).find((s) => s.id === sourceId);
    if (!source) throw new NotFoundError(`source "${sourceId}" not found`);
    if (!source.enabled) throw new ConflictError(`source "${sourceId}" is disabled`);
    return source;
  }

  /** The enabled sources of a plugin in source order: what refresh-all covers. */
  enabledSources(namespace: string, plugin: string): SourceConfig[] {
    return this.deps.catalog.sources(namespace, plugin).filter((s) => s.enabled);
  }

  /**
   * Refreshes one source now with its current configuration: what apply, enable, rollback and
   * reconcile run (04 §13.7: no rate limit, no job). `undefined` when the source is gone.
   */
  async refreshCurrent(namespace: string, plugin: RegisteredPlugin, sourceId: string, options: RefreshOptions = {}): Promise<RefreshOutcome | undefined> {
    const source = this.deps.catalog.sources(namespace, plugin.name).find((s) => s.id === sourceId);
    return source ? this.refreshOne(namespace, plugin, source, options) : undefined;
  }

  /** Stops the running refreshes of a source that is being disabled or deleted (04 §13.6). */
  withdraw(reason: string, key: { namespace: string; plugin: string; sourceId: string }): void {
    this.deps.refresher().withdraw(reason, key);
  }

  async refreshOne(namespace: string, plugin: RegisteredPlugin, source: SourceConfig, options: RefreshOptions = {}): Promise<RefreshOutcome> {
    return this.deps.refresher().refresh(namespace, plugin, source, options);
  }

  /**
   * Refreshes `sources` (default: every enabled one), each in its own transaction; `perSource`
   * supplies options per source and `onDone` sees each outcome as it completes.
   */
  async refreshMany(
    namespace: string,
    plugin: RegisteredPlugin,
    perSource: (source: SourceConfig) => RefreshOptions = () => ({}),
    onDone: (outcome: RefreshOutcome) => void = () => undefined,
    sources: readonly SourceConfig[] = this.enabledSources(namespace, plugin.name),
  ): Promise<RefreshResult> {
    const started = process.hrtime.bigint();
    const outcomes = await runLimited(
      sources.map((source) => () => this.refreshOne(namespace, plugin, source, perSource(source))),
      this.deps.concurrency,
      onDone,
    );
    return combineRefreshResults(outcomes.map(toRefreshResult), Number(process.hrtime.bigint() - started));
  }
}
