import { isRecord } from './capabilities.js';
import type { ConformanceRun } from './ConformanceRun.js';

async function leftovers(run: ConformanceRun, basePath: string, namespace: string | null): Promise<string[]> {
  const response = await run.request({ path: `${basePath}/management/sources`, query: { includeContent: false }, namespace });
  if (response.status !== 200 || !isRecord(response.body) || !Array.isArray(response.body.sources)) {
    throw new Error(`GET sources${namespace ? ` in ${namespace}` : ''} answered ${response.status}`);
  }
  return response.body.sources.map((s) => (isRecord(s) ? s.id : undefined)).filter((id): id is string => typeof id === 'string' && id.startsWith(run.prefix));
}

/**
 * 4.2 item 6: deletes every source of the run (id prefix conformance-<runId>) in the run's namespaces,
 * whatever failed before; recorded as <P>.sources.cleanup when category C runs for the plugin.
 */
export async function cleanup(run: ConformanceRun, record: boolean): Promise<void> {
  const namespaces = [...new Set([run.namespace, run.otherNamespace].filter((n) => n !== null || run.mode === 'single'))];
  for (const plugin of run.plugins) {
    const capabilities = await run.capabilitiesDoc(plugin.name);
    const category = record ? run.category('C', 'sources', plugin.name) : undefined;
    const name = `${plugin.name}.sources.cleanup`;
    if (!capabilities?.sources) {
      category?.skipAll('plugin declares no sources', [name]);
      continue;
    }
    if (!run.options.mutate) {
      category?.skipAll('requires --mutate', [name]);
      continue;
    }
    const work = async (): Promise<string> => {
      let deleted = 0;
      for (const namespace of namespaces) {
        for (const id of await leftovers(run, plugin.basePath, namespace)) {
          const response = await run.request({ method: 'DELETE', path: `${plugin.basePath}/management/sources/${encodeURIComponent(id)}`, namespace });
          if (response.status !== 200 && response.status !== 204 && response.status !== 404) throw new Error(`DELETE ${id} answered ${response.status}`);
          deleted++;
        }
        const remaining = await leftovers(run, plugin.basePath, namespace);
        if (remaining.length > 0) throw new Error(`sources remain${namespace ? ` in ${namespace}` : ''}: ${remaining.join(', ')}`);
      }
      return deleted === 0 ? 'nothing left to delete' : `deleted ${deleted} leftover source(s)`;
    };
    if (category) await category.check(name, work);
    else await work().catch(() => undefined);
  }
}
