import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPOSITORY_ROOT } from '../../bundledPlugins.js';
import { describeEachDatabase } from '../../testing/databases.js';
import { startTestServer, type TestServer } from '../../testing/testServer.js';
import { AGENT, GOV, governanceClient } from '../../testing/governanceClient.js';

const alice = { user: 'alice' };
const bob = { user: 'bob', groups: ['reviewer'] };

/** The end-to-end scenario and negative cases of spec 06 §17 (1–5, 8, 10, 11) with the shipped configuration. */
describeEachDatabase('governance scenario', (kind) => {
  let server: TestServer;
  let call: ReturnType<typeof governanceClient>;
  before(async () => {
    server = await startTestServer({
      kind,
      env: {
        CATALOG_GOVERNANCE_CONFIG: join(REPOSITORY_ROOT, 'config', 'governance.yaml'),
        CATALOG_APPROVAL_POLICIES: join(REPOSITORY_ROOT, 'config', 'approval-policies.yaml'),
      },
    });
    call = governanceClient(server);
  });
  after(() => server.close());

  test('versions, gated approval by another user, bind, promote, roll back', async () => {
    const v1 = await call('POST', `${AGENT}/versions`, alice, { versionLabel: 'v1' });
    assert.equal(v1.status, 201, JSON.stringify(v1.body));
    assert.match(v1.body!.versionId, /^v1:[0-9a-f]{8}$/);
    assert.match(v1.body!.contentDigest, /^[0-9a-f]{64}$/);
    assert.equal(v1.headers.location, `${AGENT}/versions/${encodeURIComponent(v1.body!.versionId)}`);
    const v2 = await call('POST', `${AGENT}/versions`, alice, { versionLabel: 'v2' });
    assert.equal(v2.status, 201);
    const listed = await call('GET', `${AGENT}/versions`);
    assert.deepEqual(listed.body!.versions.map((v: { versionLabel: string }) => v.versionLabel), ['v2', 'v1']);
    assert.equal(listed.body!.totalSize, 2);
    assert.equal(listed.body!.nextPageToken, '');

    // Draft cannot go to a protected environment (11).
    const draftProd = await call('PUT', `${AGENT}/bindings/prod`, alice, { versionId: v2.body!.versionId });
    assert.equal(draftProd.status, 400);
    assert.equal(draftProd.body!.message, 'draft assets cannot be bound to protected environment "prod"');

    const gated = await call('POST', `${AGENT}/actions/lifecycle.setState`, alice, { params: { state: 'approved', reason: 'ready' } });
    assert.equal(gated.status, 202, JSON.stringify(gated.body));
    assert.equal(gated.body!.status, 'pending-approval');
    assert.equal(gated.body!.data.policyId, 'production-promotion');
    assert.equal(gated.body!.data.requiredCount, 1);
    const requestId = gated.body!.data.requestId as string;
    assert.equal((await call('GET', AGENT)).body!.governance.lifecycle.state, 'draft');

    // 17: a second gated call while one is pending.
    const again = await call('POST', `${AGENT}/actions/lifecycle.setState`, alice, { params: { state: 'approved' } });
    assert.equal(again.status, 409);
    assert.match(again.body!.message, new RegExp(requestId));

    // 8: self-approval; 10: wrong role, bad verdict, unknown id.
    const self = await call('POST', `${GOV}/approvals/${requestId}/decisions`, { user: 'alice', groups: ['reviewer'] }, { verdict: 'approve' });
    assert.equal(self.status, 403);
    assert.equal(self.body!.message, 'requester cannot approve their own request');
    const outsider = await call('POST', `${GOV}/approvals/${requestId}/decisions`, { user: 'mallory', groups: ['viewer'] }, { verdict: 'approve' });
    assert.equal(outsider.status, 403);
    assert.equal(outsider.body!.message, 'reviewer mallory is not in an allowed role for this request (allowed: admin, reviewer, tech-lead)');
    const badVerdict = await call('POST', `${GOV}/approvals/${requestId}/decisions`, bob, { verdict: 'approved' });
    assert.equal(badVerdict.status, 400);
    assert.equal(badVerdict.body!.message, `verdict must be 'approve' or 'deny'`);
    assert.equal((await call('POST', `${GOV}/approvals/00000000-0000-4000-8000-000000000000/decisions`, bob, { verdict: 'approve' })).status, 404);
    assert.equal((await call('GET', `${GOV}/approvals/${requestId}`)).body!.status, 'pending');

    const decision = await call('POST', `${GOV}/approvals/${requestId}/decisions`, bob, { verdict: 'approve', comment: 'looks good' });
    assert.equal(decision.status, 200, JSON.stringify(decision.body));
    assert.equal(decision.body!.decision, 'approved');
    assert.equal(decision.body!.autoExecuted, true);
    assert.equal(decision.body!.result.status, 'completed');
    const record = await call('GET', AGENT);
    assert.equal(record.body!.governance.lifecycle.state, 'approved');
    assert.equal(record.body!.governance.lifecycle.changedBy, 'alice');
    const resolved = await call('GET', `${GOV}/approvals/${requestId}`);
    assert.equal(resolved.body!.status, 'approved');
    assert.equal(resolved.body!.resolvedBy, 'bob');
    assert.equal(resolved.body!.resolutionNote, 'threshold met');
    assert.deepEqual(resolved.body!.transition, { from: 'draft', to: 'approved' });
    assert.equal(resolved.body!.decisions.length, 1);
    const late = await call('POST', `${GOV}/approvals/${requestId}/decisions`, { user: 'carol', groups: ['admin'] }, { verdict: 'approve' });
    assert.equal(late.status, 409);
    assert.equal(late.body!.message, 'approval request is already approved');

    const v2Id = v2.body!.versionId as string;
    const v1Id = v1.body!.versionId as string;
    assert.equal((await call('PUT', `${AGENT}/bindings/dev`, alice, { versionId: v2Id })).status, 200);
    const toStage = await call('POST', `${AGENT}/actions/promotion.promote`, alice, { params: { fromEnv: 'dev', toEnv: 'stage' } });
    assert.equal(toStage.status, 200, JSON.stringify(toStage.body));
    assert.equal(toStage.body!.message, `promoted ${v2Id} from dev to stage`);
    assert.equal((await call('POST', `${AGENT}/actions/promotion.promote`, alice, { params: { fromEnv: 'stage', toEnv: 'prod' } })).status, 200);
    let bindings = (await call('GET', `${AGENT}/bindings`)).body!.bindings;
    assert.deepEqual(bindings.map((b: { environment: string; versionId: string }) => [b.environment, b.versionId]), [['dev', v2Id], ['stage', v2Id], ['prod', v2Id]]);
    assert.equal(bindings[2].previousVersionId, undefined);
    assert.equal(bindings[2].boundBy, 'alice');

    const rollback = await call('POST', `${AGENT}/actions/promotion.rollback`, alice, { params: { environment: 'prod', targetVersionId: v1Id } });
    assert.equal(rollback.status, 200);
    assert.equal(rollback.body!.data.previousVersionId, v2Id);
    bindings = (await call('GET', `${AGENT}/bindings`)).body!.bindings;
    assert.equal(bindings[2].versionId, v1Id);
    assert.equal(bindings[2].previousVersionId, v2Id);
    assert.equal(bindings[2].versionLabel, 'v1');

    // Re-binding the bound version is a no-op that keeps the binding (29).
    const rebind = await call('PUT', `${AGENT}/bindings/prod`, alice, { versionId: v1Id });
    assert.equal(rebind.status, 200);
    assert.equal(rebind.body!.boundAt, bindings[2].boundAt);
    assert.equal(rebind.body!.previousVersionId, v2Id);
  });
});

