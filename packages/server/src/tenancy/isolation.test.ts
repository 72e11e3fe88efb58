import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { describeEachDatabase } from '../testing/databases.js';
import { auditPlugins, EVENTS, json, MCP, PROMPTS } from '../testing/auditFixtures.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { loadBundledPlugins } from '../bundledPlugins.js';
import { governanceEnv } from '../testing/governanceClient.js';

const APPROVAL_GATE = 'policies:\n  - {id: gate, enabled: true, selector: {transitions: [{from: draft, to: approved}]}, gate: {requiredCount: 1}}\n';

/** What one team owns. */
interface Team {
  namespace: 'team-a' | 'team-b';
  user: string;
  sourceId: string;
  entity: string;
  prompt: string;
  /** Filled once the team's own write has been audited. */
  eventId: string;
  /** The team's own refresh job. */
  jobId: string;
  requestId: string;
  /** The team's governance version of its entity, and its pending approval request (lifecycle draft → approved). */
  versionId: string;
  approvalId: string;
}

/**
 * One endpoint family. `request` is made by `viewer` in its own namespace and aims at `owner`'s
 * data where it can name it: `absent` means 200 without a trace of the owner (`traces`), `not_found` a 404.
 * Add a row when a route family lands (management writes, jobs, governance, model).
 */
interface IsolationRow {
  family: string;
  request: (viewer: Team, owner: Team) => InjectOptions;
  expect: 'absent' | 'not_found';
}

const post = (url: string, body: unknown): Pick<InjectOptions, 'method' | 'url' | 'payload'> => ({ method: 'POST', url, payload: JSON.stringify(body) });
const JOBS = '/api/jobs/v1alpha1/refresh';
const GOV = '/api/governance/v1alpha1';
const asset = (owner: Team) => `${GOV}/assets/mcp/McpServer/${owner.entity}`;
const MODELS = '/api/model_catalog/v1alpha1';
/** The owner's model: `<namespace>/model`, served from the source `<namespace>-src-models`. */
const model = (owner: Team) => `${MODELS}/sources/${owner.sourceId}-models/models/${owner.namespace}/model`;

