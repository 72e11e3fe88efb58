import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { StartupError } from '../../errors.js';

/** Tolerance for `exp` and `nbf` against clock skew (spec 05 §2.4). */
const LEEWAY_SECONDS = 60;

export type TokenRejection =
  | 'malformed token'
  | 'unsupported algorithm'
  | 'signature verification failed'
  | 'token expired'
  | 'token not yet valid'
  | 'issuer mismatch'
  | 'audience mismatch'
  | 'missing user claim'
  | 'token review rejected the token';

/** A bearer token that failed verification; `reason` is one of the fixed texts of 05 §2.4 and never contains the token. */
export class TokenRejectedError extends Error {
  constructor(readonly reason: TokenRejection) {
    super(`invalid bearer token: ${reason}`);
  }
}

export interface JwtSettings {
  /** `null`: claims are decoded without signature checks (`CATALOG_JWT_ALLOW_UNVERIFIED`). */
  publicKey: KeyObject | null;
  issuer: string | null;
  audience: string | null;
}

export type Claims = Record<string, unknown>;

/** Reads `CATALOG_JWT_PUBLIC_KEY_PATH`: a PEM RSA public key (SPKI or PKCS#1); anything else exits 1. */
export async function loadRsaPublicKey(path: string): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw new StartupError(`CATALOG_JWT_PUBLIC_KEY_PATH: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new StartupError(`CATALOG_JWT_PUBLIC_KEY_PATH: ${path} is not a PEM public key`);
  }
  if (key.asymmetricKeyType !== 'rsa') throw new StartupError(`CATALOG_JWT_PUBLIC_KEY_PATH: ${path} is not an RSA public key`);
  return key;
}

/**
 * Verifies a compact JWS (spec 05 §2.4): only RS256, checked with node:crypto; `exp`/`nbf` with 60 s
 * leeway; `iss` and `aud` when configured. Returns the claims or throws TokenRejectedError.
 */
export function verifyJwt(token: string, settings: JwtSettings, nowSeconds = Date.now() / 1000): Claims {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) throw new TokenRejectedError('malformed token');
  const header = decodeSegment(parts[0]);
  const claims = decodeSegment(parts[1]);
  if (settings.publicKey) {
    if (header.alg !== 'RS256') throw new TokenRejectedError('unsupported algorithm');
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii');
    if (!verify('RSA-SHA256', signed, settings.publicKey, Buffer.from(parts[2], 'base64url'))) throw new TokenRejectedError('signature verification failed');
  }
  const exp = numericClaim(claims, 'exp');
  if (exp !== undefined && nowSeconds > exp + LEEWAY_SECONDS) throw new TokenRejectedError('token expired');
  const nbf = numericClaim(claims, 'nbf');
  if (nbf !== undefined && nowSeconds < nbf - LEEWAY_SECONDS) throw new TokenRejectedError('token not yet valid');
  if (settings.issuer !== null && claims.iss !== settings.issuer) throw new TokenRejectedError('issuer mismatch');
  if (settings.audience !== null) {
    const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audience.includes(settings.audience)) throw new TokenRejectedError('audience mismatch');
  }
  return claims;
}

/** The value at a dot path (`realm_access.roles`). */
export function claimAt(claims: Claims, path: string): unknown {
  let value: unknown = claims;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function decodeSegment(segment: string): Claims {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Claims;
  } catch {
    // falls through to the rejection below
  }
  throw new TokenRejectedError('malformed token');
}

function numericClaim(claims: Claims, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TokenRejectedError('malformed token');
  return value;
}
