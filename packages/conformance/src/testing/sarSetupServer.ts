// The "SAR setup" of spec 05 §11 for the in-repo conformance run (b): a real server on a free
// loopback port in namespace mode (team-a, team-b), authz `sar` against @catalog/fake-kube with
// its multi-tenant RBAC fixture, an approval policy gating draft → approved, denied reads audited.
// Test-only: the harness itself never imports the server; this file drives it from the outside.
import { join } from 'node:path';
import { MULTI_TENANT_RBAC, startFakeKube, type FakeKube } from '@catalog/fake-kube';
import { loadBundledPlugins, REPOSITORY_ROOT } from '../../../server/src/bundledPlugins.js';
import type { TestDatabaseKind } from '../../../server/src/testing/databases.js';
import { governanceEnv } from '../../../server/src/testing/governanceClient.js';
import { startTestServer, type TestServer } from '../../../server/src/testing/testServer.js';
import type { Identity } from '../run/RunContext.js';

/** Two plugins keep the run short; run (a) covers all eight. */
export const SAR_SETUP_PLUGINS = ['mcp', 'prompts'];

/**
 * The caller of every request. The fixture binds group team-a-engineers to catalog-edit in team-a
 * and user carol to catalog-edit in team-b; an identity that can read both tenants is needed to
 * observe isolation (G), so carol is sent with the team-a-engineers group (alice alone is 403 in team-b).
 */
export const ALLOWED: Identity = { user: 'carol', groups: ['team-a-engineers'] };
/** Unbound in the fixture: every write is refused. */
export const DENIED: Identity = { user: 'mallory' };
/** catalog-view and catalog-approve in team-a; `catalog-reviewers` is the policy's allowed role. */
export const REVIEWER: Identity = { user: 'bob', groups: ['catalog-reviewers'] };

/** One reviewer (group catalog-reviewers) gates draft → approved, so J's 202/approval path runs (both in-repo runs use it). */
export const APPROVAL_POLICIES = `policies:
  - id: conformance-approval
    displayName: Conformance approval
    enabled: true
    selector: {transitions: [{from: draft, to: approved}]}
    gate: {requiredCount: 1, allowedRoles: [catalog-reviewers], denyOnFirst: true}
    expiryHours: 24
`;

function sample(plugin: string, file: string): string {
  return JSON.stringify(join(REPOSITORY_ROOT, 'plugins', plugin, 'data', file));
}

/** Each tenant gets the sample data of both plugins under its own source ids. */
function tenantSources(namespace: string): string {
  return `catalogs:
  mcp:
    sources:
      - {id: ${namespace}-mcp, name: MCP of ${namespace}, type: yaml, properties: {yamlCatalogPath: ${sample('mcp', 'mcp-servers.yaml')}}}
  prompts:
    sources:
      - {id: ${namespace}-prompts, name: Prompts of ${namespace}, type: yaml, properties: {yamlCatalogPath: ${sample('prompts', 'prompt-templates.yaml')}}}
`;
}

export interface SarSetup {
  url: string;
  server: TestServer;
  kube: FakeKube;
  close(): Promise<void>;
}

export async function startSarSetup(kind: TestDatabaseKind): Promise<SarSetup> {
  const kube = await startFakeKube({ rbac: MULTI_TENANT_RBAC });
  try {
    const plugins = (await loadBundledPlugins()).filter((p) => SAR_SETUP_PLUGINS.includes(p.name));
    const server = await startTestServer({
      kind,
      plugins,
      files: {
        'sources.yaml': 'catalogs: {}\n',
        'namespaces/team-a/sources.yaml': tenantSources('team-a'),
        'namespaces/team-b/sources.yaml': tenantSources('team-b'),
      },
      env: {
        CATALOG_TENANCY_MODE: 'namespace',
        CATALOG_NAMESPACES: 'team-a,team-b',
        CATALOG_AUTHZ_MODE: 'sar',
        KUBECONFIG: kube.kubeconfigPath,
        CATALOG_AUDIT_LOG_DENIED: 'true',
        ...governanceEnv({ policies: APPROVAL_POLICIES }),
      },
    });
    return {
      url: server.server.url,
      server,
      kube,
      close: async () => {
        await server.close();
        await kube.close();
      },
    };
  } catch (error) {
    await kube.close();
    throw error;
  }
}
