import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { helpText, parseCommandLine } from './commandLine.js';
import { normalizeDsn } from './databaseDsn.js';
import { parseListenAddress } from './listenAddress.js';
import {
  AUTH_MODES,
  AUTHZ_MODES,
  CONFIG_STORE_MODES,
  DATABASE_TYPES,
  GIT_SCHEMES,
  LEADER_ELECTION_BACKENDS,
  LOG_LEVELS,
  MEMORY_DATA_DIR,
  MIGRATION_LOCK_BACKENDS,
  TENANCY_MODES,
  type ConfigDefaults,
  type DatabaseSettings,
  type DatabaseType,
  type GitScheme,
  type ParsedArgs,
  type ServerConfig,
} from './serverConfig.js';
import { SettingReader, type Setting } from './settingReader.js';
import {
  DNS1123_LABEL_EXPECTED,
  DNS1123_SUBDOMAIN_EXPECTED,
  invalidValue,
  isDns1123Label,
  isDns1123Subdomain,
  parseInteger,
  parseOriginList,
  splitList,
} from './values.js';

export interface ParseOptions {
  defaults: ConfigDefaults;
}

/**
 * Flags and environment into a validated ServerConfig (spec 01 §2, §3.1 step 1). Throws UsageError
 * (exit 2) on the first invalid value; relative paths resolve against the working directory.
 * Warnings are for the caller to log once the logger exists; they never contain secret values.
 */
