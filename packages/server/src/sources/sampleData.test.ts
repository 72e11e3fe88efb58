import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { PluginDeclaration } from '@catalog/framework';
import { loadBundledPlugins, REPOSITORY_ROOT } from '../bundledPlugins.js';
import { extractLinks, type EntityLink } from '../framework/links.js';
import { parseSourceDocument } from '../ingest/parseDocument.js';
import { validateEntries } from '../ingest/validateEntries.js';

/**
 * Spec 02 §10.4 and §10.6: every shipped sample file goes through the real ingest path with zero
 * rejected entries, the per-plugin counts are exactly those documented in docs/sample-data.md, and
 * every reference in the samples resolves within the samples.
 */
let plugins: PluginDeclaration[];
const loaded = new Map<string, { kind: string; name: string; links: EntityLink[] }[]>();

before(async () => {
  plugins = await loadBundledPlugins();
  for (const plugin of plugins) {
    const entities: { kind: string; name: string; links: EntityLink[] }[] = [];
    for (const file of readdirSync(plugin.dataDir!).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()) {
      const text = readFileSync(join(plugin.dataDir!, file), 'utf8');
      for (const kind of plugin.entities) {
        const yamlKey = kind.yamlKey ?? kind.plural;
        const parsed = parseSourceDocument(text, { file, maxBytes: 10 * 1024 * 1024, yamlKey });
        if (!parsed.ok) {
          assert.ok(parsed.error.missingKey && plugin.entities.length > 1, `${plugin.name}/${file}: ${parsed.error.message}`);
          continue;
        }
        const result = validateEntries(kind, parsed.entries, { file, yamlKey, includedItems: [], excludedItems: [] });
        assert.deepEqual(result.ingestErrors, [], `${plugin.name}/${file} has rejected entries`);
        for (const entry of result.accepted) entities.push({ kind: kind.kind, name: entry.name, links: extractLinks(kind.references, entry.doc) });
      }
    }
    loaded.set(plugin.name, entities);
  }
});

test('every bundled plugin ships sample data that loads without rejections, in the documented counts', () => {
  const doc = readFileSync(join(REPOSITORY_ROOT, 'docs/sample-data.md'), 'utf8');
  for (const plugin of plugins) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${plugin.name}\` |`));
    assert.ok(row, `docs/sample-data.md has no count row for ${plugin.name}`);
    const documented = Number(row.split('|').at(-2)!.trim());
    assert.equal(loaded.get(plugin.name)!.length, documented, `${plugin.name}: loaded count differs from docs/sample-data.md`);
    assert.ok(documented >= 10, `${plugin.name} ships fewer than 10 entities`);
  }
});

test('every reference in the samples resolves within the samples of the shipped plugins', () => {
  const exists = new Set([...loaded].flatMap(([plugin, entities]) => entities.map((e) => `${plugin}/${e.kind}/${e.name}`)));
  const dangling: string[] = [];
  for (const [plugin, entities] of loaded) {
    for (const entity of entities) {
      for (const link of entity.links) {
        if (!exists.has(`${link.plugin}/${link.kind}/${link.name}`)) dangling.push(`${plugin}/${entity.name} ${link.field} -> ${link.plugin} ${link.kind} ${link.name}`);
      }
    }
  }
  assert.deepEqual(dangling, []);
});