/** Spec 06 §17 #6, #7 and #42: steps 1–5 alone, as recorded by the audit recorder behind the real requests. */
describeEachDatabase('governance scenario history and audit', (kind) => {
  let server: TestServer;
  let call: ReturnType<typeof governanceClient>;
  before(async () => {
    server = await startTestServer({
      kind,
      env: {
        CATALOG_GOVERNANCE_CONFIG: join(REPOSITORY_ROOT, 'config', 'governance.yaml'),
        CATALOG_APPROVAL_POLICIES: join(REPOSITORY_ROOT, 'config', 'approval-policies.yaml'),
      },
    });
    call = governanceClient(server);
  });
  after(() => server.close());

  test('GET {a}/history lists each step with actor and time; one audit event per mutating request', async () => {
    const started = Date.now();
    const v1 = (await call('POST', `${AGENT}/versions`, alice, { versionLabel: 'v1' })).body!.versionId as string;
    const v2 = (await call('POST', `${AGENT}/versions`, alice, { versionLabel: 'v2' })).body!.versionId as string;
    const gated = await call('POST', `${AGENT}/actions/lifecycle.setState`, alice, { params: { state: 'approved', reason: 'ready' } });
    assert.equal(gated.status, 202);
    assert.equal((await call('POST', `${GOV}/approvals/${gated.body!.data.requestId}/decisions`, bob, { verdict: 'approve' })).status, 200);
    assert.equal((await call('PUT', `${AGENT}/bindings/dev`, alice, { versionId: v2 })).status, 200);
    assert.equal((await call('POST', `${AGENT}/actions/promotion.promote`, alice, { params: { fromEnv: 'dev', toEnv: 'stage' } })).status, 200);
    assert.equal((await call('POST', `${AGENT}/actions/promotion.promote`, alice, { params: { fromEnv: 'stage', toEnv: 'prod' } })).status, 200);
    assert.equal((await call('POST', `${AGENT}/actions/promotion.rollback`, alice, { params: { environment: 'prod', targetVersionId: v1 } })).status, 200);
    const mutations = 8;

    const history = await call('GET', `${AGENT}/history`, alice);
    assert.equal(history.status, 200, JSON.stringify(history.body));
    const events = history.body!.events as Record<string, any>[];
    assert.deepEqual(events.map((e) => [e.eventType, e.actor]), [
      ['governance.promotion.rollback', 'alice'],
      ['governance.promotion.promoted', 'alice'],
      ['governance.promotion.promoted', 'alice'],
      ['governance.promotion.bound', 'alice'],
      ['governance.approval.decision', 'bob'],
      ['governance.approval.requested', 'alice'],
      ['governance.version.created', 'alice'],
      ['governance.version.created', 'alice'],
    ]);
    assert.equal(history.body!.totalSize, 8);
    const decision = events[4];
    assert.equal(decision.metadata.executedAs, 'alice');
    assert.equal(decision.newValue.lifecycleState, 'approved');
    assert.equal(events[5].outcome, 'pending');
    for (const event of events) {
      const at = Date.parse(event.createdAt);
      assert.ok(at >= started - 1000 && at <= Date.now() + 1000, `${event.eventType} createdAt ${event.createdAt}`);
    }

    // #7 and #42: exactly one event per mutating request, with its governance event type and caller.
    const audit = await call('GET', '/api/audit/v1alpha1/events?pageSize=100', alice);
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    const governanceEvents = (audit.body!.events as Record<string, any>[]).filter((e) => String(e.eventType).startsWith('governance.'));
    assert.equal(governanceEvents.length, mutations);
    assert.equal(new Set(governanceEvents.map((e) => e.requestId)).size, mutations, 'no two events share a requestId');
    assert.deepEqual(governanceEvents.map((e) => e.actor).sort(), ['alice', 'alice', 'alice', 'alice', 'alice', 'alice', 'alice', 'bob']);
  });
});
