import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_BASE, DEMO_LIST, error, runOnStub, type StubReply, type StubRequest } from '../testing/stubServer.js';
import { runSecurityChecks } from './security.js';

const DENIED = 'mallory';
/** Wrong answers by check name (`denied.<x>` for the denied identity's request, `allowed.action`, `whoami`). */
type Breakage = Partial<Record<string, StubReply>>;

/** A server that authorizes before validating and looking up, except where `broken` says otherwise. */
function securityServer(broken: Breakage) {
  const refuse = (r: StubRequest, key: string, otherwise: StubReply): StubReply =>
    r.user === DENIED ? (broken[key] ?? error(403, 'forbidden', 'insufficient permissions')) : otherwise;
  return (r: StubRequest): StubReply | undefined => {
    if (['/healthz', '/livez', '/metrics', '/openapi.json'].includes(r.path)) return { status: 200, body: {} };
    if (r.path === '/api/authz/v1alpha1/whoami') return broken.whoami ?? { status: 200, body: { user: r.user } };
    if (r.path === DEMO_LIST) return r.query.get('filterQuery') ? error(400, 'bad_request', 'invalid filterQuery') : { status: 200, body: { items: [{ name: 'w1' }], size: 1 } };
    if (r.path === `${DEMO_BASE}/management/apply-source`) return refuse(r, 'denied.apply_source', error(422, 'unprocessable_entity', 'invalid'));
    if (r.method === 'DELETE' && r.path.startsWith(`${DEMO_BASE}/management/sources/`)) return refuse(r, 'denied.delete_source', error(404, 'not_found'));
    if (r.path.startsWith(`${DEMO_BASE}/management/refresh/`)) return refuse(r, 'denied.refresh', error(404, 'not_found'));
    if (r.path.endsWith(':action')) return r.user === DENIED ? error(403, 'forbidden') : (broken['allowed.action'] ?? error(404, 'not_found'));
    if (r.path.endsWith('/actions/lifecycle.setState')) return refuse(r, 'denied.governance', { status: 200, body: { status: 'dry-run' } });
    if (r.path.endsWith('/decisions')) return refuse(r, 'denied.approval_decision', error(404, 'not_found'));
    if (r.path === '/api/authz/v1alpha1/selfsubjectaccessreviews') {
      const allowed = r.user !== DENIED;
      return broken['denied.self_review'] ?? { status: 200, body: { results: [{ id: 'apply', allowed }] } };
    }
    return undefined;
  };
}

const run = (broken: Breakage) => runOnStub(securityServer(broken), runSecurityChecks, { namespace: 'team-a', identity: { user: 'alice' }, deniedIdentity: { user: DENIED } });

test('a server authorizing before validation and lookup passes every denied and allowed check', async () => {
  const records = await run({});
  const failed = [...records.values()].filter((r) => r.status === 'failed');
  assert.deepEqual(failed, []);
  assert.equal(records.get('security.denied.apply_source')?.status, 'passed');
  assert.equal(records.get('security.allowed.approval_decision')?.status, 'passed');
  assert.equal(records.get('security.ui_headers')?.status, 'skipped');
});

test('422 instead of 403 for a denied apply-source fails: authorization ran after validation', async () => {
  const record = (await run({ 'denied.apply_source': error(422, 'unprocessable_entity', 'invalid source') })).get('security.denied.apply_source');
  assert.equal(record?.status, 'failed');
  assert.match(record?.message ?? '', /authorization ran after validation/);
});

test('404 instead of 403 for a denied delete fails: authorization ran after the lookup', async () => {
  const record = (await run({ 'denied.delete_source': error(404, 'not_found') })).get('security.denied.delete_source');
  assert.equal(record?.status, 'failed');
  assert.match(record?.message ?? '', /after the lookup/);
});

test('a 403 without the forbidden envelope fails', async () => {
  const record = (await run({ 'denied.delete_source': { status: 403, body: 'nope' } })).get('security.denied.delete_source');
  assert.equal(record?.status, 'failed');
});

test('an access review allowing the denied identity fails self_review', async () => {
  const records = await run({ 'denied.self_review': { status: 200, body: { results: [{ id: 'apply', allowed: true }] } } });
  assert.equal(records.get('security.denied.self_review')?.status, 'failed');
});

test('a 403 for the allowed identity fails the allowed check', async () => {
  const record = (await run({ 'allowed.action': error(403, 'forbidden') })).get('security.allowed.action');
  assert.equal(record?.status, 'failed');
  assert.match(record?.message ?? '', /refused: 403/);
});

test('whoami echoing another user fails', async () => {
  const record = (await run({ whoami: { status: 200, body: { user: 'anonymous' } } })).get('security.whoami');
  assert.equal(record?.status, 'failed');
});

test('without denied or explicit identity the denied.* and allowed.* checks are skipped with the reason', async () => {
  const records = await runOnStub(securityServer({}), runSecurityChecks, { namespace: 'team-a' });
  assert.equal(records.get('security.denied.self_review')?.status, 'skipped');
  assert.match(records.get('security.denied.apply_source')?.message ?? '', /no denied identity/);
  assert.match(records.get('security.allowed.refresh')?.message ?? '', /no explicit identity/);
  assert.equal(records.get('security.whoami')?.status, 'passed');
});
