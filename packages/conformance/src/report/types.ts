import type { CategoryId } from '../run/RunContext.js';

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface TestRecord {
  name: string;
  status: CheckStatus;
  /** Omitted when empty. */
  message?: string;
  durationMs: number;
}

export interface CategoryReport {
  id: CategoryId;
  name: string;
  /** Omitted on server-level categories. */
  plugin?: string;
  passed: number;
  failed: number;
  skipped: number;
  tests: TestRecord[];
}

/** The options as run, without secrets (no tokens, no fetch, no fixture text). */
export interface ReportOptions {
  plugin?: string;
  namespace?: string;
  otherNamespace?: string;
  user?: string;
  groups?: string[];
  role?: string;
  deniedUser?: string;
  reviewerUser?: string;
  mutate: boolean;
  skip: string[];
  fixtures?: string[];
  expectedEntityKinds?: string[];
  expectedCaps?: string[];
  timeoutMs: number;
  readyTimeoutMs: number;
  jobTimeoutMs: number;
}

/** Why the run could not start (07 §4.5): 2 = server unreachable/not ready/invalid plugins, 3 = unknown --plugin. */
export interface FatalError {
  exitCode: 2 | 3;
  message: string;
}

export interface ConformanceReport {
  timestamp: string;
  serverURL: string;
  /** Only with --plugin. */
  pluginName?: string;
  harnessVersion: string;
  options: ReportOptions;
  categories: CategoryReport[];
  totalPassed: number;
  totalFailed: number;
  totalSkipped: number;
  result: 'pass' | 'fail';
  /** Only when the run could not start; its reason is also a failed check. */
  fatal?: FatalError;
}
