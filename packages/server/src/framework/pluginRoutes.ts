import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { NotFoundError, ServiceUnavailableError } from '../errors.js';
import type { GovernanceSettings } from '../governance/GovernanceSettings.js';
import { ErrorResponse } from '../http/errorSchema.js';
import { capabilitiesV2, pluginEntry } from './capabilities.js';
import type { PluginRegistry } from './PluginRegistry.js';

/** Plugin discovery (spec 01 §8): `GET /api/plugins` and `GET /api/plugins/{pluginName}/capabilities`. */
export function registerPluginRoutes(app: FastifyInstance, registry: PluginRegistry, governance: GovernanceSettings): void {
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
    handler: async () => {
      const plugins = await Promise.all(registry.list().map((plugin) => pluginEntry(plugin, governance)));
      return { plugins, count: plugins.length };
    },
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
    handler: async (request) => {
      const { pluginName } = request.params as { pluginName: string };
      const plugin = registry.get(pluginName);
      if (!plugin) throw new NotFoundError(`plugin "${pluginName}" not found`);
      if (plugin.state !== 'active') {
        throw new ServiceUnavailableError(`plugin "${plugin.name}" is not available: ${plugin.lastError ?? 'initializing'}`);
      }
      return capabilitiesV2(plugin, governance);
    },
  });
}
