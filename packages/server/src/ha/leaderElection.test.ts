import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeKube, type FakeKube } from '@catalog/fake-kube';
import { startTestServer, type TestServer } from '../testing/testServer.js';

async function leaderElection(t: TestServer): Promise<{ status: string; details?: string }> {
  return JSON.parse((await t.inject('/readyz')).body).components.leader_election;
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - started;
}

describe('leader election in /readyz and the server lifecycle', () => {
  test('off by default: not_configured, and the gauge stays 0', async () => {
    const t = await startTestServer({ kind: 'pglite' });
    try {
      const readyz = await t.inject('/readyz');
      assert.equal(readyz.statusCode, 200);
      assert.deepEqual(JSON.parse(readyz.body).components.leader_election, { status: 'not_configured' });
      assert.match((await t.inject('/metrics')).body, /^catalog_leader 0$/m);
    } finally {
      await t.close();
    }
  });

  test('postgres backend on PGlite: the single process always leads', async () => {
    const t = await startTestServer({ kind: 'pglite', env: { CATALOG_LEADER_ELECTION_ENABLED: 'true', CATALOG_LEADER_ELECTION_BACKEND: 'postgres', POD_NAME: 'solo' } });
    try {
      assert.deepEqual(await leaderElection(t), { status: 'leader', details: 'leader is solo (postgres)' });
    } finally {
      await t.close();
    }
  });

  describe('lease backend, two servers', () => {
    let kube: FakeKube;
    const servers: TestServer[] = [];
    const env = (pod: string) => ({
      CATALOG_LEADER_ELECTION_ENABLED: 'true', POD_NAME: pod, POD_NAMESPACE: 'catalog-ha',
      CATALOG_LEADER_LEASE_DURATION: '3', CATALOG_LEADER_RENEW_DEADLINE: '2', CATALOG_LEADER_RETRY_PERIOD: '1',
    });
    before(async () => {
      kube = await startFakeKube();
      for (const pod of ['pod-a', 'pod-b']) servers.push(await startTestServer({ kind: 'pglite', env: { ...env(pod), KUBECONFIG: kube.kubeconfigPath } }));
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.close()));
      await kube.close();
    });

    test('one leads, the other follows and names it; a SIGTERM-style close hands over within 5 s', async () => {
      await until(async () => (await Promise.all(servers.map(leaderElection))).some((c) => c.status === 'leader'), 5_000);
      const states = await Promise.all(servers.map(leaderElection));
      assert.equal(states.filter((c) => c.status === 'leader').length, 1);
      const leaderIndex = states.findIndex((c) => c.status === 'leader');
      const leaderPod = `pod-${'ab'[leaderIndex]}`;
      assert.deepEqual(states[1 - leaderIndex], { status: 'follower', details: `leader is ${leaderPod} (lease)` });
      assert.match((await servers[leaderIndex].inject('/metrics')).body, /^catalog_leader 1$/m);
      assert.equal(kube.requests.filter((r) => r.path.startsWith('/apis/coordination.k8s.io/v1/namespaces/catalog-ha/leases')).length > 0, true);
      assert.ok(servers[leaderIndex].logs.some((l) => l.msg === 'became leader' && l.identity === leaderPod && l.backend === 'lease'));

      const [leader] = servers.splice(leaderIndex, 1);
      await leader.close();
      const took = await until(async () => (await leaderElection(servers[0])).status === 'leader', 5_000);
      assert.ok(took < 5_000);
    });
  });
});
