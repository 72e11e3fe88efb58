import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CommonEntityFields, definePlugin, Enum, type PluginDeclaration } from '@catalog/framework';
import { Type } from '@sinclair/typebox';
import { startTestServer, type TestServer } from '../testing/testServer.js';

/** A small plugin declared the way real plugins are, for pipeline behaviour independent of sample data. */
function widgetPlugin(overrides: Partial<PluginDeclaration> = {}): PluginDeclaration {
  return definePlugin({
    name: 'widgets', version: 'v1alpha1', displayName: 'Widgets', description: 'Test widgets', icon: 'wrench',
    sourceTypes: ['yaml'],
    entities: [{
      kind: 'Widget', plural: 'widgets', displayName: 'Widget', description: 'A widget', notFoundPhrase: 'widget',
      schema: Type.Object({ ...CommonEntityFields, color: Enum(['red', 'blue']), size: Type.Optional(Type.Integer()) }, { additionalProperties: false }),
      fields: {
        columns: [{ name: 'name', displayName: 'Name', path: 'name', type: 'string', sortable: true }],
        filterFields: [{ name: 'color', displayName: 'Color', type: 'select' }],
        detailFields: [{ name: 'color', displayName: 'Color', path: 'color', type: 'string', section: 'Overview' }],
      },
      uiHints: { icon: 'wrench', nameField: 'name', detailSections: ['Overview'] },
      cliDefaultColumns: ['name', 'color'],
    }],
    ...overrides,
  });
}

const FILES = {
  'sources.yaml': `catalogs:
  widgets:
    sources:
      - id: w
        name: Widgets
        type: yaml
        properties: {yamlCatalogPath: widgets.yaml}
`,
  'widgets.yaml': `widgets:
  - {name: alpha, color: red, size: 3}
  - {name: beta, color: blue}
`,
};

describe('namespace mode', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ kind: 'pglite', files: FILES, plugins: [widgetPlugin()], env: { CATALOG_TENANCY_MODE: 'namespace' } });
  });
  after(() => t.close());

  test('probes, metrics, OpenAPI and the namespaces endpoint need no namespace', async () => {
    for (const url of ['/healthz', '/livez', '/readyz', '/metrics', '/openapi.json', '/api/tenancy/v1alpha1/namespaces', '/api/authz/v1alpha1/whoami']) {
      assert.equal((await t.inject(url)).statusCode, 200, url);
    }
    assert.equal(JSON.parse((await t.inject('/api/authz/v1alpha1/whoami')).body).namespace, null);
  });

  test('a data route without a namespace is 400 with the upgrade guide message', async () => {
    const response = await t.inject('/api/widgets_catalog/v1alpha1/widgets');
    assert.equal(response.statusCode, 400);
    assert.equal(JSON.parse(response.body).message, 'namespace is required in multi-tenant mode (use ?namespace= query param or X-Namespace header)');
  });

  test('existing data is served in namespace default; other namespaces see nothing', async () => {
    const inDefault = JSON.parse((await t.inject('/api/widgets_catalog/v1alpha1/widgets?namespace=default')).body);
    assert.equal(inDefault.totalSize, 2);
    const viaHeader = JSON.parse((await t.inject({ url: '/api/widgets_catalog/v1alpha1/widgets', headers: { 'x-namespace': 'team-a' } })).body);
    assert.equal(viaHeader.totalSize, 0);
    assert.deepEqual(viaHeader.items, []);
    assert.equal((await t.inject('/api/widgets_catalog/v1alpha1/widgets/alpha?namespace=team-a')).statusCode, 404);
  });

  test('invalid namespaces are 400 with the exact messages', async () => {
    const long = 'a'.repeat(64);
    const tooLong = await t.inject(`/api/plugins?namespace=${long}`);
    assert.equal(tooLong.statusCode, 400);
    assert.deepEqual(JSON.parse(tooLong.body), { error: 'bad_request', message: `namespace "${long}" exceeds maximum length of 63 characters`, requestId: tooLong.headers['x-request-id'] });
    for (const bad of ['Team-A', '-team', 'team-', 'team_a!']) {
      for (const request of [{ url: `/api/plugins?namespace=${encodeURIComponent(bad)}` }, { url: '/api/plugins', headers: { 'x-namespace': bad } }]) {
        const response = await t.inject(request);
        assert.equal(response.statusCode, 400, bad);
        assert.deepEqual(JSON.parse(response.body), {
          error: 'bad_request',
          message: `namespace "${bad}" is invalid: must consist of lowercase alphanumeric characters or hyphens, and must start and end with an alphanumeric character`,
          requestId: response.headers['x-request-id'],
        });
      }
    }
    // 63 characters is valid; the query parameter wins over the header (05 §11 #12).
    assert.equal((await t.inject(`/api/plugins?namespace=${'a'.repeat(63)}`)).statusCode, 200);
    const resolved = await t.inject({ url: '/api/authz/v1alpha1/whoami?namespace=team-a', headers: { 'x-namespace': 'team-b' } });
    assert.equal(JSON.parse(resolved.body).namespace, 'team-a');
    const twice = await t.inject('/api/plugins?namespace=a&namespace=b');
    assert.equal(JSON.parse(twice.body).message, 'namespace must be given only once');
  });

  test('the namespaces endpoint lists default and the known namespaces', async () => {
    assert.deepEqual(JSON.parse((await t.inject('/api/tenancy/v1alpha1/namespaces')).body), { namespaces: ['default'], mode: 'namespace' });
  });
});

