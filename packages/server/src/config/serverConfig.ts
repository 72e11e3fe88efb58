/**
 * The validated configuration of one server process (spec 01 §2). Every flag and environment
 * variable of 01 §2.2 lands in exactly one field, already typed and defaulted; paths are absolute.
 * Fields marked "secret" must never be logged (01 §2.3): use `redactDsn()` for the DSN.
 */

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DATABASE_TYPES = ['pglite', 'postgres'] as const;
export type DatabaseType = (typeof DATABASE_TYPES)[number];

export const CONFIG_STORE_MODES = ['file', 'k8s', 'db', 'none'] as const;
export type ConfigStoreMode = (typeof CONFIG_STORE_MODES)[number];

export const TENANCY_MODES = ['single', 'namespace'] as const;
export type TenancyMode = (typeof TENANCY_MODES)[number];

export const AUTHZ_MODES = ['none', 'role', 'sar'] as const;
export type AuthzMode = (typeof AUTHZ_MODES)[number];

export const AUTH_MODES = ['header', 'jwt'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export const MIGRATION_LOCK_BACKENDS = ['advisory', 'table'] as const;
export type MigrationLockBackend = (typeof MIGRATION_LOCK_BACKENDS)[number];

export const LEADER_ELECTION_BACKENDS = ['lease', 'postgres'] as const;
export type LeaderElectionBackend = (typeof LEADER_ELECTION_BACKENDS)[number];

export const GIT_SCHEMES = ['https', 'http', 'file'] as const;
export type GitScheme = (typeof GIT_SCHEMES)[number];

/** The `--data-dir` value that runs PGlite in memory. */
export const MEMORY_DATA_DIR = 'memory://';

/** Audit retention when neither the variable nor the governance file sets one (05 §4.9). */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

export interface ListenAddress {
  /** `null`: every interface, IPv4 and IPv6 (`:port`). IPv6 literals are stored without brackets. */
  host: string | null;
  /** `0` asks the OS for a free port. */
  port: number;
}

export type DatabaseSettings =
  | { type: 'pglite' }
  | {
      type: 'postgres';
      /** Secret. A `postgres://` URL for `pg`'s `connectionString` (libpq key/value input is rewritten). */
      dsn: string;
      connectTimeoutSeconds: number;
    };

export interface ServerConfig {
  listen: ListenAddress;
  /** The `sources.yaml` of namespace `default`; its directory is the base directory of relative source paths. */
  sourcesPath: string;
  database: DatabaseSettings;
  /** PGlite files live under `<dataDir>/pglite/`, git working copies under `<dataDir>/git/`; or `memory://`. */
  dataDir: string;
  logLevel: LogLevel;
  /** Plugin names that are not registered at all. */
  disabledPlugins: string[];
  /** `'*'` echoes any http(s) origin; a list allows exactly those origins; `[]` disables CORS headers. */
  corsAllowedOrigins: '*' | string[];
  ui: {
    enabled: boolean;
    dir: string;
    /** Starts and ends with `/`. */
    basePath: string;
    frameAncestors: string;
  };
  shutdownTimeoutSeconds: number;
  initialLoadTimeoutSeconds: number;
  configStore: {
    mode: ConfigStoreMode;
    reconcileIntervalSeconds: number;
    revisionLimit: number;
    /** Kubernetes namespace of the ConfigMap; default Secret namespace in single-tenant mode. */
    namespace: string;
    configMapName: string;
    configMapKey: string;
  };
  /** `null`: the directory of `sourcesPath` plus every registered plugin's bundled `data/` directory. */
  dataRoots: string[] | null;
  sourceLimits: {
    maxSourceBytes: number;
    maxItemsPerSource: number;
  };
  refresh: {
    /** `0` disables the cooldown. */
    rateLimitSeconds: number;
    timeoutSeconds: number;
    concurrency: number;
  };
  git: {
    allowedSchemes: GitScheme[];
    timeoutSeconds: number;
  };
  httpProvider: {
    timeoutSeconds: number;
  };
  secrets: {
    /** `null`: `{file: …}` references are disabled. */
    dir: string | null;
    /** Secret. Every `CATALOG_SECRET_*` variable: the only ones an `{env: …}` reference may read. */
    env: Readonly<Record<string, string>>;
  };
  tenancy: {
    mode: TenancyMode;
    /** Strict allow-list in namespace mode; `[]` accepts every valid namespace. Always `[]` in single mode. */
    namespaces: string[];
  };
  identity: {
    trustProxyHeaders: boolean;
    /** As configured; HTTP header names are case-insensitive. */
    userHeader: string;
    groupsHeader: string;
    userPrefix: string;
    tokenReviewEnabled: boolean;
    jwt: {
      publicKeyPath: string | null;
      issuer: string | null;
      audience: string | null;
      allowUnverified: boolean;
      /** Dot paths into the token's claims. */
      userClaim: string;
      groupsClaim: string;
      roleClaim: string;
      operatorValue: string;
    };
  };
  authz: {
    mode: AuthzMode;
    /** Where `role` mode reads the role. */
    authMode: AuthMode;
    /** `0` disables the decision cache. */
    cacheTtlSeconds: number;
    cacheMaxSize: number;
    sarTimeoutSeconds: number;
  };
  audit: {
    enabled: boolean;
    logDenied: boolean;
    /**
     * `null` when the variable is not set: governance's `auditRetention.days` applies when > 0,
     * else DEFAULT_AUDIT_RETENTION_DAYS (05 §4.9). `0` disables deletion.
     */
    retentionDays: number | null;
  };
  jobs: {
    enabled: boolean;
    concurrency: number;
    /** Attempts per job; `0` means one attempt. */
    maxRetries: number;
    pollIntervalSeconds: number;
    claimTimeoutMinutes: number;
    retentionDays: number;
    /** `0` retries immediately. */
    retryBackoffSeconds: number;
    /** `0`: no per-namespace cap. */
    namespaceConcurrency: number;
  };
  cache: {
    enabled: boolean;
    discoveryTtlSeconds: number;
    capabilitiesTtlSeconds: number;
    maxSize: number;
  };
  migrationLock: {
    enabled: boolean;
    backend: MigrationLockBackend;
    timeoutSeconds: number;
  };
  /** Timings satisfy leaseDuration > renewDeadline > 1.2 × retryPeriod > 0. */
  leaderElection: {
    enabled: boolean;
    backend: LeaderElectionBackend;
    leaseName: string;
    leaseNamespace: string;
    leaseDurationSeconds: number;
    renewDeadlineSeconds: number;
    retryPeriodSeconds: number;
  };
  replica: {
    /** Unique replica identity: `POD_NAME`, else the hostname. */
    podName: string;
    podNamespace: string | null;
  };
  governance: {
    configPath: string;
    approvalPoliciesPath: string;
  };
  huggingFace: {
    /** Secret. */
    apiKey: string | null;
    /** Origins an `hf` preview may use as `properties.url`. */
    allowedUrls: string[];
  };
  /** Kubeconfig path(s) for Kubernetes access outside a cluster. */
  kubeconfig: string | null;
}

export type ParsedArgs =
  | { kind: 'help'; text: string }
  | { kind: 'version'; text: string }
  | { kind: 'run'; config: ServerConfig; warnings: string[] };

/** Values only the caller can know: where the package's bundled files are, and its version. */
export interface ConfigDefaults {
  /** The bundled `config/sources.yaml`. */
  sourcesPath: string;
  /** The `dist` folder of the UI package. */
  uiDir: string;
  version: string;
}