export function parseServerConfig(argv: readonly string[], env: NodeJS.ProcessEnv, options: ParseOptions): ParsedArgs {
  const { defaults } = options;
  const commandLine = parseCommandLine(argv);
  if (commandLine.help) return { kind: 'help', text: helpText(defaults) };
  if (commandLine.version) return { kind: 'version', text: `catalog-server ${defaults.version}` };

  const read = new SettingReader(commandLine.values, env, process.cwd());
  const warnings: string[] = [];
  const podNamespace = read.checked('POD_NAMESPACE', null, dns1123Label);

  const config: ServerConfig = {
    listen: read.checked('CATALOG_LISTEN', { host: '127.0.0.1', port: 8080 }, listenAddress, 'listen'),
    sourcesPath: read.path('CATALOG_SOURCES', defaults.sourcesPath, 'sources'),
    database: readDatabase(read),
    dataDir:
      read.raw('CATALOG_DATA_DIR', 'data-dir')?.value.trim() === MEMORY_DATA_DIR
        ? MEMORY_DATA_DIR
        : read.path('CATALOG_DATA_DIR', 'data', 'data-dir'),
    logLevel: read.enumeration('CATALOG_LOG_LEVEL', LOG_LEVELS, 'info', 'log-level'),
    disabledPlugins: read.checked('CATALOG_DISABLED_PLUGINS', [], pluginNames),
    corsAllowedOrigins: readCorsOrigins(read),
    ui: {
      enabled: read.boolean('CATALOG_UI_ENABLED', true),
      dir: read.path('CATALOG_UI_DIR', defaults.uiDir),
      basePath: read.checked('CATALOG_UI_BASE_PATH', '/', uiBasePath),
      frameAncestors: read.checked('CATALOG_UI_FRAME_ANCESTORS', "'self'", cspSourceList),
    },
    shutdownTimeoutSeconds: read.integer('CATALOG_SHUTDOWN_TIMEOUT_SECONDS', 30),
    initialLoadTimeoutSeconds: read.integer('CATALOG_INITIAL_LOAD_TIMEOUT_SECONDS', 60),
    configStore: {
      mode: read.enumeration('CATALOG_CONFIG_STORE_MODE', CONFIG_STORE_MODES, 'file', 'config-store'),
      reconcileIntervalSeconds: read.integer('CATALOG_CONFIG_RECONCILE_INTERVAL_SECONDS', 30),
      revisionLimit: read.integer('CATALOG_REVISION_LIMIT', 20),
      namespace: read.checked('CATALOG_CONFIG_NAMESPACE', 'default', dns1123Label),
      configMapName: read.checked('CATALOG_CONFIG_CONFIGMAP_NAME', 'catalog-sources', dns1123Subdomain),
      configMapKey: read.checked('CATALOG_CONFIG_CONFIGMAP_KEY', 'sources.yaml', configMapKey),
    },
    dataRoots: read.checked('CATALOG_DATA_ROOTS', null, dataRoots),
    sourceLimits: {
      maxSourceBytes: read.integer('CATALOG_MAX_SOURCE_BYTES', 10 * 1024 * 1024),
      maxItemsPerSource: read.integer('CATALOG_MAX_ITEMS_PER_SOURCE', 50_000),
    },
    refresh: {
      rateLimitSeconds: read.integer('CATALOG_REFRESH_RATE_LIMIT_SECONDS', 30, 0),
      timeoutSeconds: read.integer('CATALOG_REFRESH_TIMEOUT_SECONDS', 300),
      concurrency: read.integer('CATALOG_REFRESH_CONCURRENCY', 4),
    },
    git: {
      allowedSchemes: read.checked('CATALOG_GIT_ALLOWED_SCHEMES', ['https', 'file'], gitSchemes),
      timeoutSeconds: read.integer('CATALOG_GIT_TIMEOUT_SECONDS', 120),
    },
    httpProvider: {
      timeoutSeconds: read.integer('CATALOG_HTTP_TIMEOUT_SECONDS', 30),
    },
    secrets: {
      dir: read.optionalPath('CATALOG_SECRETS_DIR'),
      env: read.withPrefix('CATALOG_SECRET_'),
    },
    tenancy: readTenancy(read, warnings),
    identity: readIdentity(read, warnings),
    authz: {
      mode: read.enumeration('CATALOG_AUTHZ_MODE', AUTHZ_MODES, 'none'),
      authMode: read.enumeration('CATALOG_AUTH_MODE', AUTH_MODES, 'header'),
      cacheTtlSeconds: read.integer('CATALOG_AUTHZ_CACHE_TTL_SECONDS', 10, 0),
      cacheMaxSize: read.integer('CATALOG_AUTHZ_CACHE_MAX_SIZE', 10_000),
      sarTimeoutSeconds: read.integer('CATALOG_AUTHZ_SAR_TIMEOUT_SECONDS', 5),
    },
    audit: {
      enabled: read.boolean('CATALOG_AUDIT_ENABLED', true),
      logDenied: read.boolean('CATALOG_AUDIT_LOG_DENIED', true),
      retentionDays: read.checked<number | null>('CATALOG_AUDIT_RETENTION_DAYS', null, ({ name, value }) =>
        parseInteger(name, value, 0)),
    },
    jobs: {
      enabled: read.boolean('CATALOG_JOB_ENABLED', true),
      concurrency: read.integer('CATALOG_JOB_CONCURRENCY', 3),
      maxRetries: read.integer('CATALOG_JOB_MAX_RETRIES', 3, 0),
      pollIntervalSeconds: read.integer('CATALOG_JOB_POLL_INTERVAL_SECONDS', 5),
      claimTimeoutMinutes: read.integer('CATALOG_JOB_CLAIM_TIMEOUT_MINUTES', 10),
      retentionDays: read.integer('CATALOG_JOB_RETENTION_DAYS', 7),
      retryBackoffSeconds: read.integer('CATALOG_JOB_RETRY_BACKOFF_SECONDS', 10, 0),
      namespaceConcurrency: read.integer('CATALOG_JOB_NAMESPACE_CONCURRENCY', 0, 0),
    },
    cache: {
      enabled: read.boolean('CATALOG_CACHE_ENABLED', true),
      discoveryTtlSeconds: read.integer('CATALOG_CACHE_DISCOVERY_TTL', 60),
      capabilitiesTtlSeconds: read.integer('CATALOG_CACHE_CAPABILITIES_TTL', 30),
      maxSize: read.integer('CATALOG_CACHE_MAX_SIZE', 1000),
    },
    migrationLock: {
      enabled: read.boolean('CATALOG_MIGRATION_LOCK_ENABLED', true),
      backend: read.enumeration('CATALOG_MIGRATION_LOCK_BACKEND', MIGRATION_LOCK_BACKENDS, 'advisory'),
      timeoutSeconds: read.integer('CATALOG_MIGRATION_LOCK_TIMEOUT_SECONDS', 600),
    },
    leaderElection: readLeaderElection(read, podNamespace),
    replica: {
      podName: read.string('POD_NAME', hostname()),
      podNamespace,
    },
    governance: {
      configPath: read.path('CATALOG_GOVERNANCE_CONFIG', '/config/governance.yaml'),
      approvalPoliciesPath: read.path('CATALOG_APPROVAL_POLICIES', '/config/approval-policies.yaml'),
    },
    huggingFace: {
      apiKey: read.raw('HF_API_KEY')?.value ?? null,
      allowedUrls: read.checked('CATALOG_HF_ALLOWED_URLS', [], ({ name, value }) => parseOriginList(name, value)),
    },
    kubeconfig: read.optionalString('KUBECONFIG'),
  };

  if (config.authz.authMode === 'jwt' && config.identity.jwt.publicKeyPath === null && !config.identity.jwt.allowUnverified) {
    throw new UsageError('CATALOG_AUTH_MODE=jwt requires CATALOG_JWT_PUBLIC_KEY_PATH or CATALOG_JWT_ALLOW_UNVERIFIED=true');
  }
  return { kind: 'run', config, warnings };
}

