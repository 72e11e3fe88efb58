/**
 * The synthetic data generator of spec 02 §10.8: large, valid, deterministic catalogs for benchmarks
 * and load tests, plus sources configurations pointing at them.
 *   npm run bench:generate -- --per-plugin 10000 --seed 1 --out out
 * The usage text below lists the options; bench/README.md describes the output layout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { GENERATED_PLUGINS, type GeneratedPlugin } from './generators/common.js';
import { datasetFiles, DEFAULT_MAX_SOURCE_BYTES, type DatasetFormat, type DatasetOptions } from './generators/dataset.js';

// The list benchmark (run.ts, bareServer.ts) imports its fixed MCP dataset from here.
export { generateMcpServers } from './generators/listBenchmarkMcp.js';
export { randomSource } from './generators/random.js';
export { datasetFiles, namespaceNames, type DatasetFile, type DatasetOptions } from './generators/dataset.js';
export { GENERATED_PLUGINS, type GeneratedPlugin } from './generators/common.js';

export const USAGE = `Usage: npm run bench:generate -- [options]

Writes deterministic synthetic catalogs and sources configurations for them.

Options:
  --plugins <list>          comma-separated plugins to generate
                            (default: all eight: ${GENERATED_PLUGINS.join(',')})
  --per-plugin <n>          entities per plugin and namespace (default 10000)
  --namespaces <n>          namespaces bench-1 ... bench-<n> (default 1)
  --seed <n>                non-negative integer; the same seed gives byte-identical output (default 1)
  --out <dir>               output directory, relative to the current directory (default out;
                            npm runs the script in bench/, so bench/out)
  --files-per-source <n>    split each plugin's entities of a namespace into n documents,
                            one yaml source each; auto (the default) writes one document, or as
                            many as keep each within the server's default 10 MiB document limit
  --format yaml|json        data file format (default yaml)
  --help                    show this text

Output: <out>/<namespace>/<plugin>/<key>[-<part>].<format>, sources-<namespace>.yaml for every
namespace, and sources.yaml (the first namespace's, to pass as --sources). See bench/README.md.
`;

/** A problem with the command line: reported with a hint at --help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CliOptions extends DatasetOptions {
  out: string;
  help: boolean;
}

function integerOption(name: string, value: string, min: number): number {
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${value}"`);
  return number;
}

function pluginsOption(value: string): GeneratedPlugin[] {
  const plugins: GeneratedPlugin[] = [];
  for (const name of value.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    if (!(GENERATED_PLUGINS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown plugin "${name}"; known plugins: ${GENERATED_PLUGINS.join(', ')}`);
    }
    if (!plugins.includes(name as GeneratedPlugin)) plugins.push(name as GeneratedPlugin);
  }
  if (plugins.length === 0) throw new UsageError('--plugins names no plugin');
  return plugins;
}

export function parseOptions(argv: readonly string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        plugins: { type: 'string', default: GENERATED_PLUGINS.join(',') },
        'per-plugin': { type: 'string', default: '10000' },
        namespaces: { type: 'string', default: '1' },
        seed: { type: 'string', default: '1' },
        out: { type: 'string', default: 'out' },
        'files-per-source': { type: 'string', default: 'auto' },
        format: { type: 'string', default: 'yaml' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    // parseArgs reports unknown options and missing values as TypeErrors with a readable message.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const format = values.format;
  if (format !== 'yaml' && format !== 'json') throw new UsageError(`--format must be yaml or json, got "${format}"`);
  const perPlugin = integerOption('per-plugin', values['per-plugin'], 0);
  const filesPerSource = values['files-per-source'] === 'auto' ? 'auto' : integerOption('files-per-source', values['files-per-source'], 1);
  if (filesPerSource !== 'auto' && filesPerSource > Math.max(1, perPlugin)) {
    throw new UsageError(`--files-per-source (${filesPerSource}) must not exceed --per-plugin (${perPlugin})`);
  }
  return {
    plugins: pluginsOption(values.plugins),
    perPlugin,
    namespaces: integerOption('namespaces', values.namespaces, 1),
    seed: integerOption('seed', values.seed, 0),
    out: values.out,
    filesPerSource,
    format: format satisfies DatasetFormat,
    help: values.help,
  };
}

export interface WriteSummary {
  files: number;
  entries: number;
  bytes: number;
  /** Data files above the server's default document limit, relative to the output directory. */
  oversized: string[];
  milliseconds: number;
}

/** Generates the dataset into `out` (created if needed); existing files of the same names are replaced. */
export function writeDataset(out: string, options: DatasetOptions): WriteSummary {
  const began = performance.now();
  const summary: WriteSummary = { files: 0, entries: 0, bytes: 0, oversized: [], milliseconds: 0 };
  for (const file of datasetFiles(options)) {
    const target = join(out, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    const bytes = Buffer.byteLength(file.content);
    summary.files++;
    summary.bytes += bytes;
    summary.entries += file.entries ?? 0;
    if (file.entries !== undefined && bytes > DEFAULT_MAX_SOURCE_BYTES) summary.oversized.push(file.path);
  }
  summary.milliseconds = performance.now() - began;
  return summary;
}

/** Runs the command line; returns the exit code. */
export function main(argv: readonly string[]): number {
  let options: CliOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench:generate: ${error.message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const out = resolve(options.out);
  const summary = writeDataset(out, options);
  for (const path of summary.oversized) {
    process.stderr.write(
      `warning: ${path} exceeds the server's default document limit of ${DEFAULT_MAX_SOURCE_BYTES} bytes; ` +
        'use --files-per-source or raise CATALOG_MAX_SOURCE_BYTES\n',
    );
  }
  process.stdout.write(
    `wrote ${summary.entries} entities (${options.plugins.length} plugin(s) x ${options.perPlugin} x ${options.namespaces} namespace(s)) ` +
      `in ${summary.files} files, ${(summary.bytes / 1024 / 1024).toFixed(1)} MiB, to ${out} in ${(summary.milliseconds / 1000).toFixed(1)} s\n`,
  );
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
