import type { PluginRegistry } from '../framework/PluginRegistry.js';
import type { Lifecycle } from './Lifecycle.js';

export interface ComponentStatus {
  status: string;
  details?: string;
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  body: { status: 'ready' | 'not_ready'; reason?: string; components: Record<string, ComponentStatus> };
}

/** Evaluates `/readyz` (spec 01 §11, 05 §8): database, initial load and plugins gate; leader election informs. */
export async function evaluateReadiness(
  lifecycle: Lifecycle,
  registry: PluginRegistry,
  database: ComponentStatus,
  leaderElection: ComponentStatus,
): Promise<ReadinessReport> {
  const load = lifecycle.initialLoad;
  const initialLoad: ComponentStatus = load.complete
    ? { status: 'complete', ...(load.timedOut ? { details: `${load.total - load.done} sources still loading` } : {}) }
    : { status: 'pending', details: `${load.done} of ${load.total} sources loaded` };

  const plugins = await pluginsComponent(registry);
  const ready =
    !lifecycle.shuttingDown &&
    database.status === 'up' &&
    initialLoad.status === 'complete' &&
    plugins.status !== 'initializing' &&
    plugins.status !== 'unavailable';
  return {
    ready,
    body: {
      status: ready ? 'ready' : 'not_ready',
      ...(lifecycle.shuttingDown ? { reason: 'shutting down' } : {}),
      components: { database, initial_load: initialLoad, plugins, leader_election: leaderElection },
    },
  };
}

async function pluginsComponent(registry: PluginRegistry): Promise<ComponentStatus> {
  const all = registry.list();
  if (registry.initializing) return { status: 'initializing' };
  const checks = await Promise.all(all.map(async (p) => ({ name: p.name, ...(await p.checkHealth()) })));
  const healthy = checks.filter((c) => c.healthy).length;
  if (healthy === all.length) return { status: 'healthy', details: `all ${all.length} plugins healthy` };
  if (healthy === 0) return { status: 'unavailable', details: `0 of ${all.length} plugins healthy` };
  const unavailable = checks.filter((c) => !c.healthy).map((c) => c.name);
  return { status: 'degraded', details: `${healthy} of ${all.length} plugins healthy; unavailable: ${unavailable.join(', ')}` };
}
