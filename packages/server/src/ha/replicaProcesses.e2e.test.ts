import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { MIGRATION_ADVISORY_LOCK_ID } from '../db/migrationLock.js';
import { migrationProvider } from '../db/migrations/index.js';
import { ControlledOrigin } from '../testing/controlledOrigin.js';
import { createPostgresTestDatabase } from '../testing/databases.js';
import { awaitLeader, leaderElectionOf, logLines, metricOf, startReplicas, stopProcesses, until, type Replica } from '../testing/replicas.js';
import { runServerProcess, waitReady, type ServerProcess } from '../testing/serverProcess.js';
import { StallableProxy } from '../testing/stallableProxy.js';

/*
 * Three real server processes on one PostgreSQL database with the postgres (advisory lock) backend
 * of leader election, no Kubernetes (spec 05 §11 #52, #53, #54; upgrade guide "Step 4: Enable HA
 * Features"). One trio serves the scenarios in turn: one migration run, one leader, workers on all
 * three, singleton tasks on the leader only (the first runs come 60 s after leadership begins),
 * SIGKILL of the leader, SIGTERM of the leader while it runs a job, and a leader whose database
 * session stalls (each process reaches PostgreSQL through its own stallable TCP proxy).
 * Timings: the shortest the validation allows (duration 3 s > renew deadline 2 s > 1.2 × retry 1 s).
 */
const RENEW_DEADLINE_MS = 2_000;
const RETRY_PERIOD_MS = 1_000;
const M = '/api/mcp_catalog/v1alpha1/management';
const JOBS = '/api/jobs/v1alpha1/refresh';
const HELD_SOURCES = ['h0', 'h1', 'h2'];
const OLD_AUDIT_EVENTS = 3;

interface JobRow { id: string; state: string; claimed_by: string | null; attempt_count: number }

