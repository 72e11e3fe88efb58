import { BadRequestError, ForbiddenError } from '../errors.js';
import type { NamespacePolicy } from '../http/routeConfig.js';

export const DEFAULT_NAMESPACE = 'default';
const DNS_1123_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const NAMESPACE_REQUIRED_MESSAGE =
  'namespace is required in multi-tenant mode (use ?namespace= query param or X-Namespace header)';

export interface TenancySettings {
  mode: 'single' | 'namespace';
  /** `CATALOG_NAMESPACES`; empty means every valid namespace is accepted. */
  allowList: readonly string[];
}

export interface NamespaceSources {
  /** Every value of the `namespace` query parameter, in order. */
  query: string[];
  header: string | string[] | undefined;
}

/**
 * Resolves the request namespace (spec 05 §1.2–§1.5): `default` in single mode (parameters ignored);
 * in namespace mode the query parameter, then `X-Namespace`, validated, then the allow-list.
 * Returns null where a namespace-optional route got none.
 */
export function resolveNamespace(settings: TenancySettings, policy: NamespacePolicy, given: NamespaceSources): string | null {
  if (settings.mode === 'single') return DEFAULT_NAMESPACE;
  if (policy === 'exempt') return null;

  const queryValues = given.query.filter((v) => v !== '');
  if (new Set(queryValues).size > 1) throw new BadRequestError('namespace must be given only once');
  const header = Array.isArray(given.header) ? given.header[0] : given.header;
  const namespace = queryValues[0] ?? (header?.trim() || undefined);

  if (namespace === undefined) {
    if (policy === 'optional' || policy === 'reported') return null;
    throw new BadRequestError(NAMESPACE_REQUIRED_MESSAGE);
  }
  validateNamespace(namespace);
  if (policy !== 'reported' && settings.allowList.length > 0 && !settings.allowList.includes(namespace)) {
    throw new ForbiddenError(`namespace "${quoted(namespace)}" is not enabled on this server`);
  }
  return namespace;
}

function validateNamespace(namespace: string): void {
  if (namespace.length > 63) {
    throw new BadRequestError(`namespace "${quoted(namespace)}" exceeds maximum length of 63 characters`);
  }
  if (!DNS_1123_LABEL.test(namespace)) {
    throw new BadRequestError(
      `namespace "${quoted(namespace)}" is invalid: must consist of lowercase alphanumeric characters or hyphens, and must start and end with an alphanumeric character`,
    );
  }
}

/** The namespace as received, cut to 100 characters plus `...` when longer. */
function quoted(namespace: string): string {
  return namespace.length > 100 ? `${namespace.slice(0, 100)}...` : namespace;
}
