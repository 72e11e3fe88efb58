import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { KubeClient } from '../kube/KubeClient.js';
import { loadKubeConfig } from '../kube/kubeConfig.js';
import { startFakeKube, type FakeKube } from '@catalog/fake-kube';
import { startTestServer, type TestServer } from '../testing/testServer.js';

/** The manifests shipped under deploy/ (spec 05 §3.9), checked as documents and as RBAC the fake API server evaluates. */
const DEPLOY = new URL('../../../../deploy/', import.meta.url).pathname;
const CATALOG_GROUP = 'catalog.kubeflow.org';
const RESOURCES = ['plugins', 'capabilities', 'catalogsources', 'assets', 'actions', 'jobs', 'approvals', 'audit'];
const VERBS = ['get', 'list', 'create', 'update', 'delete', 'execute', 'approve'];
const RBAC_KINDS = new Set(['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);
const TIMEOUT = 2_000;

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: { apiGroups?: string[]; resources?: string[]; verbs?: string[]; resourceNames?: string[] }[];
  [key: string]: unknown;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

function loadAll(): { file: string; object: Manifest }[] {
  return yamlFiles(DEPLOY).flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8')).flatMap((document) => {
      assert.deepEqual(document.errors, [], `${relative(DEPLOY, file)} parses`);
      const object = document.toJS() as Manifest | null;
      return object ? [{ file: relative(DEPLOY, file), object }] : [];
    }),
  );
}