const ROWS: IsolationRow[] = [
  { family: 'plugin discovery', request: () => ({ url: '/api/plugins' }), expect: 'absent' },
  { family: 'capabilities', request: () => ({ url: '/api/plugins/mcp/capabilities' }), expect: 'absent' },
  { family: 'entity list', request: () => ({ url: `${MCP}/mcpservers?pageSize=100` }), expect: 'absent' },
  { family: 'entity list filtered by the owner\'s source', request: (_, owner) => ({ url: `${MCP}/mcpservers?sourceId=${owner.sourceId}` }), expect: 'absent' },
  { family: 'entity get', request: (_, owner) => ({ url: `${MCP}/mcpservers/${owner.entity}` }), expect: 'not_found' },
  { family: 'management entity get', request: (_, owner) => ({ url: `${MCP}/management/entities/${owner.entity}` }), expect: 'not_found' },
  { family: 'management sources', request: () => ({ url: `${MCP}/management/sources` }), expect: 'absent' },
  { family: 'diagnostics', request: () => ({ url: `${MCP}/management/diagnostics` }), expect: 'absent' },
  { family: 'action discovery', request: () => ({ url: `${MCP}/management/actions/asset` }), expect: 'absent' },
  { family: 'builtin asset action (write)', request: (_, owner) => post(`${MCP}/management/entities/${owner.entity}:action`, { action: 'tag', params: { tags: ['hijacked'] } }), expect: 'not_found' },
  { family: 'plugin asset action (write)', request: (_, owner) => post(`${PROMPTS}/management/entities/${owner.prompt}:action`, { action: 'render', params: {} }), expect: 'not_found' },
  { family: 'audit list', request: () => ({ url: `${EVENTS}?pageSize=100` }), expect: 'absent' },
  { family: 'audit list filtered by the owner\'s request', request: (_, owner) => ({ url: `${EVENTS}?requestId=${owner.requestId}` }), expect: 'absent' },
  { family: 'audit get', request: (_, owner) => ({ url: `${EVENTS}/${owner.eventId}` }), expect: 'not_found' },
  { family: 'validate-source naming the owner\'s source id', request: (_, owner) => post(`${MCP}/management/validate-source`, { id: owner.sourceId, name: 'x', type: 'yaml', properties: { content: 'mcpservers: []\n' } }), expect: 'absent' },
  { family: 'source validate by id', request: (_, owner) => post(`${MCP}/management/sources/${owner.sourceId}:validate`, {}), expect: 'absent' },
  { family: 'source enable (write)', request: (_, owner) => post(`${MCP}/management/sources/${owner.sourceId}/enable`, { enabled: false }), expect: 'not_found' },
  { family: 'source delete (write)', request: (_, owner) => ({ method: 'DELETE', url: `${MCP}/management/sources/${owner.sourceId}` }), expect: 'not_found' },
  { family: 'source revisions', request: (_, owner) => ({ url: `${MCP}/management/sources/${owner.sourceId}/revisions` }), expect: 'not_found' },
  { family: 'source rollback (write)', request: (_, owner) => post(`${MCP}/management/sources/${owner.sourceId}:rollback`, { version: 'deadbeefdeadbeef' }), expect: 'not_found' },
  { family: 'refresh of the owner\'s source (write)', request: (_, owner) => post(`${MCP}/management/refresh/${owner.sourceId}`, {}), expect: 'not_found' },
  { family: 'source action (write)', request: (_, owner) => post(`${MCP}/management/sources/${owner.sourceId}:action`, { action: 'refresh', params: {} }), expect: 'not_found' },
  { family: 'jobs list', request: () => ({ url: `${JOBS}?pageSize=100` }), expect: 'absent' },
  { family: 'job get', request: (_, owner) => ({ url: `${JOBS}/${owner.jobId}` }), expect: 'not_found' },
  { family: 'job cancel (write)', request: (_, owner) => post(`${JOBS}/${owner.jobId}:cancel`, {}), expect: 'not_found' },
  { family: 'governance asset record', request: (_, owner) => ({ url: asset(owner) }), expect: 'not_found' },
  { family: 'governance metadata (write)', request: (_, owner) => ({ method: 'PATCH', url: asset(owner), payload: JSON.stringify({ owner: { principal: 'mallory' } }) }), expect: 'not_found' },
  { family: 'governance versions', request: (_, owner) => ({ url: `${asset(owner)}/versions` }), expect: 'not_found' },
  { family: 'governance version create (write)', request: (_, owner) => post(`${asset(owner)}/versions`, { versionLabel: '9.9.9' }), expect: 'not_found' },
  { family: 'governance bindings', request: (_, owner) => ({ url: `${asset(owner)}/bindings` }), expect: 'not_found' },
  { family: 'governance binding (write)', request: (_, owner) => ({ method: 'PUT', url: `${asset(owner)}/bindings/dev`, payload: JSON.stringify({ versionId: 'v1' }) }), expect: 'not_found' },
  { family: 'governance history', request: (_, owner) => ({ url: `${asset(owner)}/history` }), expect: 'not_found' },
  { family: 'governance version get', request: (_, owner) => ({ url: `${asset(owner)}/versions/${encodeURIComponent(owner.versionId)}` }), expect: 'not_found' },
  { family: 'approvals list', request: () => ({ url: `${GOV}/approvals` }), expect: 'absent' },
  { family: 'approvals list filtered by the owner\'s asset', request: (_, owner) => ({ url: `${GOV}/approvals?assetUid=mcp:McpServer:${owner.entity}` }), expect: 'absent' },
  { family: 'approval get', request: (_, owner) => ({ url: `${GOV}/approvals/${owner.approvalId}` }), expect: 'not_found' },
  { family: 'approval decision (write)', request: (_, owner) => post(`${GOV}/approvals/${owner.approvalId}/decisions`, { verdict: 'approve' }), expect: 'not_found' },
  { family: 'approval cancel (write)', request: (_, owner) => post(`${GOV}/approvals/${owner.approvalId}/cancel`, {}), expect: 'not_found' },
  { family: 'model list', request: () => ({ url: `${MODELS}/models?pageSize=100` }), expect: 'absent' },
  { family: 'model list filtered by the owner\'s source', request: (_, owner) => ({ url: `${MODELS}/models?source=${owner.sourceId}-models` }), expect: 'absent' },
  { family: 'model filter_options', request: () => ({ url: `${MODELS}/models/filter_options` }), expect: 'absent' },
  { family: 'model sources (legacy list)', request: () => ({ url: `${MODELS}/sources` }), expect: 'absent' },
  { family: 'model labels', request: () => ({ url: `${MODELS}/labels` }), expect: 'absent' },
  { family: 'model get by name', request: (_, owner) => ({ url: `${MODELS}/models/${owner.namespace}/model` }), expect: 'not_found' },
  { family: 'model get in the owner\'s source', request: (_, owner) => ({ url: model(owner) }), expect: 'not_found' },
  { family: 'model artifacts', request: (_, owner) => ({ url: `${model(owner)}/artifacts` }), expect: 'not_found' },
  { family: 'model performance artifacts', request: (_, owner) => ({ url: `${model(owner)}/artifacts/performance` }), expect: 'not_found' },
];

