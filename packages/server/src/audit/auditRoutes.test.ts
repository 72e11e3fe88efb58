import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AUDIT_FILES, auditPlugins, EVENTS, json, jsonHeaders, MCP, PROMPTS, scriptedAuthorizer } from '../testing/auditFixtures.js';
import { getAuditEventAcrossNamespaces, listAuditEventsAcrossNamespaces } from '../db/acrossNamespaces.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../testing/databases.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { insertAuditEvent, listAuditEvents, type AuditEvent } from './auditRepository.js';

describeEachDatabase('audit API', (kind) => {
  let t: TestServer;
  const created: Record<string, string> = {};
  const list = async (query: Record<string, string>) => {
    const response = await t.inject({ url: EVENTS, query });
    assert.equal(response.statusCode, 200, response.body);
    return json(response);
  };
  const ids = async (query: Record<string, string>) => (await list(query)).events.map((e: { requestId: string }) => e.requestId);
  const error = async (query: Record<string, string>) => {
    const response = await t.inject({ url: EVENTS, query });
    assert.equal(response.statusCode, 400, response.body);
    return json(response).message as string;
  };

  before(async () => {
    t = await startTestServer({ kind, files: AUDIT_FILES, plugins: await auditPlugins(), overrides: { authorizer: scriptedAuthorizer } });
    const action = (user: string, url: string, body: unknown, requestId: string) =>
      t.inject({ method: 'POST', url, headers: jsonHeaders(user, { 'x-request-id': requestId }), payload: JSON.stringify(body) });
    await action('alice', `${MCP}/management/entities/cluster-ops-mcp:action`, { action: 'tag', params: { tags: ['a'] } }, 'r-1');
    await action('bob', `${PROMPTS}/management/entities/incident-summary:action`, { action: 'render', params: { parameters: { timeline: 't' } } }, 'r-2');
    await action('alice', `${MCP}/management/entities/missing:action`, { action: 'tag', params: { tags: ['a'] } }, 'r-3');
    await t.inject({ url: `${MCP}/mcpservers`, headers: { 'x-remote-user': 'mallory', 'x-request-id': 'r-4' } });
    for (const event of (await list({})).events) created[event.requestId] = event.createdAt;
  });
  after(() => t.close());

  test('every filter', async () => {
    assert.deepEqual(await ids({}), ['r-4', 'r-3', 'r-2', 'r-1']);
    assert.deepEqual(await ids({ actor: 'alice' }), ['r-3', 'r-1']);
    assert.deepEqual(await ids({ plugin: 'prompts' }), ['r-2']);
    assert.deepEqual(await ids({ action: 'execute-action' }), ['r-3', 'r-2', 'r-1']);
    assert.deepEqual(await ids({ action: 'list' }), ['r-4']);
    assert.deepEqual(await ids({ eventType: 'access' }), ['r-4']);
    assert.deepEqual(await ids({ outcome: 'denied' }), ['r-4']);
    assert.deepEqual(await ids({ outcome: 'failure' }), ['r-3']);
    assert.deepEqual(await ids({ outcome: 'pending' }), []);
    assert.deepEqual(await ids({ assetUid: 'mcp:McpServer:cluster-ops-mcp' }), ['r-1']);
    assert.deepEqual(await ids({ requestId: 'r-2' }), ['r-2']);
    assert.deepEqual(await ids({ actor: 'alice', outcome: 'success' }), ['r-1']);
    assert.deepEqual(await ids({ since: created['r-3'] }), ['r-4', 'r-3']);
    assert.deepEqual(await ids({ until: created['r-3'] }), ['r-2', 'r-1']);
    assert.deepEqual(await ids({ since: created['r-2'], until: created['r-4'] }), ['r-3', 'r-2']);
    assert.deepEqual(await ids({ actor: '' }), ['r-4', 'r-3', 'r-2', 'r-1'], 'an empty filter counts as absent');
    assert.deepEqual(await ids({ since: '2000-01-01T00:00:00+02:00', until: '2999-12-31t23:59:59.999999Z' }), ['r-4', 'r-3', 'r-2', 'r-1']);
  });

  test('bad parameters are 400 with the exact messages', async () => {
    assert.equal(await error({ outcome: 'bogus' }), 'outcome must be one of success, failure, denied, pending, canceled');
    for (const since of ['yesterday', '2026-02-30T00:00:00Z', '2026-01-01', '2026-01-01T25:00:00Z', '2026-01-01T00:00:00']) {
      assert.equal(await error({ since }), 'since must be an RFC 3339 timestamp', since);
    }
    assert.equal(await error({ until: '1700000000' }), 'until must be an RFC 3339 timestamp');
    for (const pageSize of ['0', '-1', 'abc', '1.5', '1e2']) {
      assert.equal(await error({ pageSize }), 'pageSize must be an integer between 1 and 100', pageSize);
    }
    assert.equal(await error({ pageToken: '%%%' }), 'invalid page token');
    assert.equal(await error({ pageToken: 'eyJ2IjoxfQ' }), 'invalid page token');
    assert.equal(await error({ pageToken: 'a', nextPageToken: 'b' }), 'pageToken and nextPageToken differ');
  });

  test('pageSize is clamped to 100; pages of one have no duplicates and end with an empty token', async () => {
    const clamped = await list({ pageSize: '500' });
    assert.equal(clamped.pageSize, 100);
    assert.ok(clamped.events.length <= 100);
    const seen: string[] = [];
    let token = '';
    for (let page = 0; page < 4; page++) {
      const body = await list({ pageSize: '1', ...(token ? { [page % 2 ? 'pageToken' : 'nextPageToken']: token } : {}) });
      assert.deepEqual([body.size, body.pageSize, body.totalSize], [1, 1, 4]);
      seen.push(body.events[0].requestId);
      token = body.nextPageToken;
    }
    assert.equal(token, '');
    assert.deepEqual(seen, ['r-4', 'r-3', 'r-2', 'r-1']);
    const first = await list({ pageSize: '1', actor: 'alice' });
    assert.match(await error({ pageSize: '1', actor: 'bob', pageToken: first.nextPageToken }), /^invalid page token/);
    assert.deepEqual((await list({ pageSize: '1', actor: 'alice', pageToken: first.nextPageToken })).events.map((e: { requestId: string }) => e.requestId), ['r-1']);
  });

  test('one event by id; unknown and malformed ids are 404', async () => {
    const [event] = (await list({ requestId: 'r-1' })).events;
    assert.deepEqual(json(await t.inject(`${EVENTS}/${event.id}`)), event);
    for (const id of [randomUUID(), 'not-a-uuid', "'; DROP TABLE audit_events; --"]) {
      const response = await t.inject(`${EVENTS}/${encodeURIComponent(id)}`);
      assert.equal(response.statusCode, 404);
      assert.equal(json(response).message, `audit event "${id}" not found`);
    }
  });
});

