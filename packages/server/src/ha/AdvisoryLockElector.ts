import { crc32 } from 'node:zlib';
import pg from 'pg';
import { CampaigningElector } from './CampaigningElector.js';
import type { ElectionTimings, ElectorLog } from './ElectorState.js';

export interface AdvisoryLockElectorOptions extends ElectionTimings {
  /** A direct connection (session advisory locks do not survive transaction-pooling proxies). */
  connection: pg.ClientConfig;
  leaseName: string;
  identity: string;
  log: ElectorLog;
}

/** The advisory lock key of a leader election: CRC-32 of `catalog-server-leader/<lease name>` (spec 05 §7.3). */
export function leaderLockKey(leaseName: string): number {
  return crc32(`catalog-server-leader/${leaseName}`);
}

/**
 * Leader election outside Kubernetes: holding `pg_try_advisory_lock(k)` on a dedicated session means
 * leading. The leader pings its session every retry period and steps down when no ping succeeds
 * within the renew deadline (the database drops the lock with the session).
 */
export class AdvisoryLockElector extends CampaigningElector {
  private readonly key: number;
  private client: pg.Client | null = null;
  private lastPing = 0;
  /**
   * A replica that lost the lock with its session stands aside this long before campaigning again:
   * the followers try every retry period, so one of them takes over instead of the replica whose
   * link to the database just failed winning the race to reconnect.
   */
  private standAsideUntil = 0;

  constructor(private readonly options: AdvisoryLockElectorOptions) {
    super('postgres', options.identity, options.log, options.retryPeriodMs);
    this.key = leaderLockKey(options.leaseName);
  }

  protected async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (this.state.leading) {
      this.state.set(false, null);
      if (client) await withTimeout(client.query('SELECT pg_advisory_unlock($1)', [this.key]), this.options.retryPeriodMs).catch(() => undefined);
    }
    if (client) await this.close(client);
  }

  protected async campaign(): Promise<void> {
    if (!this.state.leading && Date.now() < this.standAsideUntil) return;
    try {
      const client = await this.session();
      if (this.state.leading) {
        await withTimeout(client.query('SELECT 1'), this.options.retryPeriodMs);
        this.lastPing = Date.now();
        return;
      }
      const { rows } = await withTimeout(client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [this.key]), this.options.retryPeriodMs);
      if (rows[0].locked) {
        this.lastPing = Date.now();
        this.state.set(true, this.options.identity);
      } else {
        this.state.set(false, null);
      }
    } catch (error) {
      this.options.log.warn({ error: (error as Error).message }, this.state.leading ? 'leader lock session ping failed' : 'leader lock attempt failed');
      // A ping that timed out may be a slow network: lead on until the renew deadline. A FATAL answer
      // (the backend was terminated) is final: the lock is gone with the session.
      if (!this.state.leading || sessionEnded(error) || Date.now() - this.lastPing > this.options.renewDeadlineMs) await this.dropSession();
    }
  }

  private async session(): Promise<pg.Client> {
    if (this.client) return this.client;
    // The driver's own connect timeout destroys the socket, so no attempt lingers while the database is unreachable.
    const client = new pg.Client({ ...this.options.connection, connectionTimeoutMillis: Math.max(this.options.retryPeriodMs, 1000) });
    // An error event means the session is unusable (the driver marks it so), and a session the server
    // ended (terminated backend, restart) took the lock with it: step down at once, not at the next
    // tick. The server sends its FATAL message before it drops the lock, so stepping down on the
    // message, not on the socket's end, keeps this replica from leading alongside the next one.
    client.on('error', (error) => {
      this.options.log.warn({ error: error.message }, 'leader lock session error');
      if (this.client === client) void this.dropSession();
    });
    client.on('end', () => {
      if (this.client === client) void this.dropSession();
    });
    await withTimeout(client.connect(), this.options.retryPeriodMs).catch(async (error: unknown) => {
      await this.close(client);
      throw error;
    });
    this.client = client;
    return client;
  }

  /** Steps down (when leading) and closes the session, which releases the lock on the server side. */
  private async dropSession(): Promise<void> {
    if (this.state.leading) this.standAside();
    this.state.set(false, null);
    const client = this.client;
    this.client = null;
    if (client) await this.close(client);
  }

  private standAside(): void {
    this.standAsideUntil = Date.now() + 2 * this.options.retryPeriodMs;
  }

  /**
   * Ends a session without waiting longer than a retry period: a graceful end waits for the server's
   * answer, which never comes while the network is partitioned, and the campaign loop (and shutdown)
   * must go on. The server drops the lock when the session's connection finally closes.
   */
  private async close(client: pg.Client): Promise<void> {
    await withTimeout(client.end(), this.options.retryPeriodMs).catch(() => undefined);
  }
}

function sessionEnded(error: unknown): boolean {
  const severity = (error as { severity?: unknown }).severity;
  return severity === 'FATAL' || severity === 'PANIC';
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), Math.max(ms, 1000)); })]);
  } finally {
    clearTimeout(timer);
  }
}
