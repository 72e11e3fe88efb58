import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PluginDeclaration } from '@catalog/framework';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildApp } from './app.js';
import { AuditRecorder } from './audit/AuditRecorder.js';
import type { insertAuditEvent } from './audit/auditRepository.js';
import { AuditRetention, auditRetentionDays } from './audit/AuditRetention.js';
import { pluginModuleOf } from './bundledPlugins.js';
import type { Authorizer } from './authz/Authorizer.js';
import { createAccessControl } from './authz/createAccessControl.js';
import type { ServerConfig } from './config/serverConfig.js';
import { parseSourcesDocument, readSourcesText } from './config/sourcesDocument.js';
import { migrateDatabase, openDatabase, pingDatabase, describePgError, MEMORY_DATA_DIR, type CatalogDatabase } from './db/openDatabase.js';
import { PluginRegistry } from './framework/PluginRegistry.js';
import { ApprovalExpirySweeper } from './governance/approvals/ApprovalExpirySweeper.js';
import { loadApprovalPolicies } from './governance/config/loadApprovalPolicies.js';
import { loadGovernanceConfig } from './governance/config/loadGovernanceConfig.js';
import type { GovernanceContext } from './governance/GovernanceContext.js';
import { createGovernanceMetrics } from './governance/GovernanceMetrics.js';
import { createGovernanceSettings } from './governance/GovernanceSettings.js';
import { Lifecycle } from './health/Lifecycle.js';
import { DataVersions } from './cache/DataVersions.js';
import { DiscoveryCache } from './cache/DiscoveryCache.js';
import { watchPluginHealth } from './cache/watchPluginHealth.js';
import { InProcessNotifications, PostgresNotifications, type Notifications } from './ha/Notifications.js';
import { IngestWorkerPool } from './ingest/IngestWorkerPool.js';
import { JobMaintenance } from './jobs/JobMaintenance.js';
import { JobStore } from './jobs/JobStore.js';
import { JobWorkerPool } from './jobs/JobWorkerPool.js';
import { RefreshRateLimiter } from './sources/RefreshRateLimiter.js';
import { RefreshService } from './sources/RefreshService.js';
import { CountCache } from './query/CountCache.js';
import type { ComponentStatus } from './health/readiness.js';
import { createLeaderElector, leaseClientFor } from './ha/createLeaderElector.js';
import { NO_LEADER_ELECTION, type LeaderElector, type Leadership } from './ha/Leadership.js';
import { lazyKubeClient } from './kube/kubeAccess.js';
import { createMetrics } from './metrics/metrics.js';
import { createGitProvider } from './providers/gitProvider.js';
import { createHfProvider } from './providers/hfProvider.js';
import { previewHfSource } from './providers/hfPreview.js';
import { createHttpProvider } from './providers/httpProvider.js';
import { createSecretResolver, type SecretResolver } from './providers/secretRefs.js';
import type { FetchContext, Provider } from './providers/types.js';
import { MODEL_PLUGIN, recomputeFilterOptions } from './modelCatalog/filterOptions.js';
import type { PreviewContext } from './modelCatalog/preview.js';
import { createYamlProvider } from './providers/yamlProvider.js';
import { createConfigStore } from './sources/config-stores/createConfigStore.js';
import { K8sConfigStore } from './sources/config-stores/K8sConfigStore.js';
import { DbConfigStore } from './sources/config-stores/DbConfigStore.js';
import { ManagedContents } from './sources/ManagedContents.js';
import { SourceCatalog } from './sources/SourceCatalog.js';
import type { AfterApplyHooks } from './sources/sourceEffects.js';
import { ANNOUNCEMENT_GRACE_MS, SourceManager } from './sources/SourceManager.js';
import { SourceRefresher } from './sources/SourceRefresher.js';
import { SourceScheduler } from './sources/SourceScheduler.js';
import { warnUnreachableDefault } from './tenancy/warnUnreachableDefault.js';

const DB_PROBE_TIMEOUT_MS = 2_000;
const COUNT_CACHE_TTL_MS = 5_000;
const DB_PROBE_CACHE_MS = 1_000;
const PLUGIN_HEALTH_EVERY_MS = 5_000;

