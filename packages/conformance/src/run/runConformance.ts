import { runAuditChecks } from '../checks/audit.js';
import { runCapabilitiesChecks, runServerPluginsChecks } from '../checks/capabilities.js';
import { runGovernanceChecks } from '../checks/governance.js';
import { runJobsChecks } from '../checks/jobs.js';
import { runListGetChecks } from '../checks/listGet.js';
import { runObservabilityChecks } from '../checks/observability.js';
import { runOpenApiChecks } from '../checks/openapi.js';
import { runSecurityChecks } from '../checks/security.js';
import { runSourcesChecks } from '../checks/sources.js';
import { runTenancyChecks } from '../checks/tenancy.js';
import { CATEGORY_NAMES, resolveOptions, type ConformanceOptions } from '../options.js';
import { buildReport } from '../report/buildReport.js';
import type { ConformanceReport } from '../report/types.js';
import { cleanup } from './cleanup.js';
import { ConformanceRun } from './ConformanceRun.js';
import type { CategoryId } from './RunContext.js';
import { FatalCondition, startRun } from './startRun.js';

/**
 * A category module that throws outside its checks is a harness bug: it becomes one failed record
 * instead of aborting the other categories (4.2 item 4).
 */
async function guarded(run: ConformanceRun, id: CategoryId, plugin: string | undefined, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const name = `${plugin ? `${plugin}.` : ''}${CATEGORY_NAMES[id]}.unexpected_error`;
    run.category(id, CATEGORY_NAMES[id], plugin).fail(name, error instanceof Error ? error.message : String(error));
  }
}

/**
 * Runs the conformance checks against a server (07 §4.2). Never throws for check failures or an
 * unusable server (those are in the report, with `fatal` for exit 2/3); rejects only on invalid options.
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const resolved = resolveOptions(options);
  const run = new ConformanceRun(resolved);
  const timestamp = new Date();
  try {
    await startRun(run);
  } catch (error) {
    if (!(error instanceof FatalCondition)) throw error;
    run.category('A').fail(error.check, error.message);
    return buildReport(resolved, timestamp, run.categories.map((c) => c.toReport()), { exitCode: error.exitCode, message: error.message });
  }
  const enabled = (id: CategoryId) => !resolved.skip.includes(id);
  try {
    if (enabled('A')) await guarded(run, 'A', undefined, () => runServerPluginsChecks(run));
    for (const plugin of run.plugins) {
      if (enabled('A')) await guarded(run, 'A', plugin.name, () => runCapabilitiesChecks(run, plugin.name));
      if (enabled('B')) await guarded(run, 'B', plugin.name, () => runListGetChecks(run, plugin.name));
      if (enabled('C')) await guarded(run, 'C', plugin.name, () => runSourcesChecks(run, plugin.name));
    }
    const once: [CategoryId, (r: ConformanceRun) => Promise<void>][] = [
      ['D', runSecurityChecks],
      ['E', runObservabilityChecks],
      ['G', runTenancyChecks],
      ['H', runAuditChecks],
      ['I', runJobsChecks],
      ['J', runGovernanceChecks],
    ];
    for (const [id, runner] of once) if (enabled(id)) await guarded(run, id, undefined, () => runner(run));
  } finally {
    await cleanup(run, enabled('C')).catch(() => undefined);
  }
  if (enabled('F')) await guarded(run, 'F', undefined, () => runOpenApiChecks(run));
  return buildReport(resolved, timestamp, run.categories.map((c) => c.toReport()));
}
