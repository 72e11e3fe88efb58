import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { LRUCache } from 'lru-cache';
import { ServiceUnavailableError, UnauthorizedError } from '../errors.js';
import { claimAt, TokenRejectedError, verifyJwt, type Claims, type JwtSettings } from './bearer/JwtVerifier.js';
import { ANONYMOUS, firstValue, identityFromHeaders, uniqueGroups, type Identity, type IdentitySettings, type Role } from './identity.js';

const TOKEN_REVIEW_CACHE_TTL_MS = 60_000;
const TOKEN_REVIEW_CACHE_MAX = 10_000;

export interface JwtIdentitySettings extends JwtSettings {
  userClaim: string;
  groupsClaim: string;
  roleClaim: string;
  operatorValue: string;
}

/** Authenticates a bearer token against the Kubernetes TokenReview API; null = not authenticated. */
export interface TokenReviewer {
  review(token: string): Promise<{ username: string; groups: string[] } | null>;
}

export interface IdentityResolverOptions {
  headers: IdentitySettings;
  /** Set when a JWT verifier is configured (a public key, or unverified decoding allowed). */
  jwt: JwtIdentitySettings | null;
  tokenReview: TokenReviewer | null;
  /** Where `role` mode reads the role; null in the other modes (no role is computed). */
  roleSource: 'header' | 'jwt' | null;
  log: { debug(object: object, message: string): void; warn(object: object, message: string): void };
}

/**
 * Resolves `request.identity` from the sources of spec 05 §2.2 in precedence order (proxy headers,
 * `X-User-Principal`, bearer token, anonymous) and, in `role` mode, the caller's role (05 §3.3).
 * Throws UnauthorizedError for an unverifiable token; the token never appears in errors or logs.
 */
export class IdentityResolver {
  private readonly reviewed = new LRUCache<string, { user: { username: string; groups: string[] } | null }>({ max: TOKEN_REVIEW_CACHE_MAX, ttl: TOKEN_REVIEW_CACHE_TTL_MS });

  constructor(private readonly options: IdentityResolverOptions) {}

  async resolve(headers: IncomingHttpHeaders): Promise<Identity> {
    const token = bearerToken(headers);
    let identity = identityFromHeaders(headers, this.options.headers);
    let claims: Claims | undefined;
    if (!identity && token !== undefined) {
      if (this.options.jwt || this.options.tokenReview) {
        ({ identity, claims } = await this.authenticate(token));
      } else {
        this.options.log.debug({}, 'bearer token ignored: no verifier is configured');
      }
    }
    identity ??= ANONYMOUS;
    if (this.options.roleSource === null) return identity;
    return { ...identity, role: this.role(headers, token, claims) };
  }

  private async authenticate(token: string): Promise<{ identity: Identity; claims?: Claims }> {
    const jwt = this.options.jwt;
    if (jwt) {
      try {
        const claims = verifyJwt(token, jwt);
        const user = claimAt(claims, jwt.userClaim);
        if (typeof user !== 'string' || user.trim() === '') throw new TokenRejectedError('missing user claim');
        return { identity: { user: user.trim(), groups: uniqueGroups(groupList(claimAt(claims, jwt.groupsClaim))), authenticated: true, source: 'bearer' }, claims };
      } catch (error) {
        if (!(error instanceof TokenRejectedError)) throw error;
        // Tokens that are not verifiable JWTs go to TokenReview when it is enabled (service-account tokens, 05 §2.4).
        if (!this.options.tokenReview) throw new UnauthorizedError(error.message);
      }
    }
    const user = await this.review(token);
    if (!user) throw new UnauthorizedError(new TokenRejectedError('token review rejected the token').message);
    return { identity: { user: user.username, groups: uniqueGroups(user.groups), authenticated: true, source: 'bearer' } };
  }

  private async review(token: string): Promise<{ username: string; groups: string[] } | null> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.reviewed.get(key);
    if (cached) return cached.user;
    let user;
    try {
      user = await this.options.tokenReview!.review(token);
    } catch (error) {
      this.options.log.warn({ error: (error as Error).message }, 'token review unavailable');
      throw new ServiceUnavailableError('authentication service unavailable', { 'Retry-After': '5' });
    }
    this.reviewed.set(key, { user });
    return user;
  }

  private role(headers: IncomingHttpHeaders, token: string | undefined, claims: Claims | undefined): Role {
    if (this.options.roleSource === 'header') {
      if (!this.options.headers.trustProxyHeaders) return 'viewer';
      return firstValue(headers, 'x-user-role')?.trim().toLowerCase() === 'operator' ? 'operator' : 'viewer';
    }
    const jwt = this.options.jwt!;
    if (token === undefined) return 'viewer';
    if (!claims) {
      // The proxy identified the caller, but the role still comes from the verified token (05 §2.4).
      try {
        claims = verifyJwt(token, jwt);
      } catch (error) {
        if (error instanceof TokenRejectedError) throw new UnauthorizedError(error.message);
        throw error;
      }
    }
    const value = claimAt(claims, jwt.roleClaim);
    const wanted = jwt.operatorValue.toLowerCase();
    const matches = (v: unknown) => typeof v === 'string' && v.toLowerCase() === wanted;
    return (Array.isArray(value) ? value.some(matches) : matches(value)) ? 'operator' : 'viewer';
  }
}

function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

function groupList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
