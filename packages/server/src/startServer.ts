import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PluginDeclaration } from '@catalog/framework';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildApp } from './app.js';
import { allowAll } from './authz/Authorizer.js';
import type { ServerConfig } from './config/serverConfig.js';
import { loadSourcesFile } from './config/sourcesDocument.js';
import { StartupError } from './errors.js';
import { migrateDatabase, openDatabase, pingDatabase, describePgError, MEMORY_DATA_DIR, type CatalogDatabase } from './db/openDatabase.js';
import { PluginRegistry } from './framework/PluginRegistry.js';
import { DEFAULT_GOVERNANCE_SETTINGS } from './governance/GovernanceSettings.js';
import { Lifecycle } from './health/Lifecycle.js';
import { DataVersions } from './cache/DataVersions.js';
import { CountCache } from './query/CountCache.js';
import type { ComponentStatus } from './health/readiness.js';
import { createMetrics } from './metrics/metrics.js';
import { createGitProvider } from './providers/gitProvider.js';
import { createHttpProvider } from './providers/httpProvider.js';
import { createSecretResolver } from './providers/secretRefs.js';
import type { FetchContext, Provider } from './providers/types.js';
import { MODEL_PLUGIN, recomputeFilterOptions } from './modelCatalog/filterOptions.js';
import { createYamlProvider } from './providers/yamlProvider.js';
import { loadConfiguration } from './sources/loadConfiguration.js';
import { SourceCatalog } from './sources/SourceCatalog.js';
import { SourceRefresher } from './sources/SourceRefresher.js';
import { SourceScheduler } from './sources/SourceScheduler.js';

const DB_PROBE_TIMEOUT_MS = 2_000;
const COUNT_CACHE_TTL_MS = 5_000;
const DB_PROBE_CACHE_MS = 1_000;

export interface StartOptions {
  config: ServerConfig;
  /** The plugins to serve (the bundled ones, minus `CATALOG_DISABLED_PLUGINS`, unless given). */
  plugins: readonly PluginDeclaration[];
  version: string;
  /** Log destination; defaults to stdout. */
  logStream?: NodeJS.WritableStream;
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
  // Refuse rather than silently allow everything when the operator asked for access control.
  if (config.authz.mode !== 'none') {
    throw new StartupError(`CATALOG_AUTHZ_MODE=${config.authz.mode} is not available in this release; only "none" is`);
  }
  // Step 2: file and none stores read the sources file before anything binds; a broken file exits 1.
  const fileDocument = config.configStore.mode === 'file' || config.configStore.mode === 'none' ? await loadSourcesFile(config.sourcesPath) : undefined;
  const logger = pino({ level: config.logLevel, base: { pid: process.pid } }, options.logStream ?? process.stdout);
  const lifecycle = new Lifecycle();
  const metrics = createMetrics();
  const plugins = options.plugins.filter((p) => !config.disabledPlugins.includes(p.name));

  let refresher: SourceRefresher | undefined;
  let scheduler: SourceScheduler | undefined;
  const registry = new PluginRegistry(plugins, logger, (plugin) => {
    // A plugin that recovered after a failed init gets its sources loaded now.
    logger.info({ plugin: plugin.name }, 'plugin recovered');
    void refresher?.refreshAll(catalog.namespaces(), config.refresh.concurrency, () => undefined, plugin.name);
  });
  const catalog = new SourceCatalog(registry);
  const versions = new DataVersions();
  // Bounds how long a count may trail a write made on another replica (same replica: never).
  const countCache = new CountCache({ max: config.cache.maxSize, ttlMs: COUNT_CACHE_TTL_MS });

  let database: CatalogDatabase | undefined;
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

  const providers = createProviders(config, fetchContext);
  const app = await buildApp({
    version: options.version,
    logger,
    database: lateDatabase,
    registry,
    catalog,
    lifecycle,
    metrics,
    authorizer: allowAll,
    governance: DEFAULT_GOVERNANCE_SETTINGS,
    tenancy: { mode: config.tenancy.mode, allowList: config.tenancy.namespaces },
    identity: {
      trustProxyHeaders: config.identity.trustProxyHeaders,
      userHeader: config.identity.userHeader,
      groupsHeader: config.identity.groupsHeader,
      userPrefix: config.identity.userPrefix,
    },
    corsAllowedOrigins: config.corsAllowedOrigins,
    fetchContext,
    providers,
    countCache,
    versions,
    databaseStatus,
    leaderElection: () => ({ status: 'not_configured' }),
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

    const documents = await loadConfiguration(config.configStore.mode, config.sourcesPath, database.db, logger, fileDocument);
    for (const [namespace, document] of documents) {
      const { unknownCatalogKeys } = catalog.setNamespace(namespace, document);
      for (const key of unknownCatalogKeys) logger.warn({ namespace, catalog: key }, 'sources configuration names no registered plugin; section kept');
    }

    await registry.initializeAll();
    lifecycle.gateOpen = true;

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
      afterApply: new Map([[MODEL_PLUGIN, recomputeFilterOptions]]),
    });
    const namespaces = catalog.namespaces();
    scheduler = new SourceScheduler({ registry, catalog, refresher, baseDir: fetchContext.baseDir, log: logger });
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
        if (!lifecycle.shuttingDown) scheduler!.start();
      });
  })();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      lifecycle.shuttingDown = true;
      clearTimeout(loadTimer);
      scheduler?.stop();
      await withDeadline(app.close(), config.shutdownTimeoutSeconds * 1000).catch(() => undefined);
      await started.catch(() => undefined);
      await registry.stopAll();
      await database?.close();
    })();
    return closing;
  };

  // Startup failures after the listener is bound still end the process with the right exit code.
  started.catch(() => undefined);
  return { app, url, logger, started, initialLoad, close };
}

/** Every provider type this server can fetch from, keyed by source `type`. */
function createProviders(config: ServerConfig, fetchContext: FetchContext): Record<string, Provider> {
  const resolveSecret = createSecretResolver({ env: config.secrets.env, secretsDir: config.secrets.dir });
  const workDir = config.dataDir === MEMORY_DATA_DIR ? mkdtempSync(join(tmpdir(), 'catalog-git-')) : join(config.dataDir, 'git');
  const providers = [
    createYamlProvider(fetchContext),
    createGitProvider({ fetchContext, workDir, allowedSchemes: config.git.allowedSchemes, timeoutSeconds: config.git.timeoutSeconds, resolveSecret }),
    createHttpProvider({ fetchContext, timeoutSeconds: config.httpProvider.timeoutSeconds, resolveSecret }),
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
