import type { ComponentStatus } from '../health/readiness.js';
import { ElectorState, jittered, type ElectorLog } from './ElectorState.js';
import type { LeaderElector } from './Leadership.js';

/**
 * The campaign loop both backends share: one `campaign()` attempt every jittered retry period from
 * `start()` until `stop()`, which waits for the attempt in flight and then lets the backend release.
 */
export abstract class CampaigningElector implements LeaderElector {
  protected readonly state: ElectorState;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private attempt: Promise<void> = Promise.resolve();

  protected constructor(readonly backend: 'lease' | 'postgres', identity: string, log: ElectorLog, private readonly retryPeriodMs: number) {
    this.state = new ElectorState(identity, backend, log);
  }

  runsSingletonTasks(): boolean {
    return this.state.leading;
  }

  status(): ComponentStatus {
    return this.state.status();
  }

  onChange(listener: (leading: boolean) => void): void {
    this.state.onChange(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops campaigning; a leader releases, so a follower takes over within one retry period. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.attempt;
    await this.release();
  }

  /** One attempt to acquire or renew leadership; never throws. */
  protected abstract campaign(): Promise<void>;

  /** Gives up leadership (if held) and any resources of the backend. */
  protected abstract release(): Promise<void>;

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.attempt = this.campaign().finally(() => {
        if (this.running) this.schedule(jittered(this.retryPeriodMs));
      });
    }, delayMs);
    this.timer.unref();
  }
}