/**
 * Strings only the owner's data contains. Entity names are not among them: a viewer's own failed
 * attempt on the owner's entity is audited in the viewer's namespace and names it.
 */
function traces(owner: Team): string[] {
  return [
    owner.user, owner.sourceId, `${owner.namespace}-license`, `${owner.namespace}-task`, `${owner.namespace}-label`, owner.requestId, owner.eventId, owner.jobId,
    `${owner.namespace} only`, `${owner.namespace}-tag`, `${owner.namespace}-secret`, `"namespace":"${owner.namespace}"`, owner.versionId, owner.approvalId, `${owner.namespace}-risk`,
  ];
}

function sourcesDocument(team: Team): string {
  const mcp = `mcpservers:\n  - {name: ${team.entity}, description: ${team.namespace} only, serverUrl: 'stdio://${team.entity}', deploymentMode: local}\n`;
  const prompts = `prompttemplates:\n  - {name: ${team.prompt}, description: ${team.namespace} only, format: raw, template: hello}\n`;
  const models = `source: ${team.namespace} models\nmodels:\n  - name: ${team.namespace}/model\n    provider: ${team.namespace} only\n    description: ${team.namespace} only\n    license: ${team.namespace}-license\n    tasks: [${team.namespace}-task]\n    artifacts:\n      - uri: oci://registry.example.com/${team.namespace}/model:1\n`;
  return `catalogs:
  mcp:
    sources:
      - {id: ${team.sourceId}, name: ${team.namespace} servers, type: yaml, properties: {content: ${JSON.stringify(mcp)}, apiKey: ${team.namespace}-secret}}
  prompts:
    sources:
      - {id: ${team.sourceId}-prompts, name: ${team.namespace} prompts, type: yaml, properties: {content: ${JSON.stringify(prompts)}}}
  models:
    labels:
      - {name: ${team.namespace}-label, description: ${team.namespace} only}
    sources:
      - {id: ${team.sourceId}-models, name: ${team.namespace} models, type: yaml, labels: [${team.namespace}-label], properties: {content: ${JSON.stringify(models)}}}
`;
}

