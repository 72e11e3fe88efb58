import type { CatalogSection, SourceConfig, SourcesDocument } from '../config/sourcesDocument.js';
import type { PluginRegistry } from '../framework/PluginRegistry.js';

/**
 * The runtime view of the configured sources: for each namespace and plugin, the sources in source
 * order (configuration order), which decides get-by-name and which entities are served.
 */
export class SourceCatalog {
  private readonly byNamespace = new Map<string, Map<string, CatalogSection>>();

  constructor(private readonly registry: PluginRegistry) {}

  /** Replaces the view of one namespace with its configuration document. */
  setNamespace(namespace: string, document: SourcesDocument): { unknownCatalogKeys: string[] } {
    const plugins = new Map<string, CatalogSection>();
    const unknownCatalogKeys: string[] = [];
    for (const [configKey, section] of Object.entries(document.catalogs)) {
      const plugin = this.registry.byConfigKey(configKey);
      if (!plugin) {
        unknownCatalogKeys.push(configKey);
        continue;
      }
      plugins.set(plugin.name, section);
    }
    this.byNamespace.set(namespace, plugins);
    return { unknownCatalogKeys };
  }

  /** Puts one source into the view: replaced in place, or appended to its plugin's sources (source order). */
  putSource(namespace: string, plugin: string, source: SourceConfig): void {
    const plugins = this.namespaceView(namespace);
    const section = plugins.get(plugin);
    const sources = [...(section?.sources ?? [])];
    const index = sources.findIndex((s) => s.id === source.id);
    if (index >= 0) sources[index] = source;
    else sources.push(source);
    plugins.set(plugin, { ...emptySection(), ...section, sources });
  }

  removeSource(namespace: string, plugin: string, sourceId: string): void {
    const plugins = this.namespaceView(namespace);
    const section = plugins.get(plugin);
    plugins.set(plugin, { ...emptySection(), ...section, sources: (section?.sources ?? []).filter((s) => s.id !== sourceId) });
  }

  private namespaceView(namespace: string): Map<string, CatalogSection> {
    let plugins = this.byNamespace.get(namespace);
    if (!plugins) {
      plugins = new Map();
      this.byNamespace.set(namespace, plugins);
    }
    return plugins;
  }

  namespaces(): string[] {
    return [...this.byNamespace.keys()].sort();
  }

  sources(namespace: string, plugin: string): readonly SourceConfig[] {
    return this.byNamespace.get(namespace)?.get(plugin)?.sources ?? [];
  }

  /** The labels and named queries of a plugin's configuration section (spec 03 §4.5). */
  section(namespace: string, plugin: string): Pick<CatalogSection, 'labels' | 'namedQueries'> {
    const section = this.byNamespace.get(namespace)?.get(plugin);
    return { labels: section?.labels ?? [], namedQueries: section?.namedQueries ?? {} };
  }

  /** Ids of the enabled sources of a plugin in a namespace, in source order. */
  enabledSourceIds(namespace: string, plugin: string): string[] {
    return this.sources(namespace, plugin)
      .filter((s) => s.enabled)
      .map((s) => s.id);
  }
}

function emptySection(): CatalogSection {
  return { sources: [], labels: [], namedQueries: {} };
}
