import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadBundledPlugins, REPOSITORY_ROOT } from '../../bundledPlugins.js';
import { describeEachDatabase } from '../../testing/databases.js';
import { startTestServer, type TestServer } from '../../testing/testServer.js';
import { agentsSources, GOV, governanceClient, governanceEnv } from '../../testing/governanceClient.js';
import { LIFECYCLE_STATES } from '../lifecycle/states.js';

const AGENTS_DATA = join(REPOSITORY_ROOT, 'plugins', 'agents', 'data', 'agents.yaml');
const LIST = '/api/agents_catalog/v1alpha1/agents';
const alice = { user: 'alice' };

/** Lifecycle, metadata and entity-list acceptance criteria of spec 06 §17 (13–15, 18, 20–24, 42, 44) with no policies. */
describeEachDatabase('governance lifecycle and metadata', (kind) => {
  let server: TestServer;
  let call: ReturnType<typeof governanceClient>;
  let asset = 0;
  /** A fresh, never-governed sample agent per test, so tests do not depend on each other's state. */
  const agents = ['incident-commander', 'incident-intake-router', 'cluster-diagnostics-agent', 'pod-remediation-executor', 'remediation-reviewer', 'incident-scribe', 'ticket-triage-agent', 'access-request-agent'];
  const nextAgent = () => `${GOV}/assets/agents/Agent/${agents[asset++]}`;
  const setState = (url: string, state: string) => call('POST', `${url}/actions/lifecycle.setState`, alice, { params: { state } });

  before(async () => {
    const plugins = (await loadBundledPlugins()).filter((p) => p.name === 'agents');
    server = await startTestServer({ kind, plugins, files: { 'sources.yaml': agentsSources(AGENTS_DATA) }, env: governanceEnv({ policies: 'policies: []\n' }) });
    call = governanceClient(server);
  });
  after(() => server.close());

  test('dry runs of all 16 transitions follow the matrix', async () => {
    const url = nextAgent();
    const path: Record<string, string[]> = { draft: [], approved: ['approved'], deprecated: ['approved', 'deprecated'], archived: ['approved', 'archived'] };
    const denied = new Set(['draft>deprecated', 'draft>archived', 'archived>approved']);
    const invalid = new Set(['approved>draft', 'deprecated>draft']);
    for (const from of LIFECYCLE_STATES) {
      // Walk the asset back to draft via archive/restore, then forward to `from`.
      const current = (await call('GET', url)).body!.governance.lifecycle.state as string;
      if (current !== 'draft') {
        if (current !== 'archived') assert.equal((await setState(url, 'archived')).status, 200);
        assert.equal((await call('POST', `${url}/actions/lifecycle.restore`, alice, { params: { targetState: 'draft' } })).status, 200);
      }
      for (const step of path[from]) assert.equal((await setState(url, step)).status, 200);
      for (const to of [...LIFECYCLE_STATES, 'foo']) {
        const response = await call('POST', `${url}/actions/lifecycle.setState`, alice, { dryRun: true, params: { state: to } });
        const pair = `${from}>${to}`;
        if (denied.has(pair)) {
          assert.equal(response.status, 400, pair);
          assert.equal(response.body!.error, 'LIFECYCLE_TRANSITION_DENIED');
          assert.equal(response.body!.code, 'LIFECYCLE_TRANSITION_DENIED');
          assert.equal(response.body!.message, `transition from ${from} to ${to} is not allowed`);
          assert.deepEqual([response.body!.from, response.body!.to, typeof response.body!.requestId], [from, to, 'string']);
        } else if (invalid.has(pair) || to === 'foo') {
          assert.equal(response.status, 400, pair);
          assert.equal(response.body!.code, 'LIFECYCLE_INVALID_TRANSITION');
          assert.equal(response.body!.message, `no transition defined from ${from} to ${to}`);
        } else {
          assert.equal(response.status, 200, pair);
          assert.equal(response.body!.status, 'dry-run');
          assert.equal(response.body!.data.requiresApproval, false);
        }
      }
      assert.equal((await call('GET', url)).body!.governance.lifecycle.state, from, 'dry runs change nothing');
    }
  });

  test('deprecate with replacementRef, archive, restore', async () => {
    const url = nextAgent();
    assert.equal((await setState(url, 'approved')).status, 200);
    const deprecated = await call('POST', `${url}/actions/lifecycle.deprecate`, alice, { params: { replacementRef: 'service-desk-assistant', reason: 'superseded' } });
    assert.equal(deprecated.status, 200, JSON.stringify(deprecated.body));
    assert.equal(deprecated.body!.action, 'lifecycle.deprecate');
    let record = (await call('GET', url)).body!.governance.lifecycle;
    assert.equal(record.replacementRef, 'agents:Agent:service-desk-assistant');
    assert.equal(record.reason, 'superseded');
    assert.match(record.changedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const missing = await call('POST', `${url}/actions/lifecycle.deprecate`, alice, { params: { replacementRef: 'agents:Agent:nope' } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body!.message, 'replacementRef "agents:Agent:nope" not found');
    assert.equal((await call('POST', `${url}/actions/lifecycle.archive`, alice, {})).status, 200);
    record = (await call('GET', url)).body!.governance.lifecycle;
    assert.equal(record.replacementRef, undefined, 'cleared by leaving deprecated');
    const restored = await call('POST', `${url}/actions/lifecycle.restore`, alice);
    assert.equal(restored.status, 200);
    assert.equal(restored.body!.data.to, 'deprecated');
    const notArchived = await call('POST', `${url}/actions/lifecycle.restore`, alice, {});
    assert.equal(notArchived.status, 400);
    assert.equal(notArchived.body!.code, 'LIFECYCLE_INVALID_TRANSITION');
    assert.equal(notArchived.body!.message, 'restore applies only to archived assets');
    const badTarget = await call('POST', `${url}/actions/lifecycle.restore`, alice, { params: { targetState: 'approved' } });
    assert.equal(badTarget.status, 400);
    assert.equal(badTarget.body!.message, 'targetState must be draft or deprecated');
  });

  test('parameter and action errors', async () => {
    const url = nextAgent();
    const noState = await call('POST', `${url}/actions/lifecycle.setState`, alice, { params: {} });
    assert.equal(noState.status, 400);
    assert.equal(noState.body!.message, `missing or invalid 'state' parameter`);
    const unknown = await call('POST', `${url}/actions/lifecycle.nonexistent`, alice, {});
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body!.message, 'unknown action: lifecycle.nonexistent');
    assert.equal((await call('POST', `${url}/actions/lifecycle.setState`, alice, { dryRun: 'yes' })).status, 400);
    assert.equal((await call('POST', `${url}/actions/lifecycle.setState`, alice, { params: [] })).status, 400);
    assert.equal((await call('POST', `${url}/actions/lifecycle.setState`, alice, [1])).status, 400);
  });

  test('archived agents leave the default list, stay reachable by filter, includeArchived and GET', async () => {
    const url = nextAgent();
    const name = url.split('/').pop()!;
    assert.equal((await setState(url, 'approved')).status, 200);
    assert.equal((await setState(url, 'archived')).status, 200);
    const names = async (query: string) => {
      const response = await server.inject({ method: 'GET', url: `${LIST}?pageSize=1000${query}` });
      assert.equal(response.statusCode, 200, response.body);
      return (JSON.parse(response.body).items as { name: string }[]).map((i) => i.name);
    };
    assert.ok(!(await names('')).includes(name));
    assert.ok((await names('&includeArchived=true')).includes(name));
    // Earlier tests may have archived other agents: the filter lists archived ones only, this one among them.
    const archived = await names(`&filterQuery=${encodeURIComponent("governance.lifecycle.state = 'archived'")}`);
    assert.ok(archived.includes(name));
    assert.ok(!archived.includes('helpdesk-answer-grader'));
    const entity = await server.inject({ method: 'GET', url: `${LIST}/${name}` });
    assert.equal(entity.statusCode, 200);
    assert.equal(JSON.parse(entity.body).governance.lifecycle.state, 'archived');
  });

  test('PATCH replaces present groups and keeps the others', async () => {
    const url = nextAgent();
    const first = await call('PATCH', url, alice, { owner: { principal: 'alice', email: 'a@example.com' }, risk: { level: 'high' } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body!.governance.owner, { principal: 'alice', email: 'a@example.com' });
    assert.deepEqual(first.body!.governance.risk, { level: 'high', categories: [] });
    const second = await call('PATCH', url, alice, { owner: { principal: 'bob' } });
    assert.deepEqual(second.body!.governance.owner, { principal: 'bob' });
    assert.equal(second.body!.governance.risk.level, 'high');
    const cleared = await call('PATCH', url, alice, { owner: null, compliance: { tags: ['gdpr', 'gdpr', 'sox'] } });
    assert.equal(cleared.body!.governance.owner, undefined);
    assert.deepEqual(cleared.body!.governance.compliance, { tags: ['gdpr', 'sox'], controls: [] });
    const noop = await call('PATCH', url, alice, {});
    assert.deepEqual(noop.body, cleared.body);
  });

  test('invalid metadata and lifecycle in PATCH are rejected whole', async () => {
    const url = nextAgent();
    const before = (await call('GET', url)).body;
    const cases: [unknown, string][] = [
      [{ risk: { level: 'severe' } }, 'invalid governance field risk.level: must be one of low, medium, high, critical'],
      [{ sla: { tier: 'platinum' } }, 'invalid governance field sla.tier: must be one of gold, silver, bronze, none'],
      [{ intendedUse: { environments: ['dev', 'production'] } }, 'invalid governance field intendedUse.environments[1]: unknown environment "production" (configured: dev, stage, prod)'],
      [{ audit: { lastReviewedAt: 'yesterday' } }, 'invalid governance field audit.lastReviewedAt: must be an RFC 3339 timestamp'],
      [{ owner: { principal: 'x' }, colour: 'red' }, 'unknown governance field "colour"'],
      [{ owner: { nickname: 'x' } }, 'unknown governance field "owner.nickname"'],
      [{ lifecycle: { state: 'approved' } }, 'lifecycle cannot be changed through PATCH; use the lifecycle actions (lifecycle.setState, lifecycle.deprecate, lifecycle.archive, lifecycle.restore)'],
      [{ risk: { level: 'low' }, lifecycle: null }, 'lifecycle cannot be changed through PATCH; use the lifecycle actions (lifecycle.setState, lifecycle.deprecate, lifecycle.archive, lifecycle.restore)'],
    ];
    for (const [body, message] of cases) {
      const response = await call('PATCH', url, alice, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body!.message, message);
    }
    assert.deepEqual((await call('GET', url)).body, before);
    const review = await call('PATCH', url, alice, { audit: { lastReviewedAt: '2026-01-05T01:00:00+01:00', reviewCadenceDays: 90 } });
    assert.deepEqual(review.body!.governance.audit, { lastReviewedAt: '2026-01-05T00:00:00.000Z', reviewCadenceDays: 90 });
  });

  test('existence rules and canonical kinds', async () => {
    const fresh = await call('GET', `${GOV}/assets/agents/Agent/helpdesk-answer-grader`);
    assert.equal(fresh.status, 200);
    assert.deepEqual(fresh.body, {
      assetRef: { plugin: 'agents', kind: 'Agent', name: 'helpdesk-answer-grader' },
      assetUid: 'agents:Agent:helpdesk-answer-grader',
      governance: { risk: { level: 'medium', categories: [] }, lifecycle: { state: 'draft', changedBy: 'system' } },
    });
    const nope = await call('GET', `${GOV}/assets/agents/Agent/nope`);
    assert.equal(nope.status, 404);
    assert.equal(nope.body!.message, 'Agent "nope" not found');
    const plugin = await call('GET', `${GOV}/assets/nope/Agent/x`);
    assert.equal(plugin.body!.message, 'plugin "nope" not found');
    const widget = await call('GET', `${GOV}/assets/agents/Widget/x`);
    assert.equal(widget.status, 404);
    assert.equal(widget.body!.message, 'kind "Widget" not found in plugin "agents"');
    for (const kindForm of ['agents', 'agent', 'AGENT']) {
      const response = await call('GET', `${GOV}/assets/agents/${kindForm}/helpdesk-answer-grader`);
      assert.equal(response.body!.assetRef.kind, 'Agent');
    }
    assert.equal((await call('PATCH', `${GOV}/assets/agents/Agent/nope`, alice, { risk: { level: 'low' } })).status, 404);
    assert.equal((await call('GET', `${GOV}/assets/agents/Agent/nope/versions`)).status, 404);
  });

  test('governance filters in entity lists', async () => {
    const url = nextAgent();
    const name = url.split('/').pop()!;
    assert.equal((await call('PATCH', url, alice, { risk: { level: 'critical' }, compliance: { tags: ['gdpr'] } })).status, 200);
    const list = async (filter: string) => {
      const response = await server.inject({ method: 'GET', url: `${LIST}?pageSize=1000&filterQuery=${encodeURIComponent(filter)}` });
      assert.equal(response.statusCode, 200, response.body);
      return JSON.parse(response.body) as { items: { name: string }[]; size: number };
    };
    assert.deepEqual((await list("governance.risk.level = 'critical' AND governance.compliance.tags = 'gdpr'")).items.map((i) => i.name), [name]);
    const medium = (await list("governance.risk.level = 'medium'")).items.map((i) => i.name);
    assert.ok(medium.includes('helpdesk-answer-grader'));
    assert.ok(!medium.includes(name));
  });

  test('metrics count executed transitions', async () => {
    const response = await server.inject({ method: 'GET', url: '/metrics' });
    assert.match(response.body, /catalog_governance_lifecycle_transitions_total\{plugin="agents",from="draft",to="approved"\} \d+/);
  });

  test('X-User-Principal alone makes the actor', async () => {
    const url = nextAgent();
    const response = await server.inject({
      method: 'POST', url: `${url}/actions/lifecycle.setState`, headers: { 'x-user-principal': 'svc-deployer', 'content-type': 'application/json' },
      payload: JSON.stringify({ params: { state: 'approved' } }),
    });
    assert.equal(response.statusCode, 200);
    assert.equal((await call('GET', url)).body!.governance.lifecycle.changedBy, 'svc-deployer');
  });
});