describeEachDatabase('namespace isolation matrix', (kind) => {
  let t: TestServer;
  const teams: Team[] = (['team-a', 'team-b'] as const).map((namespace, i) => ({
    namespace, user: ['alice', 'carol'][i], sourceId: `${namespace}-src`, entity: `${namespace}-server`, prompt: `${namespace}-prompt`, eventId: '', jobId: '', requestId: `${namespace}-tag`,
    versionId: '', approvalId: '',
  }));
  const as = (team: Team, options: InjectOptions) =>
    t.inject({
      ...options,
      headers: { 'x-namespace': team.namespace, 'x-remote-user': team.user, 'x-user-role': 'operator', ...(options.payload ? { 'content-type': 'application/json' } : {}), ...options.headers },
    });

  before(async () => {
    t = await startTestServer({
      kind,
      plugins: [...(await auditPlugins()), ...(await loadBundledPlugins()).filter((p) => p.name === 'model')],
      args: ['--config-store=db'],
      // Role mode: the teams act as operators; the viewer test below drops to `viewer`.
      // Lifecycle draft → approved is gated, so each team has a pending approval request.
      env: { CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: 'team-a,team-b', CATALOG_AUTHZ_MODE: 'role', ...governanceEnv({ policies: APPROVAL_GATE }) },
      prepare: async (db) => {
        await db.insertInto('catalog_config_sections').values(teams.map((team) => ({ namespace: team.namespace, document: sourcesDocument(team) }))).execute();
      },
    });
    for (const team of teams) {
      const own = await as(team, { ...post(`${MCP}/management/entities/${team.entity}:action`, { action: 'tag', params: { tags: [`${team.namespace}-tag`] } }), headers: { 'x-request-id': team.requestId } });
      assert.equal(own.statusCode, 200, own.body);
      team.eventId = json(await as(team, { url: `${EVENTS}?requestId=${team.requestId}` })).events[0].id;
      const refresh = await as(team, post(`${MCP}/management/refresh/${team.sourceId}`, {}));
      assert.equal(refresh.statusCode, 202, refresh.body);
      team.jobId = json(refresh).jobId;
      const record = await as(team, { method: 'PATCH', url: asset(team), payload: JSON.stringify({ risk: { level: 'low', categories: [`${team.namespace}-risk`] } }) });
      assert.equal(record.statusCode, 200, record.body);
      const version = await as(team, post(`${asset(team)}/versions`, { versionLabel: '1.0.0' }));
      assert.equal(version.statusCode, 201, version.body);
      team.versionId = json(version).versionId;
      const gated = await as(team, post(`${asset(team)}/actions/lifecycle.setState`, { params: { state: 'approved' } }));
      assert.equal(gated.statusCode, 202, gated.body);
      team.approvalId = json(gated).data.requestId;
    }
  });
  after(() => t.close());

  test('each team sees its own data', async () => {
    for (const team of teams) {
      assert.equal((await as(team, { url: `${MCP}/mcpservers/${team.entity}` })).statusCode, 200);
      assert.equal((await as(team, { url: `${model(team)}/artifacts` })).statusCode, 200);
      assert.equal((await as(team, { url: `${EVENTS}/${team.eventId}` })).statusCode, 200);
      assert.deepEqual(json(await as(team, { url: `${MCP}/management/sources` })).sources.map((s: { id: string }) => s.id), [team.sourceId]);
    }
  });

  for (const row of ROWS) {
    test(`${row.family}: neither team sees or touches the other's data`, async () => {
      for (const [viewer, owner] of [[teams[0], teams[1]], [teams[1], teams[0]]]) {
        const response = await as(viewer, row.request(viewer, owner));
        if (row.expect === 'not_found') {
          assert.equal(response.statusCode, 404, `${viewer.namespace}: ${response.body}`);
        } else {
          assert.equal(response.statusCode, 200, `${viewer.namespace}: ${response.body}`);
          for (const trace of traces(owner)) assert.ok(!response.body.includes(trace), `${viewer.namespace} sees ${owner.namespace}'s ${trace}: ${response.body}`);
        }
      }
    });
  }

  test('a viewer cannot mutate its own team\'s data through any write row', async () => {
    const writes = ROWS.filter((row) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(row.request(teams[0], teams[0]).method ?? 'GET'));
    assert.ok(writes.length >= 10, 'the matrix has write rows');
    for (const row of writes) {
      for (const team of teams) {
        const options = row.request(team, team);
        const response = await as(team, { ...options, headers: { 'x-user-role': 'viewer' } });
        assert.equal(response.statusCode, 403, `${row.family} as a viewer of ${team.namespace}: ${response.body}`);
      }
    }
  });

  test('after every row, each team\'s data is as it left it', async () => {
    for (const team of teams) {
      assert.deepEqual(json(await as(team, { url: `${MCP}/mcpservers/${team.entity}` })).tags, [`${team.namespace}-tag`]);
      assert.equal(json(await as(team, { url: `${GOV}/approvals/${team.approvalId}` })).status, 'pending');
      assert.deepEqual(json(await as(team, { url: asset(team) })).governance.risk, { level: 'low', categories: [`${team.namespace}-risk`] });
      const events = json(await as(team, { url: `${EVENTS}?pageSize=100` })).events as { namespace: string; actor: string }[];
      assert.ok(events.every((e) => e.namespace === team.namespace && e.actor === team.user));
    }
  });
});