describe('namespace allow-list', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ kind: 'pglite', files: FILES, plugins: [widgetPlugin()], env: { CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: 'team-a,default' } });
  });
  after(() => t.close());

  test('a namespace outside CATALOG_NAMESPACES is 403', async () => {
    const response = await t.inject('/api/plugins?namespace=team-c');
    assert.equal(response.statusCode, 403);
    assert.equal(JSON.parse(response.body).message, 'namespace "team-c" is not enabled on this server');
    assert.deepEqual(JSON.parse((await t.inject('/api/tenancy/v1alpha1/namespaces')).body).namespaces, ['team-a', 'default']);
  });
});

describe('plugin failure isolation', () => {
  let t: TestServer;
  before(async () => {
    const broken = widgetPlugin({ name: 'broken', init: async () => { throw new Error('backend unreachable'); } });
    t = await startTestServer({ kind: 'pglite', files: FILES, plugins: [widgetPlugin(), broken] });
  });
  after(() => t.close());

  test('a plugin whose init throws is listed unhealthy, answers 503, and readiness is degraded', async () => {
    const plugins = JSON.parse((await t.inject('/api/plugins')).body);
    const broken = plugins.plugins.find((p: { name: string }) => p.name === 'broken');
    assert.equal(broken.healthy, false);
    assert.equal(broken.status.lastError, 'backend unreachable');
    assert.equal(broken.capabilitiesV2, undefined);
    const route = await t.inject('/api/broken_catalog/v1alpha1/widgets');
    assert.equal(route.statusCode, 503);
    assert.deepEqual(
      { error: JSON.parse(route.body).error, message: JSON.parse(route.body).message },
      { error: 'service_unavailable', message: 'plugin "broken" is not available: backend unreachable' },
    );
    const ready = await t.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(JSON.parse(ready.body).components.plugins, { status: 'degraded', details: '1 of 2 plugins healthy; unavailable: broken' });
    assert.equal(JSON.parse((await t.inject('/api/widgets_catalog/v1alpha1/widgets')).body).totalSize, 2);
  });
});

describe('every plugin failing', () => {
  let t: TestServer;
  before(async () => {
    const broken = widgetPlugin({ init: async () => { throw new Error('nope'); } });
    t = await startTestServer({ kind: 'pglite', files: FILES, plugins: [broken] });
  });
  after(() => t.close());

  test('readiness is 503 unavailable', async () => {
    const ready = await t.inject('/readyz');
    assert.equal(ready.statusCode, 503);
    assert.equal(JSON.parse(ready.body).components.plugins.status, 'unavailable');
  });
});

describe('invalid declarations', () => {
  let t: TestServer;
  before(async () => {
    const base = widgetPlugin();
    const kind = base.entities[0];
    const sortableArray = widgetPlugin({
      name: 'arrays',
      entities: [{ ...kind, schema: Type.Object({ ...CommonEntityFields, color: Type.String(), labels: Type.Array(Type.String()) }), fields: { ...kind.fields, columns: [{ name: 'labels', displayName: 'Labels', path: 'labels', type: 'array', sortable: true }] } }],
    });
    const badDisplay = widgetPlugin({ name: 'display', entities: [{ ...kind, uiHints: { ...kind.uiHints, listView: { columns: [{ field: 'name', label: 'Name', display: 'sparkle' as never }] } } }] });
    const badSection = widgetPlugin({ name: 'sections', entities: [{ ...kind, fields: { ...kind.fields, detailFields: [{ name: 'color', displayName: 'Color', path: 'color', type: 'string', section: 'Nowhere' }] } }] });
    t = await startTestServer({ kind: 'pglite', files: FILES, plugins: [widgetPlugin(), sortableArray, badDisplay, badSection] });
  });
  after(() => t.close());

  test('fail only their plugin, with the reason', async () => {
    const plugins = JSON.parse((await t.inject('/api/plugins')).body).plugins as { name: string; healthy: boolean; status: { lastError?: string } }[];
    const byName = Object.fromEntries(plugins.map((p) => [p.name, p]));
    assert.equal(byName.widgets.healthy, true);
    assert.match(byName.arrays.status.lastError!, /columns\[0\]\.sortable is not allowed on an array column/);
    assert.match(byName.display.status.lastError!, /"sparkle" is not one of the display types/);
    assert.match(byName.sections.status.lastError!, /"Nowhere" is not one of uiHints.detailSections/);
  });
});
