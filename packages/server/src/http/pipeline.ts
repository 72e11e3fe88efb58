import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthorizationUnavailableError, deniedMessage, type Authorizer } from '../authz/Authorizer.js';
import { ANONYMOUS } from '../authz/identity.js';
import type { IdentityResolver } from '../authz/IdentityResolver.js';
import { AppError } from '../errors.js';
import type { PluginRegistry } from '../framework/PluginRegistry.js';
import type { Lifecycle } from '../health/Lifecycle.js';
import type { Metrics } from '../metrics/metrics.js';
import { resolveNamespace, type TenancySettings } from '../tenancy/resolveNamespace.js';
import type { AuditRecorder } from '../audit/AuditRecorder.js';
import type { RequestAudit } from '../audit/RequestAudit.js';
import { createCorsHook } from './cors.js';
import { sendError } from './errorHandler.js';

export interface PipelineDependencies {
  tenancy: TenancySettings;
  identityResolver: IdentityResolver;
  corsAllowedOrigins: '*' | readonly string[];
  authorizer: Authorizer;
  lifecycle: Lifecycle;
  registry: PluginRegistry;
  metrics: Metrics;
  audit: AuditRecorder;
}

/**
 * The request pipeline of spec 01 §6.1 / 05 §0. Everything up to authorization runs in `onRequest`,
 * before the body is read, so a denied request never reaches parsing, validation or a query.
 */
export function installPipeline(app: FastifyInstance, deps: PipelineDependencies): void {
  const applyCors = createCorsHook(deps.corsAllowedOrigins);

  app.decorateRequest('namespace', null);
  // Reference-type decorators must start as null; every request gets its identity in onRequest.
  app.decorateRequest('identity', null as unknown as typeof ANONYMOUS);
  app.decorateRequest('audit', null as unknown as RequestAudit);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
    request.identity = ANONYMOUS;
    // Requests that never get a namespace or a route produce no event (05 §4.3).
    request.audit = deps.audit.none;
    if (applyCors(request, reply)) return reply;

    const config = request.routeOptions.config;
    // Unknown routes (404/405) pass straight to the not-found handler: they reveal nothing.
    if (request.is404) return;
    if (!deps.lifecycle.gateOpen && !config.servesDuringStartup) {
      return fail(request, reply, 503, 'service_unavailable', 'server is starting');
    }
    try {
      request.namespace = resolveNamespace(deps.tenancy, config.namespace ?? 'required', {
        query: queryValues(request.query, 'namespace'),
        header: request.headers['x-namespace'],
      });
      const audit = deps.audit.begin(request, request.namespace);
      request.audit = audit;
      const authz = config.authz;
      // Public routes (probes, metrics, OpenAPI) never evaluate credentials.
      if (authz !== 'public') request.identity = await deps.identityResolver.resolve(request.headers);
      if (authz !== undefined && authz !== 'public' && authz !== 'identity') {
        const check = { ...authz, namespace: request.namespace };
        if (!(await deps.authorizer.allows(request.identity, check))) {
          audit.markDeniedByAuthorizer();
          return fail(request, reply, 403, 'forbidden', deniedMessage(check));
        }
      }
    } catch (error) {
      if (error instanceof AuthorizationUnavailableError) request.log.warn({ detail: error.detail }, 'authorization service unavailable');
      if (error instanceof AppError) {
        reply.headers(error.headers);
        return fail(request, reply, error.statusCode, error.code, error.message, error.extra);
      }
      throw error;
    }
    if (config.plugin) {
      const plugin = deps.registry.get(config.plugin);
      if (plugin && plugin.state !== 'active') {
        return fail(request, reply, 503, 'service_unavailable', `plugin "${plugin.name}" is not available: ${plugin.lastError ?? 'initializing'}`);
      }
    }
  });

  // The event is committed before the response bytes leave, so a client holding its response can read it (05 §0).
  app.addHook('onSend', async (request, reply, payload) => {
    await deps.audit.finish(request.audit, reply.statusCode);
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
}

function fail(request: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  return sendError(request, reply, status, code, message, extra);
}

function queryValues(query: unknown, name: string): string[] {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
