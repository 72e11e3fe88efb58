import type { ServerConfig } from '../config/serverConfig.js';
import type { CatalogDatabase } from '../db/openDatabase.js';
import { StartupError } from '../errors.js';
import type { KubeClient } from '../kube/KubeClient.js';
import { AdvisoryLockElector } from './AdvisoryLockElector.js';
import type { ElectorLog } from './ElectorState.js';
import { LeaseElector } from './LeaseElector.js';
import { NO_LEADER_ELECTION, type LeaderElector } from './Leadership.js';

/** The only leader of a PGlite database: one process owns the data directory (lock file), so it always leads. */
const SOLE_LEADER = (identity: string): LeaderElector => ({
  backend: 'postgres',
  runsSingletonTasks: () => true,
  start: () => undefined,
  stop: async () => undefined,
  status: () => ({ status: 'leader', details: `leader is ${identity} (postgres)` }),
  onChange: () => undefined,
});

/**
 * The Kubernetes client of the Lease backend, or null when leader election does not use it. Called
 * before the listener binds (spec 01 §3.1), like the checks of `sar` mode and the `k8s` store: no
 * Kubernetes access is a configuration error that exits 1 (05 §7.3) instead of a replica that
 * answers liveness probes and then dies.
 */
export function leaseClientFor(config: ServerConfig, kube: () => KubeClient | null): KubeClient | null {
  const election = config.leaderElection;
  if (!election.enabled || election.backend !== 'lease') return null;
  const client = kube();
  if (!client) throw new StartupError('CATALOG_LEADER_ELECTION_BACKEND=lease requires Kubernetes access (in-cluster configuration or KUBECONFIG)');
  return client;
}

/**
 * The elector the configuration asks for (spec 05 §7.3): the Lease backend with the client of
 * `leaseClientFor`; the postgres backend, which on PGlite always leads.
 */
export function createLeaderElector(config: ServerConfig, deps: { leaseClient: KubeClient | null; database: CatalogDatabase; log: ElectorLog }): LeaderElector {
  const election = config.leaderElection;
  if (!election.enabled) return NO_LEADER_ELECTION;
  const timings = {
    leaseDurationMs: election.leaseDurationSeconds * 1000,
    renewDeadlineMs: election.renewDeadlineSeconds * 1000,
    retryPeriodMs: election.retryPeriodSeconds * 1000,
  };
  const identity = config.replica.podName;
  if (election.backend === 'lease') {
    if (!deps.leaseClient) throw new Error('the Lease backend needs the client of leaseClientFor');
    return new LeaseElector({ client: deps.leaseClient, namespace: election.leaseNamespace, name: election.leaseName, identity, log: deps.log, ...timings });
  }
  if (deps.database.type === 'pglite' || !deps.database.connection) return SOLE_LEADER(identity);
  return new AdvisoryLockElector({ connection: deps.database.connection, leaseName: election.leaseName, identity, log: deps.log, ...timings });
}
