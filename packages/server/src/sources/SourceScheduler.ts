import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BaseLogger } from 'pino';
import type { SourceConfig } from '../config/sourcesDocument.js';
import type { PluginRegistry } from '../framework/PluginRegistry.js';
import { parseDurationSeconds } from '../providers/sourceProperties.js';
import type { SourceCatalog } from './SourceCatalog.js';
import type { SourceRefresher } from './SourceRefresher.js';

const WATCH_INTERVAL_MS = 5_000;
const DEFAULT_SYNC_SECONDS = 3600;
const MIN_SYNC_SECONDS = 10;

/**
 * Background refreshes (spec 02 §2.7): `yaml` files with `watch` (default true) are re-read when
 * their size or modification time changes, checked every 5 s; `git` and `http` sources are synced
 * every `syncInterval` (default 1h, at least 10s) unless pinned to a `revision`. Refreshes of one
 * source never overlap: the refresher serializes them with a per-source database lock, and this
 * scheduler never starts a second one for a source whose previous run is still going.
 */
export class SourceScheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<string>();
  private readonly fileStamps = new Map<string, string>();
  private stopped = false;

  constructor(
    private readonly deps: {
      registry: PluginRegistry;
      catalog: SourceCatalog;
      refresher: SourceRefresher;
      baseDir: string;
      log: BaseLogger;
    },
  ) {}

  /**
   * Records the size and modification time of every watched file. Call it BEFORE the initial load
   * reads the files, so an edit made while the load runs is still seen as a change.
   */
  async snapshot(): Promise<void> {
    for (const { namespace, plugin, source } of this.enabledSources()) {
      const path = this.watchedPath(source);
      if (path !== undefined) this.fileStamps.set(`${namespace}/${plugin}/${source.id}`, await stamp(path));
    }
  }

  /** Starts watching files and syncing remote sources; call after the initial load. */
  start(): void {
    for (const { namespace, plugin, source } of this.enabledSources()) {
      if (source.type === 'yaml') this.watchFile(namespace, plugin, source);
      else if (source.type === 'git' || source.type === 'http') this.syncPeriodically(namespace, plugin, source);
    }
  }

  private *enabledSources(): Generator<{ namespace: string; plugin: string; source: SourceConfig }> {
    for (const namespace of this.deps.catalog.namespaces()) {
      for (const plugin of this.deps.registry.list()) {
        for (const source of this.deps.catalog.sources(namespace, plugin.name)) {
          if (source.enabled) yield { namespace, plugin: plugin.name, source };
        }
      }
    }
  }

  private watchedPath(source: SourceConfig): string | undefined {
    const configured = source.properties.yamlCatalogPath ?? source.properties.path;
    if (source.type !== 'yaml' || source.properties.watch === false || typeof configured !== 'string') return undefined;
    if (typeof source.properties.content === 'string') return undefined;
    return resolve(this.deps.baseDir, configured);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
  }

  private watchFile(namespace: string, plugin: string, source: SourceConfig): void {
    const path = this.watchedPath(source);
    if (path === undefined) return;
    const key = `${namespace}/${plugin}/${source.id}`;
    this.every(WATCH_INTERVAL_MS, async () => {
      const current = await stamp(path);
      if (current === this.fileStamps.get(key)) return;
      this.fileStamps.set(key, current);
      this.deps.log.info({ namespace, plugin, sourceId: source.id }, 'source file changed; refreshing');
      await this.refresh(namespace, plugin, source);
    });
  }

  private syncPeriodically(namespace: string, plugin: string, source: SourceConfig): void {
    if (source.type === 'git' && typeof source.properties.revision === 'string' && source.properties.revision !== '') return;
    const seconds = parseDurationSeconds(source.properties.syncInterval ?? `${DEFAULT_SYNC_SECONDS}s`);
    if (seconds === undefined || seconds < MIN_SYNC_SECONDS) return; // invalid: the source already reports the validation error
    this.every(seconds * 1000, () => this.refresh(namespace, plugin, source));
  }

  private async refresh(namespace: string, pluginName: string, source: SourceConfig): Promise<void> {
    const key = `${namespace}/${pluginName}/${source.id}`;
    const plugin = this.deps.registry.get(pluginName);
    if (this.running.has(key) || this.stopped || plugin?.state !== 'active') return;
    // The configuration may have changed since the timer started (apply, disable, delete, reconcile).
    const current = this.deps.catalog.sources(namespace, pluginName).find((s) => s.id === source.id);
    if (!current?.enabled) return;
    this.running.add(key);
    try {
      await this.deps.refresher.refresh(namespace, plugin, current);
    } finally {
      this.running.delete(key);
    }
  }

  private every(ms: number, task: () => Promise<void>): void {
    const timer = setInterval(() => {
      task().catch((error: Error) => this.deps.log.error({ err: error }, 'scheduled source refresh failed'));
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }
}

async function stamp(path: string): Promise<string> {
  try {
    const info = await stat(path);
    return `${info.size}:${info.mtimeMs}`;
  } catch {
    return 'missing';
  }
}
