import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/** An RSA key pair for signing test tokens; `publicPem` in SPKI form, `pkcs1Pem` the same key as PKCS#1. */
export function rsaKeys(): { privateKey: KeyObject; publicPem: string; pkcs1Pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    pkcs1Pem: publicKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact RS256 JWS over `claims`. */
export function signRs256(claims: Record<string, unknown>, privateKey: KeyObject, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' }): string {
  const input = `${segment(header)}.${segment(claims)}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), privateKey).toString('base64url')}`;
}

/** A compact HS256 JWS, the classic algorithm-confusion attempt. */
export function signHs256(claims: Record<string, unknown>, secret: string): string {
  const input = `${segment({ alg: 'HS256', typ: 'JWT' })}.${segment(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
