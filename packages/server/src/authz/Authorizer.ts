import { ServiceUnavailableError } from '../errors.js';
import type { Resource, Verb } from '../http/routeConfig.js';
import type { Identity } from './identity.js';

export interface AccessCheck {
  resource: Resource;
  verb: Verb;
  /** null at cluster scope (spec 05 §1.7). */
  namespace: string | null;
}

/** Decides one (identity, resource, verb, namespace) check. Throws AuthorizationUnavailableError when the decision cannot be made. */
export interface Authorizer {
  readonly mode: 'none' | 'role' | 'sar';
  /** The `reason` of a denied self access review check (05 §3.8). */
  readonly denialReason: string;
  allows(identity: Identity, check: AccessCheck): Promise<boolean>;
}

/** `CATALOG_AUTHZ_MODE=none`: every check is allowed, as the upgrade guide promises. */
export const allowAll: Authorizer = {
  mode: 'none',
  denialReason: '',
  allows: async () => true,
};

/**
 * The authorizer could not decide (SubjectAccessReview transport error, timeout, non-2xx or malformed
 * answer): fail closed with 503, never 403 (spec 05 §3.5). `detail` is for the log only.
 */
export class AuthorizationUnavailableError extends ServiceUnavailableError {
  constructor(readonly detail: string) {
    super('authorization service unavailable', { 'Retry-After': '5' });
  }
}

export function deniedMessage(check: AccessCheck): string {
  const scope = check.namespace === null ? 'at cluster scope' : `in namespace ${check.namespace}`;
  return `insufficient permissions for ${check.resource}/${check.verb} ${scope}`;
}
