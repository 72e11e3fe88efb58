import type { RouteOptions } from 'fastify';
import { STATE_CHANGING_METHODS } from '../audit/AuditRecorder.js';
import { RESOURCES, VERBS } from './routeConfig.js';

/**
 * What every route must declare, checked as it is registered so a missing declaration fails the
 * build: its authorization (spec 05 §3.6) and, for state-changing methods, its audit defaults
 * (the "Audit action" of the route table, §3.7 and §4.3).
 */
export function checkRouteDeclarations(route: Pick<RouteOptions, 'method' | 'url' | 'config'>): void {
  const at = `route ${String(route.method)} ${route.url}`;
  const authz: unknown = route.config?.authz;
  if (authz === undefined) throw new Error(`${at} declares no authorization (config.authz)`);
  if (authz !== 'public' && authz !== 'identity') {
    const { resource, verb } = (typeof authz === 'object' && authz !== null ? authz : {}) as { resource?: unknown; verb?: unknown };
    if (!(RESOURCES as readonly unknown[]).includes(resource) || !(VERBS as readonly unknown[]).includes(verb)) {
      throw new Error(`${at} declares authorization ${JSON.stringify(authz)}: expected "public", "identity" or a resource of ${RESOURCES.join(', ')} with a verb of ${VERBS.join(', ')}`);
    }
  }
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const audit: unknown = route.config!.audit;
  if (audit === undefined && methods.some((m) => STATE_CHANGING_METHODS.has(m))) {
    throw new Error(`${at} declares no audit action (config.audit)`);
  }
  const action = typeof audit === 'object' && audit !== null ? (audit as { action?: unknown }).action : undefined;
  if (audit !== undefined && audit !== false && (typeof action !== 'string' || action === '')) {
    throw new Error(`${at} declares audit ${JSON.stringify(audit)}: expected false or an object with a non-empty action`);
  }
}
