import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { describeEachDatabase } from '../testing/databases.js';
import { AUDIT_FILES, auditPlugins, EVENTS, json, jsonHeaders, MCP, PROMPTS, scriptedAuthorizer } from '../testing/auditFixtures.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { insertAuditEvent } from './auditRepository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function eventsOf(t: TestServer, requestId: string) {
  return json(await t.inject({ url: EVENTS, query: { requestId, pageSize: '100' } })).events as Record<string, any>[];
}

/** The one event of a request; fails unless there is exactly one. */
async function theEvent(t: TestServer, requestId: string) {
  const events = await eventsOf(t, requestId);
  assert.equal(events.length, 1, `events of ${requestId}: ${JSON.stringify(events)}`);
  return events[0];
}

describeEachDatabase('audit recorder', (kind) => {
  let t: TestServer;
  const act = (name: string, body: unknown, requestId: string, plugin = MCP, headers: Record<string, string> = {}) =>
    t.inject({
      method: 'POST',
      url: `${plugin}/management/entities/${name}:action`,
      headers: jsonHeaders('alice', { 'x-request-id': requestId, ...headers }),
      payload: JSON.stringify(body),
    });

  before(async () => {
    t = await startTestServer({ kind, files: AUDIT_FILES, plugins: await auditPlugins(), overrides: { authorizer: scriptedAuthorizer } });
  });
  after(() => t.close());

  test('an entity action produces exactly one event with the request, actor, route action and redacted values', async () => {
    const response = await act('cluster-ops-mcp', { action: 'tag', params: { tags: ['prod'] } }, 'req-tag-1', MCP, { 'x-correlation-id': 'corr-7' });
    assert.equal(response.statusCode, 200, response.body);
    const event = await theEvent(t, 'req-tag-1');
    assert.match(event.id, UUID);
    const { id: _id, createdAt, metadata, ...rest } = event;
    assert.deepEqual(rest, {
      namespace: 'default',
      correlationId: 'corr-7',
      eventType: 'management',
      actor: 'alice',
      requestId: 'req-tag-1',
      plugin: 'mcp',
      resourceType: 'actions',
      resourceIds: ['cluster-ops-mcp'],
      assetUid: 'mcp:McpServer:cluster-ops-mcp',
      action: 'execute-action',
      actionVerb: 'execute-action',
      outcome: 'success',
      statusCode: 200,
      oldValue: { tags: null },
      newValue: { tags: ['prod'] },
    });
    assert.match(createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const { durationMs, ...fixed } = metadata;
    assert.equal(Number.isInteger(durationMs), true);
    assert.deepEqual(fixed, {
      method: 'POST',
      path: '/api/mcp_catalog/v1alpha1/management/entities/cluster-ops-mcp:action',
      route: '/api/mcp_catalog/v1alpha1/management/entities/*',
      groups: ['team-a-engineers'],
      identitySource: 'proxy-headers',
      actionId: 'tag',
      params: { tags: ['prod'] },
    });
    // A malformed correlation id falls back to the request id.
    await act('cluster-ops-mcp', { action: 'tag', params: { tags: ['prod'] } }, 'req-tag-2', MCP, { 'x-correlation-id': 'bad id!' });
    assert.equal((await theEvent(t, 'req-tag-2')).correlationId, 'req-tag-2');
  });

  test('dry runs, 400s, 404s and plugin actions each produce exactly one event', async () => {
    const dry = await act('directory-mcp', { action: 'deprecate', dryRun: true }, 'req-dry');
    assert.equal(dry.statusCode, 200);
    const dryEvent = await theEvent(t, 'req-dry');
    assert.equal(dryEvent.metadata.dryRun, true);
    assert.equal(dryEvent.outcome, 'success');
    assert.deepEqual(dryEvent.newValue, { lifecycle: 'deprecated' });
    assert.equal(json(await t.inject(`${MCP}/mcpservers/directory-mcp`)).lifecycle, undefined, 'the dry run wrote nothing');

    const bad = await act('directory-mcp', { action: 'tag', params: { tags: 'x' } }, 'req-400');
    assert.equal(bad.statusCode, 400);
    const badEvent = await theEvent(t, 'req-400');
    assert.deepEqual([badEvent.outcome, badEvent.statusCode, badEvent.reason], ['failure', 400, json(bad).message]);

    const unknownBody = await t.inject({ method: 'POST', url: `${MCP}/management/entities/x:action`, headers: jsonHeaders('alice', { 'x-request-id': 'req-badjson' }), payload: '{' });
    assert.equal(unknownBody.statusCode, 400);
    assert.equal((await theEvent(t, 'req-badjson')).outcome, 'failure');

    const missing = await act('no-such-server', { action: 'tag', params: { tags: ['a'] } }, 'req-404');
    assert.equal(missing.statusCode, 404);
    const missingEvent = await theEvent(t, 'req-404');
    assert.deepEqual([missingEvent.outcome, missingEvent.statusCode, missingEvent.reason], ['failure', 404, 'entity "no-such-server" not found']);

    const render = await act('incident-summary', { action: 'render', params: { parameters: { timeline: 't' } } }, 'req-render', PROMPTS);
    assert.equal(render.statusCode, 200, render.body);
    const renderEvent = await theEvent(t, 'req-render');
    assert.deepEqual([renderEvent.plugin, renderEvent.action, renderEvent.metadata.actionId, renderEvent.assetUid], ['prompts', 'execute-action', 'render', 'prompts:PromptTemplate:incident-summary']);
  });

  test('reads, unknown routes, wrong methods and CORS preflights produce no event', async () => {
    const before = json(await t.inject(EVENTS)).totalSize;
    await t.inject({ url: `${MCP}/mcpservers`, headers: { 'x-request-id': 'req-read' } });
    await t.inject({ method: 'POST', url: '/api/nope', headers: { 'x-request-id': 'req-nope' } });
    await t.inject({ method: 'DELETE', url: '/api/plugins', headers: { 'x-request-id': 'req-405' } });
    await t.inject({ method: 'OPTIONS', url: `${MCP}/management/entities/a:action`, headers: { origin: 'http://ui.example', 'access-control-request-method': 'POST' } });
    assert.equal(json(await t.inject(EVENTS)).totalSize, before);
  });

  test('denied requests: an access event for a read, a management event for a write; cluster-scope denials are only logged', async () => {
    const read = await t.inject({ url: `${MCP}/mcpservers`, headers: { 'x-remote-user': 'mallory', 'x-request-id': 'req-denied-read' } });
    assert.equal(read.statusCode, 403);
    const readEvent = await theEvent(t, 'req-denied-read');
    assert.deepEqual(
      [readEvent.eventType, readEvent.outcome, readEvent.actor, readEvent.actionVerb, readEvent.resourceType, readEvent.statusCode, readEvent.reason],
      ['access', 'denied', 'mallory', 'list', 'assets', 403, 'insufficient permissions for assets/list in namespace default'],
    );
    const write = await t.inject({ method: 'POST', url: `${MCP}/management/entities/cluster-ops-mcp:action`, headers: { 'x-remote-user': 'mallory', 'x-request-id': 'req-denied-write' }, payload: 'not json' });
    assert.equal(write.statusCode, 403, 'authorization precedes body parsing');
    const writeEvent = await theEvent(t, 'req-denied-write');
    assert.deepEqual([writeEvent.eventType, writeEvent.outcome, writeEvent.action], ['management', 'denied', 'execute-action']);
  });

  test('a client holding its response can already read its event (upgrade guide: audit verification)', async () => {
    await act('cluster-ops-mcp', { action: 'annotate', params: { annotations: { owner: 'sre' } } }, 'req-guide');
    const response = await t.inject({ url: `${EVENTS}?pageSize=5`, headers: { 'x-remote-user': 'ops-admin' } });
    assert.equal(response.statusCode, 200);
    const body = json(response);
    assert.ok(body.events.length <= 5);
    assert.equal(body.events[0].requestId, 'req-guide');
    const times = body.events.map((e: { createdAt: string }) => e.createdAt);
    assert.deepEqual(times, [...times].sort().reverse());
  });

  test('sensitive values are redacted at any depth and no stored field holds the secret', async () => {
    const response = await act('directory-mcp', { action: 'annotate', params: { annotations: { note: 'ok' }, extra: [{ auth: { password: 's3cr3t', user: 'u' } }] } }, 'req-secret');
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual((await theEvent(t, 'req-secret')).metadata.params.extra, [{ auth: { password: '***REDACTED***', user: 'u' } }]);
    const ok = await act('directory-mcp', { action: 'annotate', params: { annotations: { apiKey: 's3cr3t', clientSecret: 's3cr3t', note: 'ok' } } }, 'req-secret-2');
    assert.equal(ok.statusCode, 200, ok.body);
    const event = await theEvent(t, 'req-secret-2');
    assert.deepEqual(event.newValue.annotations, { apiKey: '***REDACTED***', clientSecret: '***REDACTED***', note: 'ok' });
    assert.equal(event.metadata.params.annotations.apiKey, '***REDACTED***');
    for (const requestId of ['req-secret', 'req-secret-2']) {
      assert.doesNotMatch(JSON.stringify(await eventsOf(t, requestId)), /s3cr3t/);
    }
    assert.doesNotMatch(JSON.stringify(json(await t.inject(`${EVENTS}?pageSize=100`))), /s3cr3t/);
  });
});

describeEachDatabase('namespaces outside CATALOG_NAMESPACES (05 §11 #14)', (kind) => {
  let t: TestServer;
  /** Every event the server hands to the repository, whatever the path (own statement or a handler's transaction). */
  const inserted: { namespace: string; requestId?: string }[] = [];
  before(async () => {
    t = await startTestServer({
      kind, files: AUDIT_FILES, plugins: await auditPlugins(),
      env: { CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: 'team-a,team-b' },
      overrides: {
        insertAuditEvent: async (db, event, onConflict) => {
          inserted.push({ namespace: event.namespace, requestId: event.requestId });
          return insertAuditEvent(db, event, onConflict);
        },
      },
    });
  });
  after(() => t.close());

  test('team-c is 403 "not enabled on this server" for reads and writes, by query or header, and no audit event is written', async () => {
    const requests = [
      { url: `${MCP}/mcpservers?namespace=team-c` },
      { url: `${MCP}/mcpservers`, headers: { 'x-namespace': 'team-c' } },
      { method: 'POST' as const, url: `${MCP}/management/entities/cluster-ops-mcp:action?namespace=team-c`, headers: jsonHeaders(), payload: '{"action":"tag","params":{"tags":["x"]}}' },
      { method: 'DELETE' as const, url: `${MCP}/management/sources/mcp-samples`, headers: { 'x-namespace': 'team-c', 'x-remote-user': 'alice' } },
      { method: 'POST' as const, url: `${MCP}/management/apply-source?namespace=team-c`, headers: jsonHeaders(), payload: '{"id":"s","name":"S","type":"yaml","properties":{"content":"mcpservers: []\\n"}}' },
    ];
    for (const [i, request] of requests.entries()) {
      const response = await t.inject({ ...request, headers: { ...request.headers, 'x-request-id': `team-c-${i}` } });
      assert.equal(response.statusCode, 403, request.url);
      assert.deepEqual(json(response), { error: 'forbidden', message: 'namespace "team-c" is not enabled on this server', requestId: `team-c-${i}` });
    }
    assert.deepEqual(inserted.filter((e) => e.namespace === 'team-c' || e.requestId?.startsWith('team-c-')), []);
    // The recorder does see writes in an enabled namespace, so the check above can fail.
    const allowed = await t.inject({ method: 'POST', url: `${MCP}/management/entities/cluster-ops-mcp:action?namespace=team-a`, headers: jsonHeaders('alice', { 'x-request-id': 'team-a-0' }), payload: '{"action":"tag","params":{"tags":["x"]}}' });
    assert.equal(allowed.statusCode, 404, 'the entity lives in default, not team-a');
    assert.deepEqual(inserted.filter((e) => e.requestId === 'team-a-0').map((e) => e.namespace), ['team-a']);
  });
});

describeEachDatabase('audit write failures', (kind) => {
  let t: TestServer;
  let failing = false;
  let hanging = false;
  before(async () => {
    t = await startTestServer({
      kind,
      files: AUDIT_FILES,
      plugins: await auditPlugins(),
      overrides: {
        insertAuditEvent: async (...args) => {
          if (failing) throw new Error('audit table unavailable');
          if (hanging) return new Promise<void>(() => undefined);
          return insertAuditEvent(...args);
        },
      },
    });
  });
  after(() => t.close());

  const tag = (requestId: string, tags: string[]) =>
    t.inject({ method: 'POST', url: `${MCP}/management/entities/cluster-ops-mcp:action`, headers: jsonHeaders('alice', { 'x-request-id': requestId }), payload: JSON.stringify({ action: 'tag', params: { tags } }) });

  test('an event that fails inside the transaction rolls the change back (500); the failure is logged in full and counted', async () => {
    assert.equal((await tag('req-before', ['kept'])).statusCode, 200);
    failing = true;
    const response = await tag('req-fail', ['lost']);
    failing = false;
    assert.equal(response.statusCode, 500);
    assert.deepEqual(json(await t.inject(`${MCP}/mcpservers/cluster-ops-mcp`)).tags, ['kept'], 'the overlay change rolled back with its event');
    const logged = t.logs.filter((line) => line.msg === 'audit event not persisted');
    assert.equal(logged.length, 1);
    assert.equal(logged[0].level, 50);
    const event = logged[0].auditEvent as Record<string, any>;
    assert.deepEqual([event.requestId, event.outcome, event.statusCode, event.actor], ['req-fail', 'failure', 500, 'alice']);
    assert.equal(json(await t.inject({ url: EVENTS, query: { requestId: 'req-fail' } })).totalSize, 0);
    assert.match((await t.inject('/metrics')).body, /^catalog_audit_write_failures_total 1$/m);
  });

  test('an event written before the response that fails leaves the response unchanged', async () => {
    failing = true;
    const response = await t.inject({ method: 'POST', url: `${MCP}/management/entities/nope:action`, headers: jsonHeaders('alice', { 'x-request-id': 'req-404-fail' }), payload: JSON.stringify({ action: 'tag', params: { tags: ['a'] } }) });
    failing = false;
    assert.equal(response.statusCode, 404);
    assert.equal(json(response).message, 'entity "nope" not found');
    const logged = t.logs.filter((line) => line.msg === 'audit event not persisted' && (line.auditEvent as { requestId?: string }).requestId === 'req-404-fail');
    assert.equal(logged.length, 1);
  });

  test('a write that hangs is given up after 2 s; the response goes out unchanged', async () => {
    hanging = true;
    const started = Date.now();
    const response = await t.inject({ method: 'POST', url: `${MCP}/management/entities/nope:action`, headers: jsonHeaders('alice', { 'x-request-id': 'req-slow' }), payload: '{"action":"tag","tags":["a"]}' });
    hanging = false;
    const elapsed = Date.now() - started;
    assert.equal(response.statusCode, 404);
    assert.ok(elapsed >= 1_900 && elapsed < 5_000, `${elapsed} ms`);
    const logged = t.logs.find((line) => line.msg === 'audit event not persisted' && (line.auditEvent as { requestId?: string }).requestId === 'req-slow');
    assert.match(String((logged?.err as { message?: string })?.message), /timed out after 2000 ms/);
  });
});

describe('audit settings', () => {
  test('CATALOG_AUDIT_ENABLED=false writes nothing; the API still answers', async () => {
    const t = await startTestServer({ kind: 'pglite', files: AUDIT_FILES, plugins: await auditPlugins(), env: { CATALOG_AUDIT_ENABLED: 'false' } });
    try {
      const response = await t.inject({ method: 'POST', url: `${MCP}/management/entities/cluster-ops-mcp:action`, headers: jsonHeaders(), payload: JSON.stringify({ action: 'tag', params: { tags: ['a'] } }) });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(json(await t.inject(EVENTS)), { events: [], size: 0, pageSize: 20, nextPageToken: '', totalSize: 0 });
    } finally {
      await t.close();
    }
  });

  test('CATALOG_AUDIT_LOG_DENIED=false records no denied read or write', async () => {
    const t = await startTestServer({
      kind: 'pglite', files: AUDIT_FILES, plugins: await auditPlugins(), env: { CATALOG_AUDIT_LOG_DENIED: 'false' }, overrides: { authorizer: scriptedAuthorizer },
    });
    try {
      assert.equal((await t.inject({ url: `${MCP}/mcpservers`, headers: { 'x-remote-user': 'mallory' } })).statusCode, 403);
      assert.equal((await t.inject({ method: 'POST', url: `${MCP}/management/entities/a:action`, headers: { 'x-remote-user': 'mallory' } })).statusCode, 403);
      assert.equal((await t.inject({ method: 'POST', url: `${MCP}/management/entities/nope:action`, headers: jsonHeaders(), payload: '{"action":"tag","tags":["a"]}' })).statusCode, 404);
      const events = json(await t.inject(EVENTS)).events as { outcome: string }[];
      assert.deepEqual(events.map((e) => e.outcome), ['failure']);
    } finally {
      await t.close();
    }
  });

  test('namespace mode: tenancy 400 and allow-list 403 produce no event; a cluster-scope denial is logged, not stored', async () => {
    const t = await startTestServer({
      kind: 'pglite', files: AUDIT_FILES, plugins: await auditPlugins(),
      env: { CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: 'team-a,team-b' }, overrides: { authorizer: scriptedAuthorizer },
    });
    try {
      const action = (query: string) => t.inject({ method: 'POST', url: `${MCP}/management/entities/a:action${query}`, headers: jsonHeaders(), payload: '{"action":"tag","tags":["a"]}' });
      assert.equal((await action('')).statusCode, 400);
      assert.equal((await action('?namespace=Bad_NS')).statusCode, 400);
      const outside = await action('?namespace=team-c');
      assert.equal(outside.statusCode, 403);
      assert.equal(json(outside).message, 'namespace "team-c" is not enabled on this server');
      const denied = await t.inject({ url: EVENTS, headers: { 'x-remote-user': 'alice', 'x-request-id': 'req-cluster' } });
      assert.equal(denied.statusCode, 403);
      assert.equal(json(denied).message, 'insufficient permissions for audit/list at cluster scope');
      assert.equal(t.logs.filter((l) => l.msg === 'denied cluster-scope read not recorded' && l.requestId === 'req-cluster').length, 1);
      assert.match((await t.inject('/metrics')).body, /^catalog_audit_unrecorded_denials_total 1$/m);
      const all = json(await t.inject({ url: EVENTS, headers: { 'x-remote-user': 'ops-admin' } }));
      assert.deepEqual(all.events, []);
    } finally {
      await t.close();
    }
  });
});
