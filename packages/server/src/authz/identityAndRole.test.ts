import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rsaKeys, signHs256, signRs256 } from '../testing/jwt.js';
import { startFakeKube, type FakeKube } from '@catalog/fake-kube';
import { startTestServer, type TestServer } from '../testing/testServer.js';

const MCP = '/api/mcp_catalog/v1alpha1';
const TAG = `${MCP}/management/entities/cluster-ops-mcp:action`;
const TAG_BODY = { action: 'tag', params: { tags: ['x'] } };
const APPLY = `${MCP}/management/apply-source`;
const keys = rsaKeys();
const now = () => Math.floor(Date.now() / 1000);
const keyDir = mkdtempSync(join(tmpdir(), 'jwt-keys-'));
process.on('exit', () => rmSync(keyDir, { recursive: true, force: true }));

function keyFile(pem: string): string {
  const path = join(keyDir, `${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(path, pem);
  return path;
}

async function whoami(t: TestServer, headers: Record<string, string>) {
  const response = await t.inject({ url: '/api/authz/v1alpha1/whoami', headers });
  return { status: response.statusCode, body: JSON.parse(response.body), headers: response.headers };
}

describe('identity from proxy headers', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ kind: 'pglite', env: { CATALOG_IDENTITY_USER_PREFIX: 'oidc:' } });
  });
  after(() => t.close());

  test('the prefix is stripped, groups are trimmed and de-duplicated, X-User-Principal is the fallback', async () => {
    const alice = await whoami(t, { 'x-remote-user': 'oidc:alice', 'x-remote-group': 'a, ,b,a' });
    assert.equal(alice.body.user, 'alice');
    assert.deepEqual(alice.body.groups, ['a', 'b']);
    assert.equal(alice.body.identitySource, 'proxy-headers');
    assert.equal((await whoami(t, { 'x-user-principal': 'carl' })).body.user, 'carl');
    assert.equal((await whoami(t, { 'x-remote-user': '  ', 'x-user-principal': 'oidc:carl' })).body.user, 'carl');
  });

  test('groups without a user are ignored; more than 1000 groups is 400', async () => {
    const anonymous = await whoami(t, { 'x-remote-group': 'admins' });
    assert.deepEqual(anonymous.body.groups, []);
    assert.equal(anonymous.body.authenticated, false);
    const many = await whoami(t, { 'x-remote-user': 'alice', 'x-remote-group': Array.from({ length: 1001 }, (_, i) => `g${i}`).join(',') });
    assert.equal(many.status, 400);
    assert.equal(many.body.message, 'too many groups (maximum 1000)');
    assert.equal((await whoami(t, { 'x-remote-user': 'alice', 'x-remote-group': Array.from({ length: 1000 }, (_, i) => `g${i}`).join(',') })).status, 200);
  });

  test('without a verifier the Authorization header is ignored', async () => {
    const token = signRs256({ sub: 'dave', exp: now() + 60 }, keys.privateKey);
    const response = await whoami(t, { authorization: `Bearer ${token}` });
    assert.equal(response.status, 200);
    assert.equal(response.body.user, 'anonymous');
  });
});

describe('CATALOG_TRUST_PROXY_HEADERS=false', () => {
  test('identity headers and X-User-Role are ignored', async () => {
    const t = await startTestServer({ kind: 'pglite', env: { CATALOG_TRUST_PROXY_HEADERS: 'false', CATALOG_AUTHZ_MODE: 'role' } });
    try {
      const response = await whoami(t, { 'x-remote-user': 'alice', 'x-user-principal': 'carl', 'x-user-role': 'operator' });
      assert.equal(response.body.user, 'anonymous');
      assert.equal(response.body.role, 'viewer');
    } finally {
      await t.close();
    }
  });
});

describe('verified bearer tokens (CATALOG_JWT_PUBLIC_KEY_PATH)', () => {
  let jwtServer: TestServer;
  before(async () => {
    jwtServer = await startTestServer({
      kind: 'pglite',
      env: { CATALOG_JWT_PUBLIC_KEY_PATH: keyFile(keys.publicPem), CATALOG_JWT_ISSUER: 'https://issuer.example', CATALOG_JWT_GROUPS_CLAIM: 'realm_access.groups' },
    });
  });
  after(() => jwtServer.close());

  test('a valid RS256 token identifies the caller with its claims', async () => {
    const token = signRs256({ sub: 'dave', iss: 'https://issuer.example', exp: now() + 300, realm_access: { groups: ['devs', 'ops'] } }, keys.privateKey);
    const response = await whoami(jwtServer, { authorization: `Bearer ${token}` });
    assert.deepEqual([response.body.user, response.body.groups, response.body.identitySource, response.body.authenticated], ['dave', ['devs', 'ops'], 'bearer', true]);
  });

  test('unverifiable tokens are 401 with WWW-Authenticate and a fixed reason, never echoing the token', async () => {
    const cases: [string, string][] = [
      [signHs256({ sub: 'dave', iss: 'https://issuer.example' }, 'secret'), 'unsupported algorithm'],
      [signRs256({ sub: 'dave', iss: 'https://issuer.example', exp: now() - 3600 }, keys.privateKey), 'token expired'],
      [signRs256({ sub: 'dave', iss: 'https://evil.example', exp: now() + 60 }, keys.privateKey), 'issuer mismatch'],
      [signRs256({ iss: 'https://issuer.example', exp: now() + 60 }, keys.privateKey), 'missing user claim'],
      ['not-a-jwt', 'malformed token'],
    ];
    for (const [token, reason] of cases) {
      for (const url of ['/api/authz/v1alpha1/whoami', '/api/plugins']) {
        const response = await jwtServer.inject({ url, headers: { authorization: `Bearer ${token}` } });
        assert.equal(response.statusCode, 401, reason);
        assert.equal(response.headers['www-authenticate'], 'Bearer');
        const body = JSON.parse(response.body);
        assert.equal(body.error, 'unauthorized');
        assert.equal(body.message, `invalid bearer token: ${reason}`);
        assert.ok(!response.body.includes(token));
      }
    }
    assert.ok(!JSON.stringify(jwtServer.logs).includes(cases[0][0]), 'tokens never reach the log');
    // Probes never evaluate credentials.
    assert.equal((await jwtServer.inject({ url: '/healthz', headers: { authorization: 'Bearer not-a-jwt' } })).statusCode, 200);
  });

  test('proxy headers win over the token: a caller identified by the proxy is not re-verified', async () => {
    const response = await whoami(jwtServer, { 'x-remote-user': 'alice', authorization: 'Bearer not-a-jwt' });
    assert.equal(response.status, 200);
    assert.equal(response.body.user, 'alice');
  });
});

describe('role mode', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ kind: 'pglite', env: { CATALOG_AUTHZ_MODE: 'role' } });
  });
  after(() => t.close());

  test('viewers read; writes need X-User-Role operator (trimmed, case-insensitive)', async () => {
    assert.equal((await t.inject(`${MCP}/mcpservers`)).statusCode, 200);
    assert.equal((await t.inject('/api/plugins')).statusCode, 200);
    const denied = await t.inject({ method: 'POST', url: TAG, payload: TAG_BODY });
    assert.equal(denied.statusCode, 403);
    assert.equal(JSON.parse(denied.body).message, 'insufficient permissions for actions/execute in namespace default');
    assert.equal((await t.inject({ method: 'POST', url: TAG, payload: TAG_BODY, headers: { 'x-user-role': ' Operator ' } })).statusCode, 200);
    assert.equal((await t.inject({ method: 'POST', url: TAG, payload: TAG_BODY, headers: { 'x-user-role': 'admin' } })).statusCode, 403);
    const apply = await t.inject({ method: 'POST', url: APPLY });
    assert.equal(apply.statusCode, 403);
    assert.equal(JSON.parse(apply.body).message, 'insufficient permissions for catalogsources/create in namespace default');
    // Operator proceeds past authorization to body validation (no body: 422 source validation failed, not 403).
    const proceeds = await t.inject({ method: 'POST', url: APPLY, headers: { 'x-user-role': 'Operator' } });
    assert.equal(proceeds.statusCode, 422, proceeds.body);
    assert.equal(JSON.parse(proceeds.body).error, 'unprocessable_entity');
  });

  test('whoami reports the role; self access reviews give the role reason', async () => {
    assert.equal((await whoami(t, { 'x-remote-user': 'alice' })).body.role, 'viewer');
    assert.equal((await whoami(t, { 'x-remote-user': 'alice', 'x-user-role': 'OPERATOR' })).body.role, 'operator');
    const review = await t.inject({
      method: 'POST', url: '/api/authz/v1alpha1/selfsubjectaccessreviews',
      payload: { checks: [{ resource: 'assets', verb: 'list' }, { resource: 'approvals', verb: 'approve' }] },
    });
    assert.deepEqual(JSON.parse(review.body).results, [
      { allowed: true, resource: 'assets', verb: 'list' },
      { allowed: false, resource: 'approvals', verb: 'approve', reason: 'requires role operator' },
    ]);
  });
});

describe('role mode with CATALOG_AUTH_MODE=jwt', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      kind: 'pglite',
      env: { CATALOG_AUTHZ_MODE: 'role', CATALOG_AUTH_MODE: 'jwt', CATALOG_JWT_PUBLIC_KEY_PATH: keyFile(keys.pkcs1Pem), CATALOG_JWT_ROLE_CLAIM: 'realm_access.roles' },
    });
  });
  after(() => t.close());

  test('a verified token whose role claim holds operator is operator; a tampered one is 401; none is viewer', async () => {
    const operator = signRs256({ sub: 'dave', exp: now() + 300, realm_access: { roles: ['user', 'Operator'] } }, keys.privateKey);
    const viewer = signRs256({ sub: 'erin', exp: now() + 300, realm_access: { roles: ['user'] } }, keys.privateKey);
    assert.equal((await t.inject({ method: 'POST', url: TAG, payload: TAG_BODY, headers: { authorization: `Bearer ${operator}` } })).statusCode, 200);
    assert.equal((await t.inject({ method: 'POST', url: TAG, payload: TAG_BODY, headers: { authorization: `Bearer ${viewer}` } })).statusCode, 403);
    assert.equal((await t.inject({ method: 'POST', url: TAG, payload: TAG_BODY })).statusCode, 403);
    const [h, p, s] = viewer.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), realm_access: { roles: ['operator'] } })).toString('base64url')}.${s}`;
    const tampered = await t.inject({ method: 'POST', url: TAG, payload: TAG_BODY, headers: { authorization: `Bearer ${forged}` } });
    assert.equal(tampered.statusCode, 401);
    assert.equal(JSON.parse(tampered.body).message, 'invalid bearer token: signature verification failed');
    // The proxy identifies the caller; the role still comes from the verified token.
    const proxied = await whoami(t, { 'x-remote-user': 'alice', 'x-user-role': 'operator', authorization: `Bearer ${viewer}` });
    assert.deepEqual([proxied.body.user, proxied.body.role], ['alice', 'viewer']);
    assert.equal((await whoami(t, { 'x-remote-user': 'alice', authorization: `Bearer ${forged}` })).status, 401);
  });
});

