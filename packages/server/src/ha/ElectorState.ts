import type { ComponentStatus } from '../health/readiness.js';

export interface ElectorLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/** Leadership bookkeeping shared by the backends: the flag, the known leader, listeners and the one log line per change. */
export class ElectorState {
  leading = false;
  /** Identity of the current leader when known. */
  leader: string | null = null;
  private readonly listeners: ((leading: boolean) => void)[] = [];

  constructor(private readonly identity: string, private readonly backend: 'lease' | 'postgres', private readonly log: ElectorLog) {}

  set(leading: boolean, leader: string | null): void {
    this.leader = leading ? this.identity : leader;
    if (leading === this.leading) return;
    this.leading = leading;
    this.log.info({ identity: this.identity, backend: this.backend, leading }, leading ? 'became leader' : 'stopped leading');
    for (const listener of this.listeners) listener(leading);
  }

  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }

  status(): ComponentStatus {
    return {
      status: this.leading ? 'leader' : 'follower',
      ...(this.leader ? { details: `leader is ${this.leader} (${this.backend})` } : {}),
    };
  }
}

export interface ElectionTimings {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** The retry period with ±20 % jitter, so candidates do not poll in lockstep. */
export function jittered(ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}
