import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFakeKube, type FakeKube } from '@catalog/fake-kube';
import { createPostgresTestDatabase } from '../testing/databases.js';
import { awaitLeader, leaderElectionOf, logLines, metricOf, startReplicas, stopProcesses, until, type Replica } from '../testing/replicas.js';
import { runServerProcess, type ServerProcess } from '../testing/serverProcess.js';

/*
 * Spec 05 §11 #51: the Lease backend with three real server processes and the fake Kubernetes API
 * server. One trio serves every scenario in turn (3 → SIGKILL → 2 → SIGTERM → 1 → Lease fault), with
 * the shortest timings the validation allows (duration 3 s > renew deadline 2 s > 1.2 × retry 1 s).
 * On PostgreSQL when CATALOG_TEST_DATABASE_URL is set (one shared database, as deployed); otherwise
 * each process has its own in-memory PGlite, which the Lease election does not depend on.
 */
const NAMESPACE = 'catalog-ha';
const LEASE = 'catalog-server-leader';
const LEASE_PATH = `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/${LEASE}`;
const RENEW_DEADLINE_MS = 2_000;
const RETRY_PERIOD_MS = 1_000;

interface LeaseSpec { holderIdentity: string; leaseDurationSeconds: number; leaseTransitions: number }

describe('Lease leader election across three server processes (05 §11 #51)', () => {
  let kube: FakeKube;
  let dir: string;
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let alive: Replica[] = [];
  const spawned: ServerProcess[] = [];
  const lease = () => kube.get('leases', NAMESPACE, LEASE)?.spec as LeaseSpec | undefined;

  before(async () => {
    kube = await startFakeKube();
    dir = mkdtempSync(join(tmpdir(), 'catalog-lease-'));
    writeFileSync(join(dir, 'sources.yaml'), 'catalogs: {}\n');
    if (process.env.CATALOG_TEST_DATABASE_URL) database = await createPostgresTestDatabase(undefined, 'catalog_lease');
    const storage = database ? ['--db-type=postgres', `--db-dsn=${database.url}`] : ['--data-dir=memory://'];
    alive = await startReplicas(['lease-a', 'lease-b', 'lease-c'], (pod) => runServerProcess(
      ['--listen=127.0.0.1:0', ...storage, `--sources=${join(dir, 'sources.yaml')}`, '--config-store=file'],
      {
        KUBECONFIG: kube.kubeconfigPath, POD_NAME: pod, POD_NAMESPACE: NAMESPACE, CATALOG_LEADER_ELECTION_ENABLED: 'true',
        CATALOG_LEADER_LEASE_DURATION: '3', CATALOG_LEADER_RENEW_DEADLINE: String(RENEW_DEADLINE_MS / 1000), CATALOG_LEADER_RETRY_PERIOD: String(RETRY_PERIOD_MS / 1000),
      },
    ), spawned);
  });

  after(async () => {
    await stopProcesses(spawned);
    await kube?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('exactly one of three leads; the others follow and name it; the Lease and the gauges agree', async () => {
    const { leader } = await awaitLeader(alive, 120_000);
    // Several retry periods later it is still the one leader.
    await new Promise((resolve) => setTimeout(resolve, 3 * RETRY_PERIOD_MS));
    const states = await Promise.all(alive.map(leaderElectionOf));
    assert.deepEqual(states, alive.map((r) => (r === leader ? { status: 'leader', details: `leader is ${leader.pod} (lease)` } : { status: 'follower', details: `leader is ${leader.pod} (lease)` })));
    assert.equal(lease()?.holderIdentity, leader.pod);
    assert.deepEqual(await Promise.all(alive.map((r) => metricOf(r, 'catalog_leader'))), alive.map((r) => (r === leader ? 1 : 0)));
    assert.deepEqual(logLines(leader, 'became leader').map((l) => [l.identity, l.backend]), [[leader.pod, 'lease']]);
  });

  test('SIGKILL of the leader: another replica leads within 20 s, taking the Lease over', async () => {
    const { leader } = await awaitLeader(alive, 5_000);
    const transitions = lease()!.leaseTransitions;
    const killedAt = Date.now();
    leader.process.child.kill('SIGKILL');
    await leader.process.exit;
    alive = alive.filter((r) => r !== leader);
    const { leader: next } = await awaitLeader(alive, 20_000);
    const took = Date.now() - killedAt;
    assert.ok(took < 20_000, `took ${took} ms`);
    assert.equal(lease()?.holderIdentity, next.pod);
    assert.equal(lease()?.leaseTransitions, transitions + 1);
  });

  test('SIGTERM of the leader releases the Lease: the other replica leads within 5 s', async () => {
    const { leader } = await awaitLeader(alive, 5_000);
    const seen = kube.requests.length;
    const stoppedAt = Date.now();
    leader.process.child.kill('SIGTERM');
    alive = alive.filter((r) => r !== leader);
    const { leader: next } = await awaitLeader(alive, 5_000);
    const took = Date.now() - stoppedAt;
    assert.ok(took < 5_000, `took ${took} ms`);
    assert.equal(await leader.process.exit, 0);
    const released = kube.requests.slice(seen).filter((r) => r.method === 'PUT' && r.path === LEASE_PATH && (r.body as { spec: LeaseSpec }).spec.holderIdentity === '');
    assert.equal(released.length, 1, 'the stopping leader released the Lease');
    assert.equal((released[0].body as { spec: LeaseSpec }).spec.leaseDurationSeconds, 1);
    assert.equal(lease()?.holderIdentity, next.pod);
  });

  test('a leader whose Lease updates fail past the renew deadline stops leading, campaigns, and leads again once they succeed', async () => {
    const [survivor] = alive;
    assert.equal((await leaderElectionOf(survivor)).status, 'leader');
    const stoppedBefore = logLines(survivor, 'stopped leading').length;
    kube.setFault({ method: 'PUT', pathPrefix: LEASE_PATH, status: 500 });
    try {
      const faultAt = Date.now();
      await until(async () => (await leaderElectionOf(survivor)).status === 'follower', 15_000, 'step down');
      const took = Date.now() - faultAt;
      // It kept leading while the deadline had not passed since its last renewal (at most one jittered retry period before the fault).
      assert.ok(took >= RENEW_DEADLINE_MS - 1.2 * RETRY_PERIOD_MS, `stepped down after ${took} ms`);
      assert.equal(await metricOf(survivor, 'catalog_leader'), 0);
      assert.equal(logLines(survivor, 'stopped leading').length, stoppedBefore + 1);
      // Still campaigning: it keeps trying to write the Lease while the fault lasts.
      const attempts = () => kube.requests.filter((r) => r.method === 'PUT' && r.path === LEASE_PATH).length;
      const attemptsBefore = attempts();
      await until(async () => attempts() >= attemptsBefore + 2, 10_000, 'further campaign attempts');
      assert.equal((await leaderElectionOf(survivor)).status, 'follower');
    } finally {
      kube.setFault(null);
    }
    await until(async () => (await leaderElectionOf(survivor)).status === 'leader', 10_000, 'leading again');
    assert.equal(await metricOf(survivor, 'catalog_leader'), 1);
    assert.equal(lease()?.holderIdentity, survivor.pod);
  });
});
