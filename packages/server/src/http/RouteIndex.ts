import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { RouteOptions } from 'fastify';

export const ROUTER_OPTIONS = { ignoreTrailingSlash: true, maxParamLength: 2048 } as const;

/**
 * A mirror of the registered routes, for questions Fastify's router does not answer: which methods
 * exist for a path (405 with `Allow`) and which route a (method, path) would hit (self access review).
 */
export class RouteIndex {
  private readonly router = FindMyWay(ROUTER_OPTIONS);
  private readonly methods = new Set<string>();

  add(route: RouteOptions): void {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      this.methods.add(method);
      this.router.on(method as HTTPMethod, route.url, () => undefined, { config: route.config ?? {} });
    }
  }

  find(method: string, path: string): { config: Record<string, unknown>; params: Record<string, string | undefined> } | null {
    const found = this.router.find(method as HTTPMethod, path);
    if (!found) return null;
    return { config: (found.store as { config: Record<string, unknown> }).config, params: found.params };
  }

  methodsFor(path: string): string[] {
    return [...this.methods].filter((m) => this.router.find(m as HTTPMethod, path) !== null).sort();
  }
}