export interface StartOptions {
  config: ServerConfig;
  /** The plugins to serve (the bundled ones, minus `CATALOG_DISABLED_PLUGINS`, unless given). */
  plugins: readonly PluginDeclaration[];
  version: string;
  /** Log destination; defaults to stdout. */
  logStream?: NodeJS.WritableStream;
  /**
   * Test seams: a scripted authorizer, a failing audit insert (spec 05 §11 items 32, 36), and an
   * ingest pool shared by the many servers one test process starts (a worker takes about half a
   * second to start); a shared pool is left open when this server closes.
   */
  overrides?: {
    authorizer?: Authorizer;
    insertAuditEvent?: typeof insertAuditEvent;
    ingest?: IngestWorkerPool;
    /** Gets each configuration announcement to send when it likes, as a slow notification would arrive. */
    holdConfigAnnouncement?: (publish: () => void) => void;
  };
  /** Whether this replica runs singleton tasks (retention, the approval expiry sweep); defaults to always. */
  leadership?: Leadership;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly logger: Logger;
  /** Resolves once the startup sequence (through plugin initialization) has finished. */
  readonly started: Promise<void>;
  /** Resolves when the initial load is complete (or timed out). */
  readonly initialLoad: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts one catalog-server in the order of spec 01 §3.1: the listener binds first (liveness answers
 * during migrations), then the database opens and migrates, the configuration loads, plugins
 * initialize, the startup gate opens and the initial load runs in the background.
 */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config } = options;
  // Step 2: file and none stores read the sources file before anything binds; a broken file exits 1.
  const sourcesText = config.configStore.mode === 'file' || config.configStore.mode === 'none' ? await readSourcesText(config.sourcesPath) : undefined;
  if (sourcesText !== undefined) parseSourcesDocument(sourcesText, config.sourcesPath);
  // Governance files are read once, before anything binds; an invalid one exits 1 (spec 06 §2.1).
  const governanceConfig = await loadGovernanceConfig(config.governance.configPath);
  const governance = createGovernanceSettings(governanceConfig, await loadApprovalPolicies(config.governance.approvalPoliciesPath, governanceConfig.environments));
  const logger = pino({ level: config.logLevel, base: { pid: process.pid } }, options.logStream ?? process.stdout);
  const lifecycle = new Lifecycle();
  const metrics = createMetrics();
  const plugins = options.plugins.filter((p) => !config.disabledPlugins.includes(p.name));
  for (const policy of governance.policies) {
    for (const plugin of policy.selector.plugins.filter((name) => !plugins.some((p) => p.name === name))) {
      logger.warn({ policy: policy.id, plugin }, 'approval policy names a plugin that is not served');
    }
  }
  // In-cluster detection reads the service environment of the pod, which is not server configuration.
  const kube = lazyKubeClient({ kubeconfig: config.kubeconfig, env: process.env });
  const access = await createAccessControl(config, kube, logger);
  const leaseClient = leaseClientFor(config, kube);
  // Replaced by the configured elector once the database is open; until then a campaigning replica is a follower.
  let elector: LeaderElector = NO_LEADER_ELECTION;
  const leaderElection = () => (config.leaderElection.enabled && elector === NO_LEADER_ELECTION ? { status: 'follower' } : elector.status());

  let refresher: SourceRefresher | undefined;
  const ingestPool = options.overrides?.ingest ?? new IngestWorkerPool({ moduleOf: (plugin) => pluginModuleOf(plugin.decl) });
  let scheduler: SourceScheduler | undefined;
  const registry = new PluginRegistry(plugins, logger, (plugin) => {
    // A plugin that recovered after a failed init gets its sources loaded now.
    logger.info({ plugin: plugin.name }, 'plugin recovered');
    void refresher?.refreshAll(catalog.namespaces(), config.refresh.concurrency, () => undefined, plugin.name);
  });
  const catalog = new SourceCatalog(registry);
  const versions = new DataVersions();
  const replica = config.replica.podName;
  const discoveryCache = new DiscoveryCache(config.cache, (cache, hit) => metrics.recordCacheRequest(cache, hit));
  // The database (and so LISTEN) opens after the routes exist; until then nothing can change.
  let notifications: Notifications | undefined;
  discoveryCache.bypassWhen(() => notifications !== undefined && !notifications.connected);
  versions.onChange((change) => {
    discoveryCache.invalidatePlugin(change.plugin);
    if (change.remote || !notifications) return;
    notifications
      .publish('catalog_cache_invalidate', { origin: replica, namespace: change.namespace, plugin: change.plugin })
      .catch((error: Error) => logger.warn({ err: error }, 'cache invalidation not published'));
  });
  // Bounds how long a count may trail a write made on another replica (same replica: never).
  const countCache = new CountCache({ max: config.cache.maxSize, ttlMs: COUNT_CACHE_TTL_MS });

  let database: CatalogDatabase | undefined;
  let retention: AuditRetention | undefined;
  const databaseStatus = createDatabaseProbe(lifecycle, () => database, metrics);
  const fetchContext = {
    baseDir: dirname(config.sourcesPath),
    dataRoots: config.dataRoots ?? [dirname(config.sourcesPath), ...plugins.flatMap((p) => (p.dataDir ? [p.dataDir] : []))],
    maxBytes: config.sourceLimits.maxSourceBytes,
  };

  // The database opens after the routes are registered (step 4); handlers read it through this view,
  // and the startup gate keeps requests away until it is there.
  const lateDatabase = {
    get db() {
      if (!database) throw new Error('database is not open yet');
      return database.db;
    },
  };
  const afterApply: AfterApplyHooks = new Map([[MODEL_PLUGIN, recomputeFilterOptions]]);
  const refreshes = new RefreshService({
    catalog,
    refresher: () => {
      if (!refresher) throw new Error('the refresher is not ready yet');
      return refresher;
    },
    concurrency: config.refresh.concurrency,
  });
  const rateLimiter = new RefreshRateLimiter({ db: () => lateDatabase.db, windowSeconds: config.refresh.rateLimitSeconds });
  const jobs = config.jobs.enabled
    ? new JobStore({
        db: () => lateDatabase.db,
        notifications: () => notifications!,
        // `CATALOG_JOB_MAX_RETRIES` is attempts in total; 0 means one attempt (spec 05 §5.5).
        maxAttempts: Math.max(1, config.jobs.maxRetries),
      })
    : null;
  let workers: JobWorkerPool | undefined;
  let maintenance: JobMaintenance | undefined;
  let healthTimer: NodeJS.Timeout | undefined;

  const audit = new AuditRecorder({
    database: lateDatabase,
    settings: { enabled: config.audit.enabled, logDenied: config.audit.logDenied },
    metrics,
    log: logger,
    insert: options.overrides?.insertAuditEvent,
  });
  const governanceContext: GovernanceContext = {
    database: lateDatabase,
    registry,
    catalog,
    settings: governance,
    metrics: createGovernanceMetrics(metrics.registry),
    versions,
    writeSystemEvent: (db, event) => audit.writeSystemEvent(event, db),
    now: () => new Date(),
  };
  // With leader election off every replica is a candidate for the singleton tasks, and each task's
  // lock lets one of them do each run; with it on, only the leader runs them (05 §7.3).
  const leadership: Leadership = options.leadership ?? { runsSingletonTasks: () => !lifecycle.shuttingDown && elector.runsSingletonTasks() };
  const approvalSweeper = new ApprovalExpirySweeper({ ctx: governanceContext, leadership, log: logger });
  const store = createConfigStore(config, { database: lateDatabase, sourcesText, kube, log: logger });
  const contents = new ManagedContents(lateDatabase);
  const resolveSecret = createSecretResolver({
    env: config.secrets.env,
    secretsDir: config.secrets.dir,
    kubernetes: { client: kube, tenancyMode: config.tenancy.mode, defaultNamespace: config.configStore.namespace },
  });
  const sources = new SourceManager({
    store,
    catalog,
    registry,
    contents,
    database: lateDatabase,
    validation: {
      fetchContext,
      git: { allowedSchemes: config.git.allowedSchemes, timeoutSeconds: config.git.timeoutSeconds },
      httpTimeoutSeconds: config.httpProvider.timeoutSeconds,
      resolveSecret,
    },
    refreshes,
    afterApply,
    versions,
    log: logger,
    documentLabel: store instanceof K8sConfigStore ? store.label : config.sourcesPath,
    onConfigChanged: (change) => {
      const publish = () => notifications?.publish('catalog_config_changed', { origin: replica, ...change })
        .catch((error: Error) => logger.warn({ err: error, namespace: change.namespace }, 'configuration change not published'));
      const hold = options.overrides?.holdConfigAnnouncement;
      if (hold) hold(() => void publish());
      else void publish();
    },
    leadership,
    // Only PostgreSQL carries announcements between replicas.
    announcementGraceMs: config.database.type === 'pglite' ? 0 : ANNOUNCEMENT_GRACE_MS,
    onExternalChange: ({ namespace, plugin, sourceId, revision }) => audit.writeSystemEvent({
      namespace,
      eventType: 'config.external_change',
      action: 'external-change',
      plugin,
      resourceType: 'catalogsources',
      resourceIds: [sourceId],
      newValue: { revision },
    }),
  });

  const providers = createProviders(config, fetchContext, resolveSecret, contents, logger);
  const hfEnv = hfEnvironment(config);
  const previewHf: PreviewContext['previewHf'] = (source, namespace) => previewHfSource(source, namespace, {
    resolveSecret, env: hfEnv, log: logger, allowedUrls: config.huggingFace.allowedUrls, maxBytes: fetchContext.maxBytes,
  });
  const app = await buildApp({
    version: options.version,
    logger,
    database: lateDatabase,
    registry,
    catalog,
    lifecycle,
    metrics,
    authorizer: options.overrides?.authorizer ?? access.authorizer,
    identityResolver: access.identityResolver,
    audit,
    governance,
    governanceContext,
    tenancy: { mode: config.tenancy.mode, allowList: config.tenancy.namespaces },
    corsAllowedOrigins: config.corsAllowedOrigins,
    sources,
    fetchContext,
    providers,
    previewHf,
    countCache,
    versions,
    discoveryCache,
    refreshes,
    rateLimiter,
    jobs,
    databaseStatus,
    leaderElection,
  });

  const host = config.listen.host ?? '::';
  await app.listen({ host, port: config.listen.port, listenTextResolver: (address) => `listening at ${address}` });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  const urlHost = config.listen.host === null ? '127.0.0.1' : config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  const url = `http://${urlHost}:${port}`;
  logger.info({ url }, 'server listening');

  let resolveLoad!: () => void;
  const initialLoad = new Promise<void>((resolve) => {
    resolveLoad = resolve;
  });
  let loadTimer: NodeJS.Timeout | undefined;
  let reconcileTimer: NodeJS.Timeout | undefined;

  const started = (async () => {
    database = await openDatabase(
      config.database.type === 'pglite'
        ? { type: 'pglite', dataDir: config.dataDir }
        : { type: 'postgres', connection: { connectionString: config.database.dsn }, connectTimeoutSeconds: config.database.connectTimeoutSeconds },
      { info: (m) => logger.info(m), warn: (m) => logger.warn(m) },
    );
    lifecycle.database = { status: 'migrating' };
    await migrateDatabase(database, {
      lockEnabled: config.migrationLock.enabled,
      lockBackend: config.migrationLock.backend,
      lockTimeoutSeconds: config.migrationLock.timeoutSeconds,
      log: { info: (m) => logger.info(m), warn: (m) => logger.warn(m) },
    });
    lifecycle.database = { status: 'up' };
    notifications = await openNotifications(database, replica, logger);
    notifications.subscribe('catalog_cache_invalidate', (payload) => {
      if (payload.origin === replica) return;
      if (payload.all === true || typeof payload.plugin !== 'string') discoveryCache.invalidateAll();
      else if (typeof payload.namespace === 'string') versions.applyRemote(payload.namespace, payload.plugin);
      else discoveryCache.invalidatePlugin(payload.plugin);
    });
    // Before the initial load the runtime view is being built anyway; after it, reconcile at once (05 §7.1).
    notifications.subscribe('catalog_config_changed', (payload) => {
      if (payload.origin === replica || typeof payload.namespace !== 'string' || !lifecycle.initialLoad.complete || lifecycle.shuttingDown) return;
      const { namespace, plugin, sourceId, removed } = payload;
      const change = typeof plugin === 'string' && typeof sourceId === 'string' ? { namespace, plugin, sourceId, removed: removed === true } : undefined;
      sources.reconcileNamespaceNow(namespace, change).catch((error: Error) => logger.error({ err: error }, 'config reconcile failed'));
    });
    // Notifications may have been missed while the listener was down.
    notifications.onReconnect(() => {
      discoveryCache.invalidateAll();
      if (lifecycle.initialLoad.complete && !lifecycle.shuttingDown) sources.reconcile().catch((error: Error) => logger.error({ err: error }, 'config reconcile failed'));
    });
    elector = createLeaderElector(config, { leaseClient, database, log: logger });
    elector.onChange((leading) => {
      metrics.setLeader(leading);
      if (leading) sources.convergeFollowedChanges().catch((error: Error) => logger.error({ err: error }, 'converging reconciled changes failed'));
    });
    metrics.setLeader(elector.runsSingletonTasks() && elector !== NO_LEADER_ELECTION);
    if (!lifecycle.shuttingDown) elector.start();

    // A k8s store without its ConfigMap, or without a reachable API, ends startup with exit 1 (01 §3.1 step 6).
    if (store instanceof K8sConfigStore) await store.open();
    if (store instanceof DbConfigStore && (await store.seed(config.sourcesPath))) {
      logger.info({ namespace: 'default', sourcesPath: config.sourcesPath }, 'seeded the db config store from the sources file');
    }
    const documents = await sources.loadAll();
    for (const [namespace, document] of documents) {
      const { unknownCatalogKeys } = catalog.setNamespace(namespace, document);
      for (const key of unknownCatalogKeys) logger.warn({ namespace, catalog: key }, 'sources configuration names no registered plugin; section kept');
    }
    await warnUnreachableDefault(config.tenancy, { db: database.db, catalog, plugins: registry.list().map((p) => p.name), log: logger });

    await registry.initializeAll();
    lifecycle.gateOpen = true;
    approvalSweeper.start();

    retention = new AuditRetention({
      database,
      leadership,
      retentionDays: () => auditRetentionDays(config.audit.retentionDays, governanceConfig.auditRetentionDays),
      log: logger,
      metrics,
    });
    if (!lifecycle.shuttingDown) retention.start();

    refresher = new SourceRefresher({
      db: database.db,
      registry,
      catalog: catalog,
      providers,
      settings: {
        maxBytes: config.sourceLimits.maxSourceBytes,
        maxItemsPerSource: config.sourceLimits.maxItemsPerSource,
        refreshTimeoutSeconds: config.refresh.timeoutSeconds,
      },
      metrics,
      versions,
      log: logger,
      afterApply,
      ingest: ingestPool,
    });
    const db = database.db;
    healthTimer = watchPluginHealth(() => registry.list(), discoveryCache, PLUGIN_HEALTH_EVERY_MS);
    if (jobs) {
      workers = new JobWorkerPool({
        db,
        store: jobs,
        refreshes,
        // An unreachable store keeps the runtime view (04 §8.4); the job runs on it.
        syncConfiguration: (namespace) => sources.reconcileNamespaceNow(namespace)
          .catch((error: Error) => logger.warn({ err: error, namespace }, 'config store not reconciled before a refresh job')),
        registry,
        notifications,
        identity: replica,
        metrics,
        settings: {
          concurrency: config.jobs.concurrency,
          pollIntervalSeconds: config.jobs.pollIntervalSeconds,
          claimTimeoutMinutes: config.jobs.claimTimeoutMinutes,
          retryBackoffSeconds: config.jobs.retryBackoffSeconds,
          namespaceConcurrency: config.jobs.namespaceConcurrency,
        },
        log: logger,
      });
      await workers.start();
    }
    // Runs with jobs disabled too: existing job rows still expire (spec 05 §5.9).
    maintenance = new JobMaintenance({
      db,
      databaseType: database.type,
      // Election on: the leader runs it; off: the task lock picks the replica (spec 05 §7.3).
      leadership: elector === NO_LEADER_ELECTION ? null : elector,
      claimTimeoutMinutes: config.jobs.claimTimeoutMinutes,
      retentionDays: config.jobs.retentionDays,
      retryBackoffSeconds: config.jobs.retryBackoffSeconds,
      log: logger,
      metrics,
    });
    maintenance.start();
    const namespaces = catalog.namespaces();
    scheduler = new SourceScheduler({ registry, catalog, refreshes, baseDir: fetchContext.baseDir, leadership, log: logger });
    await scheduler.snapshot();
    lifecycle.startInitialLoad(refresher.countRefreshable(namespaces));
    loadTimer = setTimeout(() => {
      lifecycle.initialLoadTimedOut();
      resolveLoad();
    }, config.initialLoadTimeoutSeconds * 1000);
    loadTimer.unref();
    void refresher
      .refreshAll(namespaces, config.refresh.concurrency, () => lifecycle.sourceLoaded())
      .then((outcomes) => {
        const failed = outcomes.filter((o) => o.status === 'error').length;
        logger.info({ sources: outcomes.length, failed }, 'initial load complete');
      })
      .catch((error: Error) => logger.error({ err: error }, 'initial load failed'))
      .finally(() => {
        clearTimeout(loadTimer);
        lifecycle.initialLoad.complete = true;
        resolveLoad();
        if (!lifecycle.shuttingDown) {
          scheduler!.start();
          reconcileTimer = setInterval(() => {
            sources.reconcile().catch((error: Error) => logger.error({ err: error }, 'config reconcile failed'));
          }, config.configStore.reconcileIntervalSeconds * 1000);
          reconcileTimer.unref();
        }
      });
  })();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      lifecycle.shuttingDown = true;
      clearTimeout(loadTimer);
      clearInterval(reconcileTimer);
      clearInterval(healthTimer);
      scheduler?.stop();
      await retention?.stop();
      await approvalSweeper.stop();
      // Running jobs share the grace period with in-flight requests (spec 05 §7.5).
      const graceMs = config.shutdownTimeoutSeconds * 1000;
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, graceMs);
      });
      await Promise.all([withDeadline(app.close(), graceMs).catch(() => undefined), workers?.stop(grace)]);
      clearTimeout(graceTimer);
      // Jobs were re-queued by their workers above; what still refreshes (scheduled syncs) stops now.
      refresher?.abortAll('server is shutting down');
      await started.catch(() => undefined);
      if (ingestPool !== options.overrides?.ingest) await ingestPool.close();
      await maintenance?.stop();
      // Released before the database closes, so a follower takes over within one retry period (05 §7.5).
      await elector.stop();
      kube.close();
      await registry.stopAll();
      await notifications?.close();
      await database?.close();
    })();
    return closing;
  };

  // Startup failures after the listener is bound still end the process with the right exit code.
  started.catch(() => undefined);
  return { app, url, logger, started, initialLoad, close };
}

