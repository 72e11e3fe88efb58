import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadBundledPlugins, REPOSITORY_ROOT } from '../../bundledPlugins.js';
import { startTestServer } from '../../testing/testServer.js';
import { agentsSources, AGENT, governanceClient, governanceEnv } from '../../testing/governanceClient.js';

const AGENTS_DATA = join(REPOSITORY_ROOT, 'plugins', 'agents', 'data', 'agents.yaml');

/** The block of spec 06 §13 for the shipped configuration. */
const SHIPPED_BLOCK = {
  supported: true,
  lifecycle: {
    states: ['draft', 'approved', 'deprecated', 'archived'], defaultState: 'draft',
    transitions: [
      { from: 'draft', to: 'approved', mayRequireApproval: true },
      { from: 'approved', to: 'deprecated', mayRequireApproval: false },
      { from: 'approved', to: 'archived', mayRequireApproval: true },
      { from: 'deprecated', to: 'approved', mayRequireApproval: false },
      { from: 'deprecated', to: 'archived', mayRequireApproval: true },
      { from: 'archived', to: 'draft', mayRequireApproval: false },
      { from: 'archived', to: 'deprecated', mayRequireApproval: false },
    ],
  },
  versioning: { enabled: true, environments: ['dev', 'stage', 'prod'], protectedEnvironments: ['stage', 'prod'] },
  approvals: { enabled: true },
  provenance: { enabled: true },
};

async function agentsServer(env: Record<string, string>) {
  const plugins = (await loadBundledPlugins()).filter((p) => p.name === 'agents');
  return startTestServer({ kind: 'pglite', plugins, files: { 'sources.yaml': agentsSources(AGENTS_DATA) }, env });
}

test('every entity capability carries the governance block of the shipped configuration (06 §17 item 43)', async () => {
  const server = await agentsServer({
    CATALOG_GOVERNANCE_CONFIG: join(REPOSITORY_ROOT, 'config', 'governance.yaml'),
    CATALOG_APPROVAL_POLICIES: join(REPOSITORY_ROOT, 'config', 'approval-policies.yaml'),
  });
  try {
    const capabilities = JSON.parse((await server.inject('/api/plugins/agents/capabilities')).body);
    for (const entity of capabilities.entities) assert.deepEqual(entity.governance, SHIPPED_BLOCK);
    const policies = JSON.parse((await server.inject('/api/governance/v1alpha1/policies')).body).policies;
    assert.deepEqual(policies.map((p: { id: string; enabled: boolean; appliesTo: string }) => [p.id, p.enabled, p.appliesTo]), [
      ['high-risk-approval', true, 'lifecycle'], ['production-promotion', true, 'lifecycle'], ['archive-gate', false, 'lifecycle'], ['prod-binding-gate', false, 'promotion'],
    ]);
    assert.deepEqual(policies[2].gate, { requiredCount: 1, allowedRoles: [], denyOnFirst: false });
  } finally {
    await server.close();
  }
});

test('configured environments reach capabilities and the binding gates (06 §17 item 32)', async () => {
  const server = await agentsServer(governanceEnv({ governance: 'environments: [dev, qa, live]\n' }));
  try {
    const capabilities = JSON.parse((await server.inject('/api/plugins/agents/capabilities')).body);
    assert.deepEqual(capabilities.entities[0].governance.versioning, { enabled: true, environments: ['dev', 'qa', 'live'], protectedEnvironments: ['qa', 'live'] });
    assert.equal(capabilities.entities[0].governance.lifecycle.transitions[0].mayRequireApproval, false, 'no policy file: nothing gated');
    const call = governanceClient(server);
    const version = (await call('POST', `${AGENT}/versions`, { user: 'alice' }, { versionLabel: 'v1' })).body!.versionId as string;
    const live = await call('PUT', `${AGENT}/bindings/live`, { user: 'alice' }, { versionId: version });
    assert.equal(live.status, 400);
    assert.equal(live.body!.message, 'draft assets cannot be bound to protected environment "live"');
    const prod = await call('PUT', `${AGENT}/bindings/prod`, { user: 'alice' }, { versionId: version });
    assert.equal(prod.body!.message, 'unknown environment "prod" (configured: dev, qa, live)');
  } finally {
    await server.close();
  }
});
