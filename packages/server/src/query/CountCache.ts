import { LRUCache } from 'lru-cache';

/**
 * `totalSize` of recent list queries, keyed by the query and a data version. Within one replica the
 * version changes with every write to the kind, so a count is never stale; the TTL bounds how long a
 * count can trail a write made on another replica.
 */
export class CountCache {
  private readonly cache: LRUCache<string, number>;

  constructor(options: { max: number; ttlMs: number }) {
    this.cache = new LRUCache({ max: options.max, ttl: options.ttlMs });
  }

  get(key: string): number | undefined {
    return this.cache.get(key);
  }

  set(key: string, count: number): void {
    this.cache.set(key, count);
  }
}
