import type { Logger } from 'pino';
import type { Leadership } from '../../ha/Leadership.js';
import type { GovernanceContext } from '../GovernanceContext.js';
import { expireOverdue } from './ApprovalStore.js';

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Expires overdue pending approval requests of every namespace every 60 s (06 §9.9), only on the
 * replica that runs singleton tasks; the conditional UPDATE makes an overlap during failover harmless.
 * Each run also refreshes the pending-requests gauge.
 */
export class ApprovalExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: { ctx: GovernanceContext; leadership: Leadership; log: Pick<Logger, 'info' | 'error'> }) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep; returns the number of requests expired (0 when this replica does not run singleton tasks). */
  async sweep(): Promise<number> {
    if (!this.deps.leadership.runsSingletonTasks() || this.running) return 0;
    let expired = 0;
    const run = (async () => {
      const { ctx } = this.deps;
      try {
        expired = await ctx.database.db.transaction().execute(async (trx) => (await expireOverdue(trx, ctx)).length);
        if (expired > 0) this.deps.log.info({ expired }, 'approval requests expired');
        const pending = await ctx.database.db.selectFrom('approval_requests')
          .select(['namespace', (eb) => eb.fn.countAll<string>().as('count')])
          .where('status', '=', 'pending').groupBy('namespace').execute();
        ctx.metrics.setPending(new Map(pending.map((row) => [row.namespace, Number(row.count)])));
      } catch (error) {
        this.deps.log.error({ err: error }, 'approval expiry sweep failed');
      }
    })();
    this.running = run;
    await run;
    this.running = undefined;
    return expired;
  }
}
