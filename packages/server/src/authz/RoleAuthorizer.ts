import type { Authorizer } from './Authorizer.js';

/**
 * `CATALOG_AUTHZ_MODE=role` (spec 05 §3.3): viewers may `get` and `list` every resource, operators
 * everything; the namespace plays no part. The role was computed with the identity.
 */
export const roleAuthorizer: Authorizer = {
  mode: 'role',
  denialReason: 'requires role operator',
  allows: async (identity, check) => check.verb === 'get' || check.verb === 'list' || identity.role === 'operator',
};
