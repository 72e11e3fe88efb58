import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { KubeClient } from '../kube/KubeClient.js';
import { loadKubeConfig } from '../kube/kubeConfig.js';
import { describeEachDatabase } from '../testing/databases.js';
import { startFakeKube, type FakeKube } from '@catalog/fake-kube';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { INDEX_ANNOTATION, SNAPSHOT_ANNOTATION_PREFIX } from './config-stores/K8sConfigStore.js';
import { SAVE_ATTEMPTS } from './SourceManager.js';

const M = '/api/mcp_catalog/v1alpha1/management';
const LIST = '/api/mcp_catalog/v1alpha1/mcpservers?pageSize=100';
const EVENTS = '/api/audit/v1alpha1/events';
const NS = 'catalog-system';
const NAME = 'catalog-sources';
const CONFIGMAP_PATH = `/api/v1/namespaces/${NS}/configmaps/${NAME}`;

const DOCUMENT = `# Sources kept in a ConfigMap.
apiVersion: catalog/v1alpha1
kind: CatalogSources
catalogs:
  mcp:
    sources:
      - id: mcp-samples
        name: MCP Servers
        type: yaml
        properties:
          yamlCatalogPath: servers.yaml
      - id: mcp-more
        name: More servers
        type: yaml
        properties: {yamlCatalogPath: more.yaml}
`;
/** The `--sources` file next to the data files: the k8s store never reads it. */
const DECOY = `catalogs:
  mcp:
    sources:
      - {id: from-the-file, name: Never read, type: yaml, properties: {yamlCatalogPath: more.yaml}}
`;
const FILES = {
  'sources.yaml': DECOY,
  'servers.yaml': `mcpservers:
  - {name: cluster-ops-mcp, serverUrl: "stdio://cluster-ops", deploymentMode: local}
  - {name: ledger-mcp, serverUrl: "https://ledger.example.test/mcp", deploymentMode: remote}
  - {name: notes-mcp, serverUrl: "stdio://notes", deploymentMode: local}
`,
  'more.yaml': 'mcpservers:\n  - {name: weather-mcp, serverUrl: "stdio://weather", deploymentMode: local}\n',
};
const TWO = 'mcpservers:\n  - {name: echo-one, serverUrl: "stdio://one", deploymentMode: local}\n  - {name: echo-two, serverUrl: "stdio://two", deploymentMode: local}\n';

type Json = Record<string, any>;
interface StoredConfigMap { data: Record<string, string>; metadata: { annotations?: Record<string, string>; resourceVersion: string } }

function configMapManifest(data: Record<string, string>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: NAME, namespace: NS }, data });
}

