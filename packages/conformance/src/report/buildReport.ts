import { readFileSync } from 'node:fs';
import { CATEGORY_NAMES } from '../options.js';
import type { ExpectedCaps, ResolvedOptions } from '../run/RunContext.js';
import type { CategoryReport, ConformanceReport, FatalError, ReportOptions } from './types.js';

export const HARNESS_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function capNames(caps: ExpectedCaps | undefined): string[] | undefined {
  if (!caps) return undefined;
  const names = { hasSources: 'sources', hasActions: 'actions', hasRefresh: 'refresh', hasUIHints: 'uihints' } as const;
  return (Object.keys(names) as (keyof typeof names)[]).filter((k) => caps[k]).map((k) => names[k]);
}

/** The options as run, never a token or fixture text (4.4). */
export function reportOptions(options: ResolvedOptions): ReportOptions {
  const fixtures = Object.keys(options.fixtures);
  const entries: Partial<ReportOptions> = {
    plugin: options.plugin,
    namespace: options.namespace,
    otherNamespace: options.otherNamespace,
    user: options.identity?.user,
    groups: options.identity?.groups,
    role: options.identity?.role,
    deniedUser: options.deniedIdentity?.user,
    reviewerUser: options.reviewerIdentity?.user,
    mutate: options.mutate,
    skip: options.skip.map((id) => CATEGORY_NAMES[id]),
    fixtures: fixtures.length > 0 ? fixtures : undefined,
    expectedEntityKinds: options.expectedEntityKinds,
    expectedCaps: capNames(options.expectedCaps),
    timeoutMs: options.timeoutMs,
    readyTimeoutMs: options.readyTimeoutMs,
    jobTimeoutMs: options.jobTimeoutMs,
  };
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as unknown as ReportOptions;
}

export function buildReport(options: ResolvedOptions, timestamp: Date, categories: CategoryReport[], fatal?: FatalError): ConformanceReport {
  const sum = (key: 'passed' | 'failed' | 'skipped') => categories.reduce((n, c) => n + c[key], 0);
  const totalFailed = sum('failed');
  return {
    timestamp: timestamp.toISOString(),
    serverURL: options.serverUrl,
    ...(options.plugin !== undefined ? { pluginName: options.plugin } : {}),
    harnessVersion: HARNESS_VERSION,
    options: reportOptions(options),
    categories,
    totalPassed: sum('passed'),
    totalFailed,
    totalSkipped: sum('skipped'),
    result: totalFailed === 0 ? 'pass' : 'fail',
    ...(fatal ? { fatal } : {}),
  };
}

/** The JSON report file/stdout form: two-space indent (4.4). */
export function reportJson(report: ConformanceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
