import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sha256Hex } from '../../ingest/digest.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../../testing/databases.js';
import { sourceVersion, type SourceSnapshot } from '../sourceDigests.js';
import { StoreConflictError } from './ConfigStore.js';
import { DbConfigStore } from './DbConfigStore.js';

const snapshot: SourceSnapshot = { id: 's', name: 'S', type: 'yaml', enabled: true, labels: [], properties: {}, includedItems: [], excludedItems: [] };

describeEachDatabase('db config store', (kind) => {
  let database: TestDatabase;
  let store: DbConfigStore;
  before(async () => {
    database = await createTestDatabase(kind);
    store = new DbConfigStore(database, 2);
  });
  after(() => database.close());

  test('compare-and-swap per namespace: exactly one of two writers with the same expected version wins', async () => {
    await store.save({ namespace: 'team-a', expectedVersion: null, text: 'catalogs: {}\n', revisions: [] });
    const version = sha256Hex('catalogs: {}\n');
    const results = await Promise.allSettled(['a', 'b'].map((n) => store.save({ namespace: 'team-a', expectedVersion: version, text: `# ${n}\ncatalogs: {}\n`, revisions: [] })));
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.ok((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason instanceof StoreConflictError);
    await assert.rejects(store.save({ namespace: 'team-a', expectedVersion: null, text: 'x', revisions: [] }), StoreConflictError);
    assert.deepEqual(await store.namespaces(), ['team-a']);
  });

  test('revisions commit with the document, newest first, pruned per source; a failing hook rolls everything back', async () => {
    const current = (await store.read('team-a'))!;
    const revisions = ['A', 'B', 'C'].map((name, i) => {
      const snap = { ...snapshot, name };
      return { configKey: 'mcp', sourceId: 's', digest: sourceVersion(snap), action: 'apply' as const, actor: 'bob', timestamp: new Date(1000 + i), size: 1, snapshot: snap };
    });
    await store.save({ namespace: 'team-a', expectedVersion: current.version, text: current.text, revisions });
    assert.deepEqual((await store.revisions('team-a', 'mcp', 's')).map((r) => r.snapshot.name), ['C', 'B']);
    await assert.rejects(store.save({
      namespace: 'team-a', expectedVersion: current.version, text: 'catalogs: {mcp: {sources: []}}\n', revisions: [revisions[0]],
      withinTransaction: async () => { throw new Error('audit insert failed'); },
    }), /audit insert failed/);
    assert.equal((await store.read('team-a'))!.text, current.text);
    assert.deepEqual((await store.revisions('team-a', 'mcp', 's')).map((r) => r.snapshot.name), ['C', 'B']);
    assert.deepEqual(await store.revisions('team-b', 'mcp', 's'), []);
  });
});