describeEachDatabase('audit API in namespace mode', (kind) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      kind, files: AUDIT_FILES, plugins: await auditPlugins(),
      env: { CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: 'team-a,team-b' }, overrides: { authorizer: scriptedAuthorizer },
    });
    for (const [namespace, user] of [['team-a', 'alice'], ['team-b', 'carol']]) {
      await t.inject({
        method: 'POST', url: `${MCP}/management/entities/thing:action?namespace=${namespace}`,
        headers: jsonHeaders(user, { 'x-request-id': `${namespace}-req` }), payload: '{"action":"tag","tags":["x"]}',
      });
    }
  });
  after(() => t.close());

  const events = async (headers: Record<string, string>, query = '') => json(await t.inject({ url: `${EVENTS}${query}`, headers })).events as Record<string, string>[];

  test('reads are scoped to the request namespace; the namespace parameter is never a filter across namespaces', async () => {
    assert.deepEqual((await events({ 'x-namespace': 'team-a' })).map((e) => e.requestId), ['team-a-req']);
    assert.deepEqual((await events({}, '?namespace=team-b')).map((e) => e.requestId), ['team-b-req']);
    const [teamA] = await events({ 'x-namespace': 'team-a' });
    assert.equal(teamA.namespace, 'team-a');
    const foreign = await t.inject({ url: `${EVENTS}/${teamA.id}?namespace=team-b` });
    assert.equal(foreign.statusCode, 404);
    assert.equal(json(foreign).message, `audit event "${teamA.id}" not found`);
  });

  test('cluster scope (no namespace) returns every namespace to a cluster-wide reader', async () => {
    const all = await events({ 'x-remote-user': 'ops-admin' });
    assert.deepEqual(all.map((e) => e.requestId).sort(), ['team-a-req', 'team-b-req']);
    const one = await t.inject({ url: `${EVENTS}/${all[0].id}`, headers: { 'x-remote-user': 'ops-admin' } });
    assert.equal(one.statusCode, 200);
    assert.equal((await t.inject({ url: `${EVENTS}/${all[0].id}`, headers: { 'x-remote-user': 'alice' } })).statusCode, 403);
  });
});

