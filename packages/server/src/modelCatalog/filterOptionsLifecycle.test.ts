import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { ControlledOrigin } from '../testing/controlledOrigin.js';
import { describeEachDatabase } from '../testing/databases.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';

/**
 * Spec 03 §9.2 and 04 §13.6 over HTTP: every path that changes the model plugin's entities —
 * refresh, disable, enable, delete, rollback — leaves `filter_options` matching the served models,
 * and disabling or deleting a source aborts its running fetch.
 */
const BASE = '/api/model_catalog/v1alpha1';
const M = `${BASE}/management`;
type Json = Record<string, any>;

const models = (license: string, names: string[]) => stringify({ models: names.map((name) => ({ name, license, provider: 'Northwind' })) });

describeEachDatabase('model filter options follow source management', (kind) => {
  let t: TestServer;
  const origin = new ControlledOrigin();
  const send = async (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) => {
    const response = await t.inject({
      method, url,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: JSON.parse(response.body || 'null') as Json };
  };
  const licenses = async () => ((await send('GET', `${BASE}/models/filter_options`)).body.filters.license?.values ?? []) as string[];

  before(async () => {
    await origin.start();
    origin.body = models('Remote-License', ['northwind/remote-1b']);
    t = await startTestServer({
      kind,
      files: {
        'sources.yaml': `catalogs:
  models:
    sources:
      - {id: lab-a, name: Lab A, type: yaml, properties: {yamlCatalogPath: a.yaml}}
      - {id: lab-b, name: Lab B, type: yaml, properties: {yamlCatalogPath: b.yaml}}
      - {id: remote, name: Remote, type: http, properties: {url: "${origin.url}"}}
`,
        'a.yaml': models('Helm-License', ['northwind/helm-8b']),
        'b.yaml': models('MIT', ['northwind/sail-1b']),
      },
      args: ['--config-store=db'],
      env: { CATALOG_JOB_ENABLED: 'false', CATALOG_REFRESH_RATE_LIMIT_SECONDS: '0', CATALOG_CONFIG_RECONCILE_INTERVAL_SECONDS: '3600' },
    });
  });
  after(async () => {
    await t?.close();
    origin.release();
    await origin.close();
  });

  test('disable, enable, delete and rollback of a source update filter_options in the same request', async () => {
    assert.deepEqual(await licenses(), ['Helm-License', 'MIT', 'Remote-License']);

    assert.equal((await send('POST', `${M}/sources/lab-b/enable`, { enabled: false })).status, 200);
    assert.deepEqual(await licenses(), ['Helm-License', 'Remote-License']);

    assert.equal((await send('POST', `${M}/sources/lab-b/enable`, { enabled: true })).status, 200);
    assert.deepEqual(await licenses(), ['Helm-License', 'MIT', 'Remote-License']);

    const revisions = (await send('GET', `${M}/sources/lab-b/revisions`)).body as Json;
    const enabledRevision = (revisions.revisions ?? revisions.items ?? revisions).find((r: Json) => r.current).version as string;
    assert.equal((await send('DELETE', `${M}/sources/lab-b`)).status, 200);
    assert.deepEqual(await licenses(), ['Helm-License', 'Remote-License']);

    const restored = await send('POST', `${M}/sources/lab-b:rollback`, { version: enabledRevision });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.deepEqual(await licenses(), ['Helm-License', 'MIT', 'Remote-License']);
  });

  test('disabling a source aborts its running fetch; the refresh fails with the reason and writes nothing', async () => {
    origin.holding = true;
    origin.body = models('Late-License', ['northwind/late-1b']);
    const asked = origin.requestTimes.length;
    const refresh = send('POST', `${M}/refresh/remote`);
    while (origin.requestTimes.length === asked) await new Promise((resolve) => setTimeout(resolve, 10));
    const disabled = await send('POST', `${M}/sources/remote/enable`, { enabled: false });
    assert.equal(disabled.status, 200);
    const result = await refresh;
    assert.match(JSON.stringify(result.body), /source disabled/);
    origin.release();
    assert.deepEqual(await licenses(), ['Helm-License', 'MIT']);
    const served = (await send('GET', `${BASE}/models?pageSize=100`)).body.items.map((m: Json) => m.name as string).sort();
    assert.deepEqual(served, ['northwind/helm-8b', 'northwind/sail-1b']);
  });
});
