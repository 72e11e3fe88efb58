import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadBundledPlugins, REPOSITORY_ROOT } from '../../bundledPlugins.js';
import { describeEachDatabase } from '../../testing/databases.js';
import { startTestServer, type TestServer } from '../../testing/testServer.js';
import { agentsSources, AGENT, GOV, governanceClient, governanceEnv } from '../../testing/governanceClient.js';

const AGENTS_DATA = join(REPOSITORY_ROOT, 'plugins', 'agents', 'data', 'agents.yaml');
const POLICIES = 'policies:\n  - {id: gate, enabled: true, selector: {transitions: [{from: draft, to: approved}]}, gate: {requiredCount: 1}}\n';

/** Spec 06 §17 item 12: nothing made in one namespace is visible or usable from another. */
describeEachDatabase('governance namespaces', (kind) => {
  let server: TestServer;
  let call: ReturnType<typeof governanceClient>;
  before(async () => {
    const plugins = (await loadBundledPlugins()).filter((p) => p.name === 'agents');
    server = await startTestServer({
      kind, plugins, files: { 'sources.yaml': agentsSources(AGENTS_DATA) },
      env: { ...governanceEnv({ policies: POLICIES }), CATALOG_TENANCY_MODE: 'namespace' },
    });
    call = governanceClient(server);
  });
  after(() => server.close());

  test('records, versions, bindings and requests are invisible across namespaces', async () => {
    const home = { user: 'alice', namespace: 'default' };
    const away = { user: 'bob', namespace: 'team-b' };
    assert.equal((await call('PATCH', AGENT, home, { risk: { level: 'low' } })).status, 200);
    const version = (await call('POST', `${AGENT}/versions`, home, { versionLabel: 'v1' })).body!.versionId as string;
    assert.equal((await call('PUT', `${AGENT}/bindings/dev`, home, { versionId: version })).status, 200);
    const requestId = (await call('POST', `${AGENT}/actions/lifecycle.setState`, home, { params: { state: 'approved' } })).body!.data.requestId as string;

    assert.equal((await call('GET', AGENT, away)).status, 404);
    assert.equal((await call('GET', `${AGENT}/versions/${encodeURIComponent(version)}`, away)).status, 404);
    assert.equal((await call('GET', `${AGENT}/bindings`, away)).status, 404);
    assert.equal((await call('PUT', `${AGENT}/bindings/dev`, away, { versionId: version })).status, 404);
    assert.equal((await call('GET', `${GOV}/approvals/${requestId}`, away)).status, 404);
    assert.equal((await call('GET', `${GOV}/approvals`, away)).body!.totalSize, 0);
    assert.equal((await call('POST', `${GOV}/approvals/${requestId}/decisions`, away, { verdict: 'approve' })).status, 404);
    assert.equal((await call('POST', `${GOV}/approvals/${requestId}/cancel`, away)).status, 404);
    assert.equal((await call('GET', `${GOV}/approvals/${requestId}`, home)).body!.status, 'pending');
    assert.equal((await call('GET', AGENT, { user: 'alice' })).status, 400, 'namespace mode requires a namespace');
  });
});
