import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../../testing/databases.js';
import type { AssetRef } from '../assets/resolveAsset.js';
import { readHistory } from './readHistory.js';
import { insertAuditEvent, type AuditEvent } from '../../audit/auditRepository.js';

const asset: AssetRef = { namespace: 'team-a', plugin: 'agents', kind: 'Agent', plural: 'agents', name: 'a', uid: 'agents:Agent:a' };

/** History reads the audit trail (06 §10); the events are stored through the audit repository. */
const ids = Object.fromEntries(['e1', 'e2', 'e3', 'e4', 'e5'].map((name, i) => [name, `00000000-0000-4000-8000-00000000000${i + 1}`]));
const names = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
describeEachDatabase('asset history', (kind) => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase(kind);
    const event = (id: string, namespace: string, assetUid: string, eventType: string, actor: string, at: string): AuditEvent => ({
      id: ids[id], namespace, assetUid, eventType, actor, createdAt: at, requestId: `req-${id}`, action: eventType.split('.').pop()!,
      outcome: 'success', statusCode: 200, metadata: { executedAs: 'alice' },
    });
    for (const e of [
      event('e1', 'team-a', asset.uid, 'governance.version.created', 'alice', '2026-02-17T10:00:00.000Z'),
      event('e2', 'team-a', asset.uid, 'governance.approval.decision', 'bob', '2026-02-17T10:01:00.000Z'),
      event('e3', 'team-a', asset.uid, 'governance.promotion.bound', 'alice', '2026-02-17T10:02:00.000001Z'),
      event('e4', 'team-a', 'agents:Agent:other', 'governance.promotion.bound', 'alice', '2026-02-17T10:03:00.000Z'),
      event('e5', 'team-b', asset.uid, 'governance.promotion.bound', 'mallory', '2026-02-17T10:04:00.000Z'),
    ]) await insertAuditEvent(database.db, e, 'ignore');
  });
  after(() => database.close());

  test('events of the asset in the namespace, newest first, paged and filtered', async () => {
    const all = await readHistory(database.db, asset, {});
    assert.deepEqual(all.events.map((e) => names[e.id]), ['e3', 'e2', 'e1']);
    assert.equal(all.totalSize, 3);
    assert.equal(all.events[1].actor, 'bob');
    assert.deepEqual(all.events[1].metadata, { executedAs: 'alice' });
    assert.equal(all.events[0].createdAt, '2026-02-17T10:02:00.000Z');
    assert.equal(all.events[0].eventType, 'governance.promotion.bound');

    const first = await readHistory(database.db, asset, { pageSize: '2' });
    assert.deepEqual(first.events.map((e) => names[e.id]), ['e3', 'e2']);
    const second = await readHistory(database.db, asset, { pageSize: '2', nextPageToken: first.nextPageToken });
    assert.deepEqual(second.events.map((e) => names[e.id]), ['e1']);
    assert.equal(second.nextPageToken, '');

    const filtered = await readHistory(database.db, asset, { eventType: 'governance.version.created, governance.approval.decision' });
    assert.deepEqual(filtered.events.map((e) => names[e.id]), ['e2', 'e1']);
    await assert.rejects(readHistory(database.db, asset, { eventType: 'governance.version.created', pageToken: first.nextPageToken }), { message: /invalid page token/ });
    await assert.rejects(readHistory(database.db, asset, { pageSize: '0' }), { message: 'pageSize must be an integer between 1 and 1000' });
  });
});
