/**
 * A per-(namespace, plugin) counter bumped after every committed change to that plugin's entities
 * (refresh; overlays and governance as they are written). Caches of derived answers (list counts)
 * key on it, so they can never serve a value older than this replica's last write.
 */
export class DataVersions {
  private readonly versions = new Map<string, number>();

  get(namespace: string, plugin: string): string {
    return String(this.versions.get(`${namespace}/${plugin}`) ?? 0);
  }

  bump(namespace: string, plugin: string): void {
    const key = `${namespace}/${plugin}`;
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
  }
}
