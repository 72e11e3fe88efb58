import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rsaKeys, signHs256, signRs256 } from '../../testing/jwt.js';
import { claimAt, loadRsaPublicKey, TokenRejectedError, verifyJwt, type JwtSettings } from './JwtVerifier.js';

const keys = rsaKeys();
const publicKey = createPublicKey(keys.publicPem);
const NOW = 1_800_000_000;
const settings: JwtSettings = { publicKey, issuer: 'https://issuer.example', audience: 'catalog' };
const good = { sub: 'dave', iss: 'https://issuer.example', aud: ['other', 'catalog'], exp: NOW + 300, nbf: NOW - 10 };

function rejection(token: string, s = settings): string {
  try {
    verifyJwt(token, s, NOW);
  } catch (error) {
    assert.ok(error instanceof TokenRejectedError);
    return error.reason;
  }
  return 'accepted';
}

describe('RS256 verification with node:crypto', () => {
  it('accepts a valid token and exposes its claims, also when the key is PKCS#1', () => {
    assert.equal(verifyJwt(signRs256(good, keys.privateKey), settings, NOW).sub, 'dave');
    assert.equal(verifyJwt(signRs256(good, keys.privateKey), { ...settings, publicKey: createPublicKey(keys.pkcs1Pem) }, NOW).sub, 'dave');
    assert.equal(verifyJwt(signRs256({ ...good, aud: 'catalog' }, keys.privateKey), settings, NOW).sub, 'dave');
  });

  it('rejects every other algorithm, tampered payloads and foreign keys', () => {
    assert.equal(rejection(signHs256(good, keys.publicPem)), 'unsupported algorithm');
    assert.equal(rejection(signRs256(good, keys.privateKey, { alg: 'none' })), 'unsupported algorithm');
    assert.equal(rejection(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`), 'unsupported algorithm');
    const [h, , s] = signRs256(good, keys.privateKey).split('.');
    assert.equal(rejection(`${h}.${Buffer.from(JSON.stringify({ ...good, sub: 'root' })).toString('base64url')}.${s}`), 'signature verification failed');
    assert.equal(rejection(signRs256(good, rsaKeys().privateKey)), 'signature verification failed');
  });

  it('checks exp and nbf with 60 s leeway, issuer and audience', () => {
    assert.equal(rejection(signRs256({ ...good, exp: NOW - 59 }, keys.privateKey)), 'accepted');
    assert.equal(rejection(signRs256({ ...good, exp: NOW - 61 }, keys.privateKey)), 'token expired');
    assert.equal(rejection(signRs256({ ...good, nbf: NOW + 61 }, keys.privateKey)), 'token not yet valid');
    assert.equal(rejection(signRs256({ ...good, iss: 'https://evil.example' }, keys.privateKey)), 'issuer mismatch');
    assert.equal(rejection(signRs256({ ...good, aud: 'other' }, keys.privateKey)), 'audience mismatch');
    assert.equal(rejection(signRs256({ ...good, aud: 'other' }, keys.privateKey), { ...settings, audience: null }), 'accepted');
  });

  it('calls malformed input malformed', () => {
    for (const token of ['', 'abc', 'a.b', 'a.b.c.d', '!!.??.**', `${Buffer.from('[1]').toString('base64url')}.e30.x`, `e30.${Buffer.from('"x"').toString('base64url')}.x`]) {
      assert.equal(rejection(token), 'malformed token', token);
    }
    assert.equal(rejection(signRs256({ ...good, exp: 'tomorrow' }, keys.privateKey)), 'malformed token');
  });

  it('decodes without a key when unverified tokens are allowed, still enforcing exp', () => {
    const unverified = { publicKey: null, issuer: null, audience: null };
    assert.equal(verifyJwt(signHs256(good, 'whatever'), unverified, NOW).sub, 'dave');
    assert.equal(rejection(signHs256({ ...good, exp: NOW - 100 }, 'x'), unverified), 'token expired');
  });

  it('reads dot-path claims', () => {
    assert.deepEqual(claimAt({ realm_access: { roles: ['operator'] } }, 'realm_access.roles'), ['operator']);
    assert.equal(claimAt({ a: 'x' }, 'a.b'), undefined);
  });

  it('loads SPKI and PKCS#1 keys; unreadable files and non-RSA keys exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-key-'));
    writeFileSync(join(dir, 'spki.pem'), keys.publicPem);
    writeFileSync(join(dir, 'pkcs1.pem'), keys.pkcs1Pem);
    writeFileSync(join(dir, 'ec.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'junk.pem'), 'not a key');
    assert.equal((await loadRsaPublicKey(join(dir, 'spki.pem'))).asymmetricKeyType, 'rsa');
    assert.equal((await loadRsaPublicKey(join(dir, 'pkcs1.pem'))).asymmetricKeyType, 'rsa');
    for (const [file, message] of [['ec.pem', /is not an RSA public key/], ['junk.pem', /is not a PEM public key/], ['missing.pem', /cannot read/]] as const) {
      await assert.rejects(loadRsaPublicKey(join(dir, file)), (e: Error & { exitCode?: number }) => e.exitCode === 1 && message.test(e.message));
    }
  });
});