describe('three replica processes on one PostgreSQL database, postgres leader election', { skip: process.env.CATALOG_TEST_DATABASE_URL ? false : 'CATALOG_TEST_DATABASE_URL not set' }, () => {
  let database: { url: string; drop: () => Promise<void> };
  let admin: pg.Client;
  let dir: string;
  const origin = new ControlledOrigin();
  const proxies = new Map<string, StallableProxy>();
  const spawned: ServerProcess[] = [];
  let alive: Replica[] = [];

  const job = async (id: string) => (await admin.query<JobRow>('SELECT id, state, claimed_by, attempt_count FROM refresh_jobs WHERE id = $1', [id])).rows[0];
  async function enqueue(replica: Replica, sourceId: string): Promise<string> {
    const response = await fetch(`${replica.url}${M}/refresh/${sourceId}?force=true`, { method: 'POST' });
    assert.equal(response.status, 202);
    return ((await response.json()) as { jobId: string }).jobId;
  }
  const allRunning = (ids: string[]) => async () => (await Promise.all(ids.map(job))).every((j) => j.state === 'running');
  const allSucceeded = (ids: string[]) => async () => (await Promise.all(ids.map(job))).every((j) => j.state === 'succeeded');

  before(async () => {
    await origin.start();
    origin.body = 'mcpservers:\n  - {name: held-server, serverUrl: "https://held.example.com/mcp", deploymentMode: remote}\n';
    database = await createPostgresTestDatabase(undefined, 'catalog_replicas');
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    dir = mkdtempSync(join(tmpdir(), 'catalog-replicas-'));
    const sources = HELD_SOURCES.map((id) => `      - {id: ${id}, name: ${id}, type: http, properties: {url: "${origin.url}"}}`);
    writeFileSync(join(dir, 'sources.yaml'), `catalogs:\n  mcp:\n    sources:\n${sources.join('\n')}\n`);
    const target = new URL(database.url);
    for (const pod of ['pod-a', 'pod-b', 'pod-c']) proxies.set(pod, await new StallableProxy({ host: target.hostname, port: Number(target.port || 5432) }).start());
    // Started together while the test holds the migration lock, so all three contend for it as pods
    // do that start within one migration's duration (start-up skew on a busy machine exceeds that).
    await admin.query('SELECT pg_advisory_lock($1)', [MIGRATION_ADVISORY_LOCK_ID]);
    alive = await startReplicas([...proxies.keys()], (pod) => runServerProcess(
      ['--listen=127.0.0.1:0', '--db-type=postgres', `--db-dsn=${proxies.get(pod)!.dsn(database.url)}`, `--sources=${join(dir, 'sources.yaml')}`, '--config-store=file'],
      {
        POD_NAME: pod, CATALOG_LEADER_ELECTION_ENABLED: 'true', CATALOG_LEADER_ELECTION_BACKEND: 'postgres',
        CATALOG_LEADER_LEASE_DURATION: '3', CATALOG_LEADER_RENEW_DEADLINE: String(RENEW_DEADLINE_MS / 1000), CATALOG_LEADER_RETRY_PERIOD: String(RETRY_PERIOD_MS / 1000),
        // One worker each, so three held jobs occupy all three replicas.
        CATALOG_JOB_CONCURRENCY: '1', CATALOG_JOB_POLL_INTERVAL_SECONDS: '1', CATALOG_REFRESH_RATE_LIMIT_SECONDS: '0', CATALOG_SHUTDOWN_TIMEOUT_SECONDS: '1',
      },
    ), spawned);
    await until(async () => alive.every((r) => logLines(r, 'waiting for migration lock').length > 0), 60_000, 'every replica waits for the migration lock');
    await admin.query('SELECT pg_advisory_unlock($1)', [MIGRATION_ADVISORY_LOCK_ID]);
    await Promise.all(alive.map((r) => waitReady(r.url, 180_000)));
    // Expired audit events for the leader's first retention run, which comes 60 s after leadership began (#53).
    await admin.query(`INSERT INTO audit_events (id, namespace, event_type, actor, action, outcome, created_at)
      SELECT gen_random_uuid(), 'default', 'management', 'alice', 'tag', 'success', now() - interval '100 days' FROM generate_series(1, ${OLD_AUDIT_EVENTS})`);
  });

  after(async () => {
    origin.release();
    for (const proxy of proxies.values()) proxy.resume();
    await stopProcesses(spawned);
    for (const proxy of proxies.values()) await proxy.close();
    await origin.close();
    await admin?.end();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('all three wait for the migration lock, then the migrations run exactly once (05 §11 #9)', async () => {
    const applying = alive.filter((r) => r.process.stdout().includes('applying migrations'));
    assert.equal(applying.length, 1, alive.map((r) => `${r.pod}: ${r.process.stdout().slice(0, 2000)}`).join('\n'));
    const { rows } = await admin.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name');
    assert.deepEqual(rows.map((r) => r.name), Object.keys(await migrationProvider.getMigrations()).sort());
  });

  test('exactly one of three leads; the others follow and name it (05 §11 #52)', async () => {
    const { leader } = await awaitLeader(alive, 120_000);
    await new Promise((resolve) => setTimeout(resolve, 3 * RETRY_PERIOD_MS));
    const states = await Promise.all(alive.map(leaderElectionOf));
    assert.deepEqual(states.map((s) => s.status), alive.map((r) => (r === leader ? 'leader' : 'follower')));
    assert.equal(states[alive.indexOf(leader)].details, `leader is ${leader.pod} (postgres)`);
    assert.deepEqual(await Promise.all(alive.map((r) => metricOf(r, 'catalog_leader'))), alive.map((r) => (r === leader ? 1 : 0)));
  });

  test('job workers run on all three replicas (05 §11 #53)', async () => {
    origin.holding = true;
    const ids: string[] = [];
    for (const sourceId of HELD_SOURCES) ids.push(await enqueue(alive[0], sourceId));
    await until(allRunning(ids), 20_000, 'all three jobs running');
    // One worker per replica and three held jobs: each replica claimed exactly one.
    try {
      const claimedBy = (await Promise.all(ids.map(job))).map((j) => j.claimed_by).sort();
      assert.deepEqual(claimedBy, alive.map((r) => r.pod).sort());
      // A job row says running before its worker's log line has crossed the pipe to this process.
      const started = (r: (typeof alive)[number]) => logLines(r, 'refresh job started').filter((l) => ids.includes(String(l.jobId))).length;
      await until(async () => alive.every((r) => started(r) > 0), 5_000, 'each replica logged its job start');
      for (const r of alive) assert.equal(started(r), 1, r.pod);
    } finally {
      // Released even when an assertion failed, so later tests do not find the origin still holding.
      origin.release();
    }
    await until(allSucceeded(ids), 30_000, 'all three jobs succeeded');
  });

  test('audit retention and job maintenance run only on the leader (05 §11 #53)', { timeout: 120_000 }, async () => {
    const { leader } = await awaitLeader(alive, 5_000);
    const followers = alive.filter((r) => r !== leader);
    // The first runs come 60 s after leadership began (retention) and after the start (maintenance).
    await until(async () => logLines(leader, 'audit retention deleted expired events').length > 0 && logLines(leader, 'refresh job retention run').length > 0, 90_000, 'the leader\'s first runs');
    assert.equal((await leaderElectionOf(leader)).status, 'leader', 'leadership did not move meanwhile');
    assert.equal(logLines(leader, 'audit retention deleted expired events')[0].deleted, OLD_AUDIT_EVENTS);
    assert.equal(Number((await admin.query("SELECT count(*) AS n FROM audit_events WHERE created_at < now() - interval '90 days'")).rows[0].n), 0);
    assert.equal(await metricOf(leader, 'catalog_audit_retention_runs_total'), 1);
    assert.ok((await metricOf(leader, 'catalog_job_maintenance_runs_total')) >= 1);
    for (const follower of followers) {
      assert.doesNotMatch(follower.process.stdout(), /audit retention|refresh job retention run|recovered stuck refresh jobs|job maintenance/, follower.pod);
      assert.equal(await metricOf(follower, 'catalog_audit_retention_runs_total'), 0, follower.pod);
      assert.equal(await metricOf(follower, 'catalog_job_maintenance_runs_total'), 0, follower.pod);
    }
  });

  test('SIGKILL of the leader: another replica leads within 20 s (05 §11 #52)', async () => {
    const { leader } = await awaitLeader(alive, 5_000);
    const killedAt = Date.now();
    leader.process.child.kill('SIGKILL');
    await leader.process.exit;
    alive = alive.filter((r) => r !== leader);
    await awaitLeader(alive, 20_000);
    const took = Date.now() - killedAt;
    assert.ok(took < 20_000, `took ${took} ms`);
  });

  test('SIGTERM of the leader while it runs a job past the shutdown timeout: the other leads within 5 s; the job is back in queued with its attemptCount and completes on the other replica (05 §11 #52, #54)', async () => {
    const { leader } = await awaitLeader(alive, 5_000);
    const [other] = alive.filter((r) => r !== leader);
    origin.holding = true;
    const ids = [await enqueue(other, 'h0'), await enqueue(other, 'h1')];
    await until(allRunning(ids), 20_000, 'both jobs running');
    const interrupted = (await Promise.all(ids.map(job))).find((j) => j.claimed_by === leader.pod)!;
    assert.ok(interrupted, 'the leader runs one of the two jobs');
    assert.equal(interrupted.attempt_count, 1);

    const stoppedAt = Date.now();
    leader.process.child.kill('SIGTERM');
    alive = [other];
    await awaitLeader(alive, 5_000);
    const took = Date.now() - stoppedAt;
    assert.ok(took < 5_000, `took ${took} ms`);
    assert.equal(await leader.process.exit, 0);
    assert.equal(logLines(leader, 'refresh job released at shutdown').filter((l) => l.jobId === interrupted.id).length, 1);
    // The other replica's one worker still holds its own job, so the released one waits in the queue.
    const requeued = await job(interrupted.id);
    assert.deepEqual({ state: requeued.state, claimedBy: requeued.claimed_by, attemptCount: requeued.attempt_count }, { state: 'queued', claimedBy: null, attemptCount: 0 });

    origin.release();
    await until(allSucceeded(ids), 30_000, 'both jobs succeeded');
    const done = await job(interrupted.id);
    assert.equal(done.attempt_count, 1, 'the interrupted attempt did not count');
    const api = (await (await fetch(`${other.url}${JOBS}/${interrupted.id}`)).json()) as { state: string; attemptCount: number };
    assert.deepEqual([api.state, api.attemptCount], ['succeeded', 1]);
    assert.equal(logLines(other, 'refresh job started').filter((l) => l.jobId === interrupted.id).length, 1, 'completed by the other replica');
  });

  test('a leader whose lock session stalls past the renew deadline stops leading, campaigns, and leads again once the database answers (05 §11 #52)', async () => {
    const [survivor] = alive;
    assert.equal((await leaderElectionOf(survivor)).status, 'leader');
    const proxy = proxies.get(survivor.pod)!;
    const stoppedBefore = logLines(survivor, 'stopped leading').length;
    const becameBefore = logLines(survivor, 'became leader').length;
    proxy.stall();
    try {
      const stalledAt = Date.now();
      await until(async () => (await leaderElectionOf(survivor)).status === 'follower', 15_000, 'step down');
      const took = Date.now() - stalledAt;
      assert.ok(took >= RENEW_DEADLINE_MS - 1.2 * RETRY_PERIOD_MS, `stepped down after ${took} ms`);
      assert.equal(logLines(survivor, 'stopped leading').length, stoppedBefore + 1);
      assert.equal(await metricOf(survivor, 'catalog_leader'), 0);
      // Campaigning: it keeps trying to open a new lock session while the database does not answer.
      const attempts = () => logLines(survivor, 'leader lock attempt failed').length;
      const failedBefore = attempts();
      await until(async () => attempts() >= failedBefore + 2, 10_000, 'further campaign attempts');
    } finally {
      proxy.resume();
    }
    await until(async () => (await leaderElectionOf(survivor)).status === 'leader', 15_000, 'leading again');
    assert.equal(logLines(survivor, 'became leader').length, becameBefore + 1);
    assert.equal(await metricOf(survivor, 'catalog_leader'), 1);
  });
});
