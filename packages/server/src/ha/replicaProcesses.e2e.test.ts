import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { migrationProvider } from '../db/migrations/index.js';
import { MIGRATION_ADVISORY_LOCK_ID } from '../db/migrationLock.js';
import { createPostgresTestDatabase } from '../testing/databases.js';
import { listeningUrl, runServerProcess, waitReady, type ServerProcess } from '../testing/serverProcess.js';

/*
 * Three real server processes on one PostgreSQL database (upgrade guide "Step 4: Enable HA
 * Features"; spec 05 §7). Job fan-out across replicas is covered in jobs/multiReplica.test.ts;
 * this file covers what only separate processes show: one migration run and a crash of the leader.
 */
const LEASE_SECONDS = 3;
const RETRY_SECONDS = 1;

interface Replica {
  pod: string;
  process: ServerProcess;
  url: string;
}

async function leaderElection(url: string): Promise<{ status: string; details?: string }> {
  const readyz = (await (await fetch(`${url}/readyz`)).json()) as { components: { leader_election: { status: string; details?: string } } };
  return readyz.components.leader_election;
}

async function leaderGauge(url: string): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const line = metrics.split('\n').find((l) => l.startsWith('catalog_leader '));
  return Number(line?.split(' ')[1]);
}

const WAITING = '"msg":"waiting for migration lock"';

/**
 * Starts three replicas together on one database while the test holds the migration lock, so all
 * three contend for it as pods do that start within one migration's duration (process start-up skew
 * on a busy machine exceeds a migration's duration, so an unheld start rarely overlaps); once each
 * has logged that it waits, `release` lets them race, and they must all become ready.
 */
