import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SourceCatalog } from '../sources/SourceCatalog.js';
import type { EntityLink } from './links.js';
import type { PluginRegistry } from './PluginRegistry.js';

export interface ResolvedLink extends EntityLink {
  resolved: boolean;
  sourceId?: string;
  href?: string;
}

/**
 * Resolves the links of a page of entities at read time, in the request's namespace only, with ONE
 * query for the whole page (spec 02 §2.6). A link resolves to the entity get-by-name would return:
 * the first enabled source of the target plugin, in source order.
 */
export async function resolveLinks(
  db: Kysely<Database>,
  namespace: string,
  pages: readonly (readonly EntityLink[])[],
  deps: { registry: PluginRegistry; catalog: SourceCatalog },
): Promise<ResolvedLink[][]> {
  const targets = new Map<string, { plugin: string; kind: string; name: string }>();
  for (const links of pages) {
    for (const link of links) targets.set(targetKey(link), { plugin: link.plugin, kind: link.kind, name: link.name });
  }
  const winners = new Map<string, string>();
  if (targets.size > 0) {
    const tuples = [...targets.values()].map((t) => sql`(${t.plugin}, ${t.kind}, ${t.name})`);
    const rows = await db
      .selectFrom('catalog_entities')
      .select(['plugin', 'kind', 'name', 'source_id'])
      .where('namespace', '=', namespace)
      .where(sql<boolean>`(plugin, kind, name) IN (${sql.join(tuples)})`)
      .execute();
    for (const row of rows) {
      const order = deps.catalog.enabledSourceIds(namespace, row.plugin);
      const rank = order.indexOf(row.source_id);
      if (rank < 0) continue;
      const key = targetKey(row);
      const current = winners.get(key);
      if (current === undefined || rank < order.indexOf(current)) winners.set(key, row.source_id);
    }
  }
  return pages.map((links) =>
    links.map((link) => {
      const sourceId = winners.get(targetKey(link));
      if (sourceId === undefined) return { ...link, resolved: false };
      return { ...link, resolved: true, sourceId, href: hrefFor(link, sourceId, deps.registry) };
    }),
  );
}

function targetKey(t: { plugin: string; kind: string; name: string }): string {
  return JSON.stringify([t.plugin, t.kind, t.name]);
}

function hrefFor(link: EntityLink, sourceId: string, registry: PluginRegistry): string | undefined {
  const plugin = registry.get(link.plugin);
  const kind = plugin?.kindByName(link.kind);
  if (!plugin || !kind) return undefined;
  // Model names contain `/`; the model plugin's canonical entity URL is per source (spec 03).
  if (link.kind === 'CatalogModel') return `${plugin.basePath}/sources/${encodeURIComponent(sourceId)}/models/${link.name}`;
  return `${kind.listPath}/${link.name}`;
}
