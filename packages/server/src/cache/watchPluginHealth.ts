import type { DiscoveryCache } from './DiscoveryCache.js';

interface HealthChecked {
  readonly name: string;
  checkHealth(options: { fresh: boolean }): Promise<{ healthy: boolean }>;
}

/**
 * Re-evaluates every plugin's health every `everyMs` so a flip shows in discovery within that time
 * (spec 05 §6); every replica does this itself, so nothing is published. The first evaluation runs at
 * once and counts as a change: a body cached before it had no baseline to be compared with, and a flip
 * in that window would otherwise be served until the entry's TTL. Each evaluation is fresh, because a
 * value from the 1 s request cache may predate a flip and delay noticing it by a whole period.
 */
export function watchPluginHealth(plugins: () => readonly HealthChecked[], cache: Pick<DiscoveryCache, 'invalidatePlugin'>, everyMs: number): NodeJS.Timeout {
  const last = new Map<string, boolean>();
  const evaluate = () => {
    void Promise.all(plugins().map(async (plugin) => {
      const { healthy } = await plugin.checkHealth({ fresh: true });
      if (last.get(plugin.name) !== healthy) cache.invalidatePlugin(plugin.name);
      last.set(plugin.name, healthy);
    })).catch(() => undefined);
  };
  evaluate();
  const timer = setInterval(evaluate, everyMs);
  timer.unref();
  return timer;
}
