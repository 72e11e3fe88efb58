import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { DiscoveryCache, type CacheName } from '../cache/DiscoveryCache.js';
import { NotFoundError, ServiceUnavailableError } from '../errors.js';
import type { GovernanceSettings } from '../governance/GovernanceSettings.js';
import { ErrorResponse } from '../http/errorSchema.js';
import { capabilitiesV2, pluginEntry } from './capabilities.js';
import type { PluginRegistry } from './PluginRegistry.js';

/**
 * Plugin discovery (spec 01 §8): `GET /api/plugins` and `GET /api/plugins/{pluginName}/capabilities`,
 * both served through the discovery cache (05 §6) with `X-Cache: HIT|MISS` when it is enabled.
 */
export function registerPluginRoutes(app: FastifyInstance, registry: PluginRegistry, governance: GovernanceSettings, cache: DiscoveryCache): void {
  app.get('/api/plugins', {
    config: { authz: { resource: 'plugins', verb: 'list' } },
    schema: {
      operationId: 'listPlugins',
      tags: ['core'],
      summary: 'List the registered plugins with their capabilities and health',
      response: {
        200: Type.Object({ plugins: Type.Array(Type.Record(Type.String(), Type.Unknown())), count: Type.Integer() }),
        '4xx': ErrorResponse,
        '5xx': ErrorResponse,
      },
    },
    handler: async (request, reply) =>
      cached(cache, reply, 'discovery', DiscoveryCache.key(request.namespace ?? ''), async () => {
        const plugins = await Promise.all(registry.list().map((plugin) => pluginEntry(plugin, governance)));
        return { plugins, count: plugins.length };
      }),
  });

  app.get('/api/plugins/:pluginName/capabilities', {
    config: { authz: { resource: 'capabilities', verb: 'get' } },
    schema: {
      operationId: 'getPluginCapabilities',
      tags: ['core'],
      summary: 'The V2 capabilities document of one plugin',
      params: Type.Object({ pluginName: Type.String() }),
      response: { 200: Type.Record(Type.String(), Type.Unknown()), '4xx': ErrorResponse, '5xx': ErrorResponse },
    },
    handler: async (request, reply) => {
      const { pluginName } = request.params as { pluginName: string };
      return cached(cache, reply, 'capabilities', DiscoveryCache.key(request.namespace ?? '', pluginName), async () => {
        const plugin = registry.get(pluginName);
        if (!plugin) throw new NotFoundError(`plugin "${pluginName}" not found`);
        if (plugin.state !== 'active') {
          throw new ServiceUnavailableError(`plugin "${plugin.name}" is not available: ${plugin.lastError ?? 'initializing'}`);
        }
        return capabilitiesV2(plugin, governance);
      });
    },
  });
}

/**
 * Serves a cached body or computes, serializes and stores it. The body is serialized here, once, so
 * a HIT is byte-identical to the MISS that filled it; errors pass through as MISS and are never stored.
 */
async function cached(cache: DiscoveryCache, reply: FastifyReply, name: CacheName, key: string, compute: () => Promise<unknown>): Promise<string> {
  reply.type('application/json; charset=utf-8');
  const hit = cache.get(name, key);
  if (cache.enabled) reply.header('X-Cache', hit === undefined ? 'MISS' : 'HIT');
  if (hit !== undefined) return hit;
  const snapshot = cache.snapshot();
  const body = JSON.stringify(await compute());
  cache.set(name, key, body, snapshot);
  return body;
}
