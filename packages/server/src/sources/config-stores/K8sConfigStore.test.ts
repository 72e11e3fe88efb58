import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { pino } from 'pino';
import { ServiceUnavailableError, StartupError, UnprocessableEntityError } from '../../errors.js';
import { sha256Hex } from '../../ingest/digest.js';
import { KubeClient } from '../../kube/KubeClient.js';
import { loadKubeConfig } from '../../kube/kubeConfig.js';
import { startFakeKube, type FakeKube } from '@catalog/fake-kube';
import { sourceVersion, type SourceSnapshot } from '../sourceDigests.js';
import { StoreConflictError, StoreUnavailableError, type RevisionAction, type RevisionRecord } from './ConfigStore.js';
import { INDEX_ANNOTATION, K8S_MAX_ANNOTATION_BYTES, K8sConfigStore, SNAPSHOT_ANNOTATION_PREFIX, withRevisions, type K8sConfigStoreSettings } from './K8sConfigStore.js';

const NS = 'catalog-system';
const NAME = 'catalog-sources';
const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
const DOCUMENT = 'catalogs:\n  mcp:\n    sources: []\n';
const quiet = pino({ level: 'silent' });

function snapshot(id: string, name: string, properties: Record<string, unknown> = {}): SourceSnapshot {
  return { id, name, type: 'yaml', enabled: true, labels: [], properties, includedItems: [], excludedItems: [] };
}

function revision(snap: SourceSnapshot, at: number, action: RevisionAction = 'apply', configKey = 'mcp'): RevisionRecord {
  return { configKey, sourceId: snap.id, digest: sourceVersion(snap), action, actor: 'alice', timestamp: new Date(at), size: 1, snapshot: snap };
}

function configMapManifest(data: Record<string, string>, annotations: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: NAME, namespace: NS, annotations }, data });
}

