import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { RouteOptions } from 'fastify';
import type { RouteAudit, RouteAuthz } from './routeConfig.js';

export interface IndexedRoute {
  method: string;
  url: string;
  authz: RouteAuthz;
  /** The audit defaults of a state-changing route; `undefined` on reads. */
  audit: RouteAudit | false | undefined;
  operationId: string | undefined;
}

export const ROUTER_OPTIONS = { ignoreTrailingSlash: true, maxParamLength: 2048 } as const;

/**
 * A mirror of the registered routes, for questions Fastify's router does not answer: which methods
 * exist for a path (405 with `Allow`) and which route a (method, path) would hit (self access review).
 */
export class RouteIndex {
  private readonly router = FindMyWay(ROUTER_OPTIONS);
  private readonly methods = new Set<string>();
  private readonly routes: IndexedRoute[] = [];

  add(route: RouteOptions): void {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      this.methods.add(method);
      this.routes.push({ method, url: route.url, authz: route.config!.authz!, audit: route.config?.audit, operationId: (route.schema as { operationId?: string } | undefined)?.operationId });
      this.router.on(method as HTTPMethod, route.url, () => undefined, { config: route.config ?? {}, url: route.url });
    }
  }

  find(method: string, path: string): { config: Record<string, unknown>; params: Record<string, string | undefined>; url: string } | null {
    const found = this.router.find(method as HTTPMethod, path);
    if (!found) return null;
    const store = found.store as { config: Record<string, unknown>; url: string };
    return { config: store.config, params: found.params, url: store.url };
  }

  /** Every registered (method, url) with its authorization declaration, in registration order. */
  list(): readonly IndexedRoute[] {
    return this.routes;
  }

  /** The authorization declaration of an operation, for the `x-authz` extension of /openapi.json (05 §3.6). */
  authzOf(operationId: string): RouteAuthz | undefined {
    return this.routes.find((r) => r.operationId === operationId)?.authz;
  }

  methodsFor(path: string): string[] {
    return [...this.methods].filter((m) => this.router.find(m as HTTPMethod, path) !== null).sort();
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The registered routes with their authorization declarations (self access review, route-table checks). */
    routeIndex: RouteIndex;
  }
}