describeEachDatabase('audit repository', (kind) => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase(kind);
  });
  after(() => database.close());

  const event = (fields: Partial<AuditEvent>): AuditEvent => ({
    id: randomUUID(), namespace: 'default', eventType: 'governance.lifecycle.changed', actor: 'system', action: 'lifecycle.setState',
    actionVerb: 'execute-action', outcome: 'pending', createdAt: new Date().toISOString(), ...fields,
  });

  test('action matches action or actionVerb; system events keep their optional fields empty', async () => {
    await insertAuditEvent(database.db, event({ requestId: 'g-1' }), 'ignore');
    await insertAuditEvent(database.db, event({ requestId: 'g-2', action: 'version.create', actionVerb: 'create', outcome: 'success' }), 'ignore');
    const byAction = await listAuditEvents(database.db, 'default', { filters: { action: 'lifecycle.setState' }, pageSize: 10 });
    assert.deepEqual(byAction.events.map((e) => e.requestId), ['g-1']);
    const byVerb = await listAuditEvents(database.db, 'default', { filters: { action: 'execute-action' }, pageSize: 10 });
    assert.deepEqual(byVerb.events.map((e) => e.requestId), ['g-1']);
    const { actionVerb: _verb, ...system } = event({ eventType: 'config.external_change', action: 'external-change', outcome: 'success' });
    await insertAuditEvent(database.db, system, 'ignore');
    const [stored] = (await listAuditEvents(database.db, 'default', { filters: { eventType: 'config.external_change' }, pageSize: 10 })).events;
    assert.deepEqual(stored, {
      id: system.id, namespace: 'default', eventType: 'config.external_change', actor: 'system', action: 'external-change', outcome: 'success', createdAt: system.createdAt,
    });
  });

  test('cluster-scope reads cover every namespace, or only the allow-list when one is set', async () => {
    for (const namespace of ['team-a', 'team-b', 'team-c']) await insertAuditEvent(database.db, event({ namespace, requestId: `ns-${namespace}` }), 'ignore');
    const read = async (allowList: string[]) =>
      (await listAuditEventsAcrossNamespaces(database.db, allowList, { filters: { action: 'lifecycle.setState' }, pageSize: 100 })).events
        .map((e) => e.requestId).filter((id) => id?.startsWith('ns-')).sort();
    assert.deepEqual(await read([]), ['ns-team-a', 'ns-team-b', 'ns-team-c']);
    assert.deepEqual(await read(['team-a', 'team-c']), ['ns-team-a', 'ns-team-c']);
    const [teamB] = (await listAuditEvents(database.db, 'team-b', { filters: {}, pageSize: 1 })).events;
    assert.equal((await getAuditEventAcrossNamespaces(database.db, ['team-a'], teamB.id)), undefined);
    assert.equal((await getAuditEventAcrossNamespaces(database.db, [], teamB.id))?.requestId, 'ns-team-b');
  });

  test('ignore keeps a committed event; replace overwrites it', async () => {
    const first = event({ requestId: 'c-1', outcome: 'success', statusCode: 200 });
    await insertAuditEvent(database.db, first, 'ignore');
    await insertAuditEvent(database.db, { ...first, outcome: 'failure', statusCode: 500 }, 'ignore');
    const read = async () => (await listAuditEvents(database.db, 'default', { filters: { requestId: 'c-1' }, pageSize: 10 })).events;
    assert.deepEqual((await read()).map((e) => e.statusCode), [200]);
    await insertAuditEvent(database.db, { ...first, statusCode: 201 }, 'replace');
    assert.deepEqual((await read()).map((e) => e.statusCode), [201]);
  });
});

describe('audit API route table', () => {
  test('the routes declare audit/list and audit/get and are namespace-optional', async () => {
    const t = await startTestServer({ kind: 'pglite', files: AUDIT_FILES, plugins: await auditPlugins(), env: { CATALOG_TENANCY_MODE: 'namespace' } });
    try {
      const doc = json(await t.inject('/openapi.json'));
      assert.equal(doc.paths['/api/audit/v1alpha1/events'].get.operationId, 'listAuditEvents');
      assert.equal(doc.paths['/api/audit/v1alpha1/events/{id}'].get.operationId, 'getAuditEvent');
      assert.equal((await t.inject(EVENTS)).statusCode, 200, 'no namespace: a cluster-scope read, allowed in mode none');
    } finally {
      await t.close();
    }
  });
});
