import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPOSITORY_ROOT } from './bundledPlugins.js';
import { describeEachDatabase } from './testing/databases.js';
import { startTestServer, type TestServer } from './testing/testServer.js';

/**
 * Every shipped catalog through the generic API with the bundled configuration (one `<plugin>-samples`
 * source each, documents in the reference layout): counts, get, a select filter, paging, `q`.
 */
const documented = new Map(
  readFileSync(join(REPOSITORY_ROOT, 'docs/sample-data.md'), 'utf8')
    .split('\n')
    .filter((line) => /^\| `[a-z]+` \|/.test(line))
    .map((line) => [line.split('`')[1], Number(line.split('|').at(-2)!.trim())]),
);

function json(response: { body: string }) {
  return JSON.parse(response.body) as Record<string, any>;
}

describeEachDatabase('shipped catalogs', (kind) => {
  let t: TestServer;
  let plugins: Record<string, any>[];
  before(async () => {
    t = await startTestServer({ kind });
    plugins = json(await t.inject('/api/plugins')).plugins;
  });
  after(() => t.close());

  test('every plugin serves its sample source completely and healthy', async () => {
    assert.ok(plugins.length >= 7);
    for (const plugin of plugins) {
      assert.equal(plugin.healthy, true, plugin.name);
      const entity = plugin.capabilitiesV2.entities[0];
      const list = json(await t.inject(`${entity.endpoints.list}?pageSize=1000`));
      assert.equal(list.totalSize, documented.get(plugin.name), `${plugin.name} count`);
      assert.equal(list.items.length, list.totalSize);
      // The model catalog ships three sources (docs/sample-data.md); every other plugin one.
      if (plugin.name !== 'model') assert.ok(list.items.every((item: any) => item.sourceId === `${plugin.name}-samples`));
    }
  });

  test('get by name returns each entity with provenance', async () => {
    for (const plugin of plugins) {
      const entity = plugin.capabilitiesV2.entities[0];
      const [first] = json(await t.inject(`${entity.endpoints.list}?pageSize=1`)).items;
      const got = json(await t.inject(entity.endpoints.get.replace('{source_id}', first.sourceId).replace('{name}', encodeURIComponent(first.name))));
      assert.equal(got.name, first.name, plugin.name);
      assert.equal(got.provenance.type, 'yaml');
      assert.match(got.provenance.digest, /^sha256:[0-9a-f]{64}$/);
    }
  });

  test('each select filter field narrows the list to exactly the entities holding that value', async () => {
    for (const plugin of plugins) {
      const entity = plugin.capabilitiesV2.entities[0];
      const all = json(await t.inject(`${entity.endpoints.list}?pageSize=1000`)).items;
      for (const field of entity.fields.filterFields.filter((f: any) => f.type === 'select')) {
        const value = field.options[0];
        const filterQuery = `${field.name} = '${value}'`;
        const filtered = json(await t.inject({ url: entity.endpoints.list, query: { filterQuery, pageSize: '1000' } }));
        const path = plugin.capabilitiesV2.entities[0].fields.columns.find((c: any) => c.name === field.name)?.path ?? field.name;
        const expected = all.filter((item: any) => path.split('.').reduce((v: any, k: string) => v?.[k], item) === value).map((i: any) => i.name).sort();
        assert.deepEqual(filtered.items.map((i: any) => i.name).sort(), expected, `${plugin.name}: ${filterQuery}`);
      }
    }
  });

  test('paging with pageSize=3 visits every entity once', async () => {
    for (const plugin of plugins) {
      const entity = plugin.capabilitiesV2.entities[0];
      const seen: string[] = [];
      let token = '';
      do {
        const page = json(await t.inject({ url: entity.endpoints.list, query: { pageSize: '3', ...(token ? { pageToken: token } : {}) } }));
        seen.push(...page.items.map((i: any) => `${i.sourceId}/${i.name}`));
        token = page.nextPageToken;
      } while (token);
      assert.equal(seen.length, documented.get(plugin.name), plugin.name);
      assert.equal(new Set(seen).size, seen.length);
    }
  });

  test('agents link to the shipped skills, servers, knowledge, guardrails, policies and prompts', async () => {
    const agents = json(await t.inject('/api/agents_catalog/v1alpha1/agents?pageSize=100')).items;
    const links = agents.flatMap((a: any) => a.links?.related ?? []);
    const shipped = links.filter((l: any) => l.plugin !== 'model');
    assert.ok(shipped.length > 0);
    assert.deepEqual(shipped.filter((l: any) => !l.resolved), []);
    const desk = json(await t.inject('/api/agents_catalog/v1alpha1/agents?references=Guardrail:pii-redactor&pageSize=100')).items;
    assert.ok(desk.some((a: any) => a.name === 'service-desk-assistant'));
    assert.ok(desk.every((a: any) => a.guardrails.some((g: any) => g.guardrailRef === 'pii-redactor')));
  });
});
