import type { V1Lease } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/KubeClient.js';
import { CampaigningElector } from './CampaigningElector.js';
import type { ElectionTimings, ElectorLog } from './ElectorState.js';

export interface LeaseElectorOptions extends ElectionTimings {
  client: Pick<KubeClient, 'readLease' | 'createLease' | 'replaceLease'>;
  namespace: string;
  name: string;
  identity: string;
  log: ElectorLog;
}

/**
 * Leader election through a `coordination.k8s.io/v1` Lease: the standard Kubernetes algorithm
 * (client-go's leaderelection), ported, since the JavaScript client ships none (spec 05 §7.3).
 */
export class LeaseElector extends CampaigningElector {
  /** The last Lease this replica wrote or read, for conditional writes. */
  private lease: V1Lease | null = null;
  /** The holder and renew time last seen, and when they last changed on the local clock. */
  private observed: { record: string; at: number } | null = null;
  private lastRenewal = 0;

  constructor(private readonly options: LeaseElectorOptions) {
    super('lease', options.identity, options.log, options.retryPeriodMs);
  }

  /** A leader releases the Lease (empty holder, 1 s duration) so a follower takes over at once. */
  protected async release(): Promise<void> {
    if (!this.state.leading || !this.lease) return;
    this.state.set(false, null);
    try {
      await this.options.client.replaceLease(
        this.options.namespace,
        { ...this.lease, spec: { ...this.lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new Date() } },
        this.callTimeoutMs(),
      );
    } catch (error) {
      this.options.log.warn({ error: (error as Error).message }, 'could not release the leader Lease');
    }
  }

  private callTimeoutMs(): number {
    return Math.max(this.options.retryPeriodMs, 1000);
  }

  protected async campaign(): Promise<void> {
    const { client, namespace, name, identity } = this.options;
    const timeout = this.callTimeoutMs();
    try {
      const current = await client.readLease(namespace, name, timeout);
      const now = new Date();
      if (!current) {
        this.lease = await client.createLease(namespace, { metadata: { name, namespace }, spec: this.spec(now, now, 0) }, timeout);
        return this.renewed();
      }
      this.lease = current;
      const holder = current.spec?.holderIdentity ?? '';
      const record = JSON.stringify([holder, current.spec?.renewTime ? new Date(current.spec.renewTime).getTime() : null]);
      if (this.observed?.record !== record) this.observed = { record, at: Date.now() };
      // Expiry on the local clock: immune to clock skew between nodes.
      const duration = (current.spec?.leaseDurationSeconds ?? 0) * 1000;
      if (holder !== '' && holder !== identity && Date.now() < this.observed.at + duration) {
        this.state.set(false, holder);
        return;
      }
      const own = holder === identity;
      const transitions = (current.spec?.leaseTransitions ?? 0) + (own ? 0 : 1);
      const acquired = own && current.spec?.acquireTime ? new Date(current.spec.acquireTime) : now;
      this.lease = await client.replaceLease(namespace, { ...current, spec: this.spec(acquired, now, transitions) }, timeout);
      this.renewed();
    } catch (error) {
      // A conflict means another replica won the race; anything else is a failed attempt. Either way: campaign again.
      this.options.log.warn({ error: (error as Error).message }, this.state.leading ? 'leader Lease renewal failed' : 'leader Lease acquisition failed');
    } finally {
      if (this.state.leading && Date.now() - this.lastRenewal > this.options.renewDeadlineMs) this.state.set(false, null);
    }
  }

  private renewed(): void {
    this.lastRenewal = Date.now();
    this.state.set(true, this.options.identity);
  }

  private spec(acquireTime: Date, renewTime: Date, leaseTransitions: number): V1Lease['spec'] {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.options.leaseDurationMs / 1000),
      acquireTime,
      renewTime,
      leaseTransitions,
    };
  }
}