function client(t: () => TestServer) {
  const send = async (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await t().inject({
      method, url,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: JSON.parse(response.body || 'null') as Json };
  };
  return {
    send,
    sources: async (headers: Record<string, string> = {}) => (await send('GET', `${M}/sources`, undefined, headers)).body,
    source: async (id: string) => (await send('GET', `${M}/sources`)).body.sources.find((s: Json) => s.id === id) as Json | undefined,
    names: async (sourceId: string) => (await send('GET', LIST)).body.items.filter((i: Json) => i.sourceId === sourceId).map((i: Json) => i.name as string).sort(),
    apply: (body: Json, headers: Record<string, string> = {}) => send('POST', `${M}/apply-source`, body, headers),
    revisions: (id: string) => send('GET', `${M}/sources/${id}/revisions`),
  };
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describeEachDatabase('source management, k8s store', (kind) => {
  let kube: FakeKube;
  let admin: KubeClient;
  let t: TestServer;
  const c = client(() => t);
  const configMap = () => kube.get('configmaps', NS, NAME) as unknown as StoredConfigMap;
  const document = () => parse(configMap().data['sources.yaml']) as { catalogs: { mcp: { sources: Json[] } } };
  const sourceNames = () => document().catalogs.mcp.sources.map((s) => `${String(s.id)}:${String(s.name)}`);
  /** What `kubectl edit` does: GET, change, PUT with the resourceVersion read. */
  const editByHand = async (change: (text: string) => string) => {
    const current = (await admin.readConfigMap(NS, NAME, 2000))!;
    await admin.replaceConfigMap(NS, { ...current, data: { ...current.data, 'sources.yaml': change(current.data!['sources.yaml']) } }, 2000);
  };
  const editAsAdministrator = async (change: (text: string) => string) => {
    const current = configMap();
    kube.applyManifests(JSON.stringify({ ...current, data: { ...current.data, 'sources.yaml': change(current.data['sources.yaml']) } }));
  };

  before(async () => {
    kube = await startFakeKube();
    admin = new KubeClient(loadKubeConfig({ kubeconfig: kube.kubeconfigPath, env: {} })!);
    kube.applyManifests(configMapManifest({ 'sources.yaml': DOCUMENT }));
    t = await startTestServer({
      kind, files: FILES, args: ['--config-store=k8s'],
      env: { KUBECONFIG: kube.kubeconfigPath, CATALOG_CONFIG_NAMESPACE: NS, CATALOG_CONFIG_RECONCILE_INTERVAL_SECONDS: '1', CATALOG_JOB_ENABLED: 'false' },
    });
  });
  after(async () => {
    await t?.close();
    await kube.close();
  });

  test('serves the ConfigMap document, never the --sources file, and checks write permission without writing', async () => {
    const list = await c.sources();
    assert.deepEqual(list.sources.map((s: Json) => s.id), ['mcp-samples', 'mcp-more']);
    assert.equal(list.sources[0].status.state, 'available');
    assert.deepEqual(await c.names('mcp-samples'), ['cluster-ops-mcp', 'ledger-mcp', 'notes-mcp']);
    assert.ok(kube.requests.some((r) => r.method === 'PUT' && r.path === CONFIGMAP_PATH), 'the dry-run probe');
    assert.equal(configMap().metadata.resourceVersion, '1', 'nothing was written by startup');
  });

  test('apply, enable, delete and rollback write the ConfigMap with revision annotations (criteria 10, 20, 22, 23, 25, 26)', async () => {
    const applied = await c.apply({ id: 'mcp-samples', name: 'Renamed once', type: 'yaml' });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.deepEqual(sourceNames(), ['mcp-samples:Renamed once', 'mcp-more:More servers']);
    assert.ok(configMap().data['sources.yaml'].startsWith('# Sources kept in a ConfigMap.'), 'comments survive');
    const inline = await c.apply({ id: 'mcp-inline', name: 'Inline', type: 'yaml', properties: { content: TWO } });
    assert.equal(inline.status, 200);
    assert.match(inline.body.properties.managedContent, /^sha256:/);
    assert.ok(!configMap().data['sources.yaml'].includes('echo-one'), 'managed content lives in the database');

    const disabled = await c.send('POST', `${M}/sources/mcp-samples/enable`, { enabled: false });
    assert.equal(disabled.body.status.state, 'disabled');
    assert.equal(document().catalogs.mcp.sources[0].enabled, false);
    assert.deepEqual(await c.names('mcp-samples'), []);
    assert.equal((await c.send('POST', `${M}/sources/mcp-samples/enable`, { enabled: true })).body.status.state, 'available');

    const revisions = (await c.revisions('mcp-samples')).body;
    assert.deepEqual(revisions.revisions.map((r: Json) => r.action), ['enable', 'disable', 'apply', 'import']);
    assert.equal(revisions.revisions.filter((r: Json) => r.current).length, 1);
    const annotations = configMap().metadata.annotations!;
    const index = JSON.parse(annotations[INDEX_ANNOTATION]) as Json[];
    assert.deepEqual(index.filter((e) => e.source === 'default/mcp/mcp-samples').map((e) => e.action), ['enable', 'disable', 'apply', 'import']);
    assert.equal(index[0].actor, 'anonymous');
    for (const entry of index) assert.ok(annotations[`${SNAPSHOT_ANNOTATION_PREFIX}${String(entry.version)}`], `snapshot of ${String(entry.version)}`);

    const deleted = await c.send('DELETE', `${M}/sources/mcp-samples`);
    assert.deepEqual(deleted.body, { status: 'deleted', id: 'mcp-samples' });
    assert.deepEqual(sourceNames(), ['mcp-more:More servers', 'mcp-inline:Inline']);
    assert.deepEqual(await c.names('mcp-samples'), []);
    const imported = revisions.revisions.find((r: Json) => r.action === 'import');
    const rolled = await c.send('POST', `${M}/sources/mcp-samples:rollback`, { version: imported.version });
    assert.equal(rolled.status, 200, JSON.stringify(rolled.body));
    assert.equal(rolled.body.source.name, 'MCP Servers');
    assert.deepEqual(sourceNames(), ['mcp-more:More servers', 'mcp-inline:Inline', 'mcp-samples:MCP Servers']);
    assert.deepEqual(await c.names('mcp-samples'), ['cluster-ops-mcp', 'ledger-mcp', 'notes-mcp']);
    assert.equal((await c.revisions('mcp-samples')).body.revisions[0].action, 'rollback');
  });

  test('preconditions and concurrent applies: exactly one of two wins (criteria 31, 32)', async () => {
    const current = (await c.source('mcp-more'))!;
    const stale = await c.apply({ id: 'mcp-more', name: 'Stale', type: 'yaml' }, { 'if-match': '"00000000"' });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.currentVersion, current.version);
    const racing = await Promise.all(['Racer A', 'Racer B'].map((name) => c.apply({ id: 'mcp-more', name, type: 'yaml', expectedVersion: current.version })));
    assert.deepEqual(racing.map((r) => r.status).sort(), [200, 409]);
    const winner = racing.find((r) => r.status === 200)!;
    assert.ok(sourceNames().includes(`mcp-more:${String(winner.body.name)}`));

    // Two replicas (or a replica and kubectl) racing on the ConfigMap itself: the loser's UPDATE gets
    // 409 and the server starts over from a fresh read, so a race lost to a write of anything else succeeds.
    kube.setFault({ method: 'PUT', pathPrefix: CONFIGMAP_PATH, status: 409, times: 2 });
    const retried = await c.apply({ id: 'mcp-more', name: 'Won on retry', type: 'yaml' });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.ok(sourceNames().includes('mcp-more:Won on retry'));
    // A ConfigMap that changes under every attempt answers 409 in the end, and nothing changed.
    kube.setFault({ method: 'PUT', pathPrefix: CONFIGMAP_PATH, status: 409, times: SAVE_ATTEMPTS });
    const lost = await c.apply({ id: 'mcp-more', name: 'Lost race', type: 'yaml' });
    assert.equal(lost.status, 409);
    assert.equal(lost.body.message, 'config was modified externally, retry the operation');
    assert.ok(sourceNames().includes('mcp-more:Won on retry'));
    assert.equal((await c.source('mcp-more'))!.name, 'Won on retry');
  });

  test('an edit of the ConfigMap is reconciled: new name, external revision, config.external_change event (criterion 29)', async () => {
    await editByHand((text) => text.replace('name: MCP Servers', 'name: Edited with kubectl'));
    const name = await eventually(async () => (await c.source('mcp-samples'))!.name, (n) => n === 'Edited with kubectl');
    assert.equal(name, 'Edited with kubectl');
    const revisions = (await c.revisions('mcp-samples')).body.revisions;
    assert.deepEqual([revisions[0].action, revisions[0].actor, revisions[0].current], ['external', 'system', true]);
    const events = await eventually(
      async () => (await c.send('GET', `${EVENTS}?eventType=config.external_change&pageSize=100`)).body.events as Json[],
      (list) => list.some((e) => e.resourceIds?.includes('mcp-samples')),
    );
    const event = events.find((e) => e.resourceIds?.includes('mcp-samples'))!;
    assert.deepEqual([event.actor, event.action, event.plugin, event.newValue.revision], ['system', 'external-change', 'mcp', revisions[0].digest]);

    // Removing a source by hand deletes its entities.
    await editByHand((text) => text.replace(/\n {6}- id: mcp-inline[\s\S]*?(?=\n {6}- id:|\n?$)/, ''));
    assert.deepEqual(await eventually(() => c.names('mcp-inline'), (n) => n.length === 0), []);
  });

  test('while the Kubernetes API is down reads keep the last view and writes answer 503; then it recovers', async () => {
    const before = await c.sources();
    kube.setFault({ pathPrefix: '/api/v1/namespaces', status: 500 });
    try {
      assert.deepEqual(await c.sources(), before);
      for (const response of [
        await c.apply({ id: 'mcp-more', name: 'During the outage', type: 'yaml' }),
        await c.send('POST', `${M}/sources/mcp-more/enable`, { enabled: false }),
        await c.send('DELETE', `${M}/sources/mcp-more`),
        await c.revisions('mcp-more'),
      ]) {
        assert.equal(response.status, 503, JSON.stringify(response.body));
        assert.deepEqual([response.body.error, response.body.message], ['service_unavailable', 'config store is unavailable']);
      }
      const errors = await eventually(
        async () => ((await c.send('GET', `${M}/diagnostics`)).body.errors as Json[]).filter((e) => e.source === 'config-store'),
        (list) => list.length > 0,
      );
      assert.match(errors[0].message, /Kubernetes API answered 500/);
      assert.deepEqual(await c.sources(), before);
    } finally {
      kube.setFault(null);
    }
    const after = await c.apply({ id: 'mcp-more', name: 'After the outage', type: 'yaml' });
    assert.equal(after.status, 200, JSON.stringify(after.body));
    const errors = await eventually(
      async () => ((await c.send('GET', `${M}/diagnostics`)).body.errors as Json[]).filter((e) => e.source === 'config-store'),
      (list) => list.length === 0,
    );
    assert.deepEqual(errors, []);
  });

  test('RBAC forbidding the update makes the store read-only: 503 before any change, writable again once granted (criterion 33)', async () => {
    const before = await c.sources();
    const text = configMap().data['sources.yaml'];
    kube.setFault({ method: 'PUT', pathPrefix: CONFIGMAP_PATH, status: 403 });
    try {
      for (const response of [
        await c.apply({ id: 'mcp-more', name: 'Forbidden', type: 'yaml' }),
        await c.send('POST', `${M}/sources/mcp-more/enable`, { enabled: false }),
        await c.send('DELETE', `${M}/sources/mcp-more`),
      ]) {
        assert.equal(response.status, 503);
        assert.deepEqual([response.body.error, response.body.message], ['service_unavailable', 'config store is read-only']);
      }
      assert.deepEqual(await c.sources(), before);
      assert.equal(configMap().data['sources.yaml'], text);
      // A read-only store still follows edits made by someone who may write (an administrator, here in-process).
      await editAsAdministrator((doc) => doc.replace(`name: ${String(before.sources.find((s: Json) => s.id === 'mcp-more').name)}`, 'name: Edited while read-only'));
      assert.equal(await eventually(async () => (await c.source('mcp-more'))!.name, (n) => n === 'Edited while read-only'), 'Edited while read-only');
    } finally {
      kube.setFault(null);
    }
    // The permission is checked again at most once per reconcile interval (1 s here).
    const granted = await eventually(() => c.apply({ id: 'mcp-more', name: 'Granted again', type: 'yaml' }), (r) => r.status === 200);
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    assert.ok(sourceNames().includes('mcp-more:Granted again'));
  });
});

describe('source management, k8s store startup and namespaces', () => {
  let kube: FakeKube;
  before(async () => {
    kube = await startFakeKube();
  });
  after(() => kube.close());
  const env = () => ({ KUBECONFIG: kube.kubeconfigPath, CATALOG_CONFIG_NAMESPACE: NS, CATALOG_JOB_ENABLED: 'false' });

  test('no Kubernetes access, or no ConfigMap, stops startup with exit code 1', async () => {
    await assert.rejects(startTestServer({ kind: 'pglite', files: FILES, args: ['--config-store=k8s'] }), (error: Error & { exitCode?: number }) => {
      assert.equal(error.message, 'CATALOG_CONFIG_STORE_MODE=k8s requires Kubernetes access (in-cluster configuration or KUBECONFIG)');
      assert.equal(error.exitCode, 1);
      return true;
    });
    await assert.rejects(startTestServer({ kind: 'pglite', files: FILES, args: ['--config-store=k8s'], env: env() }), (error: Error & { exitCode?: number }) => {
      assert.equal(error.message, `k8s config store: configmap/${NS}/${NAME} not found; the k8s config store needs it to exist (it never creates it)`);
      assert.equal(error.exitCode, 1);
      return true;
    });
    assert.equal(kube.get('configmaps', NS, NAME), undefined);
  });

  test('each tenant namespace is its own data key <ns>.<key>, created on the first save (criterion 58)', async () => {
    kube.applyManifests(configMapManifest({ 'sources.yaml': DOCUMENT }));
    const t = await startTestServer({ kind: 'pglite', files: FILES, args: ['--config-store=k8s'], env: { ...env(), CATALOG_TENANCY_MODE: 'namespace' } });
    const c = client(() => t);
    try {
      const a = { 'x-namespace': 'team-a' };
      const applied = await c.apply({ id: 'shared', name: 'Shared', type: 'yaml', properties: { content: TWO } }, a);
      assert.equal(applied.status, 200, JSON.stringify(applied.body));
      const data = (kube.get('configmaps', NS, NAME) as unknown as StoredConfigMap).data;
      assert.deepEqual(Object.keys(data).sort(), ['sources.yaml', 'team-a.sources.yaml']);
      assert.equal(data['sources.yaml'], DOCUMENT);
      assert.deepEqual((await c.sources(a)).sources.map((s: Json) => s.id), ['shared']);
      assert.deepEqual((await c.sources({ 'x-namespace': 'team-b' })).sources, []);
      assert.deepEqual((await c.sources({ 'x-namespace': 'default' })).sources.map((s: Json) => s.id), ['mcp-samples', 'mcp-more']);
      const index = JSON.parse((kube.get('configmaps', NS, NAME) as unknown as StoredConfigMap).metadata.annotations![INDEX_ANNOTATION]) as Json[];
      assert.deepEqual(index.map((e) => e.source), ['team-a/mcp/shared']);
    } finally {
      await t.close();
    }
    // A restart loads every namespace's key.
    const restarted = await startTestServer({ kind: 'pglite', files: FILES, args: ['--config-store=k8s'], env: { ...env(), CATALOG_TENANCY_MODE: 'namespace' } });
    try {
      assert.deepEqual((await client(() => restarted).sources({ 'x-namespace': 'team-a' })).sources.map((s: Json) => s.id), ['shared']);
    } finally {
      await restarted.close();
    }
  });
});
