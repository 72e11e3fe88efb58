import { LRUCache } from 'lru-cache';
import type { AccessReviewSpec } from '../kube/KubeClient.js';
import { AuthorizationUnavailableError, type AccessCheck, type Authorizer } from './Authorizer.js';
import type { Identity } from './identity.js';

export const CATALOG_API_GROUP = 'catalog.kubeflow.org';

export interface AccessReviewer {
  subjectAccessReview(spec: AccessReviewSpec, timeoutMs: number): Promise<boolean>;
}

export interface SarSettings {
  /** `0` disables the decision cache. */
  cacheTtlSeconds: number;
  cacheMaxSize: number;
  timeoutSeconds: number;
}

/**
 * `CATALOG_AUTHZ_MODE=sar` (spec 05 §3.4): one SubjectAccessReview per uncached check, decisions
 * (allow and deny, never errors) cached per replica, identical concurrent checks sharing one review.
 */
export class SarAuthorizer implements Authorizer {
  readonly mode = 'sar' as const;
  readonly denialReason = 'denied by authorizer';
  private readonly cache: LRUCache<string, { allowed: boolean }> | null;
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(private readonly reviewer: AccessReviewer, private readonly settings: SarSettings) {
    this.cache = settings.cacheTtlSeconds > 0 ? new LRUCache({ max: settings.cacheMaxSize, ttl: settings.cacheTtlSeconds * 1000 }) : null;
  }

  async allows(identity: Identity, check: AccessCheck): Promise<boolean> {
    const spec = reviewSpec(identity, check);
    // JSON avoids delimiter ambiguity; sorted groups make `a,b` and `b,a` one entry.
    const key = JSON.stringify([spec.user, [...spec.groups].sort(), check.resource, check.verb, check.namespace ?? '']);
    const cached = this.cache?.get(key);
    if (cached) return cached.allowed;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const review = this.review(spec).then((allowed) => {
      this.cache?.set(key, { allowed });
      return allowed;
    });
    this.inFlight.set(key, review);
    try {
      return await review;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async review(spec: AccessReviewSpec): Promise<boolean> {
    try {
      return await this.reviewer.subjectAccessReview(spec, this.settings.timeoutSeconds * 1000);
    } catch (error) {
      throw new AuthorizationUnavailableError((error as Error).message);
    }
  }
}

/**
 * The review subject as the Kubernetes API server would present it: authenticated users carry
 * `system:authenticated`; the anonymous identity is `system:anonymous` in `system:unauthenticated`.
 */
export function reviewSpec(identity: Identity, check: AccessCheck): AccessReviewSpec {
  const subject = identity.authenticated
    ? { user: identity.user, groups: identity.groups.includes('system:authenticated') ? identity.groups : [...identity.groups, 'system:authenticated'] }
    : { user: 'system:anonymous', groups: ['system:unauthenticated'] };
  return {
    ...subject,
    resourceAttributes: { group: CATALOG_API_GROUP, resource: check.resource, verb: check.verb, ...(check.namespace !== null ? { namespace: check.namespace } : {}) },
  };
}