/** LISTEN/NOTIFY on PostgreSQL; on PGlite (one process) an in-process emitter (spec 05 §7.1). */
async function openNotifications(database: CatalogDatabase, replica: string, logger: Logger): Promise<Notifications> {
  if (database.type === 'pglite' || !database.connection) return new InProcessNotifications(replica);
  const notifications = new PostgresNotifications(replica, { db: database.db, connection: database.connection, log: logger });
  await notifications.start();
  return notifications;
}

/** Where `apiKeyEnvVar` is looked up: the process environment, with `HF_API_KEY` as configured. */
function hfEnvironment(config: ServerConfig): Record<string, string | undefined> {
  return { ...process.env, HF_API_KEY: config.huggingFace.apiKey ?? undefined };
}

/** Every provider type this server can fetch from, keyed by source `type`. */
function createProviders(config: ServerConfig, fetchContext: FetchContext, resolveSecret: SecretResolver, contents: ManagedContents, logger: Logger): Record<string, Provider> {
  const workDir = config.dataDir === MEMORY_DATA_DIR ? mkdtempSync(join(tmpdir(), 'catalog-git-')) : join(config.dataDir, 'git');
  const providers = [
    createYamlProvider(fetchContext, (location, managedContent) => contents.read(location, managedContent)),
    createGitProvider({ fetchContext, workDir, allowedSchemes: config.git.allowedSchemes, timeoutSeconds: config.git.timeoutSeconds, resolveSecret }),
    createHttpProvider({ fetchContext, timeoutSeconds: config.httpProvider.timeoutSeconds, resolveSecret }),
    // `apiKeyEnvVar` may name any variable; only a value starting with `hf_` is ever sent (03 §14.2).
    createHfProvider({ fetchContext, resolveSecret, env: hfEnvironment(config), log: logger }),
  ];
  return Object.fromEntries(providers.map((provider) => [provider.type, provider]));
}

function createDatabaseProbe(lifecycle: Lifecycle, current: () => CatalogDatabase | undefined, metrics: ReturnType<typeof createMetrics>) {
  let cached: { at: number; status: ComponentStatus } | undefined;
  return async (): Promise<ComponentStatus> => {
    if (lifecycle.database.status !== 'up') return { ...lifecycle.database };
    const now = Date.now();
    if (cached && now - cached.at < DB_PROBE_CACHE_MS) return cached.status;
    let status: ComponentStatus;
    try {
      await pingDatabase(current()!, DB_PROBE_TIMEOUT_MS);
      status = { status: 'up' };
    } catch (error) {
      status = { status: 'down', error: describePgError(error) };
    }
    metrics.setDbUp(status.status === 'up');
    cached = { at: now, status };
    return status;
  };
}

async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('deadline')), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
