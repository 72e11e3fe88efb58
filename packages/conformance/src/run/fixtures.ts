import { entitiesOf, isRecord } from './capabilities.js';
import type { ConformanceRun } from './ConformanceRun.js';
import { fixtureContent } from './fixtureContent.js';

export interface Fixture {
  source: Record<string, unknown>;
  entityName: string;
  kind: string;
}

/** The message of a plugin's mutating checks when it has no fixture (07 §4.2 item 7). */
export function noFixtureMessage(plugin: string): string {
  return `no fixture; pass --fixture ${plugin}=FILE`;
}

async function derivedContent(run: ConformanceRun, plugin: string, name: string) {
  const basePath = run.plugin(plugin)?.basePath;
  if (!basePath) return null;
  const response = await run.request({ path: `${basePath}/management/sources` });
  const sources = isRecord(response.body) && Array.isArray(response.body.sources) ? response.body.sources : [];
  for (const source of sources) {
    if (!isRecord(source) || source.type !== 'yaml' || !isRecord(source.properties)) continue;
    const content = source.properties.content;
    if (typeof content !== 'string') continue;
    const found = fixtureContent(content, name, true);
    if (found) return found;
  }
  return null;
}

/**
 * The fixture source of a plugin: its `--fixture` text, else the first entry of its first suitable
 * yaml source, renamed to `id` (which is also the source id). null when there is none.
 */
export async function loadFixture(run: ConformanceRun, plugin: string, id: string): Promise<Fixture | null> {
  const given = run.options.fixtures[plugin];
  const found = given !== undefined ? fixtureContent(given, id, false) : await derivedContent(run, plugin, id);
  if (!found) {
    if (given !== undefined) throw new Error(`fixture of ${plugin} has no top-level sequence whose first entry has a name`);
    return null;
  }
  const entities = entitiesOf(await run.capabilitiesDoc(plugin));
  const entity = entities.find((e) => e.plural?.toLowerCase() === found.key.toLowerCase()) ?? entities[0];
  return {
    source: { id, name: `Conformance ${id}`, type: 'yaml', enabled: true, properties: { content: found.content } },
    entityName: id,
    kind: entity?.kind ?? '',
  };
}
