import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { categoryLetter, CATEGORY_NAMES, type ConformanceOptions } from '../options.js';
import type { ExpectedCaps, Identity } from '../run/RunContext.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliCommand {
  options: ConformanceOptions;
  format: 'text' | 'json';
  reportFile?: string;
}

export const USAGE = `Usage: catalog-conformance [flags]

  --server URL                 server under test ($CATALOG_SERVER_URL, else http://localhost:8080)
  --plugin NAME                limit the per-plugin categories to one plugin
  --namespace NS               sent as X-Namespace (namespace mode: first listed namespace)
  --other-namespace NS         second tenant for isolation checks (namespace mode: second listed)
  --user, --groups, --token, --role                  identity of all requests
  --denied-user, --denied-groups, --denied-token     an identity that must be refused writes
  --reviewer-user, --reviewer-groups, --reviewer-token  a second identity allowed to approve
  --mutate                     allow checks that create, change and delete server state
  --fixture PLUGIN=FILE        source data for mutating checks (repeatable)
  --skip CATEGORIES            comma list of ${Object.values(CATEGORY_NAMES).join(',')} or A-J
  --report FILE                write the JSON report
  --format text|json           stdout format (text)
  --timeout S, --ready-timeout S, --job-timeout S    seconds (10, 60, 60)
  --expect-kinds K1,K2         kinds every plugin must declare
  --expect-caps LIST           sources,actions,refresh,uihints

Exit: 0 no failure, 1 usage error, 2 run could not start, 3 unknown --plugin, 4 a check failed.
`;

const CAPS: Record<string, keyof ExpectedCaps> = { sources: 'hasSources', actions: 'hasActions', refresh: 'hasRefresh', uihints: 'hasUIHints' };

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((v) => v.trim()).filter(Boolean);
}

function identity(user?: string, groups?: string, token?: string, role?: string): Identity | undefined {
  const result: Identity = {};
  if (user !== undefined) result.user = user;
  if (groups !== undefined) result.groups = list(groups);
  if (token !== undefined) result.token = token;
  if (role !== undefined) result.role = role;
  return Object.keys(result).length > 0 ? result : undefined;
}

function seconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number of seconds, got "${value}"`);
  return n * 1000;
}

/** The flags of 07 §4.1; throws UsageError (exit 1) on anything invalid. */
export function parseCliArgs(argv: string[], env: Record<string, string | undefined>): CliCommand | 'help' {
  const stringFlags = ['server', 'plugin', 'namespace', 'other-namespace', 'user', 'groups', 'token', 'role', 'denied-user', 'denied-groups', 'denied-token', 'reviewer-user', 'reviewer-groups', 'reviewer-token', 'skip', 'report', 'format', 'timeout', 'ready-timeout', 'job-timeout', 'expect-kinds', 'expect-caps'];
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(stringFlags.map((f) => [f, { type: 'string' as const }])),
        fixture: { type: 'string', multiple: true },
        mutate: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return 'help';
  const s = (flag: string) => values[flag] as string | undefined;
  const format = s('format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got "${format}"`);
  const skip = list(s('skip'));
  for (const entry of skip ?? []) if (!categoryLetter(entry)) throw new UsageError(`unknown category "${entry}" (use ${Object.values(CATEGORY_NAMES).join(', ')} or A-J)`);
  const fixtures: Record<string, string> = {};
  for (const spec of (values.fixture as string[] | undefined) ?? []) {
    const at = spec.indexOf('=');
    if (at <= 0 || at === spec.length - 1) throw new UsageError(`--fixture must be PLUGIN=FILE, got "${spec}"`);
    const file = spec.slice(at + 1);
    try {
      fixtures[spec.slice(0, at)] = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read fixture ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  let expectedCaps: ExpectedCaps | undefined;
  for (const cap of list(s('expect-caps')) ?? []) {
    const key = CAPS[cap.toLowerCase()];
    if (!key) throw new UsageError(`unknown capability "${cap}" (use ${Object.keys(CAPS).join(', ')})`);
    (expectedCaps ??= {})[key] = true;
  }
  return {
    format,
    reportFile: s('report'),
    options: {
      serverUrl: s('server') ?? (env.CATALOG_SERVER_URL || 'http://localhost:8080'),
      plugin: s('plugin'),
      namespace: s('namespace'),
      otherNamespace: s('other-namespace'),
      identity: identity(s('user'), s('groups'), s('token'), s('role')),
      deniedIdentity: identity(s('denied-user'), s('denied-groups'), s('denied-token')),
      reviewerIdentity: identity(s('reviewer-user'), s('reviewer-groups'), s('reviewer-token')),
      skip,
      mutate: values.mutate === true,
      fixtures,
      expectedEntityKinds: list(s('expect-kinds')),
      expectedCaps,
      timeoutMs: seconds('timeout', s('timeout')),
      readyTimeoutMs: seconds('ready-timeout', s('ready-timeout')),
      jobTimeoutMs: seconds('job-timeout', s('job-timeout')),
    },
  };
}
