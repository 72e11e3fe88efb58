import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_BASE, DEMO_LIST, error, runCategory, runOnStub, startStub, type StubReply, type StubRequest } from '../testing/stubServer.js';
import { runGovernanceChecks } from './governance.js';

const GOV = '/api/governance/v1alpha1';
const ASSETS = `${GOV}/assets/demo/Widget/`;
const SAMPLE = { id: 'demo-samples', name: 'Samples', type: 'yaml', enabled: true, properties: { content: 'widgets:\n  - name: w1\n' } };
const DIGEST = 'a'.repeat(64);
type Fault = 'invalid-instead-of-denied' | 'lifecycle-patch-applies' | 'short-digest' | 'requester-approves' | 'approval-without-effect';

interface Governed {
  state: string;
  metadata: Record<string, unknown>;
  bindings: { environment: string; versionId: string }[];
}

/** A governance API gating draft → approved behind one reviewer approval (bob); `fault` makes one answer wrong. */
function governanceServer(fault?: Fault) {
  const entities = ['w1'];
  const records = new Map<string, Governed>();
  const approvals = new Map<string, { name: string; requester: string }>();
  const record = (name: string) => {
    if (!records.has(name)) records.set(name, { state: 'draft', metadata: {}, bindings: [] });
    return records.get(name)!;
  };
  const view = (name: string) => ({ status: 200, body: { assetRef: { plugin: 'demo', kind: 'Widget', name }, governance: { lifecycle: { state: record(name).state }, ...record(name).metadata } } });
  const lifecycle = (r: StubRequest, name: string): StubReply => {
    const { state } = r.body.params;
    const from = record(name).state;
    if (from === 'draft' && state === 'deprecated') {
      const code = fault === 'invalid-instead-of-denied' ? 'LIFECYCLE_INVALID_TRANSITION' : 'LIFECYCLE_TRANSITION_DENIED';
      return { status: 400, body: { error: code, message: 'no', code, from, to: state } };
    }
    if (r.body.dryRun) return { status: 200, body: { status: 'dry-run' } };
    const id = `req-${approvals.size}`;
    approvals.set(id, { name, requester: r.user });
    return { status: 202, body: { action: 'lifecycle.setState', status: 'pending-approval', data: { requestId: id } } };
  };
  return (r: StubRequest): StubReply | undefined => {
    if (r.path === `${DEMO_BASE}/management/sources`) return { status: 200, body: { sources: [SAMPLE], count: 1 } };
    if (r.path === `${DEMO_BASE}/management/apply-source`) {
      entities.push(r.body.id);
      return { status: 200, body: r.body };
    }
    if (r.path === DEMO_LIST) return { status: 200, body: { items: entities.map((name) => ({ name })), size: entities.length } };
    if (r.path === `${GOV}/approvals`) return { status: 200, body: { requests: [] } };
    if (r.path === `${GOV}/policies`) return { status: 200, body: { policies: [] } };
    const decision = /^\/api\/governance\/v1alpha1\/approvals\/([^/]+)\/decisions$/.exec(r.path);
    if (decision) {
      const request = approvals.get(decision[1]);
      if (!request) return error(404, 'not_found');
      if (request.requester === r.user && fault !== 'requester-approves') return error(403, 'forbidden', 'requester cannot approve their own request');
      if (fault !== 'approval-without-effect') record(request.name).state = 'approved';
      return { status: 200, body: { decision: 'approved' } };
    }
    if (!r.path.startsWith(ASSETS)) return undefined;
    const [encoded, ...rest] = r.path.slice(ASSETS.length).split('/');
    const name = decodeURIComponent(encoded);
    if (!entities.includes(name)) return error(404, 'not_found', `asset ${name} not found`);
    const sub = rest.join('/');
    if (sub === '' && r.method === 'GET') return view(name);
    if (sub === '' && r.method === 'PATCH') {
      if (r.body.lifecycle && fault !== 'lifecycle-patch-applies') return error(400, 'bad_request', 'lifecycle cannot be patched');
      if (r.body.lifecycle) record(name).state = r.body.lifecycle.state;
      Object.assign(record(name).metadata, r.body);
      return view(name);
    }
    if (sub === 'history') return { status: 200, body: { events: [] } };
    if (sub === 'versions' && r.method === 'GET') return { status: 200, body: { versions: [] } };
    if (sub === 'versions') return { status: 201, body: { versionId: `${r.body.versionLabel}:0badc0de`, contentDigest: fault === 'short-digest' ? 'abc' : DIGEST } };
    if (sub === 'bindings') return { status: 200, body: { bindings: record(name).bindings } };
    if (sub.startsWith('bindings/')) {
      record(name).bindings.push({ environment: sub.slice('bindings/'.length), versionId: r.body.versionId });
      return { status: 200, body: {} };
    }
    if (sub === 'actions/lifecycle.setState') return lifecycle(r, name);
    if (sub === 'actions/promotion.promote' || sub === 'actions/promotion.rollback') return { status: 200, body: { status: 'completed' } };
    if (sub.startsWith('actions/')) return error(400, 'bad_request', `unknown action: ${sub.slice(8)}`);
    return undefined;
  };
}

