/** A committed change to one plugin's data or sources in one namespace; `remote` when another replica made it. */
export interface DataChange {
  namespace: string;
  plugin: string;
  remote: boolean;
}

/**
 * The one place every committed change to a plugin's entities, sources or overlays is announced:
 * apply, enable, disable, delete, rollback, refresh completion (sync, job, action, reconcile,
 * initial load) and overlays all call `bump` after their commit.
 *
 * `bump` advances a per-(namespace, plugin) version that caches of derived answers (list counts) key
 * on, so they never serve a value older than this replica's last write, and tells every listener:
 * the discovery/capabilities cache clears itself and the notification bridge publishes the change on
 * `catalog_cache_invalidate` so other replicas do the same (spec 05 §6, §7.1).
 */
export class DataVersions {
  private readonly versions = new Map<string, number>();
  private readonly listeners = new Set<(change: DataChange) => void>();

  get(namespace: string, plugin: string): string {
    return String(this.versions.get(`${namespace}/${plugin}`) ?? 0);
  }

  bump(namespace: string, plugin: string): void {
    this.advance({ namespace, plugin, remote: false });
  }

  /** A change another replica announced: same effect, not re-published. */
  applyRemote(namespace: string, plugin: string): void {
    this.advance({ namespace, plugin, remote: true });
  }

  onChange(listener: (change: DataChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private advance(change: DataChange): void {
    const key = `${change.namespace}/${change.plugin}`;
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
    for (const listener of this.listeners) listener(change);
  }
}
