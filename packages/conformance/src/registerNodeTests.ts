import { test } from 'node:test';
import { CATEGORY_NAMES, categoryLetter, type ConformanceOptions } from './options.js';
import type { ConformanceReport } from './report/types.js';
import { runConformance } from './run/runConformance.js';
import type { CategoryId } from './run/RunContext.js';

/**
 * Registers one node:test test per category (A–J minus `skip`) with one subtest per check, for
 * plugin test files. The run starts with the first test and is shared by all of them; a run that
 * cannot start fails every category test with the reason.
 */
export function registerNodeTests(options: ConformanceOptions): void {
  const skipped = new Set((options.skip ?? []).map(categoryLetter));
  let pending: Promise<ConformanceReport> | undefined;
  const report = () => (pending ??= runConformance(options));
  for (const [id, name] of Object.entries(CATEGORY_NAMES) as [CategoryId, string][]) {
    if (skipped.has(id)) continue;
    test(`conformance ${id} ${name}`, async (t) => {
      const result = await report();
      if (result.fatal) throw new Error(`conformance run could not start: ${result.fatal.message}`);
      for (const category of result.categories.filter((c) => c.id === id)) {
        for (const check of category.tests) {
          await t.test(check.name, (st) => {
            if (check.status === 'skipped') st.skip(check.message);
            else if (check.status === 'failed') throw new Error(check.message ?? 'failed');
          });
        }
      }
    });
  }
}
