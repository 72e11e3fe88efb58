import type { ServerConfig } from '../config/serverConfig.js';
import { StartupError } from '../errors.js';
import type { KubeClient } from '../kube/KubeClient.js';
import { allowAll, type Authorizer } from './Authorizer.js';
import { loadRsaPublicKey } from './bearer/JwtVerifier.js';
import { IdentityResolver, type IdentityResolverOptions } from './IdentityResolver.js';
import { roleAuthorizer } from './RoleAuthorizer.js';
import { SarAuthorizer } from './SarAuthorizer.js';

export interface AccessControl {
  authorizer: Authorizer;
  identityResolver: IdentityResolver;
}

/**
 * The identity resolver and authorizer the configuration asks for (spec 05 §2–3). Configuration
 * errors found here exit 1: an unreadable or non-RSA JWT key, and `sar` mode or TokenReview without
 * Kubernetes access. `kube()` is asked only when Kubernetes access is needed.
 */
export async function createAccessControl(config: ServerConfig, kube: () => KubeClient | null, log: IdentityResolverOptions['log']): Promise<AccessControl> {
  const { identity, authz } = config;
  const publicKey = identity.jwt.publicKeyPath === null ? null : await loadRsaPublicKey(identity.jwt.publicKeyPath);
  const jwtEnabled = publicKey !== null || identity.jwt.allowUnverified;

  const requireKube = (what: string) => {
    const client = kube();
    if (!client) throw new StartupError(`${what} requires Kubernetes access (in-cluster configuration or KUBECONFIG)`);
    return client;
  };
  const timeoutMs = authz.sarTimeoutSeconds * 1000;
  let tokenReview: IdentityResolverOptions['tokenReview'] = null;
  if (identity.tokenReviewEnabled) {
    const client = requireKube('CATALOG_TOKEN_REVIEW_ENABLED=true');
    tokenReview = { review: (token) => client.tokenReview(token, timeoutMs) };
  }

  let authorizer: Authorizer = allowAll;
  if (authz.mode === 'role') authorizer = roleAuthorizer;
  if (authz.mode === 'sar') {
    authorizer = new SarAuthorizer(requireKube('CATALOG_AUTHZ_MODE=sar'), {
      cacheTtlSeconds: authz.cacheTtlSeconds,
      cacheMaxSize: authz.cacheMaxSize,
      timeoutSeconds: authz.sarTimeoutSeconds,
    });
  }

  const identityResolver = new IdentityResolver({
    headers: {
      trustProxyHeaders: identity.trustProxyHeaders,
      userHeader: identity.userHeader,
      groupsHeader: identity.groupsHeader,
      userPrefix: identity.userPrefix,
    },
    jwt: jwtEnabled
      ? {
          publicKey,
          issuer: identity.jwt.issuer,
          audience: identity.jwt.audience,
          userClaim: identity.jwt.userClaim,
          groupsClaim: identity.jwt.groupsClaim,
          roleClaim: identity.jwt.roleClaim,
          operatorValue: identity.jwt.operatorValue,
        }
      : null,
    tokenReview,
    roleSource: authz.mode === 'role' ? authz.authMode : null,
    log,
  });
  return { authorizer, identityResolver };
}
