import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BaseLogger } from 'pino';
import type { SourceConfig } from '../config/sourcesDocument.js';
import type { PluginRegistry } from '../framework/PluginRegistry.js';
import type { Leadership } from '../ha/Leadership.js';
import { parseDurationSeconds } from '../providers/sourceProperties.js';
import type { SourceCatalog } from './SourceCatalog.js';
import type { RefreshService } from './RefreshService.js';

const TICK_MS = 5_000;
/** `syncInterval` default and minimum per remote type (04 §14.2, §14.3; 03 §14.1). */
const SYNC_SECONDS: Record<string, { fallback: number; min: number }> = {
  git: { fallback: 3600, min: 10 },
  http: { fallback: 3600, min: 10 },
  hf: { fallback: 24 * 3600, min: 1 },
};

/**
 * Background refreshes (spec 02 §2.7, 04 §8.8 step 3, §13.10): every 5 s, `yaml` files with `watch`
 * (default true) are re-read when their size or modification time changed, and `git` and `http`
 * sources are synced once `syncInterval` (default 1h, at least 10s) has passed since they were last
 * seen or synced, unless pinned to a `revision`; `hf` sources likewise (default 24h, at least 1s). Each tick reads the current runtime view, so sources
 * added, changed, disabled or removed by the API or by reconcile are followed without restarting
 * anything. Refreshes of one source never overlap. With leader election on, only the leader refreshes
 * (04 §8.8, 05 §7.3); a follower keeps its file stamps current, and once it leads, sources whose
 * sync is overdue are synced on its first tick.
 */
export class SourceScheduler {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Set<string>();
  /** Per source: the watched path and its size/mtime stamp, or the time of the last sync. */
  private readonly fileStamps = new Map<string, { path: string; stamp: string }>();
  private readonly lastSync = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly deps: {
      registry: PluginRegistry;
      catalog: SourceCatalog;
      refreshes: RefreshService;
      baseDir: string;
      leadership: Leadership;
      log: BaseLogger;
    },
  ) {}

  /**
   * Records the size and modification time of every watched file. Call it BEFORE the initial load
   * reads the files, so an edit made while the load runs is still seen as a change.
   */
  async snapshot(): Promise<void> {
    for (const { key, source } of this.enabledSources()) {
      const path = this.watchedPath(source);
      if (path !== undefined) this.fileStamps.set(key, { path, stamp: await stamp(path) });
    }
  }

  /** Starts the periodic checks; call after the initial load. */
  start(): void {
    const now = Date.now();
    for (const { key } of this.enabledSources()) this.lastSync.set(key, now);
    this.timer = setInterval(() => {
      this.tick().catch((error: Error) => this.deps.log.error({ err: error }, 'scheduled source refresh failed'));
    }, TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    const due: { namespace: string; plugin: string; source: SourceConfig; reason: string }[] = [];
    for (const entry of this.enabledSources()) {
      const { key, source } = entry;
      if (source.type === 'yaml') {
        const path = this.watchedPath(source);
        if (path === undefined) continue;
        const current = await stamp(path);
        const previous = this.fileStamps.get(key);
        this.fileStamps.set(key, { path, stamp: current });
        // A source first seen here (applied or reconciled) was just refreshed by whoever added it.
        if (previous !== undefined && previous.path === path && previous.stamp !== current) due.push({ ...entry, reason: 'source file changed' });
      } else if (source.type in SYNC_SECONDS) {
        if (source.type === 'git' && typeof source.properties.revision === 'string' && source.properties.revision !== '') continue;
        const { fallback, min } = SYNC_SECONDS[source.type];
        const seconds = parseDurationSeconds(source.properties.syncInterval ?? fallback);
        // Invalid or 0: no periodic sync (an invalid value is already reported by validation and refresh).
        if (seconds === undefined || seconds < min) continue;
        const last = this.lastSync.get(key);
        if (last === undefined) this.lastSync.set(key, now);
        else if (now - last >= seconds * 1000) due.push({ ...entry, reason: 'sync interval elapsed' });
      }
    }
    if (!this.deps.leadership.runsSingletonTasks()) return;
    await Promise.all(due.map(({ namespace, plugin, source, reason }) => this.refresh(namespace, plugin, source, reason)));
  }

  private *enabledSources(): Generator<{ key: string; namespace: string; plugin: string; source: SourceConfig }> {
    for (const namespace of this.deps.catalog.namespaces()) {
      for (const plugin of this.deps.registry.list()) {
        for (const source of this.deps.catalog.sources(namespace, plugin.name)) {
          if (source.enabled) yield { key: `${namespace}/${plugin.name}/${source.id}`, namespace, plugin: plugin.name, source };
        }
      }
    }
  }

  private watchedPath(source: SourceConfig): string | undefined {
    const configured = source.properties.yamlCatalogPath ?? source.properties.path;
    if (source.type !== 'yaml' || source.properties.watch === false || typeof configured !== 'string') return undefined;
    if (typeof source.properties.content === 'string' || typeof source.properties.managedContent === 'string') return undefined;
    return resolve(this.deps.baseDir, configured);
  }

  private async refresh(namespace: string, pluginName: string, source: SourceConfig, reason: string): Promise<void> {
    const key = `${namespace}/${pluginName}/${source.id}`;
    const plugin = this.deps.registry.get(pluginName);
    if (this.running.has(key) || this.stopped || plugin?.state !== 'active') return;
    this.running.add(key);
    this.lastSync.set(key, Date.now());
    try {
      this.deps.log.info({ namespace, plugin: pluginName, sourceId: source.id }, `${reason}; refreshing`);
      await this.deps.refreshes.refreshOne(namespace, plugin, source);
    } finally {
      this.running.delete(key);
    }
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
