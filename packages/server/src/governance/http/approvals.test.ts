import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadBundledPlugins, REPOSITORY_ROOT } from '../../bundledPlugins.js';
import { describeEachDatabase } from '../../testing/databases.js';
import { startTestServer, type TestServer } from '../../testing/testServer.js';
import { agentsSources, GOV, governanceClient, governanceEnv } from '../../testing/governanceClient.js';

const AGENTS_DATA = join(REPOSITORY_ROOT, 'plugins', 'agents', 'data', 'agents.yaml');
const POLICIES = `policies:
  - id: high-risk
    displayName: High Risk
    enabled: true
    selector: {riskLevels: [high, critical], transitions: [{from: draft, to: approved}]}
    gate: {requiredCount: 2, allowedRoles: [admin, governance-reviewer], denyOnFirst: false}
  - id: first-approval
    displayName: First Approval
    enabled: true
    selector: {transitions: [{from: draft, to: approved}]}
    gate: {requiredCount: 1, allowedRoles: [admin, reviewer], denyOnFirst: true}
    expiryHours: 72
  - id: archive-approved
    displayName: Archive Approved
    enabled: true
    selector: {plugins: [agents], kinds: [agents], transitions: [{from: approved, to: archived}]}
    gate: {requiredCount: 1, allowedRoles: [admin]}
  - id: prod-binding-gate
    displayName: Production Binding Gate
    enabled: true
    selector: {environments: [prod]}
    gate: {requiredCount: 1, allowedRoles: [admin, release-manager]}
`;
const alice = { user: 'alice' };
const bob = { user: 'bob', groups: ['reviewer', 'governance-reviewer'] };
const carol = { user: 'carol', groups: ['admin'] };
const rita = { user: 'rita', groups: ['release-manager'] };

