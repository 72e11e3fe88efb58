import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadBundledPlugins, REPOSITORY_ROOT } from '../../bundledPlugins.js';
import { createPostgresTestDatabase, describeEachDatabase } from '../../testing/databases.js';
import { startTestServer, type TestServer } from '../../testing/testServer.js';
import { agentsSources, AGENT, GOV, governanceClient, governanceEnv } from '../../testing/governanceClient.js';

const AGENTS_DATA = join(REPOSITORY_ROOT, 'plugins', 'agents', 'data', 'agents.yaml');
const LIST = '/api/agents_catalog/v1alpha1/agents?pageSize=1000';
const gate = (count: number, roles: string) => `policies:
  - id: promote
    enabled: true
    selector: {transitions: [{from: approved, to: deprecated}]}
    gate: {requiredCount: ${count}, allowedRoles: [${roles}]}
`;

/** Spec 06 §17 items 19 and 39: governance state and pending gates survive reloads, source disable/enable and restarts. */
describeEachDatabase('governance persistence', (kind) => {
  test('state survives source disable/enable and restarts; pending gates keep their copy', async () => {
    const plugins = (await loadBundledPlugins()).filter((p) => p.name === 'agents');
    const dataDir = mkdtempSync(join(tmpdir(), 'catalog-gov-data-'));
    const postgres = kind === 'postgres' ? await createPostgresTestDatabase() : undefined;
    const start = (options: { enabled: boolean; policies: string }) => startTestServer({
      kind, plugins,
      files: { 'sources.yaml': agentsSources(AGENTS_DATA, options.enabled) },
      args: kind === 'pglite' ? [`--data-dir=${dataDir}`] : [],
      env: { ...governanceEnv({ policies: options.policies }), ...(postgres ? { DATABASE_DSN: postgres.url } : {}) },
    });
    const names = async (server: TestServer, query = '') =>
      (JSON.parse((await server.inject(`${LIST}${query}`)).body).items as { name: string }[]).map((i) => i.name);
    let server = await start({ enabled: true, policies: gate(1, 'reviewer') });
    try {
      let call = governanceClient(server);
      const archived = `${GOV}/assets/agents/Agent/incident-scribe`;
      for (const state of ['approved', 'archived']) {
        assert.equal((await call('POST', `${archived}/actions/lifecycle.setState`, { user: 'alice' }, { params: { state } })).status, 200);
      }
      assert.equal((await call('PATCH', AGENT, { user: 'alice' }, { risk: { level: 'low' } })).status, 200);
      assert.equal((await call('POST', `${AGENT}/actions/lifecycle.setState`, { user: 'alice' }, { params: { state: 'approved' } })).status, 200);
      const version = (await call('POST', `${AGENT}/versions`, { user: 'alice' }, { versionLabel: 'v1' })).body!.versionId as string;
      assert.equal((await call('PUT', `${AGENT}/bindings/prod`, { user: 'alice' }, { versionId: version })).status, 200);
      const pending = await call('POST', `${AGENT}/actions/lifecycle.deprecate`, { user: 'alice' }, {});
      assert.equal(pending.status, 202);
      const requestId = pending.body!.data.requestId as string;
      await server.close();

      // Restart with the source disabled: the records stay readable, the entities are gone.
      server = await start({ enabled: false, policies: gate(1, 'reviewer') });
      call = governanceClient(server);
      assert.deepEqual(await names(server, '&includeArchived=true'), []);
      assert.equal((await call('GET', AGENT)).body!.governance.risk.level, 'low');
      assert.equal((await call('GET', archived)).body!.governance.lifecycle.state, 'archived');
      await server.close();

      // Re-enabled, with a stricter policy file: the pending request keeps the gate it was created with.
      server = await start({ enabled: true, policies: gate(3, 'someone-else') });
      call = governanceClient(server);
      const all = await names(server);
      assert.ok(all.includes('service-desk-assistant'));
      assert.ok(!all.includes('incident-scribe'), 'still archived after the reload');
      const record = (await call('GET', AGENT)).body!.governance;
      assert.deepEqual([record.lifecycle.state, record.lifecycle.changedBy, record.risk.level], ['approved', 'alice', 'low']);
      assert.equal((await call('GET', `${AGENT}/bindings`)).body!.bindings[0].versionId, version);
      const request = (await call('GET', `${GOV}/approvals/${requestId}`)).body!;
      assert.deepEqual([request.status, request.requiredCount, request.allowedRoles], ['pending', 1, ['reviewer']]);
      const decision = await call('POST', `${GOV}/approvals/${requestId}/decisions`, { user: 'bob', groups: ['reviewer'] }, { verdict: 'approve' });
      assert.equal(decision.body!.decision, 'approved');
      assert.equal((await call('GET', AGENT)).body!.governance.lifecycle.state, 'deprecated');
    } finally {
      await server.close();
      await postgres?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
