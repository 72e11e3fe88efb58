import type { ConformanceReport, TestRecord } from './types.js';

const LABELS: Record<TestRecord['status'], string> = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' };

/** The text form of a report (07 §4.4). */
export function formatText(report: ConformanceReport): string {
  const lines = [`Conformance Report -- ${report.timestamp}`];
  if (report.pluginName !== undefined) lines.push(`Plugin: ${report.pluginName}`);
  lines.push(`Server: ${report.serverURL}`);
  lines.push(`Total: ${report.totalPassed} passed, ${report.totalFailed} failed, ${report.totalSkipped} skipped`);
  if (report.fatal) lines.push(`Fatal: ${report.fatal.message}`);
  for (const category of report.categories) {
    const title = [category.id, category.name, category.plugin].filter((p) => p !== undefined).join(' ');
    lines.push('', `  [${title}] ${category.passed} passed, ${category.failed} failed, ${category.skipped} skipped`);
    for (const test of category.tests) lines.push(`    [${LABELS[test.status]}] ${test.name}${test.message ? ` -- ${test.message}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
