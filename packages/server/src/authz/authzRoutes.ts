import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../errors.js';
import { ErrorResponse } from '../http/errorSchema.js';
import { RESOURCES, VERBS, type Resource, type RouteAuthz, type Verb } from '../http/routeConfig.js';
import type { RouteIndex } from '../http/RouteIndex.js';
import type { TenancySettings } from '../tenancy/resolveNamespace.js';
import type { Authorizer } from './Authorizer.js';

const MAX_CHECKS = 100;
const MAX_ID_LENGTH = 64;
const CHECK_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

const CheckResult = Type.Object({
  id: Type.Optional(Type.String()),
  allowed: Type.Boolean(),
  resource: Type.Union([Type.String(), Type.Null()]),
  verb: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Optional(Type.String()),
});

type Check = { id?: string; pair: { resource: Resource; verb: Verb } | null; unknownRoute: boolean };

/**
 * `GET /api/authz/v1alpha1/whoami` (spec 05 §2.5) and `POST /api/authz/v1alpha1/selfsubjectaccessreviews`
 * (05 §3.8): who the server thinks the caller is, and what the caller may do, judged by the same route
 * table and authorizer as real requests.
 */
export function registerAuthzRoutes(app: FastifyInstance, deps: { authorizer: Authorizer; tenancy: TenancySettings; routes: RouteIndex }): void {
  app.get('/api/authz/v1alpha1/whoami', {
    config: { authz: 'identity', namespace: 'reported' },
    schema: {
      operationId: 'whoami',
      tags: ['authz'],
      summary: 'The caller identity as the server resolved it',
      response: {
        200: Type.Object({
          user: Type.String(),
          groups: Type.Array(Type.String()),
          authenticated: Type.Boolean(),
          identitySource: Type.String(),
          authzMode: Type.String(),
          tenancyMode: Type.String(),
          namespace: Type.Union([Type.String(), Type.Null()]),
          role: Type.Optional(Type.String()),
        }),
        '4xx': ErrorResponse,
        '5xx': ErrorResponse,
      },
    },
    handler: async (request) => {
      const { user, groups, authenticated, source, role } = request.identity;
      return {
        user,
        groups,
        authenticated,
        identitySource: source,
        authzMode: deps.authorizer.mode,
        tenancyMode: deps.tenancy.mode,
        namespace: request.namespace,
        ...(role !== undefined ? { role } : {}),
      };
    },
  });

  app.post('/api/authz/v1alpha1/selfsubjectaccessreviews', {
    config: { authz: 'identity', audit: false },
    schema: {
      operationId: 'createSelfSubjectAccessReview',
      tags: ['authz'],
      summary: 'What the caller may do: 1 to 100 checks by route (method, path) or by (resource, verb)',
      // Validated by the handler, so every malformed entry gets the exact message of 05 §3.8.
      body: Type.Unknown({ description: '{"checks": [{"id"?, "method", "path"} | {"id"?, "resource", "verb"}]}' }),
      response: {
        200: Type.Object({ namespace: Type.String(), user: Type.String(), groups: Type.Array(Type.String()), results: Type.Array(CheckResult) }),
        '4xx': ErrorResponse,
        '5xx': ErrorResponse,
      },
    },
    handler: async (request) => {
      const checks = parseChecks(request.body, deps.routes);
      const namespace = request.namespace!;
      const decisions = await Promise.all(
        checks.map((check) => (check.pair ? deps.authorizer.allows(request.identity, { ...check.pair, namespace }) : Promise.resolve(!check.unknownRoute))),
      );
      const results = checks.map((check, i) => ({
        ...(check.id !== undefined ? { id: check.id } : {}),
        allowed: decisions[i],
        resource: check.pair?.resource ?? null,
        verb: check.pair?.verb ?? null,
        ...(check.unknownRoute ? { reason: 'unknown route' } : !decisions[i] ? { reason: deps.authorizer.denialReason } : {}),
      }));
      return { namespace, user: request.identity.user, groups: request.identity.groups, results };
    },
  });
}

function parseChecks(body: unknown, routes: RouteIndex): Check[] {
  const checks = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as { checks?: unknown }).checks : undefined;
  if (!Array.isArray(checks) || checks.length === 0 || checks.length > MAX_CHECKS) {
    throw new BadRequestError(`checks must be an array of 1 to ${MAX_CHECKS} items`);
  }
  return checks.map((entry: unknown, i) => {
    const fail = (message: string) => new BadRequestError(`checks[${i}]${message}`);
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw fail(': give either method and path, or resource and verb');
    const { id, method, path, resource, verb } = entry as Record<string, unknown>;
    if (id !== undefined && (typeof id !== 'string' || id.length > MAX_ID_LENGTH)) throw fail(`.id must be a string of at most ${MAX_ID_LENGTH} characters`);
    const byRoute = method !== undefined || path !== undefined;
    const byPair = resource !== undefined || verb !== undefined;
    if (byRoute === byPair) throw fail(': give either method and path, or resource and verb');
    if (byPair) {
      if (!RESOURCES.includes(resource as Resource)) throw fail(`.resource must be one of ${RESOURCES.join(', ')}`);
      if (!VERBS.includes(verb as Verb)) throw fail(`.verb must be one of ${VERBS.join(', ')}`);
      return { id: id as string | undefined, pair: { resource: resource as Resource, verb: verb as Verb }, unknownRoute: false };
    }
    if (typeof method !== 'string' || !CHECK_METHODS.includes(method.toUpperCase())) throw fail(`.method must be one of ${CHECK_METHODS.join(', ')}`);
    if (typeof path !== 'string' || !path.startsWith('/')) throw fail('.path must start with /');
    const authz = routeAuthz(routes, method.toUpperCase(), path.split('?')[0]);
    if (authz === undefined) return { id: id as string | undefined, pair: null, unknownRoute: true };
    return { id: id as string | undefined, pair: typeof authz === 'string' ? null : authz, unknownRoute: false };
  });
}

/** The declaration of the route the router would pick; HEAD is authorized exactly like its GET (05 §3.6). */
function routeAuthz(routes: RouteIndex, method: string, path: string): RouteAuthz | undefined {
  const found = routes.find(method, path) ?? (method === 'HEAD' ? routes.find('GET', path) : null);
  return found?.config.authz as RouteAuthz | undefined;
}
