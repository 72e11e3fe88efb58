import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, beforeEach, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { crc32 } from 'node:zlib';
import { createMetrics } from '../metrics/metrics.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../testing/databases.js';
import { AuditRecorder } from './AuditRecorder.js';
import { AuditRetention, auditRetentionDays, type Scheduler } from './AuditRetention.js';

const DAY = 24 * 60 * 60 * 1000;

/** Timers that fire only when the test advances the clock. */
class TestScheduler implements Scheduler {
  private time = Date.now();
  private timers = new Map<number, { at: number; callback: () => void }>();
  private next = 1;
  now = () => this.time;
  setTimeout = (callback: () => void, ms: number) => {
    const handle = this.next++;
    this.timers.set(handle, { at: this.time + ms, callback });
    return handle;
  };
  clearTimeout = (handle: unknown) => {
    this.timers.delete(handle as number);
  };
  /** Moves the clock forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = end;
  }
}

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

test('retention days: the variable wins, then governance when > 0, then 90', () => {
  assert.equal(auditRetentionDays(7, 30), 7);
  assert.equal(auditRetentionDays(0, 30), 0);
  assert.equal(auditRetentionDays(null, 30), 30);
  assert.equal(auditRetentionDays(null, 0), 90);
  assert.equal(auditRetentionDays(null, null), 90);
});

describeEachDatabase('audit retention', (kind) => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase(kind);
  });
  after(() => database.close());
  beforeEach(async () => {
    await database.db.deleteFrom('audit_events').execute();
  });

  async function insertAged(count: number, ageMs: number, namespace: string) {
    await sql`
      INSERT INTO audit_events (id, namespace, event_type, actor, action, outcome, created_at)
      SELECT gen_random_uuid(), ${namespace}, 'management', 'alice', 'tag', 'success', now() - ${`${ageMs} milliseconds`}::interval
      FROM generate_series(1, ${count})`.execute(database.db);
  }
  const count = async () => Number((await database.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  function retention(days: number, leading: { value: boolean } = { value: true }) {
    const scheduler = new TestScheduler();
    const { log, lines } = capturingLogger();
    const task = new AuditRetention({
      database, leadership: { runsSingletonTasks: () => leading.value }, retentionDays: () => days, log, metrics: createMetrics(), scheduler,
    });
    return { task, scheduler, lines };
  }

  test('the first run comes 60 s after singleton tasks start, deletes expired events of every namespace in batches of 5000, keeps newer ones', async () => {
    await insertAged(12_001, 2 * DAY, 'team-a');
    await insertAged(3, 2 * DAY, 'team-b');
    await insertAged(5, DAY / 2, 'team-a');
    const { task, scheduler, lines } = retention(1);
    task.start();
    scheduler.advance(59_000);
    await task.idle();
    assert.equal(await count(), 12_009, 'nothing runs before 60 s');
    scheduler.advance(1_000);
    await task.idle();
    assert.equal(await count(), 5);
    const done = lines.filter((l) => l.msg === 'audit retention deleted expired events');
    assert.equal(done.length, 1);
    assert.equal(done[0].deleted, 12_004);
    // Then every 24 h.
    await insertAged(2, 3 * DAY, 'team-a');
    scheduler.advance(DAY - 1);
    await task.idle();
    assert.equal(await count(), 7);
    scheduler.advance(1);
    await task.idle();
    assert.equal(await count(), 0, 'a day later the half-day-old events have expired as well');
    await task.stop();
  });

  test('0 days deletes nothing; a replica not running singleton tasks never runs', async () => {
    await insertAged(4, 400 * DAY, 'default');
    const disabled = retention(0);
    disabled.task.start();
    disabled.scheduler.advance(60_000);
    await disabled.task.idle();
    assert.equal(await count(), 4);
    await disabled.task.stop();

    const leading = { value: false };
    const follower = retention(1, leading);
    follower.task.start();
    follower.scheduler.advance(2 * DAY);
    await follower.task.idle();
    assert.equal(await count(), 4);
    leading.value = true;
    follower.scheduler.advance(1_000 + 59_000);
    await follower.task.idle();
    assert.equal(await count(), 4, 'the countdown starts when leadership begins');
    follower.scheduler.advance(1_000);
    await follower.task.idle();
    assert.equal(await count(), 0);
    await follower.task.stop();
  });

  if (kind === 'postgres') {
    test('a run is skipped while another replica holds the task lock', async () => {
      await insertAged(2, 10 * DAY, 'default');
      const other = new pg.Client({ connectionString: database.url });
      await other.connect();
      try {
        await other.query('SELECT pg_advisory_lock($1)', [crc32('catalog-server-task/audit-retention')]);
        const { task } = retention(1);
        assert.equal(await task.runOnce(), null);
        assert.equal(await count(), 2);
        await other.query('SELECT pg_advisory_unlock_all()');
        assert.equal(await task.runOnce(), 2);
      } finally {
        await other.end();
      }
    });
  }

  test('system events: actor system, no request fields, inside a transaction they roll back with it', async () => {
    const { log } = capturingLogger();
    const recorder = new AuditRecorder({ database, settings: { enabled: true, logDenied: true }, metrics: createMetrics(), log });
    await recorder.writeSystemEvent({ namespace: 'team-a', eventType: 'config.external_change', action: 'external-change', plugin: 'mcp', resourceIds: ['src'], newValue: { properties: { token: 'x', content: 'abc' } } });
    await database.db.transaction().execute(async (trx) => {
      await recorder.writeSystemEvent({ namespace: 'team-a', eventType: 'governance.approval.expired', action: 'approval.expire', resourceIds: ['ap-1'] }, trx);
    });
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await recorder.writeSystemEvent({ namespace: 'team-a', eventType: 'governance.approval.expired', action: 'approval.expire', resourceIds: ['ap-2'] }, trx);
        throw new Error('the change failed');
      }),
      /the change failed/,
    );
    const rows = await database.db.selectFrom('audit_events').selectAll().orderBy('created_at').execute();
    const expired = rows.filter((r) => r.event_type === 'governance.approval.expired');
    assert.deepEqual(expired.map((r) => r.resource_ids), [['ap-1']]);
    const external = rows.find((r) => r.event_type === 'config.external_change')!;
    assert.deepEqual([external.actor, external.request_id, external.status_code, external.outcome], ['system', null, null, 'success']);
    assert.deepEqual(external.new_value, { properties: { token: '***REDACTED***', content: `sha256:${'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'}` } });
    const disabled = new AuditRecorder({ database, settings: { enabled: false, logDenied: true }, metrics: createMetrics(), log });
    await disabled.writeSystemEvent({ namespace: 'team-a', eventType: 'config.external_change', action: 'external-change' });
    assert.equal((await database.db.selectFrom('audit_events').selectAll().execute()).length, rows.length);
  });
});
