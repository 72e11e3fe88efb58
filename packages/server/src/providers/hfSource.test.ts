import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CommonEntityFields, definePlugin, OpenCustomProperties, type PluginDeclaration } from '@catalog/framework';
import { Type } from '@sinclair/typebox';
import { hubModelInfo, MockHuggingFace, VALID_TOKEN } from '../testing/mockHuggingFace.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';

/**
 * An `hf` source end to end through the refresher and the periodic sync (03 §14.7, §14.9), with a
 * small stand-in for the model plugin: a kind accepting the CatalogModel document shape of 03 §4.1.
 */
const hubModels: PluginDeclaration = definePlugin({
  name: 'hubmodels', version: 'v1alpha1', displayName: 'Hub models', description: 'Models', icon: 'model', sourceTypes: ['hf'],
  entities: [{
    kind: 'CatalogModel', plural: 'models', displayName: 'Model', description: 'A model', notFoundPhrase: 'model',
    schema: Type.Object({
      ...CommonEntityFields,
      readme: Type.Optional(Type.String()), language: Type.Optional(Type.Array(Type.String())), tasks: Type.Optional(Type.Array(Type.String())),
      provider: Type.Optional(Type.String()), logo: Type.Optional(Type.String()), license: Type.Optional(Type.String()),
      licenseLink: Type.Optional(Type.String()), libraryName: Type.Optional(Type.String()), customProperties: OpenCustomProperties,
      artifacts: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    }, { additionalProperties: false }),
    fields: { columns: [{ name: 'name', displayName: 'Name', path: 'name', type: 'string', sortable: true }], filterFields: [], detailFields: [] },
    uiHints: { icon: 'model', nameField: 'name', detailSections: [] }, cliDefaultColumns: ['name'],
  }],
});

const BASE = '/api/hubmodels_catalog/v1alpha1';
let hub: MockHuggingFace;
let t: TestServer;

before(async () => {
  hub = await MockHuggingFace.start();
  for (const name of ['alpha', 'beta', 'gamma', 'old-draft']) hub.setModel(hubModelInfo(`contoso/${name}`), `# ${name}\n`);
  t = await startTestServer({
    kind: 'pglite',
    plugins: [hubModels],
    env: { CATALOG_SECRET_HF: VALID_TOKEN },
    files: {
      'sources.yaml': `catalogs:
  hubmodels:
    sources:
      - id: hub
        name: Contoso on the hub
        type: hf
        includedItems: [alpha, beta, gamma, "old-*"]
        excludedItems: ["*-draft"]
        properties: {url: "${hub.url}", allowedOrganization: contoso, syncInterval: 1s, maxRequestsPerMinute: 0, maxRetries: 0, apiKey: {env: CATALOG_SECRET_HF}}
`,
    },
  });
});

after(async () => {
  await t?.close();
  await hub?.close();
});

const json = async (path: string) => JSON.parse((await t.inject(path)).body) as Record<string, any>;
const sourceStatus = async () => (await json(`${BASE}/management/sources`)).sources[0].status as Record<string, any>;

/** Waits for `n` more syncs (each starts with the credential check), then for the refresh to commit. */
async function waitForSyncs(n: number): Promise<void> {
  const target = hub.requestsTo('/api/whoami-v2').length + n;
  for (let i = 0; i < 100 && hub.requestsTo('/api/whoami-v2').length < target; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(hub.requestsTo('/api/whoami-v2').length >= target, 'the periodic sync ran');
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const status = await sourceStatus();
    if (status.lastRefreshTime !== undefined && Date.parse(status.lastRefreshTime) >= hub.requests[hub.requests.length - 1].at) return;
  }
}

test('the source loads with hf provenance, patterns scoped to allowedOrganization, excluded models left out', async () => {
  const status = await sourceStatus();
  assert.deepEqual([status.state, status.entityCount], ['available', 3]);
  const list = await json(`${BASE}/models?pageSize=10`);
  assert.deepEqual(list.items.map((m: any) => m.name), ['contoso/alpha', 'contoso/beta', 'contoso/gamma']);
  const alpha = await json(`${BASE}/models/contoso/alpha`);
  assert.deepEqual([alpha.provenance.type, alpha.provenance.uri, alpha.provenance.revision], ['hf', 'contoso/alpha', hubModelInfo('contoso/alpha').sha]);
  assert.equal(alpha.readme, '# alpha\n');
  assert.equal(hub.requestsTo('/api/models/contoso/old-draft').length, 0);
  assert.ok(hub.requests.every((r) => r.headers.authorization === `Bearer ${VALID_TOKEN}`));
});

test('a sync without upstream changes writes nothing; a changed model is picked up by the next one', async () => {
  const before = await json(`${BASE}/models/contoso/alpha`);
  await waitForSyncs(1);
  assert.match((await sourceStatus()).lastRefreshSummary, /^Unchanged: 3 entities$/);
  const same = await json(`${BASE}/models/contoso/alpha`);
  assert.deepEqual(same, before, 'same document, same last_synced, same provenance');

  hub.setModel(hubModelInfo('contoso/beta', { lastModified: '2025-09-01T00:00:00.000Z', sha: 'b'.repeat(40) }), '# beta v2\n');
  await waitForSyncs(1);
  const beta = await json(`${BASE}/models/contoso/beta`);
  assert.equal(beta.lastUpdateTimeSinceEpoch, String(Date.parse('2025-09-01T00:00:00.000Z')));
  assert.equal(beta.provenance.revision, 'b'.repeat(40));
  assert.deepEqual(await json(`${BASE}/models/contoso/alpha`), before, 'the unchanged model was not rewritten');
});

test('a vanished model is dropped, a failing one keeps its stored version', async () => {
  const gamma = await json(`${BASE}/models/contoso/gamma`);
  hub.removeModel('contoso/alpha');
  hub.failAlways('/api/models/contoso/gamma', { status: 503 });
  await waitForSyncs(1);
  const status = await sourceStatus();
  assert.deepEqual([status.state, status.entityCount, status.rejectedCount], ['partially_available', 2, 2]);
  const errors = Object.fromEntries(status.ingestErrors.map((e: any) => [e.file, e]));
  assert.equal(errors['hf://contoso/alpha'].name, 'contoso/alpha');
  assert.match(errors['hf://contoso/alpha'].message, /HTTP 404 Not Found/);
  assert.match(errors['hf://contoso/gamma'].message, /HTTP 503 Service Unavailable .*\(after 0 retries\)$/);
  assert.equal(errors['hf://contoso/gamma'].line, undefined);
  assert.equal((await t.inject(`${BASE}/models/contoso/alpha`)).statusCode, 404);
  assert.deepEqual(await json(`${BASE}/models/contoso/gamma`), gamma);
  assert.ok(!JSON.stringify(t.logs).includes(VALID_TOKEN), 'the token is never logged');
});
