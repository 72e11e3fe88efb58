import type { CategoryReport, TestRecord } from '../report/types.js';
import type { Category, CategoryId, CheckHandle } from './RunContext.js';

class CheckOutcome extends Error {
  constructor(
    readonly status: 'skipped' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

const handle: CheckHandle = {
  skip(message: string): never {
    throw new CheckOutcome('skipped', message);
  },
  fail(message: string): never {
    throw new CheckOutcome('failed', message);
  },
};

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** One category of the report; every check name is recorded exactly once. */
export class CategoryRecorder implements Category {
  readonly tests: TestRecord[] = [];

  constructor(
    readonly id: CategoryId,
    readonly name: string,
    readonly plugin?: string,
  ) {}

  async check(name: string, fn: (t: CheckHandle) => Promise<string | void> | string | void): Promise<void> {
    const started = performance.now();
    let record: Omit<TestRecord, 'durationMs'>;
    try {
      const message = await fn(handle);
      record = { name, status: 'passed', message: message || undefined };
    } catch (error) {
      record = error instanceof CheckOutcome ? { name, status: error.status, message: error.message } : { name, status: 'failed', message: errorMessage(error) };
    }
    this.add({ ...record, durationMs: Math.round(performance.now() - started) });
  }

  skipAll(message: string, names: string[]): void {
    for (const name of names) this.add({ name, status: 'skipped', message, durationMs: 0 });
  }

  fail(name: string, message: string): void {
    this.add({ name, status: 'failed', message, durationMs: 0 });
  }

  /** A second record under one name is a harness bug: it turns the first into a failure instead of counting twice. */
  private add(record: TestRecord): void {
    const existing = this.tests.find((t) => t.name === record.name);
    if (!existing) {
      if (!record.message) delete record.message;
      this.tests.push(record);
      return;
    }
    existing.status = 'failed';
    existing.message = `check recorded twice (harness bug); last: ${record.status}${record.message ? ` -- ${record.message}` : ''}`;
  }

  toReport(): CategoryReport {
    const count = (status: TestRecord['status']) => this.tests.filter((t) => t.status === status).length;
    return {
      id: this.id,
      name: this.name,
      ...(this.plugin !== undefined ? { plugin: this.plugin } : {}),
      passed: count('passed'),
      failed: count('failed'),
      skipped: count('skipped'),
      tests: this.tests,
    };
  }
}
