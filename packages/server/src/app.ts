import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AuditRecorder } from './audit/AuditRecorder.js';
import { registerAuditRoutes } from './audit/auditRoutes.js';
import type { Authorizer } from './authz/Authorizer.js';
import { registerAuthzRoutes } from './authz/authzRoutes.js';
import type { IdentityResolver } from './authz/IdentityResolver.js';
import type { Kysely } from 'kysely';
import type { Database } from './db/schema.js';
import { registerActionRoutes } from './framework/actionRoutes.js';
import { registerDeclaredRoutes } from './framework/declaredRoutes.js';
import { registerEntityRoutes } from './framework/entityRoutes.js';
import type { PluginRegistry } from './framework/PluginRegistry.js';
import { registerPluginRoutes } from './framework/pluginRoutes.js';
import type { GovernanceContext } from './governance/GovernanceContext.js';
import type { GovernanceSettings } from './governance/GovernanceSettings.js';
import { registerGovernanceRoutes } from './governance/http/governanceRoutes.js';
import { registerHealthRoutes } from './health/healthRoutes.js';
import type { Lifecycle } from './health/Lifecycle.js';
import type { ComponentStatus } from './health/readiness.js';
import { AccessLog } from './http/AccessLog.js';
import { installErrorHandling } from './http/errorHandler.js';
import { parseJsonBody } from './http/jsonBody.js';
import { installPipeline } from './http/pipeline.js';
import { checkRouteDeclarations } from './http/routeDeclarations.js';
import { RouteIndex, ROUTER_OPTIONS } from './http/RouteIndex.js';
import { requestIdFor } from './http/requestId.js';
import './http/routeConfig.js';
import type { Metrics } from './metrics/metrics.js';
import type { CountCache } from './query/CountCache.js';
import type { DataVersions } from './cache/DataVersions.js';
import type { DiscoveryCache } from './cache/DiscoveryCache.js';
import { registerJobRoutes } from './jobs/jobRoutes.js';
import type { JobStore } from './jobs/JobStore.js';
import { registerRefreshRoutes } from './sources/refreshRoutes.js';
import type { RefreshRateLimiter } from './sources/RefreshRateLimiter.js';
import type { RefreshService } from './sources/RefreshService.js';
import { MODEL_PLUGIN } from './modelCatalog/filterOptions.js';
import { registerModelRoutes } from './modelCatalog/modelRoutes.js';
import type { PreviewContext } from './modelCatalog/preview.js';
import type { FetchContext, Provider } from './providers/types.js';
import type { SourceCatalog } from './sources/SourceCatalog.js';
import type { SourceManager } from './sources/SourceManager.js';
import { registerSourceRoutes } from './sources/sourceRoutes.js';
import { registerSourceWriteRoutes } from './sources/sourceWriteRoutes.js';
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
  audit: AuditRecorder;
  governance: GovernanceSettings;
  /** What the governance routes (spec 06) read and write. */
  governanceContext: GovernanceContext;
  tenancy: TenancySettings;
  identityResolver: IdentityResolver;
  corsAllowedOrigins: '*' | readonly string[];
  /** Source configuration reads and writes through the config store (spec 04). */
  sources: SourceManager;
  /** Where source files may be read from, and the per-document size limit (model source previews). */
  fetchContext: FetchContext;
  /** The source providers by type (source previews fetch through them). */
  providers: Readonly<Record<string, Provider>>;
  /** Preview of an `hf` source configuration (03 §14.8). */
  previewHf: PreviewContext['previewHf'];
  countCache: CountCache;
  versions: DataVersions;
  discoveryCache: DiscoveryCache;
  refreshes: RefreshService;
  rateLimiter: RefreshRateLimiter;
  /** `null` when `CATALOG_JOB_ENABLED=false`: refreshes are synchronous and the jobs API is absent. */
  jobs: JobStore | null;
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
    checkRouteDeclarations(route);
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
    // Every operation carries its authorization declaration as `x-authz` (spec 05 §3.6).
    transformObject: (documents) => withAuthzExtension((documents as { openapiObject: OpenApiDocument }).openapiObject, routes),
  });
  app.decorate('routeIndex', routes);

  installPipeline(app, { ...deps });
  installErrorHandling(app, routes);

  registerHealthRoutes(app, deps);
  app.get('/openapi.json', {
    config: { authz: 'public', namespace: 'exempt', servesDuringStartup: true },
    schema: { operationId: 'openapi', tags: ['health'], summary: 'This OpenAPI document', hide: true },
    handler: async () => app.swagger(),
  });
  registerNamespacesRoute(app, deps);
  registerAuthzRoutes(app, { ...deps, routes });
  registerPluginRoutes(app, deps.registry, deps.governance, deps.discoveryCache);
  registerAuditRoutes(app, deps);
  if (deps.jobs) registerJobRoutes(app, { database: deps.database, jobs: deps.jobs, tenancy: deps.tenancy });
  for (const plugin of deps.registry.list()) {
    // The model catalog keeps the Kubeflow API at the list and get paths (spec 03 §1).
    if (plugin.name === MODEL_PLUGIN) registerModelRoutes(app, plugin, { ...deps, providers: () => deps.providers, maxSourceBytes: deps.fetchContext.maxBytes });
    else registerEntityRoutes(app, plugin, deps);
    registerActionRoutes(app, plugin, deps);
    registerSourceRoutes(app, plugin, deps);
    registerSourceWriteRoutes(app, plugin, deps);
    registerRefreshRoutes(app, plugin, deps);
    // After the generic routes, so a declared route that shadows one fails with the plugin's name.
    registerDeclaredRoutes(app, plugin);
  }
  registerGovernanceRoutes(app, deps.governanceContext, deps.authorizer);
  await app.ready();
  return app;
}

type OpenApiDocument = { paths?: Record<string, Record<string, { operationId?: string; 'x-authz'?: unknown }>> };

function withAuthzExtension(document: OpenApiDocument, routes: RouteIndex): OpenApiDocument {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const authz = operation.operationId === undefined ? undefined : routes.authzOf(operation.operationId);
      if (authz !== undefined) operation['x-authz'] = authz;
    }
  }
  return document;
}
