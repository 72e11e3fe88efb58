import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { migrationProvider } from '../db/migrations/index.js';
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

describe('three replica processes on one PostgreSQL database', { skip: process.env.CATALOG_TEST_DATABASE_URL ? false : 'CATALOG_TEST_DATABASE_URL not set' }, () => {
  let database: { url: string; drop: () => Promise<void> };
  const replicas: Replica[] = [];

  before(async () => {
    database = await createPostgresTestDatabase(undefined, 'catalog_replicas');
    const env = (pod: string) => ({
      CATALOG_LEADER_ELECTION_ENABLED: 'true', CATALOG_LEADER_ELECTION_BACKEND: 'postgres', POD_NAME: pod,
      CATALOG_LEADER_LEASE_DURATION: String(LEASE_SECONDS), CATALOG_LEADER_RENEW_DEADLINE: '2', CATALOG_LEADER_RETRY_PERIOD: String(RETRY_SECONDS),
    });
    // Started together, so all three race for the migration lock on an empty database.
    const started = ['pod-a', 'pod-b', 'pod-c'].map((pod) => ({ pod, process: runServerProcess(['--listen=127.0.0.1:0', '--db-type=postgres', `--db-dsn=${database.url}`], env(pod)) }));
    for (const { pod, process } of started) replicas.push({ pod, process, url: await listeningUrl(process) });
    await Promise.all(replicas.map((r) => waitReady(r.url, 60_000)));
  });

  after(async () => {
    for (const r of replicas) if (r.process.child.exitCode === null) r.process.child.kill('SIGTERM');
    await Promise.all(replicas.map((r) => r.process.exit));
    await database?.drop();
  });

  test('the migrations run exactly once', async () => {
    const applying = replicas.filter((r) => r.process.stdout().includes('applying migrations'));
    assert.equal(applying.length, 1, replicas.map((r) => `${r.pod}: ${r.process.stdout().slice(0, 2000)}`).join('\n'));
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
