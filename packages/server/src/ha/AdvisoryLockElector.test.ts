import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import pg from 'pg';
import { MIGRATION_ADVISORY_LOCK_ID } from '../db/migrationLock.js';
import { AdvisoryLockElector, leaderLockKey } from './AdvisoryLockElector.js';

const TIMINGS = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 };
const quiet = { info: () => undefined, warn: () => undefined };
const url = process.env.CATALOG_TEST_DATABASE_URL;

async function until(condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}

test('the lock key is the CRC-32 of catalog-server-leader/<lease name>', () => {
  // The same construction as the migration lock id.
  assert.equal(leaderLockKey('catalog-server-leader'), crc32('catalog-server-leader/catalog-server-leader'));
  assert.equal(crc32('catalog-server-migration'), MIGRATION_ADVISORY_LOCK_ID);
  assert.notEqual(leaderLockKey('a'), leaderLockKey('b'));
});

describe('PostgreSQL advisory-lock leader election', { skip: url ? false : 'CATALOG_TEST_DATABASE_URL is not set' }, () => {
  let admin: pg.Client;
  before(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  after(() => admin.end());

  // A fresh lock name per test: the PostgreSQL server is shared with other test runs.
  const electors = (count: number) => {
    const leaseName = `test-${randomBytes(4).toString('hex')}`;
    return Array.from({ length: count }, (_, i) => new AdvisoryLockElector({ connection: { connectionString: url, application_name: `elector-${leaseName}-${i}` }, leaseName, identity: `replica-${i}`, log: quiet, ...TIMINGS }));
  };

  test('exactly one of three leads; a gracefully stopped leader hands over within a retry period', async () => {
    const all = electors(3);
    all.forEach((e) => e.start());
    try {
      await until(() => all.some((e) => e.runsSingletonTasks()), 3_000);
      await new Promise((resolve) => setTimeout(resolve, 4 * TIMINGS.retryPeriodMs));
      const leaders = all.filter((e) => e.runsSingletonTasks());
      assert.equal(leaders.length, 1);
      assert.equal(leaders[0].status().status, 'leader');
      assert.equal(all.find((e) => !e.runsSingletonTasks())!.status().status, 'follower');
      await leaders[0].stop();
      const took = await until(() => all.filter((e) => e.runsSingletonTasks()).length === 1, 2_000);
      assert.ok(took < TIMINGS.leaseDurationMs, `took ${took} ms`);
    } finally {
      await Promise.all(all.map((e) => e.stop()));
    }
  });

  test('a killed leader session (terminated backend) loses the lock and another replica leads', async () => {
    const all = electors(2);
    all.forEach((e) => e.start());
    try {
      await until(() => all.some((e) => e.runsSingletonTasks()), 3_000);
      const leader = all.find((e) => e.runsSingletonTasks())!;
      const other = all.find((e) => e !== leader)!;
      const index = all.indexOf(leader);
      const { rows } = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name LIKE $1`, [`elector-%-${index}`]);
      const leaderPids = rows.map((r) => r.pid);
      // The lock went with the session: the old leader steps down at once, never alongside the new one.
      let overlap = false;
      const watch = setInterval(() => {
        if (leader.runsSingletonTasks() && other.runsSingletonTasks()) overlap = true;
      }, 5);
      try {
        await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [leaderPids]);
        const stepDown = await until(() => !leader.runsSingletonTasks(), TIMINGS.renewDeadlineMs + 2_000);
        assert.ok(stepDown < TIMINGS.renewDeadlineMs, `stepped down after ${stepDown} ms`);
        await until(() => other.runsSingletonTasks(), TIMINGS.renewDeadlineMs + 2_000);
      } finally {
        clearInterval(watch);
      }
      assert.equal(overlap, false, 'two leaders at once');
    } finally {
      await Promise.all(all.map((e) => e.stop()));
    }
  });
});
