import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { describeEachDatabase } from '../testing/databases.js';
import { KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { MULTI_TENANT_RBAC, startFakeKube, type FakeKube } from '@catalog/fake-kube';
import { startTestServer, type TestServer } from '../testing/testServer.js';

/** The "SAR setup" of spec 05 §11 against the fake Kubernetes API server and its multi-tenant RBAC fixture. */
function sarEnv(kube: FakeKube, extra: Record<string, string> = {}): Record<string, string> {
  return { CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: 'team-a,team-b', CATALOG_AUTHZ_MODE: 'sar', KUBECONFIG: kube.kubeconfigPath, ...extra };
}

const ALICE = { 'x-remote-user': 'alice', 'x-remote-group': 'team-a-engineers' };
const as = (user: string, groups?: string) => ({ 'x-remote-user': user, ...(groups ? { 'x-remote-group': groups } : {}) });
const MCP = '/api/mcp_catalog/v1alpha1';
const APPLY = `${MCP}/management/apply-source`;
const TAG = `${MCP}/management/entities/cluster-ops-mcp:action`;
const TAG_BODY = { action: 'tag', params: { tags: ['x'] } };

type Review = { spec: { user: string; groups: string[]; resourceAttributes: Record<string, string> } };
const reviews = (kube: FakeKube) => kube.requests.filter((r) => r.path === '/apis/authorization.k8s.io/v1/subjectaccessreviews').map((r) => r.body as Review);

describeEachDatabase('sar mode (SAR setup)', (kind) => {
  let kube: FakeKube;
  let t: TestServer;
  before(async () => {
    kube = await startFakeKube({ rbac: MULTI_TENANT_RBAC });
    // The db config store keeps applied team sources in the test database (the file store would write next to the repository's sources file).
    t = await startTestServer({ kind, args: ['--config-store=db'], env: sarEnv(kube, { CATALOG_AUTHZ_SAR_TIMEOUT_SECONDS: '1', CATALOG_REFRESH_RATE_LIMIT_SECONDS: '0' }) });
  });
  after(async () => {
    await t.close();
    await kube.close();
  });

  test('upgrade guide step 4: alice lists plugins in team-a and may not apply in team-b', async () => {
    const plugins = await t.inject({ url: '/api/plugins?namespace=team-a', headers: ALICE });
    assert.equal(plugins.statusCode, 200);
    const tag = await t.inject({ method: 'POST', url: `${TAG}?namespace=team-b`, headers: ALICE, payload: TAG_BODY });
    assert.equal(tag.statusCode, 403);
    assert.deepEqual(JSON.parse(tag.body), { error: 'forbidden', message: 'insufficient permissions for actions/execute in namespace team-b', requestId: tag.headers['x-request-id'] });
    assert.match(String(tag.headers['content-type']), /^application\/json/);
  });

  test('upgrade guide step 4: apply-source without a body in team-b is 403 for alice (05 §11 #5)', async () => {
    const response = await t.inject({ method: 'POST', url: `${APPLY}?namespace=team-b`, headers: ALICE });
    assert.equal(response.statusCode, 403);
    assert.deepEqual(JSON.parse(response.body), { error: 'forbidden', message: 'insufficient permissions for catalogsources/create in namespace team-b', requestId: response.headers['x-request-id'] });
  });

  test('RBAC examples: a viewer lists but cannot write; an editor writes in its own namespace only', async () => {
    for (const user of ['victor', 'bob']) {
      assert.equal((await t.inject({ url: `${MCP}/mcpservers?namespace=team-a`, headers: as(user) })).statusCode, 200, user);
      assert.equal((await t.inject({ method: 'POST', url: `${TAG}?namespace=team-a`, headers: as(user), payload: TAG_BODY })).statusCode, 403, user);
      assert.equal((await t.inject({ url: `${MCP}/mcpservers?namespace=team-b`, headers: as(user) })).statusCode, 403, user);
    }
    // Authorized writes reach the handler: the entity does not exist in team-a, so 404 (not 403).
    assert.equal((await t.inject({ method: 'POST', url: `${TAG}?namespace=team-a`, headers: ALICE, payload: TAG_BODY })).statusCode, 404);
    assert.equal((await t.inject({ method: 'POST', url: `${TAG}?namespace=team-b`, headers: as('carol'), payload: TAG_BODY })).statusCode, 404);
    assert.equal((await t.inject({ method: 'POST', url: `${TAG}?namespace=team-a`, headers: as('carol'), payload: TAG_BODY })).statusCode, 403);
    const denied = await t.inject({ method: 'POST', url: `${APPLY}?namespace=team-a`, headers: as('victor'), payload: {} });
    assert.equal(denied.statusCode, 403);
    assert.notEqual((await t.inject({ method: 'POST', url: `${APPLY}?namespace=team-a`, headers: ALICE, payload: {} })).statusCode, 403);
  });

  test('authorization precedes parsing, validation and lookup: mallory is 403 whatever the body', async () => {
    const cases = [
      { method: 'POST' as const, url: `${TAG}?namespace=team-a`, payload: 'not json', headers: { ...as('mallory'), 'content-type': 'application/json' } },
      { method: 'POST' as const, url: `${MCP}/management/entities/does-not-exist:action?namespace=team-a`, payload: { action: 'nope' }, headers: as('mallory') },
      { method: 'POST' as const, url: `${TAG}?namespace=team-a`, payload: 'x', headers: { ...as('mallory'), 'content-type': 'text/plain' } },
      { method: 'GET' as const, url: `${MCP}/mcpservers/does-not-exist?namespace=team-a`, headers: as('mallory') },
    ];
    for (const c of cases) assert.equal((await t.inject(c)).statusCode, 403, c.url);
  });

  test('authorization precedes validation and lookup: mallory\'s four requests of 05 §11 #24 are 403; a granted caller reaches validation or lookup', async () => {
    const lifecycle = `/api/governance/v1alpha1/assets/mcp/McpServer/does-not-exist/actions/lifecycle.setState?namespace=team-a`;
    const cases: { name: string; request: InjectOptions; granted: Record<string, string>; grantedStatus: number }[] = [
      { name: 'apply-source with an invalid body', request: { method: 'POST', url: `${APPLY}?namespace=team-a`, payload: '{"id": ', headers: { 'content-type': 'application/json' } }, granted: ALICE, grantedStatus: 400 },
      { name: 'DELETE of an unknown source', request: { method: 'DELETE', url: `${MCP}/management/sources/no-such-source?namespace=team-a` }, granted: ALICE, grantedStatus: 404 },
      { name: 'a decision on an unknown approval', request: { method: 'POST', url: '/api/governance/v1alpha1/approvals/no-such-approval/decisions?namespace=team-a', payload: { verdict: 'approve' } }, granted: as('bob'), grantedStatus: 404 },
      { name: 'a lifecycle.setState dry run', request: { method: 'POST', url: lifecycle, payload: { dryRun: true, params: { state: 'approved' } } }, granted: ALICE, grantedStatus: 404 },
    ];
    for (const c of cases) {
      const denied = await t.inject({ ...c.request, headers: { ...c.request.headers, ...as('mallory') } });
      assert.equal(denied.statusCode, 403, `${c.name}: ${denied.body}`);
      assert.equal(JSON.parse(denied.body).error, 'forbidden', c.name);
      // The same request from a caller holding the permission is judged by validation or lookup instead.
      const granted = await t.inject({ ...c.request, headers: { ...c.request.headers, ...c.granted } });
      assert.equal(granted.statusCode, c.grantedStatus, `${c.name} as a granted caller: ${granted.body}`);
    }
  });

  test('review subjects: anonymous is system:anonymous, authenticated callers carry system:authenticated', async () => {
    kube.requests.length = 0;
    assert.equal((await t.inject(`${MCP}/mcpservers?namespace=team-a`)).statusCode, 403);
    await t.inject({ url: `${MCP}/mcpservers?namespace=team-b`, headers: ALICE });
    const [anonymous, alice] = reviews(kube);
    assert.deepEqual(anonymous.spec, {
      user: 'system:anonymous', groups: ['system:unauthenticated'],
      resourceAttributes: { group: 'catalog.kubeflow.org', resource: 'assets', verb: 'list', namespace: 'team-a' },
    });
    assert.deepEqual(alice.spec, {
      user: 'alice', groups: ['team-a-engineers', 'system:authenticated'],
      resourceAttributes: { group: 'catalog.kubeflow.org', resource: 'assets', verb: 'list', namespace: 'team-b' },
    });
  });

  test('namespaces endpoint keeps the namespaces where the caller may list plugins', async () => {
    const namespaces = async (headers: Record<string, string>) => JSON.parse((await t.inject({ url: '/api/tenancy/v1alpha1/namespaces', headers })).body).namespaces;
    assert.deepEqual(await namespaces(ALICE), ['team-a']);
    assert.deepEqual(await namespaces(as('carol')), ['team-b']);
    assert.deepEqual(await namespaces(as('ops-admin')), ['team-a', 'team-b']);
    assert.deepEqual(await namespaces(as('mallory')), []);
  });

  test('decision cache: 50 identical requests cause one review; group order does not matter', async () => {
    kube.requests.length = 0;
    const headers = { 'x-remote-user': 'alice', 'x-remote-group': 'team-a-engineers,extra-group' };
    const responses = await Promise.all(Array.from({ length: 50 }, () => t.inject({ url: '/api/plugins?namespace=team-a', headers })));
    assert.ok(responses.every((r) => r.statusCode === 200));
    assert.equal(reviews(kube).length, 1, 'concurrent identical checks share one in-flight review');
    // One after another (well within the 10 s TTL): answered from the cache.
    for (let i = 0; i < 50; i++) assert.equal((await t.inject({ url: '/api/plugins?namespace=team-a', headers })).statusCode, 200);
    assert.equal(reviews(kube).length, 1, 'sequential identical checks are cached');
    await t.inject({ url: '/api/plugins?namespace=team-a', headers: { 'x-remote-user': 'alice', 'x-remote-group': 'extra-group, team-a-engineers' } });
    assert.equal(reviews(kube).length, 1);
  });

  test('fail-closed: review errors, timeouts and dropped connections are 503 with Retry-After and no data; errors are not cached', async () => {
    const url = `${MCP}/mcpservers?namespace=team-a`;
    const faults = [{ status: 500 }, { delayMs: 1_500 }, { dropConnection: true }, { status: 403 }];
    for (const [i, fault] of faults.entries()) {
      kube.setFault({ pathPrefix: '/apis/authorization.k8s.io', ...fault });
      const headers = as(`outage-${kind}-${i}`, 'team-a-engineers');
      try {
        const response = await t.inject({ url, headers });
        assert.equal(response.statusCode, 503, JSON.stringify(fault));
        const body = JSON.parse(response.body);
        assert.deepEqual(body, { error: 'service_unavailable', message: 'authorization service unavailable', requestId: response.headers['x-request-id'] });
        assert.equal(response.headers['retry-after'], '5');
      } finally {
        kube.setFault(null);
      }
      assert.equal((await t.inject({ url, headers })).statusCode, 200, 'the next request after the fault is decided afresh');
    }
    assert.ok(t.logs.some((l) => l.msg === 'authorization service unavailable' && typeof l.detail === 'string' && typeof l.requestId === 'string'));
  });

  test('audit in sar mode: a write refused by an outage is one failure event; denied reads and writes one denied event each (05 §11 #26, #32)', async () => {
    const eventsOf = async (requestId: string) => {
      const response = await t.inject({ url: '/api/audit/v1alpha1/events?pageSize=100', headers: as('ops-admin') });
      assert.equal(response.statusCode, 200, response.body);
      return (JSON.parse(response.body).events as Record<string, unknown>[]).filter((e) => e.requestId === requestId);
    };
    const body = { payload: { id: 'x', name: 'X', type: 'yaml', properties: { content: 'mcpservers: []\n' } } };
    // A 500 answer and a review hanging past CATALOG_AUTHZ_SAR_TIMEOUT_SECONDS (1 s here).
    for (const [i, fault] of [{ status: 500 }, { delayMs: 1_500 }].entries()) {
      kube.setFault({ pathPrefix: '/apis/authorization.k8s.io', ...fault });
      try {
        const outage = await t.inject({ method: 'POST', url: `${APPLY}?namespace=team-a`, headers: { ...as(`outage-writer-${kind}-${i}`, 'team-a-engineers'), 'x-request-id': `outage-write-${kind}-${i}` }, ...body });
        assert.equal(outage.statusCode, 503);
        assert.equal(outage.headers['retry-after'], '5');
      } finally {
        kube.setFault(null);
      }
      const failure = await eventsOf(`outage-write-${kind}-${i}`);
      assert.deepEqual(failure.map((e) => [e.outcome, e.action, e.namespace, e.statusCode, e.reason]), [['failure', 'apply-source', 'team-a', 503, 'authorization service unavailable']], JSON.stringify(fault));
    }

    await t.inject({ url: `${MCP}/mcpservers?namespace=team-a`, headers: { ...as('mallory'), 'x-request-id': `denied-read-${kind}` } });
    const read = await eventsOf(`denied-read-${kind}`);
    assert.deepEqual(read.map((e) => [e.eventType, e.outcome]), [['access', 'denied']]);
    await t.inject({ method: 'POST', url: `${APPLY}?namespace=team-a`, headers: { ...as('mallory'), 'x-request-id': `denied-write-${kind}` }, ...body });
    const write = await eventsOf(`denied-write-${kind}`);
    assert.deepEqual(write.map((e) => [e.eventType, e.outcome, e.action]), [['management', 'denied', 'apply-source']]);
  });

  test('upgrade guide step 5 and cluster scope: ops-admin reads both teams\' events (newest first) and jobs without a namespace; alice is 403 (05 §11 #6, #28)', async () => {
    const teams = [{ namespace: 'team-a', headers: ALICE }, { namespace: 'team-b', headers: as('carol') }];
    const requestIds: string[] = [];
    const jobIds: string[] = [];
    for (const { namespace, headers } of teams) {
      const source = { id: `${namespace}-guide`, name: `${namespace} guide`, type: 'yaml', properties: { content: `mcpservers:\n  - {name: ${namespace}-probe, serverUrl: "stdio://probe", deploymentMode: local}\n` } };
      const requestId = `${kind}-${namespace}-apply`;
      const applied = await t.inject({ method: 'POST', url: `${APPLY}?namespace=${namespace}`, headers: { ...headers, 'x-request-id': requestId }, payload: source });
      assert.equal(applied.statusCode, 200, applied.body);
      requestIds.push(requestId);
    }
    for (const { namespace, headers } of teams) {
      const requestId = `${kind}-${namespace}-refresh`;
      const refresh = await t.inject({ method: 'POST', url: `${MCP}/management/refresh/${namespace}-guide?namespace=${namespace}`, headers: { ...headers, 'x-request-id': requestId } });
      assert.equal(refresh.statusCode, 202, refresh.body);
      requestIds.push(requestId);
      jobIds.push(JSON.parse(refresh.body).jobId);
    }

    // The guide's audit verification: pageSize=5, X-Remote-User ops-admin, no namespace.
    const guide = await t.inject({ url: '/api/audit/v1alpha1/events?pageSize=5', headers: { 'x-remote-user': 'ops-admin' } });
    assert.equal(guide.statusCode, 200, guide.body);
    const events = JSON.parse(guide.body).events as { requestId: string; namespace: string; createdAt: string; outcome: string }[];
    assert.ok(events.length <= 5);
    assert.deepEqual(events.slice(0, 4).map((e) => [e.requestId, e.namespace, e.outcome]), [...requestIds].reverse().map((id) => [id, id.includes('team-a') ? 'team-a' : 'team-b', 'success']));
    const times = events.map((e) => e.createdAt);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');

    const jobs = JSON.parse((await t.inject({ url: '/api/jobs/v1alpha1/refresh?pageSize=100', headers: as('ops-admin') })).body).jobs as { id: string; namespace: string }[];
    for (const id of jobIds) assert.ok(jobs.some((j) => j.id === id), `job ${id} at cluster scope`);

    for (const [url, resource] of [['/api/audit/v1alpha1/events', 'audit'], ['/api/jobs/v1alpha1/refresh', 'jobs']]) {
      const denied = await t.inject({ url, headers: ALICE });
      assert.equal(denied.statusCode, 403, url);
      assert.equal(JSON.parse(denied.body).message, `insufficient permissions for ${resource}/list at cluster scope`);
    }
    // Her own namespace remains readable to her.
    assert.equal((await t.inject({ url: '/api/audit/v1alpha1/events?namespace=team-a', headers: ALICE })).statusCode, 200);
  });

  test('an outage during the namespaces check answers 503, never a partial list', async () => {
    kube.setFault({ pathPrefix: '/apis/authorization.k8s.io', status: 500 });
    try {
      const response = await t.inject({ url: '/api/tenancy/v1alpha1/namespaces', headers: as('newcomer') });
      assert.equal(response.statusCode, 503);
    } finally {
      kube.setFault(null);
    }
  });

  test('whoami reports the resolved identity and namespace (query wins over header)', async () => {
    const response = await t.inject({ url: '/api/authz/v1alpha1/whoami?namespace=team-a', headers: { ...ALICE, 'x-namespace': 'team-b' } });
    assert.deepEqual(JSON.parse(response.body), {
      user: 'alice', groups: ['team-a-engineers'], authenticated: true, identitySource: 'proxy-headers', authzMode: 'sar', tenancyMode: 'namespace', namespace: 'team-a',
    });
    const none = JSON.parse((await t.inject('/api/authz/v1alpha1/whoami')).body);
    assert.equal(none.namespace, null);
    assert.equal(none.identitySource, 'anonymous');
    assert.equal((await t.inject('/api/authz/v1alpha1/whoami?namespace=Team-A')).statusCode, 400);
    // whoami reports a namespace outside CATALOG_NAMESPACES rather than refusing it (05 §1.4).
    assert.equal(JSON.parse((await t.inject('/api/authz/v1alpha1/whoami?namespace=team-c')).body).namespace, 'team-c');
  });

  test('self access review: the example of 05 §3.8, unknown routes, mallory, and validation; never audited (05 §11 #29)', async () => {
    const review = (headers: Record<string, string>, checks: unknown, namespace = 'team-a') =>
      t.inject({ method: 'POST', url: `/api/authz/v1alpha1/selfsubjectaccessreviews?namespace=${namespace}`, headers, payload: { checks } });
    const auditTotal = async () => JSON.parse((await t.inject({ url: '/api/audit/v1alpha1/events?pageSize=1', headers: as('ops-admin') })).body).totalSize as number;
    const eventsBefore = await auditTotal();
    const example = await review(ALICE, [
      { id: 'apply', method: 'POST', path: APPLY },
      { id: 'approve', resource: 'approvals', verb: 'approve' },
    ]);
    assert.equal(example.statusCode, 200);
    assert.deepEqual(JSON.parse(example.body), {
      namespace: 'team-a', user: 'alice', groups: ['team-a-engineers'],
      results: [
        { id: 'apply', allowed: true, resource: 'catalogsources', verb: 'create' },
        { id: 'approve', allowed: false, resource: 'approvals', verb: 'approve', reason: 'denied by authorizer' },
      ],
    });
    const more = await review(ALICE, [
      { id: 'action', method: 'POST', path: `${MCP}/management/entities/x:action` },
      { method: 'GET', path: '/api/nope' },
      { id: 'health', method: 'GET', path: '/healthz' },
      { method: 'HEAD', path: `${MCP}/mcpservers?pageSize=1` },
    ]);
    assert.deepEqual(JSON.parse(more.body).results, [
      { id: 'action', allowed: true, resource: 'actions', verb: 'execute' },
      { allowed: false, resource: null, verb: null, reason: 'unknown route' },
      { id: 'health', allowed: true, resource: null, verb: null },
      { allowed: true, resource: 'assets', verb: 'list' },
    ]);
    const mallory = JSON.parse((await review(as('mallory'), [{ method: 'POST', path: APPLY }, { method: 'POST', path: `${MCP}/management/entities/x:action` }])).body);
    assert.deepEqual(mallory.results, [
      { allowed: false, resource: 'catalogsources', verb: 'create', reason: 'denied by authorizer' },
      { allowed: false, resource: 'actions', verb: 'execute', reason: 'denied by authorizer' },
    ]);
    assert.equal(await auditTotal(), eventsBefore, 'self access reviews write no audit event, allowed or denied');

    const bad = async (checks: unknown, message: string) => {
      const response = await review(ALICE, checks);
      assert.equal(response.statusCode, 400, message);
      assert.equal(JSON.parse(response.body).message, message);
    };
    await bad(Array.from({ length: 101 }, () => ({ resource: 'assets', verb: 'get' })), 'checks must be an array of 1 to 100 items');
    await bad([], 'checks must be an array of 1 to 100 items');
    await bad('x', 'checks must be an array of 1 to 100 items');
    await bad([{ resource: 'assets', verb: 'get', method: 'GET', path: '/' }], 'checks[0]: give either method and path, or resource and verb');
    await bad([{ id: 'x' }], 'checks[0]: give either method and path, or resource and verb');
    await bad([{ resource: 'assets', verb: 'get' }, { resource: 'governance', verb: 'get' }], 'checks[1].resource must be one of plugins, capabilities, catalogsources, assets, actions, jobs, approvals, audit');
    await bad([{ resource: 'assets', verb: 'read' }], 'checks[0].verb must be one of get, list, create, update, delete, execute, approve');
    await bad([{ method: 'TRACE', path: '/' }], 'checks[0].method must be one of GET, HEAD, POST, PUT, PATCH, DELETE');
    await bad([{ method: 'GET', path: 'api/plugins' }], 'checks[0].path must start with /');
    await bad([{ id: 'x'.repeat(65), resource: 'assets', verb: 'get' }], 'checks[0].id must be a string of at most 64 characters');
    const noBody = await t.inject({ method: 'POST', url: '/api/authz/v1alpha1/selfsubjectaccessreviews?namespace=team-a', headers: ALICE });
    assert.equal(noBody.statusCode, 400);
    assert.equal((await review(ALICE, [{ resource: 'assets', verb: 'get' }], 'team-c')).statusCode, 403, 'the allow-list applies');
    assert.equal(await auditTotal(), eventsBefore, 'rejected self access reviews write no audit event either');
  });

  test('a self access review hitting an outage is 503 as a whole', async () => {
    kube.setFault({ pathPrefix: '/apis/authorization.k8s.io', status: 500 });
    try {
      const response = await t.inject({
        method: 'POST', url: '/api/authz/v1alpha1/selfsubjectaccessreviews?namespace=team-b', headers: as('outage-ssar'),
        payload: { checks: [{ resource: 'assets', verb: 'get' }] },
      });
      assert.equal(response.statusCode, 503);
    } finally {
      kube.setFault(null);
    }
  });
});

describe('sar mode: RBAC changes take effect within the decision cache TTL', () => {
  let kube: FakeKube;
  let t: TestServer;
  before(async () => {
    kube = await startFakeKube({ rbac: MULTI_TENANT_RBAC });
    // The default TTL (10 s): the criterion's 11 s bound is about the shipped setting, so this test runs in real time.
    t = await startTestServer({ kind: 'pglite', env: sarEnv(kube) });
  });
  after(async () => {
    await t.close();
    await kube.close();
  });

  /** Polls alice's list in team-a until it answers `expected`; returns the status and how long it took. */
  async function statusWithin(expected: number, ms: number): Promise<{ status: number; tookMs: number }> {
    const started = Date.now();
    for (;;) {
      const status = (await t.inject({ url: `${MCP}/mcpservers?namespace=team-a`, headers: ALICE })).statusCode;
      if (status === expected || Date.now() - started > ms) return { status, tookMs: Date.now() - started };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  test('deleting alice\'s RoleBinding through the API blocks her within 11 s; adding it back grants access within 11 s (05 §11 #25)', async () => {
    // An administrator's client: the real @kubernetes/client-node against the fake API server's RBAC endpoints.
    const config = new KubeConfig();
    config.loadFromFile(kube.kubeconfigPath);
    const rbac = config.makeApiClient(RbacAuthorizationV1Api);
    const binding = await rbac.readNamespacedRoleBinding({ name: 'engineers-edit', namespace: 'team-a' });

    assert.equal((await statusWithin(200, 0)).status, 200);
    await rbac.deleteNamespacedRoleBinding({ name: 'engineers-edit', namespace: 'team-a' });
    assert.ok(kube.requests.some((r) => r.method === 'DELETE' && r.path.endsWith('/namespaces/team-a/rolebindings/engineers-edit')));
    // Still cached right after the change: the decision cache, not the fake server, answers.
    assert.equal((await statusWithin(200, 0)).status, 200);
    const blocked = await statusWithin(403, 11_000);
    assert.equal(blocked.status, 403, `still allowed after ${blocked.tookMs} ms`);

    await rbac.createNamespacedRoleBinding({
      namespace: 'team-a',
      body: { metadata: { name: 'engineers-edit', namespace: 'team-a' }, roleRef: binding.roleRef, subjects: binding.subjects },
    });
    const granted = await statusWithin(200, 11_000);
    assert.equal(granted.status, 200, `still denied after ${granted.tookMs} ms`);
  });

  test('ClusterRoleBindings grant at cluster scope; RoleBindings do not (reviews omit the namespace)', async () => {
    const { SarAuthorizer } = await import('./SarAuthorizer.js');
    const { KubeClient } = await import('../kube/KubeClient.js');
    const { loadKubeConfig } = await import('../kube/kubeConfig.js');
    const authorizer = new SarAuthorizer(new KubeClient(loadKubeConfig({ kubeconfig: kube.kubeconfigPath, env: {} })!), { cacheTtlSeconds: 0, cacheMaxSize: 10, timeoutSeconds: 2 });
    const identity = (user: string, groups: string[] = []) => ({ user, groups, authenticated: true, source: 'proxy-headers' as const });
    kube.requests.length = 0;
    assert.equal(await authorizer.allows(identity('ops-admin'), { resource: 'audit', verb: 'list', namespace: null }), true);
    assert.equal(await authorizer.allows(identity('alice', ['team-a-engineers']), { resource: 'audit', verb: 'list', namespace: null }), false);
    assert.ok(reviews(kube).every((r) => !('namespace' in r.spec.resourceAttributes)));
  });
});

describe('mode none never talks to Kubernetes', () => {
  test('every route answers an anonymous caller and the fake API server records no request', async () => {
    const kube = await startFakeKube({ rbac: MULTI_TENANT_RBAC });
    const t = await startTestServer({ kind: 'pglite', env: { KUBECONFIG: kube.kubeconfigPath } });
    try {
      for (const url of ['/api/plugins', `${MCP}/mcpservers`, `${MCP}/management/sources`, '/api/authz/v1alpha1/whoami']) {
        assert.equal((await t.inject(url)).statusCode, 200, url);
      }
      const tag = await t.inject({ method: 'POST', url: TAG, payload: TAG_BODY });
      assert.equal(tag.statusCode, 200);
      // Every registered route, parameters filled with a placeholder: none is refused (401/403) or fails on
      // the authorizer (503); what remains are the handlers' own answers (200, 202, 400 for an empty body, 404 for `x`).
      const routes = t.server.app.routeIndex.list().filter((r) => r.method !== 'OPTIONS');
      assert.ok(routes.length > 40, `${routes.length} routes`);
      for (const route of routes) {
        const url = route.url.split('::').map((part) => part.replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, 'x').replace(/\*/g, 'x')).join(':');
        const write = !['GET', 'HEAD'].includes(route.method);
        const response = await t.inject({ method: route.method as 'GET', url, ...(write ? { payload: {} } : {}) });
        assert.ok(![401, 403].includes(response.statusCode) && response.statusCode < 500, `${route.method} ${url}: ${response.statusCode} ${response.body.slice(0, 200)}`);
      }
      // Mode none allows every check naming a route or a valid pair; only a path matching no route is refused.
      const ssar = await t.inject({
        method: 'POST', url: '/api/authz/v1alpha1/selfsubjectaccessreviews',
        payload: { checks: [{ resource: 'approvals', verb: 'approve' }, { method: 'POST', path: `${MCP}/management/apply-source` }, { resource: 'audit', verb: 'list' }, { method: 'DELETE', path: `${MCP}/management/entities/x` }] },
      });
      assert.deepEqual(JSON.parse(ssar.body).results, [
        { allowed: true, resource: 'approvals', verb: 'approve' },
        { allowed: true, resource: 'catalogsources', verb: 'create' },
        { allowed: true, resource: 'audit', verb: 'list' },
        { allowed: false, resource: null, verb: null, reason: 'unknown route' },
      ]);
      assert.equal(kube.requests.length, 0);
      const whoami = JSON.parse((await t.inject('/api/authz/v1alpha1/whoami')).body);
      assert.deepEqual(whoami, { user: 'anonymous', groups: [], authenticated: false, identitySource: 'anonymous', authzMode: 'none', tenancyMode: 'single', namespace: 'default' });
    } finally {
      await t.close();
      await kube.close();
    }
  });
});
