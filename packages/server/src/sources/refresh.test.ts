import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CommonEntityFields, definePlugin, Enum, type PluginDeclaration } from '@catalog/framework';
import { Type } from '@sinclair/typebox';
import { describeEachDatabase } from '../testing/databases.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';

const fields = {
  columns: [{ name: 'name', displayName: 'Name', path: 'name', type: 'string' as const, sortable: true }],
  filterFields: [],
  detailFields: [],
};

/** Two small catalogs: gadgets reference parts; enough to exercise refresh and links end to end. */
const parts: PluginDeclaration = definePlugin({
  name: 'parts', version: 'v1alpha1', displayName: 'Parts', description: 'Parts', icon: 'wrench', sourceTypes: ['yaml'],
  entities: [{
    kind: 'Part', plural: 'parts', displayName: 'Part', description: 'A part', notFoundPhrase: 'part',
    schema: Type.Object({ ...CommonEntityFields, material: Enum(['steel', 'wood']) }, { additionalProperties: false }),
    fields, uiHints: { icon: 'wrench', nameField: 'name', detailSections: [] }, cliDefaultColumns: ['name'],
  }],
});
const gadgets: PluginDeclaration = definePlugin({
  name: 'gadgets', version: 'v1alpha1', displayName: 'Gadgets', description: 'Gadgets', icon: 'wrench', sourceTypes: ['yaml'],
  entities: [{
    kind: 'Gadget', plural: 'gadgets', displayName: 'Gadget', description: 'A gadget', notFoundPhrase: 'gadget',
    schema: Type.Object({ ...CommonEntityFields, parts: Type.Optional(Type.Array(Type.Object({ partRef: Type.String() }, { additionalProperties: false }))) }, { additionalProperties: false }),
    references: [{ field: 'parts[].partRef', plugin: 'parts', kind: 'Part' }],
    fields, uiHints: { icon: 'wrench', nameField: 'name', detailSections: [] }, cliDefaultColumns: ['name'],
  }],
});

const SOURCES = `catalogs:
  parts:
    sources:
      - {id: parts-a, name: Parts A, type: yaml, properties: {yamlCatalogPath: parts-a.yaml}}
      - {id: parts-b, name: Parts B, type: yaml, properties: {yamlCatalogPath: parts-b.yaml}}
  gadgets:
    sources:
      - {id: gadgets, name: Gadgets, type: yaml, properties: {yamlCatalogPath: gadgets.yaml}}
      - {id: broken, name: Broken, type: yaml, properties: {yamlCatalogPath: broken.yaml}}
      - {id: hub, name: Hub, type: hf, properties: {}}
      - {id: outside, name: Outside, type: yaml, properties: {yamlCatalogPath: /etc/passwd}}
`;
const PARTS_A = 'parts:\n  - {name: bolt, material: steel}\n  - {name: plank, material: wood}\n';
const PARTS_B = 'parts:\n  - {name: bolt, material: wood}\n  - {name: gear, material: plastic}\n  - {name: kits/bolt-pack, material: steel}\n';
const GADGETS = `gadgets:
  - name: shelf
    parts: [{partRef: plank}, {partRef: bolt}, {partRef: hinge}]
  - name: clock
    parts: [{partRef: gear}]
`;

function body(response: { body: string }) {
  return JSON.parse(response.body) as Record<string, any>;
}

