import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Authorizer } from './authz/Authorizer.js';
import type { IdentitySettings } from './authz/identity.js';
import type { Kysely } from 'kysely';
import type { Database } from './db/schema.js';
import { registerActionRoutes } from './framework/actionRoutes.js';
import { registerEntityRoutes } from './framework/entityRoutes.js';
import type { PluginRegistry } from './framework/PluginRegistry.js';
import { registerPluginRoutes } from './framework/pluginRoutes.js';
import type { GovernanceSettings } from './governance/GovernanceSettings.js';
import { registerHealthRoutes } from './health/healthRoutes.js';
import type { Lifecycle } from './health/Lifecycle.js';
import type { ComponentStatus } from './health/readiness.js';
import { AccessLog } from './http/AccessLog.js';
import { installErrorHandling } from './http/errorHandler.js';
import { parseJsonBody } from './http/jsonBody.js';
import { installPipeline } from './http/pipeline.js';
import { RouteIndex, ROUTER_OPTIONS } from './http/RouteIndex.js';
import { requestIdFor } from './http/requestId.js';
import './http/routeConfig.js';
import type { Metrics } from './metrics/metrics.js';
import type { CountCache } from './query/CountCache.js';
import type { DataVersions } from './cache/DataVersions.js';
import { MODEL_PLUGIN } from './modelCatalog/filterOptions.js';
import { registerModelRoutes } from './modelCatalog/modelRoutes.js';
import type { FetchContext, Provider } from './providers/types.js';
import type { SourceCatalog } from './sources/SourceCatalog.js';
import { registerSourceRoutes } from './sources/sourceRoutes.js';
import { registerNamespacesRoute } from './tenancy/namespacesRoute.js';
import type { TenancySettings } from './tenancy/resolveNamespace.js';

const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export interface AppDependencies {
  version: string;
  logger: Logger;
  database: { readonly db: Kysely<Database> };
  registry: PluginRegistry;
  catalog: SourceCatalog;
  lifecycle: Lifecycle;
  metrics: Metrics;
  authorizer: Authorizer;
  governance: GovernanceSettings;
  tenancy: TenancySettings;
  identity: IdentitySettings;
  corsAllowedOrigins: '*' | readonly string[];
  /** Where source files may be read from (for `properties.content` in source listings). */
  fetchContext: FetchContext;
  /** The source providers by type (source previews fetch through them). */
  providers: Readonly<Record<string, Provider>>;
  countCache: CountCache;
  versions: DataVersions;
  databaseStatus: () => Promise<ComponentStatus>;
  leaderElection: () => ComponentStatus;
}

/**
 * Builds the Fastify application: the request pipeline, the one error handler, and every route,
 * each declaring its authorization (a route without one fails the build, spec 05 §3.6).
 */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: requestIdFor,
    logController: new AccessLog(),
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: ROUTER_OPTIONS,
    // Behind a reverse proxy, keep-alive connections should be closed promptly on shutdown.
    forceCloseConnections: 'idle',
  });

  const routes = new RouteIndex();
  app.addHook('onRoute', (route) => {
    if (route.config?.authz === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no authorization (config.authz)`);
    }
    routes.add(route);
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'catalog-server', version: deps.version, description: 'Catalogs of AI assets behind one Kubeflow-compatible API.' },
      tags: [
        ...deps.registry.list().map((p) => ({ name: p.name, description: p.decl.description })),
        ...['core', 'management', 'governance', 'audit', 'jobs', 'tenancy', 'authz', 'health'].map((name) => ({ name })),
      ],
    },
  });

  installPipeline(app, { ...deps });
  installErrorHandling(app, routes);

  registerHealthRoutes(app, deps);
  app.get('/openapi.json', {
    config: { authz: 'public', namespace: 'exempt', servesDuringStartup: true },
    schema: { operationId: 'openapi', tags: ['health'], summary: 'This OpenAPI document', hide: true },
    handler: async () => app.swagger(),
  });
  registerNamespacesRoute(app, deps);
  registerPluginRoutes(app, deps.registry, deps.governance);
  for (const plugin of deps.registry.list()) {
    // The model catalog keeps the Kubeflow API at the list and get paths (spec 03 §1).
    if (plugin.name === MODEL_PLUGIN) registerModelRoutes(app, plugin, { ...deps, providers: () => deps.providers, maxSourceBytes: deps.fetchContext.maxBytes });
    else registerEntityRoutes(app, plugin, deps);
    registerActionRoutes(app, plugin, deps);
    registerSourceRoutes(app, plugin, deps);
  }
  await app.ready();
  return app;
}