describe('Kubernetes TokenReview', () => {
  let kube: FakeKube;
  let t: TestServer;
  before(async () => {
    kube = await startFakeKube({ tokens: { 'sa-token-1': { username: 'system:serviceaccount:ci:robot', groups: ['system:serviceaccounts'] } } });
    t = await startTestServer({ kind: 'pglite', env: { CATALOG_TOKEN_REVIEW_ENABLED: 'true', KUBECONFIG: kube.kubeconfigPath } });
  });
  after(async () => {
    await t.close();
    await kube.close();
  });

  test('reviewed tokens identify the caller, cached by digest; rejected ones are 401; an outage is 503', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await whoami(t, { authorization: 'Bearer sa-token-1' });
      assert.deepEqual([response.body.user, response.body.groups, response.body.identitySource], ['system:serviceaccount:ci:robot', ['system:serviceaccounts'], 'bearer']);
    }
    assert.equal(kube.requests.filter((r) => r.path.endsWith('/tokenreviews')).length, 1);
    const rejected = await whoami(t, { authorization: 'Bearer unknown-token' });
    assert.equal(rejected.status, 401);
    assert.equal(rejected.body.message, 'invalid bearer token: token review rejected the token');
    kube.setFault({ pathPrefix: '/apis/authentication.k8s.io', status: 500 });
    try {
      assert.equal((await whoami(t, { authorization: 'Bearer another-token' })).status, 503);
    } finally {
      kube.setFault(null);
    }
  });
});

describe('startup refusals', () => {
  test('an unreadable JWT key, TokenReview or sar without Kubernetes access exit 1', async () => {
    for (const env of [
      { CATALOG_JWT_PUBLIC_KEY_PATH: '/nonexistent/jwt.pem' } as Record<string, string>,
      { CATALOG_TOKEN_REVIEW_ENABLED: 'true' },
      { CATALOG_AUTHZ_MODE: 'sar' },
      { CATALOG_LEADER_ELECTION_ENABLED: 'true' },
    ]) {
      await assert.rejects(startTestServer({ kind: 'pglite', env }), (e: Error & { exitCode?: number }) => e.exitCode === 1, JSON.stringify(env));
    }
  });
});