/** Database type and DSN rules of spec 01 §2.1, in the order the messages there are listed. */
function readDatabase(read: SettingReader): DatabaseSettings {
  const typeSetting = read.raw('DATABASE_TYPE', 'db-type');
  const dsnSetting = read.raw('DATABASE_DSN', 'db-dsn');
  const connectTimeoutSeconds = read.integer('CATALOG_DB_CONNECT_TIMEOUT_SECONDS', 60);

  let type: DatabaseType = dsnSetting === undefined ? 'pglite' : 'postgres';
  if (typeSetting !== undefined) {
    const requested = typeSetting.value.trim();
    const known = DATABASE_TYPES.find((candidate) => candidate === requested);
    if (known === undefined) throw new UsageError(`unsupported database type "${requested}" (supported: pglite, postgres)`);
    type = known;
  }
  if (type === 'pglite') {
    if (dsnSetting !== undefined) throw new UsageError('--db-dsn is only valid with --db-type=postgres');
    return { type };
  }
  if (dsnSetting === undefined) throw new UsageError('--db-type=postgres requires --db-dsn or DATABASE_DSN');
  return { type, dsn: normalizeDsn(dsnSetting.name, dsnSetting.value), connectTimeoutSeconds };
}

/** `*` allows every origin; an empty value (unlike every other variable) disables CORS (01 §6.4). */
function readCorsOrigins(read: SettingReader): '*' | string[] {
  const setting = read.exact('CATALOG_CORS_ALLOWED_ORIGINS');
  if (setting === undefined || setting.value.trim() === '*') return '*';
  return parseOriginList(setting.name, setting.value);
}

/** 05 §1.1 and §1.5: the allow-list only exists in namespace mode. */
function readTenancy(read: SettingReader, warnings: string[]): ServerConfig['tenancy'] {
  const mode = read.enumeration('CATALOG_TENANCY_MODE', TENANCY_MODES, 'single');
  const allowList = read.raw('CATALOG_NAMESPACES');
  if (mode === 'single') {
    if (allowList !== undefined) warnings.push('CATALOG_NAMESPACES is ignored because CATALOG_TENANCY_MODE is single');
    return { mode, namespaces: [] };
  }
  return { mode, namespaces: allowList === undefined ? [] : namespaceAllowList(allowList) };
}

function namespaceAllowList({ name, value }: Setting): string[] {
  const namespaces = splitList(value);
  const invalid = namespaces.find((namespace) => !isDns1123Label(namespace));
  if (invalid !== undefined) {
    throw new UsageError(`invalid value "${value}" for ${name}: "${invalid}" is not ${DNS1123_LABEL_EXPECTED}`);
  }
  return namespaces;
}

function readIdentity(read: SettingReader, warnings: string[]): ServerConfig['identity'] {
  const jwt = {
    publicKeyPath: read.optionalPath('CATALOG_JWT_PUBLIC_KEY_PATH'),
    issuer: read.optionalString('CATALOG_JWT_ISSUER'),
    audience: read.optionalString('CATALOG_JWT_AUDIENCE'),
    allowUnverified: read.boolean('CATALOG_JWT_ALLOW_UNVERIFIED', false),
    userClaim: read.checked('CATALOG_JWT_USER_CLAIM', 'sub', claimPath),
    groupsClaim: read.checked('CATALOG_JWT_GROUPS_CLAIM', 'groups', claimPath),
    roleClaim: read.checked('CATALOG_JWT_ROLE_CLAIM', 'role', claimPath),
    operatorValue: read.string('CATALOG_JWT_OPERATOR_VALUE', 'operator'),
  };
  if (jwt.allowUnverified && jwt.publicKeyPath === null) {
    warnings.push(
      'CATALOG_JWT_ALLOW_UNVERIFIED=true: bearer tokens are accepted without signature verification; ' +
        'only run this behind a proxy that verifies them',
    );
  }
  return {
    trustProxyHeaders: read.boolean('CATALOG_TRUST_PROXY_HEADERS', true),
    userHeader: read.checked('CATALOG_IDENTITY_USER_HEADER', 'X-Remote-User', headerName),
    groupsHeader: read.checked('CATALOG_IDENTITY_GROUPS_HEADER', 'X-Remote-Group', headerName),
    userPrefix: read.string('CATALOG_IDENTITY_USER_PREFIX', ''),
    tokenReviewEnabled: read.boolean('CATALOG_TOKEN_REVIEW_ENABLED', false),
    jwt,
  };
}