describeEachDatabase('refresh and links', (kind) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      kind,
      plugins: [parts, gadgets],
      files: { 'sources.yaml': SOURCES, 'parts-a.yaml': PARTS_A, 'parts-b.yaml': PARTS_B, 'gadgets.yaml': GADGETS, 'broken.yaml': 'gadgets: [unclosed\n' },
    });
  });
  after(() => t.close());

  test('a bad entry is rejected and the rest of the source loads', async () => {
    const list = body(await t.inject('/api/parts_catalog/v1alpha1/parts?pageSize=10'));
    assert.deepEqual(list.items.map((p: any) => `${p.name}@${p.sourceId}`), ['bolt@parts-a', 'bolt@parts-b', 'kits/bolt-pack@parts-b', 'plank@parts-a']);
    const rejected = t.logs.find((l) => l.msg === 'entry rejected' && l.name === 'gear');
    assert.ok(rejected, 'the rejected entry is logged with its name');
    assert.equal(rejected.path, 'parts[1].material');
    assert.equal(rejected.line, 3);
  });

  test('the sources list reports the state, rejections and last refresh of every source', async () => {
    const parts = body(await t.inject('/api/parts_catalog/v1alpha1/management/sources'));
    assert.equal(parts.count, 2);
    const [a, b] = parts.sources;
    assert.equal(a.status.state, 'available');
    assert.equal(a.status.lastRefreshStatus, 'success');
    assert.match(a.status.lastRefreshSummary, /^(Loaded|Unchanged:) \d+ entities/);
    assert.equal(typeof a.properties.content, 'string');
    assert.match(a.version, /^[0-9a-f]{64}$/);
    assert.deepEqual([b.status.state, b.status.entityCount, b.status.rejectedCount], ['partially_available', 2, 1]);
    assert.deepEqual(b.status.ingestErrors.map((e: any) => [e.file, e.line, e.path, e.name]), [['parts-b.yaml', 3, 'parts[1].material', 'gear']]);
    const gadgets = body(await t.inject('/api/gadgets_catalog/v1alpha1/management/sources?includeContent=false'));
    const byId = Object.fromEntries(gadgets.sources.map((s: any) => [s.id, s.status]));
    assert.equal(gadgets.sources[0].properties.content, undefined);
    assert.equal(byId.gadgets.state, 'available');
    assert.equal(byId.broken.state, 'error');
    assert.match(byId.broken.error, /YAML parse error/);
    assert.equal(byId.hub.error, 'unsupported source type "hf" for plugin "gadgets"; supported types: yaml');
    assert.equal(byId.outside.error, 'path "/etc/passwd" resolves outside the allowed data roots');
  });

  test('diagnostics list every source, the latest errors newest first, and the job counts', async () => {
    const diagnostics = body(await t.inject('/api/gadgets_catalog/v1alpha1/management/diagnostics'));
    assert.deepEqual([diagnostics.pluginName, diagnostics.namespace, diagnostics.healthy], ['gadgets', 'default', true]);
    assert.deepEqual(diagnostics.sources.map((s: any) => [s.id, s.state]), [['gadgets', 'available'], ['broken', 'error'], ['hub', 'error'], ['outside', 'error']]);
    const gadgets = diagnostics.sources[0];
    assert.match(gadgets.contentDigest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(Number.isInteger(gadgets.lastRefreshDuration), true);
    assert.deepEqual(diagnostics.errors.map((e: any) => e.source).sort(), ['broken', 'hub', 'outside']);
    assert.deepEqual(diagnostics.jobs, { queued: 0, running: 0 });
    assert.equal(typeof diagnostics.lastRefresh, 'string');
  });

  test('names containing "/" are reachable raw and percent-encoded', async () => {
    assert.equal(body(await t.inject('/api/parts_catalog/v1alpha1/parts/kits/bolt-pack')).name, 'kits/bolt-pack');
    assert.equal(body(await t.inject('/api/parts_catalog/v1alpha1/parts/kits%2Fbolt-pack')).name, 'kits/bolt-pack');
  });

  test('get-by-name takes the earlier source; sourceId selects the other', async () => {
    assert.equal(body(await t.inject('/api/parts_catalog/v1alpha1/parts/bolt')).material, 'steel');
    assert.equal(body(await t.inject('/api/parts_catalog/v1alpha1/parts/bolt?sourceId=parts-b')).material, 'wood');
  });

  test('links resolve at read time, in declaration order, with dangling references reported', async () => {
    const shelf = body(await t.inject('/api/gadgets_catalog/v1alpha1/gadgets/shelf'));
    assert.deepEqual(shelf.links.related, [
      { kind: 'Part', plugin: 'parts', name: 'plank', field: 'parts[0].partRef', resolved: true, sourceId: 'parts-a', href: '/api/parts_catalog/v1alpha1/parts/plank' },
      { kind: 'Part', plugin: 'parts', name: 'bolt', field: 'parts[1].partRef', resolved: true, sourceId: 'parts-a', href: '/api/parts_catalog/v1alpha1/parts/bolt' },
      { kind: 'Part', plugin: 'parts', name: 'hinge', field: 'parts[2].partRef', resolved: false },
    ]);
    const list = body(await t.inject('/api/gadgets_catalog/v1alpha1/gadgets'));
    const clock = list.items.find((g: any) => g.name === 'clock');
    assert.deepEqual(clock.links.related, [{ kind: 'Part', plugin: 'parts', name: 'gear', field: 'parts[0].partRef', resolved: false }]);
  });

  test('references= finds the entities linking to a target, whether it resolves or not', async () => {
    const names = async (query: string) =>
      body(await t.inject(`/api/gadgets_catalog/v1alpha1/gadgets?${query}`)).items.map((g: any) => g.name);
    assert.deepEqual(await names('references=Part:bolt'), ['shelf']);
    assert.deepEqual(await names('references=Part:gear'), ['clock']);
    assert.deepEqual(await names('references=Part:bolt&references=Part:plank'), ['shelf']);
    assert.deepEqual(await names('references=Part:bolt&references=Part:gear'), []);
    for (const bad of ['nokind', 'Nope:x', 'Part:']) {
      const response = await t.inject(`/api/gadgets_catalog/v1alpha1/gadgets?references=${encodeURIComponent(bad)}`);
      assert.equal(response.statusCode, 400, bad);
      assert.match(body(response).message, /^invalid references value/);
    }
  });

  test('repeated scalar parameters are a 400, not a crash', async () => {
    const response = await t.inject('/api/parts_catalog/v1alpha1/parts?sortOrder=ASC&sortOrder=DESC');
    assert.equal(response.statusCode, 400);
    assert.equal(body(response).error, 'bad_request');
  });

  test('a source type the plugin does not accept and a path outside the data roots fail with the spec messages', async () => {
    const failure = (sourceId: string) => String(t.logs.find((l) => l.msg === 'source refresh failed' && l.sourceId === sourceId)?.error);
    assert.equal(failure('hub'), 'unsupported source type "hf" for plugin "gadgets"; supported types: yaml');
    assert.equal(failure('outside'), 'path "/etc/passwd" resolves outside the allowed data roots');
  });

  test('a document that fails to parse leaves the source without data and the others serving', async () => {
    const failed = t.logs.find((l) => l.msg === 'source refresh failed' && l.sourceId === 'broken');
    assert.ok(failed);
    assert.match(String(failed.error), /^broken\.yaml at line \d+, column \d+: YAML parse error/);
    assert.equal(body(await t.inject('/api/gadgets_catalog/v1alpha1/gadgets')).totalSize, 2);
  });

  test('a watched file edited on disk is picked up within 10 s, keeping ids of unchanged entities', async () => {
    const before = body(await t.inject('/api/parts_catalog/v1alpha1/parts/plank?sourceId=parts-a'));
    writeFileSync(join(t.dir, 'parts-a.yaml'), 'parts:\n  - {name: bolt, material: wood}\n  - {name: plank, material: wood}\n  - {name: hinge, material: steel}\n');
    let shelf: Record<string, any> = {};
    for (let i = 0; i < 40; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      shelf = body(await t.inject('/api/gadgets_catalog/v1alpha1/gadgets/shelf'));
      if (shelf.links.related[2].resolved) break;
    }
    // The gadget source was not refreshed: its link flipped because the target now exists.
    assert.equal(shelf.links.related[2].resolved, true);
    const after = body(await t.inject('/api/parts_catalog/v1alpha1/parts/plank?sourceId=parts-a'));
    assert.equal(after.id, before.id);
    assert.equal(after.lastUpdateTimeSinceEpoch, before.lastUpdateTimeSinceEpoch);
    const bolt = body(await t.inject('/api/parts_catalog/v1alpha1/parts/bolt'));
    assert.equal(bolt.material, 'wood');
  });
});
