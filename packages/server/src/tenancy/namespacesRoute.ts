import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Authorizer } from '../authz/Authorizer.js';
import { knownNamespacesAcrossNamespaces } from '../db/acrossNamespaces.js';
import type { Database } from '../db/schema.js';
import type { SourceCatalog } from '../sources/SourceCatalog.js';
import { DEFAULT_NAMESPACE, type TenancySettings } from './resolveNamespace.js';

const MAX_CANDIDATES = 500;
const CHECKS_IN_FLIGHT = 10;

/**
 * `GET /api/tenancy/v1alpha1/namespaces` (spec 01 §14, 05 §1.6): the namespaces the caller may use,
 * each one where the caller is allowed `plugins`/`list`.
 */
export function registerNamespacesRoute(
  app: FastifyInstance,
  deps: { tenancy: TenancySettings; authorizer: Authorizer; catalog: SourceCatalog; database: { readonly db: Kysely<Database> } },
): void {
  app.get('/api/tenancy/v1alpha1/namespaces', {
    config: { authz: 'identity', namespace: 'exempt' },
    schema: {
      operationId: 'listNamespaces',
      tags: ['tenancy'],
      summary: 'Namespaces the caller may use',
      response: { 200: Type.Object({ namespaces: Type.Array(Type.String()), mode: Type.String() }) },
    },
    handler: async (request) => {
      if (deps.tenancy.mode === 'single') return { namespaces: [DEFAULT_NAMESPACE], mode: 'single' };
      const candidates = (deps.tenancy.allowList.length > 0 ? [...deps.tenancy.allowList] : await knownNamespaces(deps)).slice(0, MAX_CANDIDATES);
      const allowed: boolean[] = new Array(candidates.length);
      let next = 0;
      const worker = async () => {
        while (next < candidates.length) {
          const i = next++;
          allowed[i] = await deps.authorizer.allows(request.identity, { resource: 'plugins', verb: 'list', namespace: candidates[i] });
        }
      };
      await Promise.all(Array.from({ length: Math.min(CHECKS_IN_FLIGHT, candidates.length) }, worker));
      return { namespaces: candidates.filter((_, i) => allowed[i]), mode: 'namespace' };
    },
  });
}

/** `default`, then every other namespace with configuration, entities or governance records, sorted. */
async function knownNamespaces(deps: { catalog: SourceCatalog; database: { readonly db: Kysely<Database> } }): Promise<string[]> {
  const others = new Set([...deps.catalog.namespaces(), ...(await knownNamespacesAcrossNamespaces(deps.database.db))]);
  others.delete(DEFAULT_NAMESPACE);
  return [DEFAULT_NAMESPACE, ...[...others].sort()];
}
