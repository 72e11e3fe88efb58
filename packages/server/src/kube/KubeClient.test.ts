import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MULTI_TENANT_RBAC, REQUEST_LOG_PATH, startFakeKube, type FakeKube } from '@catalog/fake-kube';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, KubeClient } from './KubeClient.js';
import { loadKubeConfig } from './kubeConfig.js';

const TIMEOUT = 2_000;

function review(user: string, groups: string[], resource: string, verb: string, namespace?: string) {
  return { user, groups, resourceAttributes: { group: 'catalog.kubeflow.org', resource, verb, ...(namespace ? { namespace } : {}) } };
}

describe('KubeClient against the fake Kubernetes API server', () => {
  let kube: FakeKube;
  let client: KubeClient;
  before(async () => {
    kube = await startFakeKube({ rbac: MULTI_TENANT_RBAC, tokens: { 'good-token': { username: 'dave', groups: ['devs'] } } });
    client = new KubeClient(loadKubeConfig({ kubeconfig: kube.kubeconfigPath, env: {} })!);
  });
  after(() => kube.close());

  it('finds no Kubernetes access without in-cluster configuration or KUBECONFIG', () => {
    assert.equal(loadKubeConfig({ kubeconfig: null, env: {} }), null);
  });

  it('evaluates SubjectAccessReviews from the RBAC fixture: groups, users, namespace and cluster scope', async () => {
    assert.equal(await client.subjectAccessReview(review('alice', ['team-a-engineers'], 'catalogsources', 'create', 'team-a'), TIMEOUT), true);
    assert.equal(await client.subjectAccessReview(review('alice', ['team-a-engineers'], 'catalogsources', 'create', 'team-b'), TIMEOUT), false);
    assert.equal(await client.subjectAccessReview(review('alice', ['team-a-engineers'], 'approvals', 'approve', 'team-a'), TIMEOUT), false);
    assert.equal(await client.subjectAccessReview(review('bob', [], 'approvals', 'approve', 'team-a'), TIMEOUT), true);
    assert.equal(await client.subjectAccessReview(review('bob', [], 'assets', 'update', 'team-a'), TIMEOUT), false);
    assert.equal(await client.subjectAccessReview(review('carol', [], 'assets', 'update', 'team-b'), TIMEOUT), true);
    // RoleBindings never grant at cluster scope; ClusterRoleBindings grant everywhere.
    assert.equal(await client.subjectAccessReview(review('alice', ['team-a-engineers'], 'audit', 'list'), TIMEOUT), false);
    assert.equal(await client.subjectAccessReview(review('ops-admin', [], 'audit', 'list'), TIMEOUT), true);
    assert.equal(await client.subjectAccessReview(review('ops-admin', [], 'audit', 'list', 'team-b'), TIMEOUT), true);
    assert.equal(await client.subjectAccessReview(review('mallory', [], 'plugins', 'list', 'team-a'), TIMEOUT), false);
    const last = kube.requests.at(-1)!;
    assert.equal(last.path, '/apis/authorization.k8s.io/v1/subjectaccessreviews');
    assert.deepEqual((last.body as { spec: unknown }).spec, review('mallory', [], 'plugins', 'list', 'team-a'));
  });

  it('honours wildcards, resourceNames, service accounts, Role refs and aggregated ClusterRoles', async () => {
    kube.applyManifests(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: named-only, namespace: team-c}
rules:
  - {apiGroups: ["catalog.kubeflow.org"], resources: ["assets"], verbs: ["get"], resourceNames: ["x"]}
  - {apiGroups: ["*"], resources: ["jobs"], verbs: ["*"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: sa-binding, namespace: team-c}
roleRef: {kind: Role, name: named-only}
subjects: [{kind: ServiceAccount, name: robot, namespace: team-c}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: aggregate}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg: "yes"}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: part, labels: {agg: "yes"}}
rules: [{apiGroups: ["catalog.kubeflow.org"], resources: ["audit"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: agg-binding, namespace: team-c}
roleRef: {kind: ClusterRole, name: aggregate}
subjects: [{kind: User, name: erin}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dangling, namespace: team-c}
roleRef: {kind: ClusterRole, name: does-not-exist}
subjects: [{kind: User, name: frank}]
`);
    const robot = 'system:serviceaccount:team-c:robot';
    assert.equal(await client.subjectAccessReview(review(robot, [], 'assets', 'get', 'team-c'), TIMEOUT), false);
    assert.equal(await client.subjectAccessReview(review(robot, [], 'jobs', 'delete', 'team-c'), TIMEOUT), true);
    assert.equal(await client.subjectAccessReview(review('erin', [], 'audit', 'get', 'team-c'), TIMEOUT), true);
    assert.equal(await client.subjectAccessReview(review('erin', [], 'audit', 'list', 'team-c'), TIMEOUT), false);
    assert.equal(await client.subjectAccessReview(review('frank', [], 'audit', 'get', 'team-c'), TIMEOUT), false);
  });

  it('answers TokenReviews from its token table', async () => {
    assert.deepEqual(await client.tokenReview('good-token', TIMEOUT), { username: 'dave', groups: ['devs'] });
    assert.equal(await client.tokenReview('other', TIMEOUT), null);
  });

  it('stores Leases with resourceVersion conflicts', async () => {
    assert.equal(await client.readLease('ha', 'leader', TIMEOUT), null);
    const created = await client.createLease('ha', { metadata: { name: 'leader', namespace: 'ha' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } }, TIMEOUT);
    await assert.rejects(client.createLease('ha', { metadata: { name: 'leader' }, spec: {} }, TIMEOUT), (e: KubeApiError) => e.status === 409);
    const replaced = await client.replaceLease('ha', { ...created, spec: { ...created.spec, holderIdentity: 'b' } }, TIMEOUT);
    assert.equal(replaced.spec?.holderIdentity, 'b');
    assert.notEqual(replaced.metadata?.resourceVersion, created.metadata?.resourceVersion);
    await assert.rejects(client.replaceLease('ha', { ...created, spec: { holderIdentity: 'c' } }, TIMEOUT), (e: KubeApiError) => e.isConflict);
    assert.equal((await client.readLease('ha', 'leader', TIMEOUT))?.spec?.holderIdentity, 'b');
  });

  it('stores ConfigMaps and Secrets per namespace, folding stringData into base64 data', async () => {
    await client.createConfigMap('team-a', { metadata: { name: 'cfg' }, data: { 'sources.yaml': 'a: 1' } }, TIMEOUT);
    await client.createConfigMap('team-b', { metadata: { name: 'cfg' }, data: { 'sources.yaml': 'b: 2' } }, TIMEOUT);
    const cfg = (await client.readConfigMap('team-a', 'cfg', TIMEOUT))!;
    assert.equal(cfg.data?.['sources.yaml'], 'a: 1');
    await client.replaceConfigMap('team-a', { ...cfg, data: { 'sources.yaml': 'a: 3' } }, TIMEOUT);
    await assert.rejects(client.replaceConfigMap('team-a', cfg, TIMEOUT), (e: KubeApiError) => e.status === 409);
    assert.deepEqual((await client.listConfigMaps('team-b', TIMEOUT)).map((c) => c.data), [{ 'sources.yaml': 'b: 2' }]);
    await client.createSecret('team-a', { metadata: { name: 'tok' }, stringData: { token: 's3cr3t' } }, TIMEOUT);
    const secret = (await client.readSecret('team-a', 'tok', TIMEOUT))!;
    assert.equal(Buffer.from(secret.data!.token, 'base64').toString(), 's3cr3t');
    assert.equal(await client.readSecret('team-b', 'tok', TIMEOUT), null);
    assert.equal((await client.listSecrets('team-a', TIMEOUT)).length, 1);
  });

  it('injects faults: error statuses, delays past the deadline and dropped connections', async () => {
    const spec = review('alice', ['team-a-engineers'], 'plugins', 'list', 'team-a');
    kube.setFault({ pathPrefix: '/apis/authorization.k8s.io', status: 500, times: 1 });
    await assert.rejects(client.subjectAccessReview(spec, TIMEOUT), (e: KubeApiError) => e.status === 500);
    assert.equal(await client.subjectAccessReview(spec, TIMEOUT), true);
    kube.setFault({ delayMs: 500 });
    await assert.rejects(client.subjectAccessReview(spec, 100), (e: KubeApiError) => e.status === 0 && /within 100 ms/.test(e.message));
    kube.setFault({ dropConnection: true });
    await assert.rejects(client.subjectAccessReview(spec, TIMEOUT), (e: KubeApiError) => e.status === 0);
    kube.setFault(null);
    assert.equal(await client.subjectAccessReview(spec, TIMEOUT), true);
  });

  it('calls share one keep-alive connection, which the client-node library alone would open per call', async () => {
    const reuse = new KubeClient(loadKubeConfig({ kubeconfig: kube.kubeconfigPath, env: {} })!);
    const before = kube.connectionCount;
    for (let i = 0; i < 10; i++) assert.equal(await reuse.subjectAccessReview(review('alice', ['team-a-engineers'], 'assets', 'list', 'team-a'), TIMEOUT), true);
    assert.equal(await reuse.readLease('ha', 'absent', TIMEOUT), null);
    assert.equal(await reuse.readConfigMap('team-a', 'absent', TIMEOUT), null);
    assert.equal(kube.connectionCount - before, 1, 'twelve sequential calls, one connection');
    reuse.close();
    assert.equal(await reuse.subjectAccessReview(review('bob', [], 'approvals', 'approve', 'team-a'), TIMEOUT), true, 'a closed client connects again');
    assert.equal(kube.connectionCount - before, 2);
    reuse.close();
  });

  it('a connection the API server closed while idle is not used again', async () => {
    const reuse = new KubeClient(loadKubeConfig({ kubeconfig: kube.kubeconfigPath, env: {} })!);
    const spec = review('carol', [], 'assets', 'update', 'team-b');
    assert.equal(await reuse.subjectAccessReview(spec, TIMEOUT), true);
    const before = kube.connectionCount;
    kube.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await reuse.subjectAccessReview(spec, TIMEOUT), true);
    assert.equal(kube.connectionCount - before, 1, 'a new connection');
    reuse.close();
  });

  it('serves its request log by path to a caller with the kubeconfig token, without recording that read', async () => {
    const token = (loadKubeConfig({ kubeconfig: kube.kubeconfigPath, env: {} })!.getCurrentUser()!).token!;
    await client.subjectAccessReview(review('alice', ['team-a-engineers'], 'assets', 'list', 'team-a'), TIMEOUT);
    const recorded = kube.requests.length;
    const sars = kube.requests.filter((r) => r.path === '/apis/authorization.k8s.io/v1/subjectaccessreviews').length;
    const log = await fetch(`${kube.url}${REQUEST_LOG_PATH}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(log.status, 200);
    const body = (await log.json()) as { count: number; byPath: Record<string, number> };
    assert.equal(body.count, recorded);
    assert.equal(body.byPath['POST /apis/authorization.k8s.io/v1/subjectaccessreviews'], sars);
    assert.equal(kube.requests.length, recorded, 'reading the log is not a request of the log');
    assert.equal((await fetch(`${kube.url}${REQUEST_LOG_PATH}`)).status, 401);
  });

  it('refuses requests without the kubeconfig bearer token', async () => {
    const response = await fetch(`${kube.url}/version`);
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { kind: string }).kind, 'Status');
  });
});

