import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { sql } from 'kysely';
import pino from 'pino';
import { InProcessNotifications } from '../ha/Notifications.js';
import { createMetrics } from '../metrics/metrics.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../testing/databases.js';
import { JobMaintenance } from './JobMaintenance.js';
import { claimNextJobAcrossNamespaces, deleteExpiredJobsAcrossNamespaces, recoverStuckJobsAcrossNamespaces } from '../db/acrossNamespaces.js';
import { JobStore } from './JobStore.js';

/** The job table's transitions (spec 05 §5.2–5.7) against the database, without HTTP. */
describeEachDatabase('refresh job store', (kind) => {
  let database: TestDatabase;
  let store: JobStore;
  before(async () => {
    database = await createTestDatabase(kind);
    store = new JobStore({ db: () => database.db, notifications: () => new InProcessNotifications('test'), maxAttempts: 2 });
  });
  after(() => database?.close());
  beforeEach(async () => {
    await sql`DELETE FROM refresh_jobs`.execute(database.db);
  });

  const enqueue = (namespace: string, sourceId: string, force = false) =>
    store.enqueue({ namespace, plugin: 'parts', sourceId, force, requestedBy: 'tester', requestId: null }, async () => undefined);

  test('one active job per key; a finished job never blocks the next (05 §5.1, §5.3)', async () => {
    const first = await enqueue('default', 'a');
    const again = await enqueue('default', 'a', true);
    assert.equal(again.reused, true);
    assert.equal(again.job.id, first.job.id);
    assert.equal(again.job.force, true, 'a reused queued job takes force');
    assert.equal((await enqueue('team-a', 'a')).reused, false, 'the key is per namespace');
    const claimed = await claimNextJobAcrossNamespaces(database.db, 'r1', 0);
    assert.ok(claimed);
    assert.equal(await store.finish(database.db, claimed.id, 'r1', { state: 'succeeded', message: 'ok' }), true);
    assert.equal(await store.finish(database.db, claimed.id, 'r1', { state: 'failed', message: 'late' }), false, 'terminal states never change');
  });

  test('claims rotate between namespaces (05 §11 #44)', async () => {
    await enqueue('team-a', 's0');
    const firstA = await claimNextJobAcrossNamespaces(database.db, 'r1', 0);
    assert.equal(firstA?.namespace, 'team-a');
    await store.finish(database.db, firstA.id, 'r1', { state: 'succeeded', message: 'ok' });
    for (let i = 1; i < 10; i++) await enqueue('team-a', `s${i}`);
    await enqueue('team-b', 's0');
    assert.equal((await claimNextJobAcrossNamespaces(database.db, 'r1', 0))?.namespace, 'team-b');
    assert.equal((await claimNextJobAcrossNamespaces(database.db, 'r1', 0))?.namespace, 'team-a');
    // With a cap of one running job per namespace, team-a (one running) is not eligible.
    assert.equal(await claimNextJobAcrossNamespaces(database.db, 'r1', 1), undefined);
  });

  test('stuck jobs are re-queued with backoff, then failed when attempts are exhausted (05 §11 #43)', async () => {
    const { job } = await enqueue('default', 'a');
    await claimNextJobAcrossNamespaces(database.db, 'dead', 0);
    await sql`UPDATE refresh_jobs SET heartbeat_at = now() - interval '11 minutes'`.execute(database.db);
    assert.equal(await recoverStuckJobsAcrossNamespaces(database.db, 10, 0), 1);
    let row = await database.db.selectFrom('refresh_jobs').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
    assert.equal(row.state, 'queued');
    assert.equal(row.last_error, 'Timed out (stuck job recovery)');
    assert.equal(row.claimed_by, null);
    assert.equal(await store.heartbeat(job.id, 'dead', {}), false, 'the dead worker lost the job');
    assert.equal(await store.finish(database.db, job.id, 'dead', { state: 'succeeded', message: 'late' }), false, 'nor can it finish it');

    await claimNextJobAcrossNamespaces(database.db, 'dead', 0);
    await sql`UPDATE refresh_jobs SET heartbeat_at = now() - interval '11 minutes'`.execute(database.db);
    const maintenance = new JobMaintenance({
      db: database.db, databaseType: database.type, leadership: null, claimTimeoutMinutes: 10, retentionDays: 7, retryBackoffSeconds: 0, log: pino({ level: 'silent' }), metrics: createMetrics(),
    });
    assert.equal(await maintenance.runOnce(), true);
    row = await database.db.selectFrom('refresh_jobs').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
    assert.equal(row.state, 'failed');
    assert.equal(row.message, 'Max retries exceeded: timed out (stuck job recovery)');
    assert.ok(row.finished_at);
  });

  test('a re-queued stuck job is claimed again and completes (05 §11 #43)', async () => {
    const { job } = await enqueue('default', 'a');
    await claimNextJobAcrossNamespaces(database.db, 'dead', 0);
    await sql`UPDATE refresh_jobs SET heartbeat_at = now() - interval '11 minutes'`.execute(database.db);
    assert.equal(await recoverStuckJobsAcrossNamespaces(database.db, 10, 0), 1);
    const again = await claimNextJobAcrossNamespaces(database.db, 'alive', 0);
    assert.deepEqual([again?.id, again?.attempt_count], [job.id, 2]);
    assert.equal(await store.finish(database.db, job.id, 'alive', { state: 'succeeded', message: 'Loaded 1 entities, removed 0' }), true);
    const row = await database.db.selectFrom('refresh_jobs').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
    assert.deepEqual([row.state, row.claimed_by, row.message], ['succeeded', 'alive', 'Loaded 1 entities, removed 0']);
  });

  test('retry backoff is min(B × 2^(k−1), 300) s × [0.8, 1.2] for k attempts made (05 §5.5, §11 #41)', async () => {
    const { job } = await enqueue('default', 'a');
    for (const [attempts, base] of [[1, 10], [2, 20], [3, 40], [5, 160], [6, 300], [9, 300]]) {
      await sql`UPDATE refresh_jobs SET state = 'running', claimed_by = 'r1', attempt_count = ${attempts}, max_attempts = 10 WHERE id = ${job.id}`.execute(database.db);
      assert.equal(await store.retry(job.id, 'r1', 'HTTP 503', 10), true);
      const { rows } = await sql<{ delay: number; message: string }>`
        SELECT EXTRACT(EPOCH FROM next_attempt_at - now())::float8 AS delay, message FROM refresh_jobs WHERE id = ${job.id}`.execute(database.db);
      const { delay, message } = rows[0];
      assert.ok(delay >= base * 0.8 - 1 && delay <= base * 1.2 + 1, `k=${attempts}: ${delay} s, expected ${base} s ± 20 %`);
      assert.equal(message, `Retry ${attempts + 1} of 10 scheduled: HTTP 503`);
    }
    await sql`UPDATE refresh_jobs SET state = 'running', claimed_by = 'r1', attempt_count = 1 WHERE id = ${job.id}`.execute(database.db);
    await store.retry(job.id, 'r1', 'HTTP 503', 0);
    assert.ok(await claimNextJobAcrossNamespaces(database.db, 'r1', 0), 'B = 0 retries immediately');
  });

  test('a healthy heartbeat keeps a long job; a follower skips singleton work (05 §5.7, §7.3)', async () => {
    await enqueue('default', 'a');
    const claimed = await claimNextJobAcrossNamespaces(database.db, 'r1', 0);
    assert.equal(await store.heartbeat(claimed!.id, 'r1', { phase: 'writing' }), true);
    assert.equal(await recoverStuckJobsAcrossNamespaces(database.db, 10, 0), 0);
    const follower = new JobMaintenance({
      db: database.db, databaseType: database.type, leadership: { runsSingletonTasks: () => false },
      claimTimeoutMinutes: 10, retentionDays: 7, retryBackoffSeconds: 0, log: pino({ level: 'silent' }), metrics: createMetrics(),
    });
    assert.equal(await follower.runOnce(), false);
  });

  test('retention deletes terminal jobs older than the retention only (05 §11 #47)', async () => {
    for (const id of ['a', 'b', 'c']) await enqueue('default', id);
    await sql`UPDATE refresh_jobs SET state = 'succeeded', finished_at = now() - interval '8 days' WHERE source_id = 'a'`.execute(database.db);
    await sql`UPDATE refresh_jobs SET state = 'failed', finished_at = now() - interval '1 day' WHERE source_id = 'b'`.execute(database.db);
    assert.equal(await deleteExpiredJobsAcrossNamespaces(database.db, 7, 1), 1);
    const left = await database.db.selectFrom('refresh_jobs').select('source_id').orderBy('source_id').execute();
    assert.deepEqual(left.map((r) => r.source_id), ['b', 'c']);
  });

  test('shutdown release puts the job back without consuming the attempt (05 §7.5)', async () => {
    const { job } = await enqueue('default', 'a');
    await claimNextJobAcrossNamespaces(database.db, 'r1', 0);
    await store.release(job.id, 'r1');
    const row = await database.db.selectFrom('refresh_jobs').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
    assert.equal(row.state, 'queued');
    assert.equal(row.attempt_count, 0);
  });

  test('concurrent claimers never take the same job (05 §5.4)', async () => {
    for (let i = 0; i < 30; i++) await enqueue('default', `s${i}`);
    const claimedBy = new Map<string, string>();
    await Promise.all(['r1', 'r2', 'r3'].map(async (me) => {
      for (;;) {
        const job = await claimNextJobAcrossNamespaces(database.db, me, 0);
        if (!job) return;
        assert.equal(claimedBy.has(job.id), false, `job ${job.id} claimed twice`);
        claimedBy.set(job.id, me);
      }
    }));
    assert.equal(claimedBy.size, 30);
  });
});
