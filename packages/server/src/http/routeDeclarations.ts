import type { RouteOptions } from 'fastify';
import { STATE_CHANGING_METHODS } from '../audit/AuditRecorder.js';

/**
 * What every route must declare, checked as it is registered so a missing declaration fails the
 * build: its authorization (spec 05 §3.6) and, for state-changing methods, its audit defaults
 * (the "Audit action" of the route table, §3.7 and §4.3).
 */
export function checkRouteDeclarations(route: Pick<RouteOptions, 'method' | 'url' | 'config'>): void {
  if (route.config?.authz === undefined) {
    throw new Error(`route ${String(route.method)} ${route.url} declares no authorization (config.authz)`);
  }
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (route.config.audit === undefined && methods.some((m) => STATE_CHANGING_METHODS.has(m))) {
    throw new Error(`route ${String(route.method)} ${route.url} declares no audit action (config.audit)`);
  }
}