describe('KubeClient against the fake Kubernetes API server over TLS (spec 05 §9, tls: true)', () => {
  let kube: FakeKube;
  let config: KubeConfig;
  before(async () => {
    kube = await startFakeKube({ rbac: MULTI_TENANT_RBAC, tls: true });
    config = loadKubeConfig({ kubeconfig: kube.kubeconfigPath, env: {} })!;
  });
  after(() => kube.close());

  it('serves https with the committed test CA in the kubeconfig, which the real client verifies', async () => {
    assert.match(kube.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const cluster = config.getCurrentCluster()!;
    assert.equal(cluster.skipTLSVerify, false);
    assert.match(Buffer.from(cluster.caData!, 'base64').toString(), /^-----BEGIN CERTIFICATE-----/);
    const client = new KubeClient(config);
    assert.equal(await client.subjectAccessReview(review('alice', ['team-a-engineers'], 'catalogsources', 'create', 'team-a'), TIMEOUT), true);
    assert.equal(await client.subjectAccessReview(review('mallory', [], 'plugins', 'list', 'team-a'), TIMEOUT), false);
    kube.applyManifests('apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: tls-lease, namespace: catalog-system}\nspec: {holderIdentity: pod-a, leaseDurationSeconds: 15}\n');
    const lease = await client.readLease('catalog-system', 'tls-lease', TIMEOUT);
    assert.equal(lease?.spec?.holderIdentity, 'pod-a');
    assert.equal(await client.readLease('catalog-system', 'missing', TIMEOUT), null);
  });

  it('reuses one TLS connection across calls: one handshake, not one per call', async () => {
    const client = new KubeClient(config);
    const before = kube.connectionCount;
    for (let i = 0; i < 5; i++) assert.equal(await client.subjectAccessReview(review('alice', ['team-a-engineers'], 'assets', 'get', 'team-a'), TIMEOUT), true);
    assert.equal(await client.readLease('catalog-system', 'missing', TIMEOUT), null);
    assert.equal(kube.connectionCount - before, 1);
    client.close();
  });

  it('a client that does not trust the test CA fails the handshake and reaches nothing', async () => {
    const untrusting = new KubeConfig();
    untrusting.loadFromOptions({
      clusters: [{ name: 'fake', server: kube.url, skipTLSVerify: false }],
      users: config.users,
      contexts: config.contexts,
      currentContext: config.currentContext,
    });
    const before = kube.requests.length;
    const client = new KubeClient(untrusting);
    await assert.rejects(client.readLease('catalog-system', 'tls-lease', TIMEOUT), (e: KubeApiError) => e.status === 0 && /unreachable: .*certificate/i.test(e.message));
    await assert.rejects(client.subjectAccessReview(review('alice', ['team-a-engineers'], 'plugins', 'list', 'team-a'), TIMEOUT), (e: KubeApiError) => e.status === 0);
    assert.equal(kube.requests.length, before, 'no request got through');
  });
});