/** Approval and binding acceptance criteria of spec 06 §17 (9, 16, 29–31, 33–35, 37, 38). */
describeEachDatabase('governance approvals and bindings', (kind) => {
  let server: TestServer;
  let call: ReturnType<typeof governanceClient>;
  const asset = (name: string) => `${GOV}/assets/agents/Agent/${name}`;
  const decide = (id: string, who: object, verdict: string) => call('POST', `${GOV}/approvals/${id}/decisions`, who, { verdict });
  /** Takes a draft agent to approved through the first-approval gate. */
  const approve = async (url: string) => {
    const gated = await call('POST', `${url}/actions/lifecycle.setState`, alice, { params: { state: 'approved' } });
    assert.equal(gated.status, 202);
    assert.equal((await decide(gated.body!.data.requestId, bob, 'approve')).body!.decision, 'approved');
  };

  before(async () => {
    const plugins = (await loadBundledPlugins()).filter((p) => p.name === 'agents');
    server = await startTestServer({ kind, plugins, files: { 'sources.yaml': agentsSources(AGENTS_DATA) }, env: governanceEnv({ policies: POLICIES }) });
    call = governanceClient(server);
  });
  after(() => server.close());

  test('high risk needs two distinct reviewers', async () => {
    const url = asset('incident-commander');
    assert.equal((await call('PATCH', url, alice, { risk: { level: 'high' } })).status, 200);
    const gated = await call('POST', `${url}/actions/lifecycle.setState`, alice, { params: { state: 'approved' } });
    assert.equal(gated.body!.data.policyId, 'high-risk');
    assert.equal(gated.body!.data.requiredCount, 2);
    const id = gated.body!.data.requestId as string;
    const first = await decide(id, bob, 'approve');
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { decision: 'approve', requestId: id, status: 'pending', approvesCount: 1, deniesCount: 0, requiredCount: 2 });
    const twice = await decide(id, bob, 'approve');
    assert.equal(twice.status, 409);
    assert.equal(twice.body!.message, 'reviewer bob has already voted on this request');
    const second = await decide(id, carol, 'approve');
    assert.equal(second.body!.decision, 'approved');
    assert.equal((await call('GET', url)).body!.governance.lifecycle.state, 'approved');
  });

  test('a gated dry run creates nothing', async () => {
    const url = asset('incident-intake-router');
    const dry = await call('POST', `${url}/actions/lifecycle.setState`, alice, { dryRun: true, params: { state: 'approved' } });
    assert.equal(dry.status, 200);
    assert.deepEqual(dry.body!.data, { from: 'draft', to: 'approved', requiresApproval: true, policyId: 'first-approval', requiredCount: 1 });
    const requests = await call('GET', `${GOV}/approvals?assetUid=agents:Agent:incident-intake-router`);
    assert.equal(requests.body!.totalSize, 0);
  });

  test('denyOnFirst resolves on one deny; otherwise a quorum of denials', async () => {
    const quick = asset('cluster-diagnostics-agent');
    const gated = await call('POST', `${quick}/actions/lifecycle.setState`, alice, { params: { state: 'approved' } });
    const denied = await decide(gated.body!.data.requestId, bob, 'deny');
    assert.equal(denied.body!.decision, 'denied');
    assert.equal(denied.body!.status, 'denied');
    const selfDeny = await call('POST', `${quick}/actions/lifecycle.setState`, alice, { params: { state: 'approved' } });
    const own = await decide(selfDeny.body!.data.requestId, { user: 'alice', groups: ['admin'] }, 'deny');
    assert.equal(own.status, 403);
    assert.equal(own.body!.message, 'requester cannot deny their own request; cancel it instead');
    assert.equal((await call('POST', `${GOV}/approvals/${selfDeny.body!.data.requestId}/cancel`, alice)).status, 200);

    const slow = asset('pod-remediation-executor');
    await call('PATCH', slow, alice, { risk: { level: 'critical' } });
    const request = await call('POST', `${slow}/actions/lifecycle.setState`, alice, { params: { state: 'approved' } });
    const id = request.body!.data.requestId as string;
    assert.equal((await decide(id, bob, 'deny')).body!.status, 'pending');
    assert.equal((await decide(id, carol, 'deny')).body!.status, 'denied');
    assert.equal((await call('GET', slow)).body!.governance.lifecycle.state, 'draft');
  });

  test('an approved request whose state moved on fails re-validation', async () => {
    const url = asset('remediation-reviewer');
    await approve(url);
    const archive = await call('POST', `${url}/actions/lifecycle.archive`, alice, {});
    assert.equal(archive.status, 202);
    assert.equal(archive.body!.data.policyId, 'archive-approved');
    assert.equal((await call('POST', `${url}/actions/lifecycle.deprecate`, alice, {})).status, 200);
    const failed = await decide(archive.body!.data.requestId, carol, 'approve');
    assert.equal(failed.status, 200);
    assert.equal(failed.body!.decision, 'failed');
    assert.equal(failed.body!.autoExecuted, false);
    assert.equal(failed.body!.error.code, 'LIFECYCLE_INVALID_TRANSITION');
    const request = await call('GET', `${GOV}/approvals/${archive.body!.data.requestId}`);
    assert.equal(request.body!.status, 'failed');
    assert.equal(request.body!.resolutionNote, 'asset state changed from approved to deprecated since the request was created');
    assert.equal((await call('GET', url)).body!.governance.lifecycle.state, 'deprecated');
  });

  test('binding checks, warnings and promotion errors', async () => {
    const url = asset('incident-scribe');
    const other = asset('ticket-triage-agent');
    const v1 = (await call('POST', `${url}/versions`, alice, { versionLabel: 'v1' })).body!.versionId as string;
    const foreign = (await call('POST', `${other}/versions`, alice, { versionLabel: 'v1' })).body!.versionId as string;
    const unknownEnv = await call('PUT', `${url}/bindings/qa`, alice, { versionId: v1 });
    assert.equal(unknownEnv.status, 400);
    assert.equal(unknownEnv.body!.message, 'unknown environment "qa" (configured: dev, stage, prod)');
    const wrongAsset = await call('PUT', `${url}/bindings/dev`, alice, { versionId: foreign });
    assert.equal(wrongAsset.status, 404);
    assert.equal(wrongAsset.body!.message, `version "${foreign}" not found for agents:Agent:incident-scribe`);
    const missing = await call('PUT', `${url}/bindings/dev`, alice, {});
    assert.equal(missing.body!.message, 'versionId is required');
    assert.equal((await call('PATCH', `${url}/bindings/dev`, alice, { versionId: v1 })).status, 200);

    const same = await call('POST', `${url}/actions/promotion.promote`, alice, { params: { fromEnv: 'dev', toEnv: 'dev' } });
    assert.equal(same.body!.message, 'fromEnv and toEnv must be different');
    const unbound = await call('POST', `${url}/actions/promotion.promote`, alice, { params: { fromEnv: 'stage', toEnv: 'dev' } });
    assert.equal(unbound.status, 409);
    assert.equal(unbound.body!.message, 'no version is bound to "stage"');
    const draftStage = await call('POST', `${url}/actions/promotion.promote`, alice, { params: { fromEnv: 'dev', toEnv: 'stage' } });
    assert.equal(draftStage.status, 400);
    assert.equal(draftStage.body!.message, 'draft assets cannot be promoted to protected environment "stage"');
    const rollback = await call('POST', `${url}/actions/promotion.rollback`, alice, { params: { environment: 'stage', targetVersionId: v1 } });
    assert.equal(rollback.status, 409);
    assert.equal(rollback.body!.message, 'no version is bound to "stage"; use promotion.bind');
    const noParam = await call('POST', `${url}/actions/promotion.bind`, alice, { params: { environment: 'dev' } });
    assert.equal(noParam.body!.message, `missing or invalid 'versionId' parameter`);

    await approve(url);
    assert.equal((await call('POST', `${url}/actions/lifecycle.deprecate`, alice, { params: { replacementRef: 'incident-commander' } })).status, 200);
    const warned = await call('PUT', `${url}/bindings/stage`, alice, { versionId: v1 });
    assert.equal(warned.status, 200, JSON.stringify(warned.body));
    assert.deepEqual(warned.body!.warnings, ['asset is deprecated; binding is allowed but consider migrating to agents:Agent:incident-commander']);
    assert.equal((await call('POST', `${url}/actions/lifecycle.setState`, alice, { params: { state: 'archived' } })).status, 200);
    const archived = await call('PUT', `${url}/bindings/dev`, alice, { versionId: v1 });
    assert.equal(archived.status, 400);
    assert.equal(archived.body!.message, 'archived assets cannot be bound');
    const archivedRollback = await call('POST', `${url}/actions/promotion.rollback`, alice, { params: { environment: 'dev', targetVersionId: v1 } });
    assert.equal(archivedRollback.body!.message, 'archived assets cannot be bound');
  });

  test('binding into prod is gated on every entry point and runs as the requester', async () => {
    const url = asset('access-request-agent');
    await approve(url);
    const v1 = (await call('POST', `${url}/versions`, alice, { versionLabel: 'v1' })).body!.versionId as string;
    const v2 = (await call('POST', `${url}/versions`, alice, { versionLabel: 'v2' })).body!.versionId as string;
    assert.equal((await call('PUT', `${url}/bindings/stage`, alice, { versionId: v1 })).status, 200, 'stage is not gated');

    const put = await call('PUT', `${url}/bindings/prod`, alice, { versionId: v1 });
    assert.equal(put.status, 202);
    assert.equal(put.body!.action, 'promotion.bind');
    assert.equal(put.body!.message, 'binding of access-request-agent to prod requires approval (policy: Production Binding Gate)');
    const conflict = await call('POST', `${url}/actions/promotion.promote`, alice, { params: { fromEnv: 'stage', toEnv: 'prod' } });
    assert.equal(conflict.status, 409, 'one pending request per environment');
    // Another user without the role may not cancel; the requester may, without a body.
    const stranger = await call('POST', `${GOV}/approvals/${put.body!.data.requestId}/cancel`, { user: 'eve', groups: ['viewer'] }, {});
    assert.equal(stranger.status, 403);
    assert.equal(stranger.body!.message, 'only the requester or an eligible approver can cancel this request');
    const canceled = await call('POST', `${GOV}/approvals/${put.body!.data.requestId}/cancel`, alice);
    assert.deepEqual(canceled.body, { status: 'canceled', requestId: put.body!.data.requestId });
    assert.equal((await call('POST', `${GOV}/approvals/${put.body!.data.requestId}/cancel`, alice)).status, 409);

    const promote = await call('POST', `${url}/actions/promotion.promote`, alice, { params: { fromEnv: 'stage', toEnv: 'prod' } });
    assert.equal(promote.status, 202);
    const approved = await decide(promote.body!.data.requestId, rita, 'approve');
    assert.equal(approved.body!.decision, 'approved', JSON.stringify(approved.body));
    let prod = (await call('GET', `${url}/bindings`)).body!.bindings.find((b: { environment: string }) => b.environment === 'prod');
    assert.equal(prod.versionId, v1);
    assert.equal(prod.boundBy, 'alice');

    const bind = await call('POST', `${url}/actions/promotion.bind`, alice, { params: { environment: 'prod', versionId: v2 } });
    assert.equal(bind.status, 202);
    await decide(bind.body!.data.requestId, carol, 'approve');
    const rollback = await call('POST', `${url}/actions/promotion.rollback`, alice, { params: { environment: 'prod', targetVersionId: v1 } });
    assert.equal(rollback.status, 202);
    const request = await call('GET', `${GOV}/approvals/${rollback.body!.data.requestId}`);
    assert.equal(request.body!.environment, 'prod');
    assert.equal(request.body!.transition, undefined);
    await decide(rollback.body!.data.requestId, rita, 'approve');
    prod = (await call('GET', `${url}/bindings`)).body!.bindings.find((b: { environment: string }) => b.environment === 'prod');
    assert.deepEqual([prod.versionId, prod.previousVersionId], [v1, v2]);
  });

  test('listing requests and policies', async () => {
    const url = asset('warehouse-analyst');
    const pending = await call('POST', `${url}/actions/lifecycle.setState`, alice, { params: { state: 'approved' } });
    assert.equal(pending.status, 202);
    const list = await call('GET', `${GOV}/approvals?status=pending&plugin=agents`);
    assert.equal(list.status, 200);
    assert.ok(list.body!.requests.length >= 1);
    assert.equal(list.body!.totalSize, list.body!.requests.length);
    assert.ok(list.body!.requests.every((r: { status: string; assetRef: { plugin: string } }) => r.status === 'pending' && r.assetRef.plugin === 'agents'));
    assert.ok(list.body!.requests.every((r: { decisions?: unknown }) => r.decisions === undefined));
    const withDecisions = await call('GET', `${GOV}/approvals?status=approved,denied&includeDecisions=true&kind=agents`);
    assert.ok(withDecisions.body!.requests.every((r: { decisions: unknown[] }) => Array.isArray(r.decisions) && r.decisions.length > 0));
    const paged = await call('GET', `${GOV}/approvals?pageSize=2`);
    assert.equal(paged.body!.size, 2);
    const next = await call('GET', `${GOV}/approvals?pageSize=2&pageToken=${paged.body!.nextPageToken}`);
    assert.equal(next.status, 200);
    assert.notDeepEqual(next.body!.requests.map((r: { id: string }) => r.id), paged.body!.requests.map((r: { id: string }) => r.id));
    assert.equal((await call('GET', `${GOV}/approvals?pageSize=2&pageToken=garbage!`)).status, 400);
    const bogus = await call('GET', `${GOV}/approvals?status=bogus`);
    assert.equal(bogus.status, 400);
    assert.equal(bogus.body!.message, 'invalid status "bogus"');
    const policies = await call('GET', `${GOV}/policies`);
    assert.deepEqual(policies.body!.policies.map((p: { id: string; appliesTo: string; enabled: boolean }) => [p.id, p.appliesTo, p.enabled]), [
      ['high-risk', 'lifecycle', true], ['first-approval', 'lifecycle', true], ['archive-approved', 'lifecycle', true], ['prod-binding-gate', 'promotion', true],
    ]);
    assert.equal((await call('GET', `${GOV}/approvals/not-a-request`)).status, 404);
  });
});
