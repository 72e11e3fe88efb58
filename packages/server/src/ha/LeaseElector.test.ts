import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KubeClient } from '../kube/KubeClient.js';
import { loadKubeConfig } from '../kube/kubeConfig.js';
import { startFakeKube, type FakeKube } from '@catalog/fake-kube';
import { LeaseElector } from './LeaseElector.js';

const TIMINGS = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 };
const NAMESPACE = 'catalog-system';
const quiet = { info: () => undefined, warn: () => undefined };

/** A client whose calls can be made to fail, standing in for a replica that lost the API server (or was killed). */
function breakableClient(client: KubeClient) {
  let broken = false;
  const guard = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => (...args: A): Promise<R> => (broken ? Promise.reject(new Error('connection refused')) : call(...args));
  return {
    readLease: guard(client.readLease.bind(client)),
    createLease: guard(client.createLease.bind(client)),
    replaceLease: guard(client.replaceLease.bind(client)),
    setBroken(value: boolean) {
      broken = value;
    },
  };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}

describe('Lease leader election against the fake Kubernetes API server', () => {
  let kube: FakeKube;
  let client: KubeClient;
  before(async () => {
    kube = await startFakeKube();
    client = new KubeClient(loadKubeConfig({ kubeconfig: kube.kubeconfigPath, env: {} })!);
  });
  after(() => kube.close());

  function electors(name: string, count: number) {
    return Array.from({ length: count }, (_, i) => {
      const breakable = breakableClient(client);
      const elector = new LeaseElector({ client: breakable, namespace: NAMESPACE, name, identity: `replica-${i}`, log: quiet, ...TIMINGS });
      return { elector, breakable };
    });
  }

  test('exactly one of three leads; the Lease names it; readiness reports leader and followers', async () => {
    const all = electors('three', 3);
    all.forEach(({ elector }) => elector.start());
    try {
      await until(() => all.some(({ elector }) => elector.runsSingletonTasks()), 3_000);
      await new Promise((resolve) => setTimeout(resolve, 4 * TIMINGS.retryPeriodMs));
      const leaders = all.filter(({ elector }) => elector.runsSingletonTasks());
      assert.equal(leaders.length, 1);
      const leaderId = `replica-${all.indexOf(leaders[0])}`;
      const lease = kube.get('leases', NAMESPACE, 'three')!;
      assert.equal((lease.spec as { holderIdentity: string }).holderIdentity, leaderId);
      assert.equal((lease.spec as { leaseDurationSeconds: number }).leaseDurationSeconds, 2);
      assert.deepEqual(leaders[0].elector.status(), { status: 'leader', details: `leader is ${leaderId} (lease)` });
      const follower = all.find(({ elector }) => !elector.runsSingletonTasks())!;
      assert.deepEqual(follower.elector.status(), { status: 'follower', details: `leader is ${leaderId} (lease)` });
    } finally {
      await Promise.all(all.map(({ elector }) => elector.stop()));
    }
  });

  test('a killed leader is replaced within lease duration + retry period', async () => {
    const all = electors('killed', 2);
    all.forEach(({ elector }) => elector.start());
    try {
      await until(() => all.some(({ elector }) => elector.runsSingletonTasks()), 3_000);
      const leader = all.find(({ elector }) => elector.runsSingletonTasks())!;
      const other = all.find((e) => e !== leader)!;
      const transitions = (kube.get('leases', NAMESPACE, 'killed')!.spec as { leaseTransitions: number }).leaseTransitions;
      // The killed replica never reaches the API again: it neither renews nor releases.
      leader.breakable.setBroken(true);
      const took = await until(() => other.elector.runsSingletonTasks(), TIMINGS.leaseDurationMs + TIMINGS.retryPeriodMs * 1.2 + 1_000);
      assert.ok(took <= TIMINGS.leaseDurationMs + TIMINGS.retryPeriodMs * 1.2 + 1_000, `took ${took} ms`);
      assert.equal(leader.elector.runsSingletonTasks(), false, 'the unreachable leader stepped down after the renew deadline');
      const spec = kube.get('leases', NAMESPACE, 'killed')!.spec as { holderIdentity: string; leaseTransitions: number };
      assert.equal(spec.holderIdentity, `replica-${all.indexOf(other)}`);
      assert.equal(spec.leaseTransitions, transitions + 1);
    } finally {
      await Promise.all(all.map(({ elector }) => elector.stop()));
    }
  });

  test('a leader stopped gracefully releases the Lease and the follower leads within about one retry period', async () => {
    const all = electors('released', 2);
    all.forEach(({ elector }) => elector.start());
    try {
      await until(() => all.some(({ elector }) => elector.runsSingletonTasks()), 3_000);
      const leader = all.find(({ elector }) => elector.runsSingletonTasks())!;
      const other = all.find((e) => e !== leader)!;
      await leader.elector.stop();
      assert.equal((kube.get('leases', NAMESPACE, 'released')!.spec as { holderIdentity: string }).holderIdentity, '');
      const took = await until(() => other.elector.runsSingletonTasks(), 1_500);
      assert.ok(took < TIMINGS.leaseDurationMs, `took ${took} ms`);
    } finally {
      await Promise.all(all.map(({ elector }) => elector.stop()));
    }
  });

  test('a leader whose renewals fail past the renew deadline stops leading, then campaigns again', async () => {
    const [only] = electors('flaky', 1);
    let changes: boolean[] = [];
    only.elector.onChange((leading) => changes.push(leading));
    only.elector.start();
    try {
      await until(() => only.elector.runsSingletonTasks(), 3_000);
      changes = [];
      kube.setFault({ pathPrefix: `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/flaky`, status: 500 });
      const took = await until(() => !only.elector.runsSingletonTasks(), 4_000);
      assert.ok(took >= TIMINGS.renewDeadlineMs - TIMINGS.retryPeriodMs * 1.2, `stepped down after ${took} ms`);
      assert.deepEqual(changes, [false]);
      kube.setFault(null);
      await until(() => only.elector.runsSingletonTasks(), TIMINGS.leaseDurationMs + 2_000);
      assert.deepEqual(changes, [false, true]);
    } finally {
      kube.setFault(null);
      await only.elector.stop();
    }
  });

  test('a conflicting write (409) loses the race without leading', async () => {
    const [first] = electors('race', 1);
    kube.applyManifests(`
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: race, namespace: ${NAMESPACE}}
spec: {holderIdentity: "", leaseDurationSeconds: 1}
`);
    kube.setFault({ method: 'PUT', pathPrefix: `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/race`, status: 409, times: 1 });
    first.elector.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(first.elector.runsSingletonTasks(), false);
      await until(() => first.elector.runsSingletonTasks(), 2_000);
    } finally {
      kube.setFault(null);
      await first.elector.stop();
    }
  });
});