/** 05 §7.3: validated whether or not election is enabled, so enabling it later cannot fail late. */
function readLeaderElection(read: SettingReader, podNamespace: string | null): ServerConfig['leaderElection'] {
  const leaseDurationSeconds = read.integer('CATALOG_LEADER_LEASE_DURATION', 15);
  const renewDeadlineSeconds = read.integer('CATALOG_LEADER_RENEW_DEADLINE', 10);
  const retryPeriodSeconds = read.integer('CATALOG_LEADER_RETRY_PERIOD', 2);
  // renew > 1.2 × retry, compared in integers to stay clear of floating-point rounding.
  if (!(leaseDurationSeconds > renewDeadlineSeconds && renewDeadlineSeconds * 5 > retryPeriodSeconds * 6)) {
    throw new UsageError(
      `invalid leader election timings: CATALOG_LEADER_LEASE_DURATION (${leaseDurationSeconds}) must be greater than ` +
        `CATALOG_LEADER_RENEW_DEADLINE (${renewDeadlineSeconds}), which must be greater than ` +
        `1.2 × CATALOG_LEADER_RETRY_PERIOD (${retryPeriodSeconds})`,
    );
  }
  return {
    enabled: read.boolean('CATALOG_LEADER_ELECTION_ENABLED', false),
    backend: read.enumeration('CATALOG_LEADER_ELECTION_BACKEND', LEADER_ELECTION_BACKENDS, 'lease'),
    leaseName: read.checked('CATALOG_LEADER_LEASE_NAME', 'catalog-server-leader', dns1123Subdomain),
    leaseNamespace: read.checked('CATALOG_LEADER_LEASE_NAMESPACE', podNamespace ?? 'catalog-system', dns1123Label),
    leaseDurationSeconds,
    renewDeadlineSeconds,
    retryPeriodSeconds,
  };
}

function listenAddress({ name, value }: Setting): ServerConfig['listen'] {
  return parseListenAddress(name, value);
}

function dns1123Label({ name, value }: Setting): string {
  const text = value.trim();
  if (!isDns1123Label(text)) throw invalidValue(name, value, DNS1123_LABEL_EXPECTED);
  return text;
}

function dns1123Subdomain({ name, value }: Setting): string {
  const text = value.trim();
  if (!isDns1123Subdomain(text)) throw invalidValue(name, value, DNS1123_SUBDOMAIN_EXPECTED);
  return text;
}

function configMapKey({ name, value }: Setting): string {
  const text = value.trim();
  if (!/^[-._a-zA-Z0-9]{1,253}$/.test(text)) {
    throw invalidValue(name, value, 'a ConfigMap key (alphanumeric characters, "-", "_" or ".", at most 253 characters)');
  }
  return text;
}

/** Plugin names as 02 §1 defines them. Names no plugin has are harmless: nothing is registered under them. */
function pluginNames({ name, value }: Setting): string[] {
  const names = splitList(value);
  if (names.some((plugin) => !/^[a-z][a-z0-9]{1,30}$/.test(plugin))) {
    throw invalidValue(name, value, 'a comma-separated list of plugin names');
  }
  return names;
}

function dataRoots({ name, value }: Setting): string[] | null {
  const roots = splitList(value, ':');
  if (roots.some((root) => !isAbsolute(root))) {
    throw invalidValue(name, value, 'a ":"-separated list of absolute directories');
  }
  return roots.length === 0 ? null : [...new Set(roots.map((root) => resolve(root)))];
}

function gitSchemes({ name, value }: Setting): GitScheme[] {
  const expected = `a comma-separated subset of ${GIT_SCHEMES.join(', ')}`;
  const schemes = splitList(value);
  if (schemes.length === 0) throw invalidValue(name, value, expected);
  return schemes.map((scheme) => {
    const known = GIT_SCHEMES.find((candidate) => candidate === scheme);
    if (known === undefined) throw invalidValue(name, value, expected);
    return known;
  });
}

/** RFC 9110 token characters: anything else cannot be a header name. */
function headerName({ name, value }: Setting): string {
  const text = value.trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(text)) throw invalidValue(name, value, 'an HTTP header name');
  return text;
}

function claimPath({ name, value }: Setting): string {
  const text = value.trim();
  if (!/^[^.\s]+(\.[^.\s]+)*$/.test(text)) throw invalidValue(name, value, 'a dot path of claim names (e.g. realm_access.roles)');
  return text;
}

/**
 * Written into `<base href>`: it must be a same-origin path (`//host` would be protocol-relative)
 * without characters that could leave the attribute; a missing trailing slash is added because
 * relative asset URLs resolve against the last `/`.
 */
function uiBasePath({ name, value }: Setting): string {
  const text = value.trim();
  if (!/^\/(?!\/)[^\s"'<>?#\\]*$/.test(text)) {
    throw invalidValue(name, value, 'a path starting with "/" (e.g. /catalog/)');
  }
  return text.endsWith('/') ? text : `${text}/`;
}

/** `;` or `,` would start another CSP directive or policy. */
function cspSourceList({ name, value }: Setting): string {
  const text = value.trim();
  if (/[;,\p{Cc}]/u.test(text)) throw invalidValue(name, value, 'a CSP source list (e.g. \'self\' https://dashboard.example.com)');
  return text;
}
