/**
 * Process lifecycle as readiness reports it (spec 01 §3, §11): database phase, initial-load
 * progress, whether the startup gate is open, and shutdown.
 */
export class Lifecycle {
  readonly startedAt = Date.now();
  database: { status: 'connecting' | 'migrating' | 'up' | 'down'; error?: string } = { status: 'connecting' };
  /** Routes other than health/metrics/OpenAPI answer 503 until this opens (step 8). */
  gateOpen = false;
  shuttingDown = false;
  initialLoad = { total: 0, done: 0, complete: false, timedOut: false };

  startInitialLoad(total: number): void {
    this.initialLoad = { total, done: 0, complete: total === 0, timedOut: false };
  }

  sourceLoaded(): void {
    this.initialLoad.done += 1;
    if (this.initialLoad.done >= this.initialLoad.total) this.initialLoad.complete = true;
  }

  initialLoadTimedOut(): void {
    if (this.initialLoad.complete) return;
    this.initialLoad.complete = true;
    this.initialLoad.timedOut = true;
  }
}
