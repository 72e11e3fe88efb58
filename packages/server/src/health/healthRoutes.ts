import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PluginRegistry } from '../framework/PluginRegistry.js';
import type { Metrics } from '../metrics/metrics.js';
import { formatUptime } from './formatUptime.js';
import type { Lifecycle } from './Lifecycle.js';
import { evaluateReadiness, type ComponentStatus } from './readiness.js';

export interface HealthDependencies {
  lifecycle: Lifecycle;
  registry: PluginRegistry;
  metrics: Metrics;
  /** Probes the database (cached by the caller); resolves to the `database` component. */
  databaseStatus: () => Promise<ComponentStatus>;
  leaderElection: () => ComponentStatus;
}

const publicRoute = { authz: 'public', namespace: 'exempt', servesDuringStartup: true } as const;
const Component = Type.Object({ status: Type.String(), details: Type.Optional(Type.String()), error: Type.Optional(Type.String()) });
const Readiness = Type.Object({
  status: Type.String(),
  reason: Type.Optional(Type.String()),
  components: Type.Record(Type.String(), Component),
});
const Liveness = Type.Object({ status: Type.String(), uptime: Type.String(), uptimeSeconds: Type.Integer() });

/** `/healthz`, `/livez`, `/readyz` (spec 01 §11) and `/metrics` (§12): public, namespace-exempt, never cached. */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthDependencies): void {
  const alive = async () => {
    const seconds = Math.floor((Date.now() - deps.lifecycle.startedAt) / 1000);
    return { status: 'alive', uptime: formatUptime(seconds), uptimeSeconds: seconds };
  };
  for (const url of ['/healthz', '/livez']) {
    app.get(url, {
      config: publicRoute,
      schema: { operationId: url === '/healthz' ? 'healthz' : 'livez', tags: ['health'], summary: 'Liveness', response: { 200: Liveness } },
      handler: alive,
    });
  }

  app.get('/readyz', {
    config: publicRoute,
    schema: { operationId: 'readyz', tags: ['health'], summary: 'Readiness with component status', response: { 200: Readiness, 503: Readiness } },
    handler: async (_request, reply) => {
      const report = await evaluateReadiness(deps.lifecycle, deps.registry, await deps.databaseStatus(), deps.leaderElection());
      for (const plugin of deps.registry.list()) deps.metrics.setPluginHealthy(plugin.name, (await plugin.checkHealth()).healthy);
      reply.header('Cache-Control', 'no-store');
      return reply.code(report.ready ? 200 : 503).send(report.body);
    },
  });

  app.get('/metrics', {
    config: publicRoute,
    schema: { operationId: 'metrics', tags: ['health'], summary: 'Prometheus metrics', produces: ['text/plain'] },
    handler: async (_request, reply) => {
      const body = await deps.metrics.registry.metrics();
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(body);
    },
  });
}
