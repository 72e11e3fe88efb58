import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../errors.js';
import { parseServerConfig } from './parseServerConfig.js';
import type { ServerConfig } from './serverConfig.js';

const DEFAULTS = { defaults: { sourcesPath: '/opt/catalog/config/sources.yaml', uiDir: '/opt/catalog/ui/dist', version: '1.2.3' } };

function run(argv: string[], env: NodeJS.ProcessEnv = {}): { config: ServerConfig; warnings: string[] } {
  const parsed = parseServerConfig(argv, env, DEFAULTS);
  assert.equal(parsed.kind, 'run');
  return parsed;
}

function config(env: NodeJS.ProcessEnv, argv: string[] = []): ServerConfig {
  return run(argv, env).config;
}

function usageMessage(env: NodeJS.ProcessEnv, argv: string[] = []): string {
  try {
    parseServerConfig(argv, env, DEFAULTS);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail('expected a UsageError');
}

const EXPECTED_DEFAULTS: ServerConfig = {
  listen: { host: '127.0.0.1', port: 8080 },
  sourcesPath: '/opt/catalog/config/sources.yaml',
  database: { type: 'pglite' },
  dataDir: resolve('data'),
  logLevel: 'info',
  disabledPlugins: [],
  corsAllowedOrigins: '*',
  ui: { enabled: true, dir: '/opt/catalog/ui/dist', basePath: '/', frameAncestors: "'self'" },
  shutdownTimeoutSeconds: 30,
  initialLoadTimeoutSeconds: 60,
  configStore: {
    mode: 'file',
    reconcileIntervalSeconds: 30,
    revisionLimit: 20,
    namespace: 'default',
    configMapName: 'catalog-sources',
    configMapKey: 'sources.yaml',
  },
  dataRoots: null,
  sourceLimits: { maxSourceBytes: 10485760, maxItemsPerSource: 50000 },
  refresh: { rateLimitSeconds: 30, timeoutSeconds: 300, concurrency: 4 },
  git: { allowedSchemes: ['https', 'file'], timeoutSeconds: 120 },
  httpProvider: { timeoutSeconds: 30 },
  secrets: { dir: null, env: {} },
  tenancy: { mode: 'single', namespaces: [] },
  identity: {
    trustProxyHeaders: true,
    userHeader: 'X-Remote-User',
    groupsHeader: 'X-Remote-Group',
    userPrefix: '',
    tokenReviewEnabled: false,
    jwt: {
      publicKeyPath: null,
      issuer: null,
      audience: null,
      allowUnverified: false,
      userClaim: 'sub',
      groupsClaim: 'groups',
      roleClaim: 'role',
      operatorValue: 'operator',
    },
  },
  authz: { mode: 'none', authMode: 'header', cacheTtlSeconds: 10, cacheMaxSize: 10000, sarTimeoutSeconds: 5 },
  audit: { enabled: true, logDenied: true, retentionDays: null },
  jobs: {
    enabled: true,
    concurrency: 3,
    maxRetries: 3,
    pollIntervalSeconds: 5,
    claimTimeoutMinutes: 10,
    retentionDays: 7,
    retryBackoffSeconds: 10,
    namespaceConcurrency: 0,
  },
  cache: { enabled: true, discoveryTtlSeconds: 60, capabilitiesTtlSeconds: 30, maxSize: 1000 },
  migrationLock: { enabled: true, backend: 'advisory', timeoutSeconds: 600 },
  leaderElection: {
    enabled: false,
    backend: 'lease',
    leaseName: 'catalog-server-leader',
    leaseNamespace: 'catalog-system',
    leaseDurationSeconds: 15,
    renewDeadlineSeconds: 10,
    retryPeriodSeconds: 2,
  },
  replica: { podName: hostname(), podNamespace: null },
  governance: { configPath: '/config/governance.yaml', approvalPoliciesPath: '/config/approval-policies.yaml' },
  huggingFace: { apiKey: null, allowedUrls: [] },
  kubeconfig: null,
};

/** A value different from the default for every variable of spec 01 §2.2. */
const EVERY_VARIABLE: NodeJS.ProcessEnv = {
  CATALOG_LISTEN: ':9090',
  CATALOG_SOURCES: '/etc/catalog/sources.yaml',
  DATABASE_TYPE: 'postgres',
  DATABASE_DSN: 'postgres://catalog:pw@pg:5432/catalog',
  CATALOG_DATA_DIR: '/var/lib/catalog',
  CATALOG_CONFIG_STORE_MODE: 'k8s',
  CATALOG_LOG_LEVEL: 'debug',
  CATALOG_DISABLED_PLUGINS: 'skills, policies',
  CATALOG_CORS_ALLOWED_ORIGINS: 'https://ui.example.com',
  CATALOG_UI_ENABLED: 'false',
  CATALOG_UI_DIR: '/srv/ui',
  CATALOG_UI_BASE_PATH: '/catalog',
  CATALOG_UI_FRAME_ANCESTORS: 'https://dashboard.example.com',
  CATALOG_SHUTDOWN_TIMEOUT_SECONDS: '31',
  CATALOG_INITIAL_LOAD_TIMEOUT_SECONDS: '61',
  CATALOG_DB_CONNECT_TIMEOUT_SECONDS: '62',
  CATALOG_CONFIG_NAMESPACE: 'catalog',
  CATALOG_CONFIG_CONFIGMAP_NAME: 'sources',
  CATALOG_CONFIG_CONFIGMAP_KEY: 'main.yaml',
  CATALOG_CONFIG_RECONCILE_INTERVAL_SECONDS: '15',
  CATALOG_REVISION_LIMIT: '5',
  CATALOG_DATA_ROOTS: '/data/a:/data/b',
  CATALOG_MAX_SOURCE_BYTES: '1024',
  CATALOG_MAX_ITEMS_PER_SOURCE: '10',
  CATALOG_REFRESH_RATE_LIMIT_SECONDS: '0',
  CATALOG_REFRESH_TIMEOUT_SECONDS: '100',
  CATALOG_REFRESH_CONCURRENCY: '2',
  CATALOG_GIT_ALLOWED_SCHEMES: 'https,http,file',
  CATALOG_GIT_TIMEOUT_SECONDS: '60',
  CATALOG_HTTP_TIMEOUT_SECONDS: '10',
  CATALOG_SECRETS_DIR: '/run/secrets',
  CATALOG_SECRET_GIT_TOKEN: 'tok',
  CATALOG_TENANCY_MODE: 'namespace',
  CATALOG_NAMESPACES: 'team-a,default',
  CATALOG_AUTHZ_MODE: 'role',
  CATALOG_TRUST_PROXY_HEADERS: 'no',
  CATALOG_IDENTITY_USER_HEADER: 'X-Forwarded-User',
  CATALOG_IDENTITY_GROUPS_HEADER: 'X-Forwarded-Groups',
  CATALOG_IDENTITY_USER_PREFIX: 'oidc:',
  CATALOG_AUTH_MODE: 'jwt',
  CATALOG_JWT_ROLE_CLAIM: 'realm_access.role',
  CATALOG_JWT_OPERATOR_VALUE: 'admin',
  CATALOG_JWT_PUBLIC_KEY_PATH: '/keys/jwt.pem',
  CATALOG_JWT_ISSUER: 'https://issuer.example.com',
  CATALOG_JWT_AUDIENCE: 'catalog',
  CATALOG_JWT_ALLOW_UNVERIFIED: 'false',
  CATALOG_JWT_USER_CLAIM: 'preferred_username',
  CATALOG_JWT_GROUPS_CLAIM: 'realm_access.roles',
  CATALOG_TOKEN_REVIEW_ENABLED: 'true',
  CATALOG_AUTHZ_CACHE_TTL_SECONDS: '0',
  CATALOG_AUTHZ_CACHE_MAX_SIZE: '50',
  CATALOG_AUTHZ_SAR_TIMEOUT_SECONDS: '2',
  CATALOG_AUDIT_ENABLED: 'false',
  CATALOG_AUDIT_RETENTION_DAYS: '0',
  CATALOG_AUDIT_LOG_DENIED: 'false',
  CATALOG_JOB_ENABLED: 'false',
  CATALOG_JOB_CONCURRENCY: '8',
  CATALOG_JOB_MAX_RETRIES: '0',
  CATALOG_JOB_POLL_INTERVAL_SECONDS: '1',
  CATALOG_JOB_CLAIM_TIMEOUT_MINUTES: '2',
  CATALOG_JOB_RETENTION_DAYS: '3',
  CATALOG_JOB_RETRY_BACKOFF_SECONDS: '0',
  CATALOG_JOB_NAMESPACE_CONCURRENCY: '2',
  CATALOG_CACHE_ENABLED: 'false',
  CATALOG_CACHE_DISCOVERY_TTL: '6',
  CATALOG_CACHE_CAPABILITIES_TTL: '3',
  CATALOG_CACHE_MAX_SIZE: '100',
  CATALOG_MIGRATION_LOCK_ENABLED: 'false',
  CATALOG_MIGRATION_LOCK_BACKEND: 'table',
  CATALOG_MIGRATION_LOCK_TIMEOUT_SECONDS: '60',
  CATALOG_LEADER_ELECTION_ENABLED: 'true',
  CATALOG_LEADER_ELECTION_BACKEND: 'postgres',
  CATALOG_LEADER_LEASE_NAME: 'leader.catalog',
  CATALOG_LEADER_LEASE_NAMESPACE: 'ops',
  CATALOG_LEADER_LEASE_DURATION: '30',
  CATALOG_LEADER_RENEW_DEADLINE: '20',
  CATALOG_LEADER_RETRY_PERIOD: '4',
  POD_NAME: 'catalog-server-7d9f-abcde',
  POD_NAMESPACE: 'catalog',
  CATALOG_GOVERNANCE_CONFIG: '/etc/catalog/governance.yaml',
  CATALOG_APPROVAL_POLICIES: '/etc/catalog/approval-policies.yaml',
  HF_API_KEY: 'hf_secret',
  CATALOG_HF_ALLOWED_URLS: 'http://127.0.0.1:9999',
  KUBECONFIG: '/home/me/.kube/config',
};

describe('parseServerConfig: defaults and every variable', () => {
  it('defaults every setting as spec 01 §2.2 states', () => {
    assert.deepEqual(run([], {}), { kind: 'run', config: EXPECTED_DEFAULTS, warnings: [] });
  });

  it('reads every variable of spec 01 §2.2', () => {
    assert.deepEqual(run([], EVERY_VARIABLE), {
      kind: 'run',
      warnings: [],
      config: {
        listen: { host: null, port: 9090 },
        sourcesPath: '/etc/catalog/sources.yaml',
        database: { type: 'postgres', dsn: 'postgres://catalog:pw@pg:5432/catalog', connectTimeoutSeconds: 62 },
        dataDir: '/var/lib/catalog',
        logLevel: 'debug',
        disabledPlugins: ['skills', 'policies'],
        corsAllowedOrigins: ['https://ui.example.com'],
        ui: { enabled: false, dir: '/srv/ui', basePath: '/catalog/', frameAncestors: 'https://dashboard.example.com' },
        shutdownTimeoutSeconds: 31,
        initialLoadTimeoutSeconds: 61,
        configStore: {
          mode: 'k8s',
          reconcileIntervalSeconds: 15,
          revisionLimit: 5,
          namespace: 'catalog',
          configMapName: 'sources',
          configMapKey: 'main.yaml',
        },
        dataRoots: ['/data/a', '/data/b'],
        sourceLimits: { maxSourceBytes: 1024, maxItemsPerSource: 10 },
        refresh: { rateLimitSeconds: 0, timeoutSeconds: 100, concurrency: 2 },
        git: { allowedSchemes: ['https', 'http', 'file'], timeoutSeconds: 60 },
        httpProvider: { timeoutSeconds: 10 },
        secrets: { dir: '/run/secrets', env: { CATALOG_SECRET_GIT_TOKEN: 'tok' } },
        tenancy: { mode: 'namespace', namespaces: ['team-a', 'default'] },
        identity: {
          trustProxyHeaders: false,
          userHeader: 'X-Forwarded-User',
          groupsHeader: 'X-Forwarded-Groups',
          userPrefix: 'oidc:',
          tokenReviewEnabled: true,
          jwt: {
            publicKeyPath: '/keys/jwt.pem',
            issuer: 'https://issuer.example.com',
            audience: 'catalog',
            allowUnverified: false,
            userClaim: 'preferred_username',
            groupsClaim: 'realm_access.roles',
            roleClaim: 'realm_access.role',
            operatorValue: 'admin',
          },
        },
        authz: { mode: 'role', authMode: 'jwt', cacheTtlSeconds: 0, cacheMaxSize: 50, sarTimeoutSeconds: 2 },
        audit: { enabled: false, logDenied: false, retentionDays: 0 },
        jobs: {
          enabled: false,
          concurrency: 8,
          maxRetries: 0,
          pollIntervalSeconds: 1,
          claimTimeoutMinutes: 2,
          retentionDays: 3,
          retryBackoffSeconds: 0,
          namespaceConcurrency: 2,
        },
        cache: { enabled: false, discoveryTtlSeconds: 6, capabilitiesTtlSeconds: 3, maxSize: 100 },
        migrationLock: { enabled: false, backend: 'table', timeoutSeconds: 60 },
        leaderElection: {
          enabled: true,
          backend: 'postgres',
          leaseName: 'leader.catalog',
          leaseNamespace: 'ops',
          leaseDurationSeconds: 30,
          renewDeadlineSeconds: 20,
          retryPeriodSeconds: 4,
        },
        replica: { podName: 'catalog-server-7d9f-abcde', podNamespace: 'catalog' },
        governance: { configPath: '/etc/catalog/governance.yaml', approvalPoliciesPath: '/etc/catalog/approval-policies.yaml' },
        huggingFace: { apiKey: 'hf_secret', allowedUrls: ['http://127.0.0.1:9999'] },
        kubeconfig: '/home/me/.kube/config',
      },
    });
  });

  it('treats blank values as unset', () => {
    const blank = Object.fromEntries(
      Object.keys(EVERY_VARIABLE)
        .filter((name) => name !== 'CATALOG_CORS_ALLOWED_ORIGINS' && !name.startsWith('CATALOG_SECRET_'))
        .map((name) => [name, ' ']),
    );
    assert.deepEqual(config(blank), EXPECTED_DEFAULTS);
  });

  it('resolves relative paths against the working directory', () => {
    const relative = config({
      CATALOG_SOURCES: 'config/sources.yaml',
      CATALOG_DATA_DIR: 'var/data',
      CATALOG_UI_DIR: 'ui',
      CATALOG_SECRETS_DIR: 'secrets',
      CATALOG_JWT_PUBLIC_KEY_PATH: 'jwt.pem',
      CATALOG_GOVERNANCE_CONFIG: 'config/governance.yaml',
      CATALOG_APPROVAL_POLICIES: 'config/approval-policies.yaml',
    });
    assert.equal(relative.sourcesPath, resolve('config/sources.yaml'));
    assert.equal(relative.dataDir, resolve('var/data'));
    assert.equal(relative.ui.dir, resolve('ui'));
    assert.equal(relative.secrets.dir, resolve('secrets'));
    assert.equal(relative.identity.jwt.publicKeyPath, resolve('jwt.pem'));
    assert.equal(relative.governance.configPath, resolve('config/governance.yaml'));
    assert.equal(relative.governance.approvalPoliciesPath, resolve('config/approval-policies.yaml'));
  });
});

describe('parseServerConfig: flags', () => {
  const flagCases: Array<{ flag: string; env: string; flagValue: string; envValue: string; read: (c: ServerConfig) => unknown; fromFlag: unknown; fromEnv: unknown }> = [
    { flag: 'listen', env: 'CATALOG_LISTEN', flagValue: ':1', envValue: ':2', read: (c) => c.listen.port, fromFlag: 1, fromEnv: 2 },
    { flag: 'sources', env: 'CATALOG_SOURCES', flagValue: '/f.yaml', envValue: '/e.yaml', read: (c) => c.sourcesPath, fromFlag: '/f.yaml', fromEnv: '/e.yaml' },
    { flag: 'data-dir', env: 'CATALOG_DATA_DIR', flagValue: '/f', envValue: '/e', read: (c) => c.dataDir, fromFlag: '/f', fromEnv: '/e' },
    { flag: 'config-store', env: 'CATALOG_CONFIG_STORE_MODE', flagValue: 'db', envValue: 'none', read: (c) => c.configStore.mode, fromFlag: 'db', fromEnv: 'none' },
    { flag: 'log-level', env: 'CATALOG_LOG_LEVEL', flagValue: 'trace', envValue: 'fatal', read: (c) => c.logLevel, fromFlag: 'trace', fromEnv: 'fatal' },
    {
      flag: 'db-dsn', env: 'DATABASE_DSN', flagValue: 'postgres://f/db', envValue: 'postgres://e/db',
      read: (c) => (c.database.type === 'postgres' ? c.database.dsn : undefined), fromFlag: 'postgres://f/db', fromEnv: 'postgres://e/db',
    },
  ];

  for (const { flag, env, flagValue, envValue, read, fromFlag, fromEnv } of flagCases) {
    it(`--${flag} wins over ${env}, which wins over the default`, () => {
      assert.equal(read(config({ [env]: envValue }, [`--${flag}=${flagValue}`])), fromFlag);
      assert.equal(read(config({ [env]: envValue }, [`--${flag}`, flagValue])), fromFlag);
      assert.equal(read(config({ [env]: envValue }, [`-${flag}=${flagValue}`])), fromFlag);
      assert.equal(read(config({ [env]: envValue })), fromEnv);
      assert.equal(read(config({ [env]: envValue }, [`--${flag}=`])), fromEnv, 'a blank flag counts as unset');
    });
  }

  it('--db-type wins over DATABASE_TYPE', () => {
    assert.equal(config({ DATABASE_TYPE: 'postgres' }, ['--db-type=pglite']).database.type, 'pglite');
    assert.equal(config({ DATABASE_TYPE: 'pglite', DATABASE_DSN: 'postgres://h/d' }, ['--db-type', 'postgres']).database.type, 'postgres');
  });

  it('names the flag, not the variable, in messages about a flag value', () => {
    assert.equal(usageMessage({ CATALOG_LISTEN: ':1' }, ['--listen=nope']), 'invalid value "nope" for --listen: expected host:port, :port or [ipv6]:port with a port from 0 to 65535');
    assert.equal(usageMessage({}, ['-log-level=loud']), 'invalid value "loud" for --log-level: expected one of trace, debug, info, warn, error, fatal');
    assert.equal(usageMessage({}, ['--config-store', 'git']), 'invalid value "git" for --config-store: expected one of file, k8s, db, none');
  });

  it('names the variable in messages about an environment value', () => {
    assert.equal(usageMessage({ CATALOG_LISTEN: '8080' }), 'invalid value "8080" for CATALOG_LISTEN: expected host:port, :port or [ipv6]:port with a port from 0 to 65535');
    assert.equal(usageMessage({ CATALOG_LOG_LEVEL: 'verbose' }), 'invalid value "verbose" for CATALOG_LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal');
    assert.equal(usageMessage({ CATALOG_CONFIG_STORE_MODE: 'configmap' }), 'invalid value "configmap" for CATALOG_CONFIG_STORE_MODE: expected one of file, k8s, db, none');
  });

  it('refuses unknown flags with exit code 2', () => {
    assert.equal(usageMessage({}, ['--port=8080']), 'unknown flag "--port"');
  });

  it('accepts every listen form', () => {
    assert.deepEqual(config({}, ['--listen=:8080']).listen, { host: null, port: 8080 });
    assert.deepEqual(config({}, ['--listen', '[::1]:8080']).listen, { host: '::1', port: 8080 });
    assert.deepEqual(config({}, ['--listen=127.0.0.1:0']).listen, { host: '127.0.0.1', port: 0 });
    assert.deepEqual(config({}, ['--listen=localhost:3000']).listen, { host: 'localhost', port: 3000 });
  });

  it('keeps memory:// as the data directory', () => {
    assert.equal(config({}, ['--data-dir=memory://']).dataDir, 'memory://');
    assert.equal(config({ CATALOG_DATA_DIR: 'memory://' }).dataDir, 'memory://');
  });
});

describe('parseServerConfig: --help and --version', () => {
  it('prints usage, even when the environment is invalid', () => {
    const parsed = parseServerConfig(['--help'], { CATALOG_JOB_CONCURRENCY: 'abc' }, DEFAULTS);
    assert.equal(parsed.kind, 'help');
    assert.match(parsed.text, /^Usage: catalog-server \[flags\]/);
    assert.match(parsed.text, /--sources <path>\n.*\n {6}env CATALOG_SOURCES, default \/opt\/catalog\/config\/sources\.yaml/);
  });

  it('prints the version', () => {
    assert.deepEqual(parseServerConfig(['-version'], {}, DEFAULTS), { kind: 'version', text: 'catalog-server 1.2.3' });
  });

  it('still refuses unknown flags next to --help', () => {
    assert.equal(usageMessage({}, ['--help', '--bogus']), 'unknown flag "--bogus"');
  });
});

describe('parseServerConfig: database selection', () => {
  it('uses pglite without a DSN and postgres when a DSN is given', () => {
    assert.deepEqual(config({}).database, { type: 'pglite' });
    assert.deepEqual(config({ DATABASE_DSN: 'postgres://u:p@h/d' }).database, { type: 'postgres', dsn: 'postgres://u:p@h/d', connectTimeoutSeconds: 60 });
    assert.deepEqual(config({}, ['--db-dsn=postgres://h/d']).database, { type: 'postgres', dsn: 'postgres://h/d', connectTimeoutSeconds: 60 });
  });

  it('accepts the libpq key/value form and normalizes it', () => {
    assert.deepEqual(config({ DATABASE_TYPE: 'postgres', DATABASE_DSN: 'host=pg user=catalog password=x dbname=catalog sslmode=disable' }).database, {
      type: 'postgres',
      dsn: 'postgresql://catalog:x@pg/catalog?sslmode=disable',
      connectTimeoutSeconds: 60,
    });
  });

  it('refuses unsupported types', () => {
    assert.equal(usageMessage({}, ['--db-type=mysql']), 'unsupported database type "mysql" (supported: pglite, postgres)');
    assert.equal(usageMessage({ DATABASE_TYPE: 'sqlite' }), 'unsupported database type "sqlite" (supported: pglite, postgres)');
    assert.equal(usageMessage({ DATABASE_TYPE: 'Postgres', DATABASE_DSN: 'postgres://h/d' }), 'unsupported database type "Postgres" (supported: pglite, postgres)');
  });

  it('refuses a DSN with pglite', () => {
    assert.equal(usageMessage({}, ['--db-type=pglite', '--db-dsn=postgres://h/d']), '--db-dsn is only valid with --db-type=postgres');
    assert.equal(usageMessage({ DATABASE_TYPE: 'pglite', DATABASE_DSN: 'postgres://h/d' }), '--db-dsn is only valid with --db-type=postgres');
  });

  it('refuses postgres without a DSN', () => {
    assert.equal(usageMessage({}, ['--db-type=postgres']), '--db-type=postgres requires --db-dsn or DATABASE_DSN');
    assert.equal(usageMessage({ DATABASE_TYPE: 'postgres', DATABASE_DSN: '' }), '--db-type=postgres requires --db-dsn or DATABASE_DSN');
  });

  it('refuses a malformed DSN without echoing it', () => {
    const message = usageMessage({ DATABASE_DSN: 'host=pg password=hunter2 colour=blue' });
    assert.equal(message, 'invalid value for DATABASE_DSN: expected a PostgreSQL URL (postgres://…) or a libpq key/value string (unknown connection option "colour")');
    assert.ok(!message.includes('hunter2'));
  });

  it('validates the connect timeout whatever the type', () => {
    assert.equal(usageMessage({ CATALOG_DB_CONNECT_TIMEOUT_SECONDS: '0' }), 'invalid value "0" for CATALOG_DB_CONNECT_TIMEOUT_SECONDS: expected a positive integer');
  });
});

describe('parseServerConfig: value types', () => {
  const BOOLEANS: Array<[string, (c: ServerConfig) => boolean]> = [
    ['CATALOG_UI_ENABLED', (c) => c.ui.enabled],
    ['CATALOG_TRUST_PROXY_HEADERS', (c) => c.identity.trustProxyHeaders],
    ['CATALOG_JWT_ALLOW_UNVERIFIED', (c) => c.identity.jwt.allowUnverified],
    ['CATALOG_TOKEN_REVIEW_ENABLED', (c) => c.identity.tokenReviewEnabled],
    ['CATALOG_AUDIT_ENABLED', (c) => c.audit.enabled],
    ['CATALOG_AUDIT_LOG_DENIED', (c) => c.audit.logDenied],
    ['CATALOG_JOB_ENABLED', (c) => c.jobs.enabled],
    ['CATALOG_CACHE_ENABLED', (c) => c.cache.enabled],
    ['CATALOG_MIGRATION_LOCK_ENABLED', (c) => c.migrationLock.enabled],
    ['CATALOG_LEADER_ELECTION_ENABLED', (c) => c.leaderElection.enabled],
  ];

  for (const [name, read] of BOOLEANS) {
    it(`${name} is a boolean`, () => {
      for (const word of ['true', 'TRUE', '1', 'yes', 'Yes']) assert.equal(read(config({ [name]: word })), true, word);
      for (const word of ['false', 'False', '0', 'no', 'NO']) assert.equal(read(config({ [name]: word })), false, word);
      assert.equal(usageMessage({ [name]: 'maybe' }), `invalid value "maybe" for ${name}: expected a boolean (true, false, 1, 0, yes, no)`);
    });
  }

  const POSITIVE_INTEGERS = [
    'CATALOG_SHUTDOWN_TIMEOUT_SECONDS', 'CATALOG_INITIAL_LOAD_TIMEOUT_SECONDS', 'CATALOG_DB_CONNECT_TIMEOUT_SECONDS',
    'CATALOG_CONFIG_RECONCILE_INTERVAL_SECONDS', 'CATALOG_REVISION_LIMIT', 'CATALOG_MAX_SOURCE_BYTES', 'CATALOG_MAX_ITEMS_PER_SOURCE',
    'CATALOG_REFRESH_TIMEOUT_SECONDS', 'CATALOG_REFRESH_CONCURRENCY', 'CATALOG_GIT_TIMEOUT_SECONDS', 'CATALOG_HTTP_TIMEOUT_SECONDS',
    'CATALOG_AUTHZ_CACHE_MAX_SIZE', 'CATALOG_AUTHZ_SAR_TIMEOUT_SECONDS', 'CATALOG_JOB_CONCURRENCY', 'CATALOG_JOB_POLL_INTERVAL_SECONDS',
    'CATALOG_JOB_CLAIM_TIMEOUT_MINUTES', 'CATALOG_JOB_RETENTION_DAYS', 'CATALOG_CACHE_DISCOVERY_TTL', 'CATALOG_CACHE_CAPABILITIES_TTL',
    'CATALOG_CACHE_MAX_SIZE', 'CATALOG_MIGRATION_LOCK_TIMEOUT_SECONDS', 'CATALOG_LEADER_LEASE_DURATION',
    'CATALOG_LEADER_RENEW_DEADLINE', 'CATALOG_LEADER_RETRY_PERIOD',
  ];
  const NON_NEGATIVE_INTEGERS: Array<[string, (c: ServerConfig) => number | null]> = [
    ['CATALOG_REFRESH_RATE_LIMIT_SECONDS', (c) => c.refresh.rateLimitSeconds],
    ['CATALOG_AUTHZ_CACHE_TTL_SECONDS', (c) => c.authz.cacheTtlSeconds],
    ['CATALOG_AUDIT_RETENTION_DAYS', (c) => c.audit.retentionDays],
    ['CATALOG_JOB_MAX_RETRIES', (c) => c.jobs.maxRetries],
    ['CATALOG_JOB_RETRY_BACKOFF_SECONDS', (c) => c.jobs.retryBackoffSeconds],
    ['CATALOG_JOB_NAMESPACE_CONCURRENCY', (c) => c.jobs.namespaceConcurrency],
  ];

  for (const name of POSITIVE_INTEGERS) {
    it(`${name} is a positive integer`, () => {
      for (const bad of ['abc', '0', '-1', '1.5', '1e2']) {
        assert.equal(usageMessage({ [name]: bad }), `invalid value "${bad}" for ${name}: expected a positive integer`);
      }
    });
  }

  for (const [name, read] of NON_NEGATIVE_INTEGERS) {
    it(`${name} is an integer ≥ 0`, () => {
      assert.equal(read(config({ [name]: '0' })), 0);
      assert.equal(read(config({ [name]: '7' })), 7);
      for (const bad of ['abc', '-1', '2.0']) {
        assert.equal(usageMessage({ [name]: bad }), `invalid value "${bad}" for ${name}: expected a non-negative integer`);
      }
    });
  }

  const ENUMS: Array<[string, string]> = [
    ['CATALOG_TENANCY_MODE', 'single, namespace'],
    ['CATALOG_AUTHZ_MODE', 'none, role, sar'],
    ['CATALOG_AUTH_MODE', 'header, jwt'],
    ['CATALOG_MIGRATION_LOCK_BACKEND', 'advisory, table'],
    ['CATALOG_LEADER_ELECTION_BACKEND', 'lease, postgres'],
  ];
  for (const [name, allowed] of ENUMS) {
    it(`${name} is one of ${allowed}`, () => {
      assert.equal(usageMessage({ [name]: 'other' }), `invalid value "other" for ${name}: expected one of ${allowed}`);
    });
  }

  it('keeps the audit retention unset unless the variable is set', () => {
    assert.equal(config({}).audit.retentionDays, null);
    assert.equal(config({ CATALOG_AUDIT_RETENTION_DAYS: '30' }).audit.retentionDays, 30);
  });
});

describe('parseServerConfig: tenancy', () => {
  it('trims, drops empty entries and removes duplicates keeping the first', () => {
    const { tenancy } = config({ CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: ' team-b, default,,team-a , team-b ,' });
    assert.deepEqual(tenancy, { mode: 'namespace', namespaces: ['team-b', 'default', 'team-a'] });
  });

  it('accepts every namespace when the list is unset or empty', () => {
    assert.deepEqual(config({ CATALOG_TENANCY_MODE: 'namespace' }).tenancy.namespaces, []);
    assert.deepEqual(config({ CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: '' }).tenancy.namespaces, []);
  });

  it('refuses entries that are not DNS-1123 labels', () => {
    for (const bad of ['Team-A', 'team_a', '-team', 'team-', 'a'.repeat(64)]) {
      assert.equal(
        usageMessage({ CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: `team-a,${bad}` }),
        `invalid value "team-a,${bad}" for CATALOG_NAMESPACES: "${bad}" is not a DNS-1123 label (lowercase alphanumeric characters or hyphens, starting and ending with an alphanumeric character, at most 63 characters)`,
      );
    }
  });

  it('ignores the list in single mode, with a warning', () => {
    const { config: single, warnings } = run([], { CATALOG_NAMESPACES: 'team-a,Not_Valid' });
    assert.deepEqual(single.tenancy, { mode: 'single', namespaces: [] });
    assert.deepEqual(warnings, ['CATALOG_NAMESPACES is ignored because CATALOG_TENANCY_MODE is single']);
  });
});

describe('parseServerConfig: leader election timings', () => {
  function timings(duration: string, renew: string, retry: string): NodeJS.ProcessEnv {
    return { CATALOG_LEADER_LEASE_DURATION: duration, CATALOG_LEADER_RENEW_DEADLINE: renew, CATALOG_LEADER_RETRY_PERIOD: retry };
  }

  it('accepts duration > renew deadline > 1.2 × retry period', () => {
    const election = config(timings('4', '3', '2')).leaderElection;
    assert.deepEqual([election.leaseDurationSeconds, election.renewDeadlineSeconds, election.retryPeriodSeconds], [4, 3, 2]);
    assert.equal(config(timings('14', '13', '10')).leaderElection.renewDeadlineSeconds, 13);
  });

  it('refuses other orders with exit code 2, even with election disabled', () => {
    const cases: Array<[string, string, string]> = [['10', '10', '2'], ['10', '12', '2'], ['20', '12', '10'], ['20', '6', '5']];
    for (const [duration, renew, retry] of cases) {
      assert.equal(
        usageMessage(timings(duration, renew, retry)),
        `invalid leader election timings: CATALOG_LEADER_LEASE_DURATION (${duration}) must be greater than CATALOG_LEADER_RENEW_DEADLINE (${renew}), which must be greater than 1.2 × CATALOG_LEADER_RETRY_PERIOD (${retry})`,
      );
    }
  });

  it('refuses a zero retry period as a non-positive integer', () => {
    assert.equal(usageMessage(timings('15', '10', '0')), 'invalid value "0" for CATALOG_LEADER_RETRY_PERIOD: expected a positive integer');
  });

  it('defaults the lease namespace to POD_NAMESPACE, else catalog-system', () => {
    assert.equal(config({ POD_NAMESPACE: 'catalog' }).leaderElection.leaseNamespace, 'catalog');
    assert.equal(config({ POD_NAMESPACE: 'catalog', CATALOG_LEADER_LEASE_NAMESPACE: 'ops' }).leaderElection.leaseNamespace, 'ops');
    assert.equal(config({}).leaderElection.leaseNamespace, 'catalog-system');
  });

  it('validates Kubernetes names', () => {
    assert.equal(
      usageMessage({ CATALOG_LEADER_LEASE_NAME: 'Leader' }),
      'invalid value "Leader" for CATALOG_LEADER_LEASE_NAME: expected a DNS-1123 subdomain (dot-separated DNS-1123 labels, at most 253 characters)',
    );
    assert.equal(
      usageMessage({ CATALOG_LEADER_LEASE_NAMESPACE: 'a.b' }),
      'invalid value "a.b" for CATALOG_LEADER_LEASE_NAMESPACE: expected a DNS-1123 label (lowercase alphanumeric characters or hyphens, starting and ending with an alphanumeric character, at most 63 characters)',
    );
    assert.match(usageMessage({ POD_NAMESPACE: 'Catalog' }), /^invalid value "Catalog" for POD_NAMESPACE: expected a DNS-1123 label/);
  });
});

describe('parseServerConfig: config store, sources and providers', () => {
  it('validates the Kubernetes store coordinates', () => {
    assert.match(usageMessage({ CATALOG_CONFIG_NAMESPACE: 'My_NS' }), /^invalid value "My_NS" for CATALOG_CONFIG_NAMESPACE: expected a DNS-1123 label/);
    assert.match(usageMessage({ CATALOG_CONFIG_CONFIGMAP_NAME: 'Sources' }), /^invalid value "Sources" for CATALOG_CONFIG_CONFIGMAP_NAME: expected a DNS-1123 subdomain/);
    assert.equal(
      usageMessage({ CATALOG_CONFIG_CONFIGMAP_KEY: 'a/b' }),
      'invalid value "a/b" for CATALOG_CONFIG_CONFIGMAP_KEY: expected a ConfigMap key (alphanumeric characters, "-", "_" or ".", at most 253 characters)',
    );
  });

  it('reads data roots as ":"-separated absolute directories', () => {
    assert.deepEqual(config({ CATALOG_DATA_ROOTS: '/a/../b::/c/' }).dataRoots, ['/b', '/c']);
    assert.deepEqual(config({ CATALOG_DATA_ROOTS: '/data:/srv/data/:/data' }).dataRoots, ['/data', '/srv/data']);
    assert.equal(config({ CATALOG_DATA_ROOTS: ':' }).dataRoots, null);
    assert.equal(
      usageMessage({ CATALOG_DATA_ROOTS: '/data:relative' }),
      'invalid value "/data:relative" for CATALOG_DATA_ROOTS: expected a ":"-separated list of absolute directories',
    );
  });

  it('reads the git schemes as a subset of https, http, file', () => {
    assert.deepEqual(config({ CATALOG_GIT_ALLOWED_SCHEMES: ' file ,https,file' }).git.allowedSchemes, ['file', 'https']);
    for (const bad of ['ssh', 'https,ssh', ',', 'HTTPS']) {
      assert.equal(
        usageMessage({ CATALOG_GIT_ALLOWED_SCHEMES: bad }),
        `invalid value "${bad}" for CATALOG_GIT_ALLOWED_SCHEMES: expected a comma-separated subset of https, http, file`,
      );
    }
  });

  it('collects exactly the CATALOG_SECRET_* variables for {env: …} references', () => {
    const { secrets } = config({ CATALOG_SECRET_A: 'x', CATALOG_SECRET_B: '', CATALOG_SECRETS_DIR: '/s', DATABASE_DSN: 'postgres://h/d' });
    assert.deepEqual(secrets, { dir: '/s', env: { CATALOG_SECRET_A: 'x', CATALOG_SECRET_B: '' } });
  });

  it('reads disabled plugins as a list of plugin names', () => {
    assert.deepEqual(config({ CATALOG_DISABLED_PLUGINS: 'mcp, model,mcp' }).disabledPlugins, ['mcp', 'model']);
    assert.equal(
      usageMessage({ CATALOG_DISABLED_PLUGINS: 'mcp,MCP_Catalog' }),
      'invalid value "mcp,MCP_Catalog" for CATALOG_DISABLED_PLUGINS: expected a comma-separated list of plugin names',
    );
  });

  it('reads the Hugging Face preview origins', () => {
    assert.deepEqual(config({ CATALOG_HF_ALLOWED_URLS: 'http://127.0.0.1:8081, https://hf.internal/' }).huggingFace.allowedUrls, [
      'http://127.0.0.1:8081',
      'https://hf.internal',
    ]);
    assert.match(usageMessage({ CATALOG_HF_ALLOWED_URLS: 'hf.internal' }), /^invalid value "hf.internal" for CATALOG_HF_ALLOWED_URLS/);
  });
});

describe('parseServerConfig: HTTP, UI and CORS', () => {
  it('allows every origin by default and with "*", none with an empty value, else exactly the list', () => {
    assert.equal(config({}).corsAllowedOrigins, '*');
    assert.equal(config({ CATALOG_CORS_ALLOWED_ORIGINS: ' * ' }).corsAllowedOrigins, '*');
    assert.deepEqual(config({ CATALOG_CORS_ALLOWED_ORIGINS: '' }).corsAllowedOrigins, []);
    assert.deepEqual(config({ CATALOG_CORS_ALLOWED_ORIGINS: 'https://a.example.com,http://localhost:5173' }).corsAllowedOrigins, [
      'https://a.example.com',
      'http://localhost:5173',
    ]);
    assert.match(usageMessage({ CATALOG_CORS_ALLOWED_ORIGINS: '*,https://a.example.com' }), /^invalid value "\*,https:\/\/a.example.com" for CATALOG_CORS_ALLOWED_ORIGINS/);
  });

  it('normalizes the UI base path and refuses what cannot be a same-origin path', () => {
    assert.equal(config({ CATALOG_UI_BASE_PATH: '/catalog/' }).ui.basePath, '/catalog/');
    assert.equal(config({ CATALOG_UI_BASE_PATH: '/a/b' }).ui.basePath, '/a/b/');
    for (const bad of ['catalog/', '//evil.example.com/', '/a b/', '/a"/', '/a?x']) {
      assert.equal(usageMessage({ CATALOG_UI_BASE_PATH: bad }), `invalid value "${bad}" for CATALOG_UI_BASE_PATH: expected a path starting with "/" (e.g. /catalog/)`);
    }
  });

  it('refuses frame ancestors that would add CSP directives', () => {
    assert.equal(config({ CATALOG_UI_FRAME_ANCESTORS: "'self' https://a.example.com" }).ui.frameAncestors, "'self' https://a.example.com");
    assert.equal(
      usageMessage({ CATALOG_UI_FRAME_ANCESTORS: "'self'; script-src *" }),
      `invalid value "'self'; script-src *" for CATALOG_UI_FRAME_ANCESTORS: expected a CSP source list (e.g. 'self' https://dashboard.example.com)`,
    );
  });
});

describe('parseServerConfig: identity', () => {
  it('validates header names and claim paths', () => {
    assert.equal(usageMessage({ CATALOG_IDENTITY_USER_HEADER: 'X Remote User' }), 'invalid value "X Remote User" for CATALOG_IDENTITY_USER_HEADER: expected an HTTP header name');
    assert.match(usageMessage({ CATALOG_IDENTITY_GROUPS_HEADER: 'X:Group' }), /for CATALOG_IDENTITY_GROUPS_HEADER: expected an HTTP header name$/);
    for (const name of ['CATALOG_JWT_USER_CLAIM', 'CATALOG_JWT_GROUPS_CLAIM', 'CATALOG_JWT_ROLE_CLAIM']) {
      assert.equal(usageMessage({ [name]: 'realm..roles' }), `invalid value "realm..roles" for ${name}: expected a dot path of claim names (e.g. realm_access.roles)`);
    }
  });

  it('requires a key or explicitly unverified tokens for CATALOG_AUTH_MODE=jwt', () => {
    assert.equal(usageMessage({ CATALOG_AUTH_MODE: 'jwt' }), 'CATALOG_AUTH_MODE=jwt requires CATALOG_JWT_PUBLIC_KEY_PATH or CATALOG_JWT_ALLOW_UNVERIFIED=true');
    assert.equal(config({ CATALOG_AUTH_MODE: 'jwt', CATALOG_JWT_PUBLIC_KEY_PATH: '/k.pem' }).authz.authMode, 'jwt');
  });

  it('warns when bearer tokens are accepted unverified', () => {
    const { warnings } = run([], { CATALOG_AUTH_MODE: 'jwt', CATALOG_JWT_ALLOW_UNVERIFIED: 'true' });
    assert.deepEqual(warnings, [
      'CATALOG_JWT_ALLOW_UNVERIFIED=true: bearer tokens are accepted without signature verification; only run this behind a proxy that verifies them',
    ]);
    assert.deepEqual(run([], { CATALOG_JWT_ALLOW_UNVERIFIED: 'true', CATALOG_JWT_PUBLIC_KEY_PATH: '/k.pem' }).warnings, []);
  });

  it('defaults the replica identity to the hostname', () => {
    assert.equal(config({}).replica.podName, hostname());
    assert.equal(config({ POD_NAME: ' pod-1 ' }).replica.podName, 'pod-1');
  });
});

describe('parseServerConfig: secrets', () => {
  it('never puts secret-bearing values into warnings', () => {
    const { warnings } = run([], {
      DATABASE_DSN: 'postgres://catalog:dsn-password@pg/catalog',
      HF_API_KEY: 'hf_token_value',
      CATALOG_SECRET_GIT_TOKEN: 'git-token-value',
      CATALOG_NAMESPACES: 'team-a',
      CATALOG_JWT_ALLOW_UNVERIFIED: 'yes',
    });
    assert.equal(warnings.length, 2);
    for (const warning of warnings) {
      for (const secret of ['dsn-password', 'hf_token_value', 'git-token-value']) assert.ok(!warning.includes(secret), warning);
    }
  });

  it('keeps secret values untrimmed', () => {
    assert.equal(config({ HF_API_KEY: ' hf_x ' }).huggingFace.apiKey, ' hf_x ');
  });
});
