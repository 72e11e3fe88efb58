import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_BASE, error, runOnStub, type StubReply, type StubRequest } from '../testing/stubServer.js';
import type { RunContext } from '../run/RunContext.js';
import { runAuditChecks } from './audit.js';

const DENIED = 'mallory';
type Fault = 'duplicate' | 'denied-as-failure' | 'denied-unrecorded' | 'foreign-namespace' | 'repeating-pages';

/** A server auditing every write once (outcome from the status), listing newest first with offset tokens, unless `fault`. */
function auditServer(fault?: Fault) {
  const events: Record<string, unknown>[] = [];
  const audit = (r: StubRequest, reply: StubReply): StubReply => {
    const outcome = reply.status === 403 && fault !== 'denied-as-failure' ? 'denied' : reply.status < 300 ? 'success' : 'failure';
    const copies = fault === 'duplicate' ? 2 : fault === 'denied-unrecorded' && reply.status === 403 ? 0 : 1;
    for (let i = 0; i < copies; i++) {
      events.unshift({
        id: `ev-${events.length}`, namespace: fault === 'foreign-namespace' && events.length === 0 ? 'team-z' : r.namespace, eventType: 'management',
        actor: r.user, outcome, statusCode: reply.status, requestId: r.headers['x-request-id'], createdAt: new Date().toISOString(),
      });
    }
    return reply;
  };
  return (r: StubRequest): StubReply | undefined => {
    if (r.path === `${DEMO_BASE}/management/apply-source`) return audit(r, r.user === DENIED ? error(403, 'forbidden') : { status: 200, body: {} });
    if (r.path.endsWith(':action')) return audit(r, r.user === DENIED ? error(403, 'forbidden') : error(404, 'not_found'));
    if (r.path === '/api/audit/v1alpha1/events') {
      const requestId = r.query.get('requestId');
      const matching = events.filter((e) => !requestId || e.requestId === requestId);
      const size = Number(r.query.get('pageSize') ?? 20);
      const offset = fault === 'repeating-pages' ? 0 : Number(r.query.get('pageToken') ?? 0);
      const next = offset + size < matching.length ? String(offset + size) : '';
      return { status: 200, body: { events: matching.slice(offset, offset + size), nextPageToken: next } };
    }
    if (r.path.startsWith('/api/audit/v1alpha1/events/')) {
      const found = events.find((e) => r.path.endsWith(`/${e.id}`));
      return found ? { status: 200, body: found } : error(404, 'not_found');
    }
    return undefined;
  };
}

/** The write requests earlier categories would have sent: two allowed applies and one refused one. */
async function writesThenAudit(ctx: RunContext): Promise<void> {
  for (let i = 0; i < 2; i++) await ctx.request({ method: 'POST', path: `${DEMO_BASE}/management/apply-source`, body: { id: `s${i}` } });
  await ctx.request({ method: 'POST', path: `${DEMO_BASE}/management/apply-source`, body: {}, identity: { user: DENIED } });
  await runAuditChecks(ctx);
}

const run = (fault?: Fault) => runOnStub(auditServer(fault), writesThenAudit, { namespace: 'team-a', identity: { user: 'alice' }, deniedIdentity: { user: DENIED }, mutate: true });

test('a server auditing each write once with outcome and actor passes every audit check', async () => {
  const records = await run();
  assert.deepEqual([...records.values()].filter((r) => r.status !== 'passed'), []);
  assert.equal(records.get('audit.one_event_per_request')?.message, '3 requests, one event each');
  assert.equal(records.get('audit.denied_outcome')?.message, '1 denied events');
});

test('two events for one request fail one_event_per_request', async () => {
  const record = (await run('duplicate')).get('audit.one_event_per_request');
  assert.equal(record?.status, 'failed');
  assert.match(record?.message ?? '', /2 events/);
});

test('a refused write audited as failure fails denied_outcome, naming CATALOG_AUDIT_LOG_DENIED', async () => {
  const records = await run('denied-as-failure');
  assert.equal(records.get('audit.denied_outcome')?.status, 'failed');
  assert.match(records.get('audit.denied_outcome')?.message ?? '', /CATALOG_AUDIT_LOG_DENIED=false/);
  assert.match(records.get('audit.one_event_per_request')?.message ?? '', /outcome failure/);
});

test('a refused write without event (CATALOG_AUDIT_LOG_DENIED=false) fails both write checks, with the hint', async () => {
  const records = await run('denied-unrecorded');
  assert.match(records.get('audit.one_event_per_request')?.message ?? '', /no event \(CATALOG_AUDIT_LOG_DENIED=false would explain it\)/);
  assert.match(records.get('audit.denied_outcome')?.message ?? '', /no event .*CATALOG_AUDIT_LOG_DENIED=false/);
});

test('an event of another namespace fails namespace_scoped; repeated pages fail pagination', async () => {
  assert.equal((await run('foreign-namespace')).get('audit.namespace_scoped')?.status, 'failed');
  assert.equal((await run('repeating-pages')).get('audit.pagination')?.status, 'failed');
});

test('without --mutate or a denied identity the write checks are skipped with the reason', async () => {
  const records = await runOnStub(auditServer(), runAuditChecks, { namespace: 'team-a' });
  assert.equal(records.get('audit.one_event_per_request')?.message, 'requires --mutate');
  assert.equal(records.get('audit.failure_outcome')?.message, 'requires --mutate');
  assert.match(records.get('audit.denied_outcome')?.message ?? '', /no denied identity/);
  assert.equal(records.get('audit.get')?.message, 'no audit event');
});