describe('k8s config store against the fake Kubernetes API', () => {
  let kube: FakeKube;
  let client: KubeClient;
  const settings: K8sConfigStoreSettings = { namespace: NS, name: NAME, key: 'sources.yaml', revisionLimit: 20, recheckReadOnlyMs: 0 };
  const store = (overrides: Partial<K8sConfigStoreSettings> = {}) => new K8sConfigStore(client, { ...settings, ...overrides }, quiet);
  const stored = () => kube.get('configmaps', NS, NAME) as unknown as { data: Record<string, string>; metadata: { annotations?: Record<string, string>; resourceVersion: string } };

  before(async () => {
    kube = await startFakeKube();
    client = new KubeClient(loadKubeConfig({ kubeconfig: kube.kubeconfigPath, env: {} })!);
  });
  after(() => kube.close());
  beforeEach(() => {
    kube.setFault(null);
    if (kube.get('configmaps', NS, NAME)) kube.deleteObject('ConfigMap', NS, NAME);
  });

  test('open fails startup when the ConfigMap is missing or the API is unreachable, and never creates it', async () => {
    await assert.rejects(store().open(), (error: Error) => {
      assert.ok(error instanceof StartupError);
      assert.equal(error.message, `k8s config store: configmap/${NS}/${NAME} not found; the k8s config store needs it to exist (it never creates it)`);
      return true;
    });
    assert.equal(kube.requests.filter((r) => r.method === 'POST' && r.path.startsWith(CONFIGMAPS)).length, 0);
    kube.applyManifests(configMapManifest({ 'sources.yaml': DOCUMENT }));
    kube.setFault({ pathPrefix: CONFIGMAPS, dropConnection: true });
    await assert.rejects(store().open(), (error: Error) => error instanceof StartupError && error.message.startsWith(`k8s config store: cannot read configmap/${NS}/${NAME}: Kubernetes API unreachable`));
    kube.setFault(null);
    await store().open();
  });

  test('documents per tenant namespace are data keys; version is the SHA-256 of the key; a missing key is created on first save', async () => {
    kube.applyManifests(configMapManifest({ 'sources.yaml': DOCUMENT, 'team-a.sources.yaml': '# a\n', 'other.txt': 'x', 'Bad_NS.sources.yaml': '' }));
    const s = store();
    await s.open();
    assert.deepEqual(await s.namespaces(), ['default', 'team-a']);
    assert.deepEqual(await s.read('default'), { text: DOCUMENT, version: sha256Hex(DOCUMENT) });
    assert.equal(await s.read('team-b'), undefined);
    const saved = await s.save({ namespace: 'team-b', expectedVersion: null, text: '# b\n', revisions: [] });
    assert.equal(saved.version, sha256Hex('# b\n'));
    assert.equal(stored().data['team-b.sources.yaml'], '# b\n');
    assert.equal(stored().data['other.txt'], 'x', 'other keys are kept');
    assert.deepEqual(await s.namespaces(), ['default', 'team-a', 'team-b']);
  });

  test('a stale expected version or a concurrent update (Kubernetes 409) is a conflict that changes nothing', async () => {
    kube.applyManifests(configMapManifest({ 'sources.yaml': DOCUMENT }));
    const s = store();
    await assert.rejects(s.save({ namespace: 'default', expectedVersion: sha256Hex('other'), text: 'x', revisions: [] }), StoreConflictError);
    await assert.rejects(s.save({ namespace: 'default', expectedVersion: null, text: 'x', revisions: [] }), StoreConflictError);
    // Another writer updates between our GET and our PUT: the resourceVersion we carry is stale.
    kube.setFault({ method: 'PUT', pathPrefix: `${CONFIGMAPS}/${NAME}`, status: 409, times: 1 });
    await assert.rejects(s.save({ namespace: 'default', expectedVersion: sha256Hex(DOCUMENT), text: 'x', revisions: [] }), StoreConflictError);
    assert.equal(stored().data['sources.yaml'], DOCUMENT);
    const racing = await Promise.allSettled(['a', 'b'].map((n) => s.save({ namespace: 'default', expectedVersion: sha256Hex(DOCUMENT), text: `# ${n}\n`, revisions: [] })));
    assert.deepEqual(racing.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.ok((racing.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason instanceof StoreConflictError);
    const put = kube.requests.filter((r) => r.method === 'PUT' && r.path === `${CONFIGMAPS}/${NAME}`).at(-1)!;
    assert.match((put.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion, /^\d+$/, 'the update carries the resourceVersion read');
  });

  test('revisions travel as annotations in the same update: index newest first, at most 10 per source, unreferenced snapshots removed', async () => {
    kube.applyManifests(configMapManifest({ 'sources.yaml': DOCUMENT }, { 'owner.example.com/note': 'kept' }));
    const s = store();
    let version = sha256Hex(DOCUMENT);
    for (let i = 0; i < 12; i++) {
      const text = `# ${i}\n${DOCUMENT}`;
      const snap = snapshot('one', `One ${i}`, { n: i });
      await s.save({ namespace: 'team-a', expectedVersion: i === 0 ? null : version, text, revisions: [revision(snap, 1000 + i)] });
      version = sha256Hex(text);
    }
    await s.save({ namespace: 'default', expectedVersion: sha256Hex(DOCUMENT), text: DOCUMENT, revisions: [revision(snapshot('one', 'Default one'), 5000)] });
    const history = await s.revisions('team-a', 'mcp', 'one');
    assert.deepEqual(history.map((r) => r.snapshot.name), ['One 11', 'One 10', 'One 9', 'One 8', 'One 7', 'One 6', 'One 5', 'One 4', 'One 3', 'One 2']);
    assert.equal(history[0].digest, sourceVersion(snapshot('one', 'One 11', { n: 11 })));
    assert.deepEqual((await s.revisions('default', 'mcp', 'one')).map((r) => r.snapshot.name), ['Default one']);
    assert.deepEqual(await s.revisions('team-a', 'skills', 'one'), []);

    const annotations = stored().metadata.annotations!;
    assert.equal(annotations['owner.example.com/note'], 'kept');
    const index = JSON.parse(annotations[INDEX_ANNOTATION]) as Record<string, unknown>[];
    assert.equal(index.length, 11);
    assert.deepEqual(Object.keys(index[0]).sort(), ['action', 'actor', 'digest', 'size', 'source', 'timestamp', 'version']);
    assert.equal(index[0].source, 'default/mcp/one');
    assert.equal(index[1].source, 'team-a/mcp/one');
    const snapshotKeys = Object.keys(annotations).filter((k) => k.startsWith(SNAPSHOT_ANNOTATION_PREFIX));
    assert.deepEqual(snapshotKeys.sort(), index.map((e) => `${SNAPSHOT_ANNOTATION_PREFIX}${String(e.version)}`).sort(), 'pruned revisions lose their snapshot');
    assert.match(annotations[`${SNAPSHOT_ANNOTATION_PREFIX}${String(index[0].version)}`], /^id: one\nname: Default one\n/, 'snapshots are YAML');

    // A smaller CATALOG_REVISION_LIMIT wins over the cap of 10.
    assert.equal((await store({ revisionLimit: 3 }).revisions('team-a', 'mcp', 'one')).length, 3);
  });

  test('snapshots read back with their exact digest; a snapshot edited by hand is skipped', async () => {
    const tricky = snapshot('odd', 'Ünïcödé: "quoted" # not a comment', {
      port: '8080', yes: 'yes', nothing: null, nested: { list: [1, 2.5, true, 'false'], empty: {} }, ref: { env: 'CATALOG_SECRET_X' }, multi: 'a\nb\n',
    });
    kube.applyManifests(configMapManifest({ 'sources.yaml': DOCUMENT }));
    const s = store();
    await s.save({ namespace: 'default', expectedVersion: sha256Hex(DOCUMENT), text: DOCUMENT, revisions: [revision(tricky, 1000)] });
    const [read] = await s.revisions('default', 'mcp', 'odd');
    assert.deepEqual(read.snapshot, tricky);
    assert.equal(read.digest, sourceVersion(tricky));
    const object = stored();
    const key = `${SNAPSHOT_ANNOTATION_PREFIX}${sourceVersion(tricky).slice(0, 8)}`;
    await client.replaceConfigMap(NS, { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, [key]: 'id: odd\nname: changed\n' } } } as never, 2000);
    assert.deepEqual(await s.revisions('default', 'mcp', 'odd'), []);
  });

  test('an update forbidden by RBAC makes the store read-only until the permission is back', async () => {
    kube.applyManifests(configMapManifest({ 'sources.yaml': DOCUMENT }));
    kube.setFault({ method: 'PUT', pathPrefix: `${CONFIGMAPS}/${NAME}`, status: 403 });
    const s = store({ recheckReadOnlyMs: 60_000 });
    await s.open();
    assert.equal(await s.writable(), false, 'the dry-run probe at startup was forbidden');
    const resourceVersion = stored().metadata.resourceVersion;

    const writable = store();
    await writable.open();
    assert.equal(await writable.writable(), false);
    await assert.rejects(writable.save({ namespace: 'default', expectedVersion: sha256Hex(DOCUMENT), text: 'x', revisions: [] }), (error: Error) => {
      assert.ok(error instanceof ServiceUnavailableError);
      assert.equal(error.message, 'config store is read-only');
      return true;
    });
    kube.setFault(null);
    assert.equal(await writable.writable(), true, 'rechecked (interval 0) and found writable');
    assert.equal(await s.writable(), false, 'not rechecked before its interval');
    assert.equal(stored().metadata.resourceVersion, resourceVersion, 'dry-run probes store nothing');
    assert.equal(stored().data['sources.yaml'], DOCUMENT);
  });

  test('an unreachable API or a deleted ConfigMap makes reads and writes unavailable (503), never an empty store', async () => {
    kube.applyManifests(configMapManifest({ 'sources.yaml': DOCUMENT }));
    const s = store();
    await s.open();
    kube.setFault({ pathPrefix: CONFIGMAPS, status: 500 });
    for (const attempt of [s.read('default'), s.namespaces(), s.revisions('default', 'mcp', 'x'), s.save({ namespace: 'default', expectedVersion: null, text: 'x', revisions: [] })]) {
      await assert.rejects(attempt, (error: Error) => error instanceof StoreUnavailableError && error.message === 'config store is unavailable' && /answered 500/.test(error.detail));
    }
    kube.setFault({ method: 'PUT', pathPrefix: CONFIGMAPS, status: 500, times: 1 });
    await assert.rejects(s.save({ namespace: 'default', expectedVersion: sha256Hex(DOCUMENT), text: 'x', revisions: [] }), StoreUnavailableError);
    kube.setFault({ method: 'PUT', pathPrefix: CONFIGMAPS, status: 422, times: 1 });
    await assert.rejects(s.save({ namespace: 'default', expectedVersion: sha256Hex(DOCUMENT), text: 'x', revisions: [] }), UnprocessableEntityError);
    kube.deleteObject('ConfigMap', NS, NAME);
    await assert.rejects(s.read('default'), (error: Error) => error instanceof StoreUnavailableError && error.detail.includes('not found'));
  });

  test('a document larger than 900 KiB is not loaded', async () => {
    kube.applyManifests(configMapManifest({ 'sources.yaml': `# ${'x'.repeat(900 * 1024)}\n` }));
    await assert.rejects(store().read('default'), (error: Error) => error instanceof StoreUnavailableError && /larger than 921600 bytes/.test(error.detail));
  });
});

describe('k8s store revision annotations', () => {
  test('past 200 KiB in total the oldest revisions across sources go first', () => {
    const big = (id: string, i: number) => snapshot(id, `${id} ${i}`, { blob: 'x'.repeat(30 * 1024) });
    let annotations: Record<string, string> = { 'kubectl.kubernetes.io/last-applied-configuration': 'y'.repeat(20 * 1024) };
    for (let i = 0; i < 4; i++) {
      annotations = withRevisions(annotations, 'default', [revision(big('a', i), 1000 + 2 * i), revision(big('b', i), 1001 + 2 * i)], 10);
    }
    const index = JSON.parse(annotations[INDEX_ANNOTATION]) as { source: string; timestamp: string }[];
    const total = Object.entries(annotations).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    assert.ok(total <= K8S_MAX_ANNOTATION_BYTES, `${total} bytes`);
    assert.equal(index.length, 5, 'five snapshots of 30 KiB fit next to the foreign 20 KiB');
    assert.deepEqual(index.map((e) => e.source), ['default/mcp/b', 'default/mcp/a', 'default/mcp/b', 'default/mcp/a', 'default/mcp/b']);
    assert.equal(annotations['kubectl.kubernetes.io/last-applied-configuration'].length, 20 * 1024);
  });

  test('an import for a source with history, or an external revision equal to the newest, is recorded once (replicas reconciling the same edit)', () => {
    const before = snapshot('s', 'Before');
    const afterEdit = snapshot('s', 'After');
    const first = withRevisions({}, 'default', [revision(before, 1000, 'import'), revision(afterEdit, 1001, 'external')], 10);
    const second = withRevisions(first, 'default', [revision(before, 1002, 'import'), revision(afterEdit, 1003, 'external')], 10);
    assert.deepEqual(second, first);
    const index = JSON.parse(second[INDEX_ANNOTATION]) as { action: string }[];
    assert.deepEqual(index.map((e) => e.action), ['external', 'import']);
    assert.deepEqual(withRevisions({ [INDEX_ANNOTATION]: 'not json' }, 'default', [], 10), {});
  });
});
