import type { Resource, Verb } from '../http/routeConfig.js';
import type { Identity } from './identity.js';

export interface AccessCheck {
  resource: Resource;
  verb: Verb;
  /** null at cluster scope (spec 05 §1.7). */
  namespace: string | null;
}

/** Decides one (identity, resource, verb, namespace) check. Throws when the decision cannot be made. */
export interface Authorizer {
  readonly mode: 'none' | 'role' | 'sar';
  allows(identity: Identity, check: AccessCheck): Promise<boolean>;
}

/** `CATALOG_AUTHZ_MODE=none`: every check is allowed, as the upgrade guide promises. */
export const allowAll: Authorizer = {
  mode: 'none',
  allows: async () => true,
};

export function deniedMessage(check: AccessCheck): string {
  const scope = check.namespace === null ? 'at cluster scope' : `in namespace ${check.namespace}`;
  return `insufficient permissions for ${check.resource}/${check.verb} ${scope}`;
}
