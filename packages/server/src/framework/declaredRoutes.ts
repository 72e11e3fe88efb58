import type { RouteDeclaration } from '@catalog/framework';
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { StartupError } from '../errors.js';
import { ErrorResponse } from '../http/errorSchema.js';
import type { Resource, Verb } from '../http/routeConfig.js';
import type { RegisteredPlugin } from './PluginRegistry.js';
import { validateRoutes } from './validateDeclaration.js';

/**
 * A plugin's own routes under its base path (spec 02 §1.6). They run through the same pipeline as
 * the generic routes (tenancy, identity, authorization before validation, the failed-plugin 503,
 * the audit event of writes) and the one error handler. A route that shadows a generic route
 * (it would take requests the generic route serves) fails startup. A plugin whose route
 * declarations are invalid gets none registered: the routes are built before the registry
 * validates, and it marks the plugin failed with the validation message.
 */
export function registerDeclaredRoutes(app: FastifyInstance, plugin: RegisteredPlugin): void {
  try {
    validateRoutes(plugin.decl);
  } catch {
    return;
  }
  const routes = plugin.decl.routes ?? [];
  // Checked against the generic routes only, before any declared route is added.
  for (const decl of routes) {
    const shadowed = app.routeIndex.find(decl.method, `${plugin.basePath}${samplePath(decl.url)}`);
    if (shadowed) {
      throw new StartupError(`plugin "${plugin.name}" route ${decl.method} ${decl.url} shadows the generic route ${decl.method} ${shadowed.url}`);
    }
  }
  for (const decl of routes) {
    const url = `${plugin.basePath}${decl.url}`;
    try {
      app.route({
        method: decl.method,
        url,
        config: {
          authz: { resource: decl.authz.resource as Resource, verb: decl.authz.verb as Verb },
          plugin: plugin.name,
          ...(decl.auditAction !== undefined ? { audit: { action: decl.auditAction } } : {}),
        },
        schema: {
          operationId: operationIdOf(plugin.name, decl),
          tags: [plugin.name],
          ...(decl.schema.params ? { params: decl.schema.params } : {}),
          ...(decl.schema.querystring ? { querystring: withNamespace(decl.schema.querystring) } : {}),
          ...(decl.schema.body ? { body: decl.schema.body } : {}),
          response: { '4xx': ErrorResponse, ...decl.schema.response },
        },
        handler: async (request) => {
          const query = { ...(request.query as Record<string, unknown> | undefined) };
          delete query.namespace;
          return decl.handler(
            { namespace: request.namespace!, identity: { user: request.identity.user, groups: [...request.identity.groups] } },
            { params: request.params, query, body: request.body },
          );
        },
      });
    } catch (error) {
      throw new StartupError(`plugin "${plugin.name}" route ${decl.method} ${decl.url} (${url}) collides with another route: ${(error as Error).message}`);
    }
  }
}

/** A path the route matches: each parameter or wildcard filled with a value no static segment has. */
function samplePath(url: string): string {
  return url.replace(/:[A-Za-z0-9_]+(\([^)]*\))?|\*/g, '~declared~');
}

/** `get_<plugin>_route_<url words>`: stable, and apart from the generic operations' names. */
function operationIdOf(plugin: string, decl: RouteDeclaration): string {
  const words = decl.url.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return `${decl.method.toLowerCase()}_${plugin}_route${words ? `_${words}` : ''}`;
}

/**
 * The request namespace may come as `?namespace=` (05 §1.4) whatever the plugin's query schema
 * says; the handler gets the query without it.
 */
function withNamespace(schema: TSchema): TSchema {
  if (schema.type !== 'object' || schema.properties === undefined) return schema;
  return { ...schema, properties: { ...schema.properties, namespace: Type.Optional(Type.String()) } };
}