const run = (fault?: Fault, reviewer = true) =>
  runOnStub(governanceServer(fault), runGovernanceChecks, { namespace: 'team-a', mutate: true, identity: { user: 'alice' }, ...(reviewer ? { reviewerIdentity: { user: 'bob' } } : {}) });

test('a governance API with a gated approval passes every check, the 202 path included', async () => {
  const records = await run();
  assert.deepEqual([...records.values()].filter((r) => r.status !== 'passed'), []);
  assert.match(records.get('governance.transition')?.message ?? '', /^pending approval req-0$/);
  assert.equal(records.get('governance.approval')?.message, 'approved by bob');
});

test('each wrong answer fails its check', async () => {
  assert.equal((await run('invalid-instead-of-denied')).get('governance.dry_run.denied')?.status, 'failed');
  assert.equal((await run('lifecycle-patch-applies')).get('governance.patch_lifecycle_rejected')?.status, 'failed');
  assert.equal((await run('short-digest')).get('governance.version.create')?.status, 'failed');
  assert.equal((await run('requester-approves')).get('governance.self_approval')?.status, 'failed');
  const approval = (await run('approval-without-effect')).get('governance.approval');
  assert.equal(approval?.status, 'failed');
  assert.match(approval?.message ?? '', /not approved/);
});

test('without a reviewer the approval is skipped (and withdrawn), and promotion needs an approved asset', async () => {
  const records = await run(undefined, false);
  assert.match(records.get('governance.approval')?.message ?? '', /no reviewer identity/);
  assert.equal(records.get('governance.promote')?.message, 'the fixture asset is not approved');
  assert.equal(records.get('governance.self_approval')?.status, 'passed');
});

test('without --mutate only harmless requests are sent: the lifecycle PATCH re-sends the current state, writes are skipped', async () => {
  const stub = await startStub(governanceServer('lifecycle-patch-applies'));
  try {
    const records = await runCategory(runGovernanceChecks, { serverUrl: stub.url, namespace: 'team-a' });
    const patches = stub.requests.filter((r) => r.method === 'PATCH');
    assert.deepEqual(patches.map((r) => r.body), [{ lifecycle: { state: 'draft' } }]);
    assert.equal(records.get('governance.patch_lifecycle_rejected')?.status, 'failed', 'a 200 is still a failure');
    for (const name of ['governance.patch', 'governance.transition', 'governance.rollback']) assert.equal(records.get(name)?.message, 'requires --mutate', name);
    assert.ok(!stub.requests.some((r) => r.path.endsWith('/apply-source')));
  } finally {
    await stub.close();
  }
});