const byKindName = (objects: Manifest[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('deploy/ manifests', () => {
  const manifests = loadAll();
  const objects = manifests.map((m) => m.object);

  test('every YAML parses into named Kubernetes objects', () => {
    assert.ok(manifests.length >= 10, `found ${manifests.length} objects`);
    for (const { file, object } of manifests) {
      assert.equal(typeof object.apiVersion, 'string', `${file}: apiVersion`);
      assert.equal(typeof object.kind, 'string', `${file}: kind`);
      assert.match(object.metadata?.name ?? '', /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, `${file}: metadata.name`);
    }
  });

  test('catalog.kubeflow.org rules name only the resources and verbs of spec 05 §3.1', () => {
    let catalogRules = 0;
    for (const { file, object } of manifests.filter((m) => m.object.kind === 'Role' || m.object.kind === 'ClusterRole')) {
      for (const rule of object.rules ?? []) {
        if (!rule.apiGroups?.includes(CATALOG_GROUP)) continue;
        catalogRules++;
        assert.deepEqual(rule.apiGroups, [CATALOG_GROUP], `${file} ${object.metadata.name}: the catalog group is not mixed with others`);
        for (const resource of rule.resources ?? []) assert.ok(RESOURCES.includes(resource), `${file} ${object.metadata.name}: resource ${resource}`);
        for (const verb of rule.verbs ?? []) assert.ok(VERBS.includes(verb), `${file} ${object.metadata.name}: verb ${verb}`);
      }
    }
    assert.ok(catalogRules >= 4);
  });

  test('the user ClusterRoles grant what docs/operations.md says', () => {
    const grants = (name: string) => {
      const role = byKindName(objects, 'ClusterRole', name);
      assert.ok(role, `ClusterRole ${name}`);
      const pairs = new Set<string>();
      for (const rule of role.rules ?? []) for (const r of rule.resources ?? []) for (const v of rule.verbs ?? []) pairs.add(`${r}/${v}`);
      return pairs;
    };
    const all = (resources: string[], verbs: string[]) => new Set(resources.flatMap((r) => verbs.map((v) => `${r}/${v}`)));
    const view = all(RESOURCES, ['get', 'list']);
    assert.deepEqual(grants('catalog-view'), view);
    assert.deepEqual(grants('catalog-edit'), new Set([...view, ...all(['catalogsources', 'assets', 'actions', 'jobs'], ['create', 'update', 'delete', 'execute'])]));
    assert.deepEqual(grants('catalog-approve'), all(['approvals'], ['approve']));
    assert.deepEqual(grants('catalog-admin'), all(RESOURCES, VERBS));
  });

  test("the server's own RBAC covers exactly the Kubernetes calls it makes", () => {
    const rules = (kind: string, name: string) =>
      (byKindName(objects, kind, name)?.rules ?? []).flatMap((rule) =>
        (rule.resources ?? []).flatMap((r) => (rule.verbs ?? []).map((v) => `${(rule.apiGroups ?? [''])[0]}/${r}/${v}`))).sort();
    assert.deepEqual(rules('ClusterRole', 'catalog-server-sar-creator'), ['authentication.k8s.io/tokenreviews/create', 'authorization.k8s.io/subjectaccessreviews/create']);
    assert.deepEqual(rules('Role', 'catalog-server'), ['/configmaps/get', '/configmaps/update', '/secrets/get', 'coordination.k8s.io/leases/create', 'coordination.k8s.io/leases/get', 'coordination.k8s.io/leases/update']);
    for (const [kind, name] of [['ClusterRoleBinding', 'catalog-server-sar-creator'], ['RoleBinding', 'catalog-server']]) {
      const binding = byKindName(objects, kind, name) as { subjects?: { kind: string; name: string }[] } | undefined;
      assert.deepEqual(binding?.subjects?.map((s) => `${s.kind}/${s.name}`), ['ServiceAccount/catalog-server'], `${kind} ${name}`);
    }
    assert.ok(byKindName(objects, 'ServiceAccount', 'catalog-server'));
  });

  test('the Deployment listens on every interface, takes its identity from the Downward API and probes the health routes', () => {
    const deployment = byKindName(objects, 'Deployment', 'catalog-server') as unknown as {
      spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { serviceAccountName: string; containers: { args: string[]; ports: { name: string; containerPort: number }[]; env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[]; readinessProbe: { httpGet: { path: string; port: string } }; livenessProbe: { httpGet: { path: string } } }[] } } };
    };
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0];
    assert.ok(container.args.includes('--listen=:8080'));
    assert.deepEqual(container.ports, [{ name: 'http', containerPort: 8080 }]);
    const fieldPath = (name: string) => container.env.find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath;
    assert.equal(fieldPath('POD_NAME'), 'metadata.name');
    assert.equal(fieldPath('POD_NAMESPACE'), 'metadata.namespace');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.livenessProbe.httpGet.path, '/livez');
    assert.equal(pod.spec.serviceAccountName, 'catalog-server');
    for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels)) assert.equal(pod.metadata.labels[key], value);
    const service = byKindName(objects, 'Service', 'catalog-server') as unknown as { spec: { selector: Record<string, string>; ports: { targetPort: string }[] } };
    assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
    assert.equal(service.spec.ports[0].targetPort, 'http');
  });

  describe('loaded into the fake Kubernetes API server', () => {
    let kube: FakeKube;
    let client: KubeClient;
    before(async () => {
      kube = await startFakeKube();
      kube.applyManifests(objects.filter((o) => RBAC_KINDS.has(o.kind)).map((o) => stringify(o)).join('---\n'));
      client = new KubeClient(loadKubeConfig({ kubeconfig: kube.kubeconfigPath, env: {} })!);
    });
    after(() => kube.close());

    const may = (user: string, groups: readonly string[], resource: string, verb: string, namespace?: string, group = CATALOG_GROUP) =>
      client.subjectAccessReview({ user, groups: [...groups], resourceAttributes: { group, resource, verb, ...(namespace ? { namespace } : {}) } }, TIMEOUT);
    const ENGINEER = ['alice', ['team-a-engineers']] as const;
    const REVIEWER = ['rita', ['team-a-reviewers']] as const;

    test('a team-a engineer lists assets and applies sources in team-a, nothing in team-b, and cannot approve', async () => {
      assert.equal(await may(...ENGINEER, 'assets', 'list', 'team-a'), true);
      assert.equal(await may(...ENGINEER, 'catalogsources', 'create', 'team-a'), true);
      assert.equal(await may(...ENGINEER, 'jobs', 'create', 'team-a'), true);
      assert.equal(await may(...ENGINEER, 'actions', 'execute', 'team-a'), true);
      assert.equal(await may(...ENGINEER, 'approvals', 'approve', 'team-a'), false);
      assert.equal(await may(...ENGINEER, 'assets', 'list', 'team-b'), false);
      assert.equal(await may(...ENGINEER, 'catalogsources', 'create', 'team-b'), false);
      assert.equal(await may(...ENGINEER, 'audit', 'list'), false, 'no cluster-scope read from a RoleBinding');
    });

    test('a team-a reviewer reads and approves in team-a but does not edit', async () => {
      assert.equal(await may(...REVIEWER, 'approvals', 'approve', 'team-a'), true);
      assert.equal(await may(...REVIEWER, 'audit', 'list', 'team-a'), true);
      assert.equal(await may(...REVIEWER, 'assets', 'update', 'team-a'), false);
      assert.equal(await may(...REVIEWER, 'approvals', 'approve', 'team-b'), false);
    });

    test('operators read every namespace and at cluster scope; an unbound user gets nothing', async () => {
      assert.equal(await may('olga', ['catalog-operators'], 'audit', 'list'), true);
      assert.equal(await may('olga', ['catalog-operators'], 'assets', 'get', 'team-b'), true);
      assert.equal(await may('olga', ['catalog-operators'], 'catalogsources', 'update', 'team-b'), false);
      assert.equal(await may('mallory', [], 'plugins', 'list', 'team-a'), false);
    });

    test("the server's ServiceAccount may create reviews, use its Lease and read Secrets where the examples bind it", async () => {
      const sa = ['system:serviceaccount:catalog-system:catalog-server', ['system:serviceaccounts', 'system:serviceaccounts:catalog-system']] as const;
      assert.equal(await may(...sa, 'subjectaccessreviews', 'create', undefined, 'authorization.k8s.io'), true);
      assert.equal(await may(...sa, 'tokenreviews', 'create', undefined, 'authentication.k8s.io'), true);
      assert.equal(await may(...sa, 'leases', 'create', 'catalog-system', 'coordination.k8s.io'), true);
      assert.equal(await may(...sa, 'secrets', 'get', 'team-a', ''), true);
      assert.equal(await may(...sa, 'secrets', 'get', 'team-b', ''), false);
      assert.equal(await may(...sa, 'assets', 'list', 'team-a'), false, 'the server itself holds no catalog role');
    });
  });

  describe('behind a server in sar mode', () => {
    let kube: FakeKube;
    let t: TestServer;
    before(async () => {
      kube = await startFakeKube();
      kube.applyManifests(objects.filter((o) => RBAC_KINDS.has(o.kind)).map((o) => stringify(o)).join('---\n'));
      t = await startTestServer({
        kind: 'pglite',
        env: { CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: 'team-a,team-b', CATALOG_AUTHZ_MODE: 'sar', KUBECONFIG: kube.kubeconfigPath },
      });
    });
    after(async () => {
      await t.close();
      await kube.close();
    });

    test('upgrade guide step 3: a team-a engineer lists assets in team-a and may not apply-source in team-b', async () => {
      const engineer = { 'x-remote-user': 'alice', 'x-remote-group': 'team-a-engineers' };
      const list = await t.inject({ url: '/api/mcp_catalog/v1alpha1/mcpservers?namespace=team-a', headers: engineer });
      assert.equal(list.statusCode, 200);
      const apply = await t.inject({
        method: 'POST',
        url: '/api/mcp_catalog/v1alpha1/management/apply-source?namespace=team-b',
        headers: engineer,
        payload: { id: 'x', name: 'x', type: 'yaml', properties: { content: 'mcpservers: []\n' } },
      });
      assert.equal(apply.statusCode, 403);
      assert.equal(JSON.parse(apply.body).message, 'insufficient permissions for catalogsources/create in namespace team-b');
    });
  });
});
