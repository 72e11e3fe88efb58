import { LRUCache } from 'lru-cache';

export type CacheName = 'discovery' | 'capabilities';

export interface DiscoveryCacheSettings {
  enabled: boolean;
  discoveryTtlSeconds: number;
  capabilitiesTtlSeconds: number;
  maxSize: number;
}

/**
 * The two response caches of spec 05 §6: `GET /api/plugins` (discovery) and
 * `GET /api/plugins/{name}/capabilities`. Real LRUs (a read refreshes recency, not the TTL) holding
 * the serialized body of 200 answers, keyed by namespace (and plugin); identity is not in the key
 * because the body does not depend on it and authorization ran before the handler.
 */
export class DiscoveryCache {
  private readonly caches: Record<CacheName, LRUCache<string, string>>;
  /** While the notification listener is down, other replicas' changes would go unseen: bypass. */
  private bypassed: () => boolean = () => false;
  /** Counts invalidations, so an answer computed before one is never stored after it. */
  private generation = 0;

  constructor(
    private readonly settings: DiscoveryCacheSettings,
    private readonly recordLookup: (cache: CacheName, hit: boolean) => void = () => undefined,
  ) {
    const max = Math.max(1, settings.maxSize);
    this.caches = {
      discovery: new LRUCache({ max, ttl: settings.discoveryTtlSeconds * 1000, updateAgeOnGet: false }),
      capabilities: new LRUCache({ max, ttl: settings.capabilitiesTtlSeconds * 1000, updateAgeOnGet: false }),
    };
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** `isBypassed` is consulted on every lookup (the notification connection state). */
  bypassWhen(isBypassed: () => boolean): void {
    this.bypassed = isBypassed;
  }

  get(cache: CacheName, key: string): string | undefined {
    if (!this.settings.enabled) return undefined;
    const body = this.bypassed() ? undefined : this.caches[cache].get(key);
    this.recordLookup(cache, body !== undefined);
    return body;
  }

  /** Taken before computing an answer, and given to `set` with it. */
  snapshot(): number {
    return this.generation;
  }

  /**
   * Stores an answer computed since `snapshot` was taken, unless an invalidation came in between:
   * that answer may predate the change, and storing it would serve the old state for a whole TTL.
   */
  set(cache: CacheName, key: string, body: string, snapshot: number): void {
    if (!this.settings.enabled || this.bypassed() || snapshot !== this.generation) return;
    this.caches[cache].set(key, body);
  }

  /** Clears discovery entirely and the capabilities of `plugin` in every namespace. */
  invalidatePlugin(plugin: string): void {
    this.generation++;
    this.caches.discovery.clear();
    for (const key of [...this.caches.capabilities.keys()]) {
      if (key.endsWith(`\u0000${plugin}`)) this.caches.capabilities.delete(key);
    }
  }

  invalidateAll(): void {
    this.generation++;
    this.caches.discovery.clear();
    this.caches.capabilities.clear();
  }

  static key(namespace: string, plugin?: string): string {
    return plugin === undefined ? namespace : `${namespace}\u0000${plugin}`;
  }
}
