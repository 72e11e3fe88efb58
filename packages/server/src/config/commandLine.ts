import { UsageError } from '../errors.js';
import type { ConfigDefaults } from './serverConfig.js';

/** The value flags of spec 01 §2.1; each has an environment variable it overrides. */
export const VALUE_FLAGS = {
  listen: { env: 'CATALOG_LISTEN', arg: 'addr' },
  sources: { env: 'CATALOG_SOURCES', arg: 'path' },
  'db-type': { env: 'DATABASE_TYPE', arg: 't' },
  'db-dsn': { env: 'DATABASE_DSN', arg: 'dsn' },
  'data-dir': { env: 'CATALOG_DATA_DIR', arg: 'dir' },
  'config-store': { env: 'CATALOG_CONFIG_STORE_MODE', arg: 'm' },
  'log-level': { env: 'CATALOG_LOG_LEVEL', arg: 'l' },
} as const;

export type ValueFlag = keyof typeof VALUE_FLAGS;

export interface CommandLine {
  values: Map<ValueFlag, string>;
  help: boolean;
  version: boolean;
}

function isValueFlag(name: string): name is ValueFlag {
  return Object.hasOwn(VALUE_FLAGS, name);
}

/**
 * Accepts `--flag=value`, `--flag value` and the single-dash long form `-flag=value` that manifests
 * written for the reference server use. As with Go's flag package, a repeated flag's last value wins
 * and `--flag value` takes the next argument whatever it looks like.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const result: CommandLine = { values: new Map(), help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const match = /^--?([^=-][^=]*)(?:=(.*))?$/s.exec(arg);
    if (match === null) {
      throw new UsageError(arg.startsWith('-') ? `unknown flag "${arg}"` : `unexpected argument "${arg}"`);
    }
    const [, name, inlineValue] = match;
    if (name === 'help' || name === 'version') {
      if (inlineValue !== undefined) throw new UsageError(`flag --${name} does not take a value`);
      result[name] = true;
    } else if (isValueFlag(name)) {
      if (inlineValue !== undefined) {
        result.values.set(name, inlineValue);
      } else if (i + 1 < argv.length) {
        result.values.set(name, argv[++i]);
      } else {
        throw new UsageError(`flag --${name} requires a value`);
      }
    } else {
      throw new UsageError(`unknown flag "${arg.split('=')[0]}"`);
    }
  }
  return result;
}

export function helpText(defaults: ConfigDefaults): string {
  const rows: Array<[usage: string, env: string, defaultValue: string, meaning: string]> = [
    ['--listen <addr>', VALUE_FLAGS.listen.env, '127.0.0.1:8080',
      'host:port; :port listens on all interfaces; [::1]:port for IPv6; port 0 picks a free port'],
    ['--sources <path>', VALUE_FLAGS.sources.env, defaults.sourcesPath,
      'sources.yaml of namespace "default"; its directory is the base of relative source paths'],
    ['--db-type <t>', VALUE_FLAGS['db-type'].env, 'pglite, or postgres when a DSN is given', 'pglite or postgres'],
    ['--db-dsn <dsn>', VALUE_FLAGS['db-dsn'].env, 'empty',
      'PostgreSQL connection string (postgres:// URL or libpq key=value form)'],
    ['--data-dir <dir>', VALUE_FLAGS['data-dir'].env, './data',
      'PGlite data directory; memory:// keeps everything in memory'],
    ['--config-store <m>', VALUE_FLAGS['config-store'].env, 'file', 'where source configuration lives: file, k8s, db or none'],
    ['--log-level <l>', VALUE_FLAGS['log-level'].env, 'info', 'trace, debug, info, warn, error or fatal'],
  ];
  const lines = [
    'Usage: catalog-server [flags]',
    '',
    'Flags (a flag wins over its environment variable, which wins over the default;',
    '-flag=value and --flag value are accepted too):',
  ];
  for (const [usage, env, defaultValue, meaning] of rows) {
    lines.push(`  ${usage}`, `      ${meaning}`, `      env ${env}, default ${defaultValue}`);
  }
  lines.push(
    '  --help',
    '      print this help and exit',
    '  --version',
    '      print the version and exit',
    '',
    'Every environment variable is described in docs/configuration.md.',
  );
  return lines.join('\n');
}
