import type { ComponentStatus } from '../health/readiness.js';

/**
 * Whether this replica runs the cluster-wide singleton tasks (audit retention, job maintenance,
 * approval expiry, reconcile writes; spec 05 §7.3). Asked before every run, since leadership moves.
 */
export interface Leadership {
  runsSingletonTasks(): boolean;
}

/** A leader elector of 05 §7.3: campaigns from `start()` until `stop()`, which releases the leadership. */
export interface LeaderElector extends Leadership {
  readonly backend: 'lease' | 'postgres' | 'none';
  start(): void;
  stop(): Promise<void>;
  /** The `leader_election` component of `/readyz` (05 §8). */
  status(): ComponentStatus;
  /** Called on every change of leadership, e.g. to cancel leader-only tasks at once. */
  onChange(listener: (leading: boolean) => void): void;
}

/**
 * Leader election off (the default): every replica runs singleton tasks, each run guarded by its
 * task lock (05 §7.3), and `/readyz` reports `not_configured`.
 */
export const NO_LEADER_ELECTION: LeaderElector = {
  backend: 'none',
  runsSingletonTasks: () => true,
  start: () => undefined,
  stop: async () => undefined,
  status: () => ({ status: 'not_configured' }),
  onChange: () => undefined,
};
