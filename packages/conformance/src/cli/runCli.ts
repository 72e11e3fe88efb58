import { writeFileSync } from 'node:fs';
import { ConformanceOptionsError } from '../options.js';
import { reportJson } from '../report/buildReport.js';
import { formatText } from '../report/formatText.js';
import { runConformance } from '../run/runConformance.js';
import { parseCliArgs, USAGE, UsageError } from './parseCliArgs.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The CLI without process globals; returns the exit code of 07 §4.5. */
export async function runCli(argv: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  let command;
  try {
    command = parseCliArgs(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`catalog-conformance: ${error.message}\n\n${USAGE}`);
    return 1;
  }
  if (command === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  let report;
  try {
    report = await runConformance(command.options);
  } catch (error) {
    if (!(error instanceof ConformanceOptionsError)) throw error;
    io.stderr(`catalog-conformance: ${error.message}\n`);
    return 1;
  }
  if (command.reportFile !== undefined) {
    try {
      writeFileSync(command.reportFile, reportJson(report));
    } catch (error) {
      io.stderr(`catalog-conformance: cannot write report ${command.reportFile}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
  }
  io.stdout(command.format === 'json' ? reportJson(report) : formatText(report));
  if (report.fatal) {
    io.stderr(`catalog-conformance: ${report.fatal.message}\n`);
    return report.fatal.exitCode;
  }
  return report.totalFailed > 0 ? 4 : 0;
}