async function startContending(url: string, env: (pod: string) => Record<string, string>, release: () => Promise<void>): Promise<Replica[]> {
  const started = ['pod-a', 'pod-b', 'pod-c'].map((pod) => ({ pod, process: runServerProcess(['--listen=127.0.0.1:0', '--db-type=postgres', `--db-dsn=${url}`], env(pod)) }));
  const replicas: Replica[] = [];
  // Three processes loading at once on a busy machine may take well over the default 20 s to listen.
  for (const { pod, process } of started) replicas.push({ pod, process, url: await listeningUrl(process, 60_000) });
  const deadline = Date.now() + 60_000;
  while (!replicas.every((r) => r.process.stdout().includes(WAITING))) {
    if (Date.now() > deadline) throw new Error(`not every replica waits for the migration lock:\n${replicas.map((r) => `${r.pod}: ${r.process.stdout().slice(-1500)}`).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await release();
  await Promise.all(replicas.map((r) => waitReady(r.url, 60_000)));
  return replicas;
}

async function withClient<T>(url: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

describe('three replica processes on one PostgreSQL database', { skip: process.env.CATALOG_TEST_DATABASE_URL ? false : 'CATALOG_TEST_DATABASE_URL not set' }, () => {
  let database: { url: string; drop: () => Promise<void> };
  let replicas: Replica[] = [];

  before(async () => {
    database = await createPostgresTestDatabase(undefined, 'catalog_replicas');
    const env = (pod: string) => ({
      CATALOG_LEADER_ELECTION_ENABLED: 'true', CATALOG_LEADER_ELECTION_BACKEND: 'postgres', POD_NAME: pod,
      CATALOG_LEADER_LEASE_DURATION: String(LEASE_SECONDS), CATALOG_LEADER_RENEW_DEADLINE: '2', CATALOG_LEADER_RETRY_PERIOD: String(RETRY_SECONDS),
    });
    // The lock is held on the advisory id by a session of the test until all three wait.
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_ADVISORY_LOCK_ID]);
    replicas = await startContending(database.url, env, async () => {
      await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_ADVISORY_LOCK_ID]);
      await holder.end();
    });
  });

  after(async () => {
    for (const r of replicas) if (r.process.child.exitCode === null) r.process.child.kill('SIGTERM');
    await Promise.all(replicas.map((r) => r.process.exit));
    await database?.drop();
  });

  test('all three wait for the lock, then the migrations run exactly once (05 §11 #9)', async () => {
    const applying = replicas.filter((r) => r.process.stdout().includes('applying migrations'));
    assert.equal(applying.length, 1, replicas.map((r) => `${r.pod}: ${r.process.stdout().slice(0, 2000)}`).join('\n'));
    for (const r of replicas) assert.ok(r.process.stdout().includes(WAITING), `${r.pod} logged that it waits`);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name');
      const expected = Object.keys(await migrationProvider.getMigrations()).sort();
      assert.deepEqual(rows.map((r) => r.name), expected);
    } finally {
      await client.end();
    }
  });

  test('SIGKILL of the leader: another replica leads within lease duration + retry period', async () => {
    const states = await Promise.all(replicas.map((r) => leaderElection(r.url)));
    assert.equal(states.filter((s) => s.status === 'leader').length, 1, JSON.stringify(states));
    const leaderIndex = states.findIndex((s) => s.status === 'leader');
    assert.equal(await leaderGauge(replicas[leaderIndex].url), 1);
    const [leader] = replicas.splice(leaderIndex, 1);
    for (const r of replicas) assert.equal(await leaderGauge(r.url), 0);

    const killedAt = Date.now();
    leader.process.child.kill('SIGKILL');
    await leader.process.exit;
    let took = Infinity;
    while (Date.now() - killedAt < 15_000) {
      const now = await Promise.all(replicas.map((r) => leaderElection(r.url)));
      if (now.some((s) => s.status === 'leader')) {
        took = Date.now() - killedAt;
        assert.equal(now.filter((s) => s.status === 'leader').length, 1);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(took <= (LEASE_SECONDS + RETRY_SECONDS) * 1000, `took ${took} ms`);
    const gauges = await Promise.all(replicas.map((r) => leaderGauge(r.url)));
    assert.deepEqual(gauges.sort(), [0, 1]);
  });
});

describe('three replica processes, table migration lock, stale lock row (05 §11 #9)', { skip: process.env.CATALOG_TEST_DATABASE_URL ? false : 'CATALOG_TEST_DATABASE_URL not set' }, () => {
  let database: { url: string; drop: () => Promise<void> };
  let replicas: Replica[] = [];

  before(async () => {
    database = await createPostgresTestDatabase(undefined, 'catalog_table_lock');
    // Another pod holds the table lock (the table is created IF NOT EXISTS by every taker) ...
    await withClient(database.url, async (client) => {
      await client.query('CREATE TABLE migration_lock (id TEXT PRIMARY KEY, locked_at TIMESTAMPTZ NOT NULL, locked_by TEXT NOT NULL)');
      await client.query("INSERT INTO migration_lock VALUES ('migration', now(), 'crashed-pod')");
    });
    const env = (pod: string) => ({ CATALOG_MIGRATION_LOCK_BACKEND: 'table', CATALOG_MIGRATION_LOCK_TIMEOUT_SECONDS: '120', POD_NAME: pod });
    // ... and crashed: its row ages past the 5-minute stale window without a heartbeat.
    replicas = await startContending(database.url, env, () =>
      withClient(database.url, async (client) => {
        await client.query("UPDATE migration_lock SET locked_at = now() - interval '6 minutes' WHERE id = 'migration'");
      }));
  });

  after(async () => {
    for (const r of replicas) if (r.process.child.exitCode === null) r.process.child.kill('SIGTERM');
    await Promise.all(replicas.map((r) => r.process.exit));
    await database?.drop();
  });

  test('the stale row is removed and the lock acquired; one replica applies the migrations, all become ready', async () => {
    const applying = replicas.filter((r) => r.process.stdout().includes('applying migrations'));
    assert.equal(applying.length, 1, replicas.map((r) => `${r.pod}: ${r.process.stdout().slice(0, 2000)}`).join('\n'));
    for (const r of replicas) assert.equal((await fetch(`${r.url}/readyz`)).status, 200, r.pod);
    await withClient(database.url, async (client) => {
      // Every holder released its own row; the crashed pod's row is gone.
      assert.deepEqual((await client.query('SELECT locked_by FROM migration_lock')).rows, []);
      const { rows } = await client.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name');
      assert.deepEqual(rows.map((r) => r.name), Object.keys(await migrationProvider.getMigrations()).sort());
    });
  });
});
