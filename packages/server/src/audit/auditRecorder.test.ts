import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { describeEachDatabase } from '../testing/databases.js';
import { AUDIT_FILES, auditPlugins, EVENTS, json, jsonHeaders, MCP, PROMPTS, scriptedAuthorizer } from '../testing/auditFixtures.js';
import { ControlledOrigin } from '../testing/controlledOrigin.js';
import { GOV, governanceEnv } from '../testing/governanceClient.js';
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
    const apply = await t.inject({ method: 'POST', url: `${MCP}/management/apply-source`, headers: { 'x-remote-user': 'mallory', 'x-request-id': 'req-denied-apply' } });
    assert.equal(apply.statusCode, 403);
    const applyEvent = await theEvent(t, 'req-denied-apply');
    assert.deepEqual([applyEvent.eventType, applyEvent.outcome, applyEvent.action, applyEvent.statusCode], ['management', 'denied', 'apply-source', 403]);
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

  test('a governance PATCH whose event fails answers 500 and leaves the record unchanged; a file-store apply still succeeds (05 §11 #36)', async () => {
    const asset = `${GOV}/assets/mcp/McpServer/directory-mcp`;
    const patch = (requestId: string, principal: string) =>
      t.inject({ method: 'PATCH', url: asset, headers: jsonHeaders('alice', { 'x-request-id': requestId }), payload: JSON.stringify({ owner: { principal } }) });
    assert.equal((await patch('req-patch-ok', 'kept')).statusCode, 200);
    failing = true;
    const failed = await patch('req-patch-fail', 'lost');
    failing = false;
    assert.equal(failed.statusCode, 500, failed.body);
    assert.equal(json(await t.inject(asset)).governance.owner.principal, 'kept', 'the record change rolled back with its event');

    failing = true;
    const applied = await t.inject({
      method: 'POST', url: `${MCP}/management/apply-source`, headers: jsonHeaders('alice', { 'x-request-id': 'req-apply-fail' }),
      payload: JSON.stringify({ id: 'mcp-audit-fail', name: 'Audit fail', type: 'yaml', properties: { content: 'mcpservers:\n  - {name: fail-mcp, serverUrl: "stdio://f", deploymentMode: local}\n' } }),
    });
    failing = false;
    assert.equal(applied.statusCode, 200, applied.body);
    const sources = json(await t.inject(`${MCP}/management/sources`)).sources as { id: string }[];
    assert.ok(sources.some((s) => s.id === 'mcp-audit-fail'), 'the file-store change is committed');
    const logged = t.logs.filter((line) => line.msg === 'audit event not persisted' && (line.auditEvent as { requestId?: string }).requestId === 'req-apply-fail');
    assert.equal(logged.length, 1);
    assert.deepEqual([(logged[0].auditEvent as Record<string, unknown>).action, (logged[0].auditEvent as Record<string, unknown>).outcome], ['apply-source', 'success']);
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

describeEachDatabase('audit settings', (kind) => {
  test('CATALOG_AUDIT_ENABLED=false writes nothing; the API still answers', async () => {
    const t = await startTestServer({ kind, files: AUDIT_FILES, plugins: await auditPlugins(), env: { CATALOG_AUDIT_ENABLED: 'false' } });
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
      kind, files: AUDIT_FILES, plugins: await auditPlugins(), env: { CATALOG_AUDIT_LOG_DENIED: 'false' }, overrides: { authorizer: scriptedAuthorizer },
    });
    try {
      assert.equal((await t.inject({ url: `${MCP}/mcpservers`, headers: { 'x-remote-user': 'mallory' } })).statusCode, 403);
      assert.equal((await t.inject({ method: 'POST', url: `${MCP}/management/entities/a:action`, headers: { 'x-remote-user': 'mallory' } })).statusCode, 403);
      assert.equal((await t.inject({ method: 'POST', url: `${MCP}/management/apply-source`, headers: { 'x-remote-user': 'mallory' } })).statusCode, 403);
      assert.equal((await t.inject({ method: 'POST', url: `${MCP}/management/entities/nope:action`, headers: jsonHeaders(), payload: '{"action":"tag","tags":["a"]}' })).statusCode, 404);
      const events = json(await t.inject(EVENTS)).events as { outcome: string }[];
      assert.deepEqual(events.map((e) => e.outcome), ['failure']);
    } finally {
      await t.close();
    }
  });

  test('namespace mode: tenancy 400 and allow-list 403 produce no event; a cluster-scope denial is logged, not stored', async () => {
    const t = await startTestServer({
      kind, files: AUDIT_FILES, plugins: await auditPlugins(),
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

const GATE_POLICY = `policies:
  - id: first-approval
    displayName: First Approval
    enabled: true
    selector: {transitions: [{from: draft, to: approved}]}
    gate: {requiredCount: 1, allowedRoles: [reviewer]}
`;
const EXTRA = { id: 'mcp-extra', name: 'Extra', type: 'yaml', properties: { content: 'mcpservers:\n  - {name: extra-mcp, serverUrl: "stdio://x", deploymentMode: local}\n' } };

/** Spec 05 §11 #30, #31, #33: every mutating route kind, as the audit API shows it and as stored. */
describeEachDatabase('audit: one event per mutation kind', (kind) => {
  let t: TestServer;
  let db: Kysely<Database> | undefined;
  const origin = new ControlledOrigin();
  const asset = (name: string) => `${GOV}/assets/mcp/McpServer/${name}`;
  const send = async (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, requestId: string, body?: unknown, user = 'alice', groups = 'team-a-engineers') => {
    const response = await t.inject({
      method, url,
      headers: { 'x-remote-user': user, 'x-remote-group': groups, 'x-request-id': requestId, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: response.body ? json(response) : undefined };
  };
  /** Asserts the request's one event and returns it. */
  const expectEvent = async (requestId: string, expected: { actor?: string; action: string; outcome: string; statusCode: number; eventType?: string }) => {
    const event = await theEvent(t, requestId);
    const { actor = 'alice', eventType = event.eventType, ...rest } = expected;
    assert.deepEqual(
      { requestId: event.requestId, actor: event.actor, eventType: event.eventType, action: event.action, outcome: event.outcome, statusCode: event.statusCode },
      { requestId, actor, eventType, ...rest },
      requestId,
    );
    return event;
  };

  before(async () => {
    await origin.start();
    origin.body = 'mcpservers:\n  - {name: slow-mcp, serverUrl: "stdio://slow", deploymentMode: local}\n';
    t = await startTestServer({
      kind,
      files: { ...AUDIT_FILES, 'sources.yaml': AUDIT_FILES['sources.yaml'].replace('  prompts:', `      - {id: mcp-slow, name: Slow, type: http, properties: {url: "${origin.url}"}}\n  prompts:`) },
      plugins: await auditPlugins(),
      args: ['--config-store=file'],
      env: governanceEnv({ policies: GATE_POLICY }),
      overrides: {
        // Keeps the server's own database handle, to read the stored rows column by column (#33).
        insertAuditEvent: async (handle, event, onConflict) => {
          if (!handle.isTransaction) db = handle;
          return insertAuditEvent(handle, event, onConflict);
        },
      },
    });
  });
  after(async () => {
    await t?.close();
    await origin.close();
  });

  test('source management, refresh, actions and job cancel: one success event each; a 404 action and a 429 one failure event each (05 §11 #30)', async () => {
    const m = `${MCP}/management`;
    const step = async (requestId: string, run: () => ReturnType<typeof send>, action: string, statusCode: number, outcome = 'success') => {
      const response = await run();
      assert.equal(response.status, statusCode, `${requestId}: ${JSON.stringify(response.body)}`);
      await expectEvent(requestId, { action, outcome, statusCode });
      return response.body!;
    };
    await step('m-validate-source', () => send('POST', `${m}/validate-source`, 'm-validate-source', EXTRA), 'validate-source', 200);
    await step('m-apply', () => send('POST', `${m}/apply-source`, 'm-apply', EXTRA), 'apply-source', 200);
    await step('m-validate', () => send('POST', `${m}/sources/mcp-extra:validate`, 'm-validate', EXTRA), 'validate', 200);
    await step('m-enable', () => send('POST', `${m}/sources/mcp-extra/enable`, 'm-enable', { enabled: false }), 'enable-source', 200);
    const revisions = json(await t.inject(`${m}/sources/mcp-extra/revisions`)).revisions as { version: string }[];
    await step('m-rollback', () => send('POST', `${m}/sources/mcp-extra:rollback`, 'm-rollback', { version: revisions.at(-1)!.version }), 'rollback', 200);
    await step('m-delete', () => send('DELETE', `${m}/sources/mcp-extra`, 'm-delete'), 'delete', 200);
    const queued = await step('m-refresh', () => send('POST', `${m}/refresh/mcp-samples`, 'm-refresh'), 'refresh', 202);
    const refreshEvent = await theEvent(t, 'm-refresh');
    assert.deepEqual([refreshEvent.resourceIds, refreshEvent.newValue], [['mcp-samples'], { jobId: queued.jobId, reused: false }]);
    const limited = await step('m-429', () => send('POST', `${m}/refresh/mcp-samples`, 'm-429'), 'refresh', 429, 'failure');
    assert.match(limited.message, /^rate limited, retry after \d+ seconds$/);
    await step('m-entity-action', () => send('POST', `${m}/entities/cluster-ops-mcp:action`, 'm-entity-action', { action: 'tag', params: { tags: ['audited'] } }), 'execute-action', 200);
    await step('m-source-action', () => send('POST', `${PROMPTS}/management/sources/prompt-samples:action`, 'm-source-action', { action: 'refresh' }), 'execute-action', 200);
    const missing = await step('m-404', () => send('POST', `${m}/entities/no-such-server:action`, 'm-404', { action: 'tag', params: { tags: ['a'] } }), 'execute-action', 404, 'failure');
    assert.equal(missing.message, 'entity "no-such-server" not found');

    origin.holding = true;
    try {
      const { jobId } = await step('m-refresh-slow', () => send('POST', `${m}/refresh/mcp-slow`, 'm-refresh-slow'), 'refresh', 202);
      const canceled = await step('m-job-cancel', () => send('POST', `/api/jobs/v1alpha1/refresh/${jobId}:cancel`, 'm-job-cancel'), 'cancel', 200);
      assert.deepEqual(canceled, { status: 'canceled', jobId });
      const cancelEvent = await theEvent(t, 'm-job-cancel');
      assert.deepEqual([cancelEvent.eventType, cancelEvent.actionVerb, cancelEvent.resourceIds], ['management', 'cancel', [jobId]]);
    } finally {
      origin.release();
    }
  });

  test('governance PATCH, action, version, binding, gated request, decision and cancel: one event each (05 §11 #30, #31)', async () => {
    const a = asset('cluster-ops-mcp');
    assert.equal((await send('PATCH', a, 'g-patch', { owner: { principal: 'alice' } })).status, 200);
    await expectEvent('g-patch', { action: 'patch', outcome: 'success', statusCode: 200, eventType: 'governance.metadata.changed' });
    const version = await send('POST', `${a}/versions`, 'g-version', { versionLabel: 'v1' });
    assert.equal(version.status, 201, JSON.stringify(version.body));
    await expectEvent('g-version', { action: 'version.create', outcome: 'success', statusCode: 201, eventType: 'governance.version.created' });
    assert.equal((await send('PUT', `${a}/bindings/dev`, 'g-binding', { versionId: version.body!.versionId })).status, 200);
    await expectEvent('g-binding', { action: 'promotion.bind', outcome: 'success', statusCode: 200, eventType: 'governance.promotion.bound' });
    const action = await send('POST', `${a}/actions/version.create`, 'g-action', { params: { versionLabel: 'v2' } });
    assert.equal(action.status, 200, JSON.stringify(action.body));
    const actionEvent = await expectEvent('g-action', { action: 'version.create', outcome: 'success', statusCode: 200, eventType: 'governance.version.created' });
    assert.equal(actionEvent.actionVerb, 'execute-action');

    // #31: the gated request is one pending event; the approving decision one decision event carrying the lifecycle change.
    const gated = await send('POST', `${a}/actions/lifecycle.setState`, 'g-gated', { params: { state: 'approved' } });
    assert.equal(gated.status, 202, JSON.stringify(gated.body));
    await expectEvent('g-gated', { action: 'lifecycle.setState', outcome: 'pending', statusCode: 202, eventType: 'governance.approval.requested' });
    const approvalId = gated.body!.data.requestId as string;
    assert.equal((await send('POST', `${GOV}/approvals/${approvalId}/decisions`, 'g-decision', { verdict: 'approve' }, 'bob', 'reviewer')).status, 200);
    const decision = await expectEvent('g-decision', { actor: 'bob', action: 'approval.approve', outcome: 'success', statusCode: 200, eventType: 'governance.approval.decision' });
    assert.deepEqual(decision.metadata.effects, [{ eventType: 'governance.lifecycle.changed', oldValue: { lifecycleState: 'draft' }, newValue: { lifecycleState: 'approved' } }]);
    assert.equal(json(await t.inject(a)).governance.lifecycle.state, 'approved');

    const second = await send('POST', `${asset('directory-mcp')}/actions/lifecycle.setState`, 'g-gated-2', { params: { state: 'approved' } });
    assert.equal(second.status, 202);
    assert.equal((await send('POST', `${GOV}/approvals/${second.body!.data.requestId}/cancel`, 'g-cancel')).status, 200);
    // 05 §4.5: a successful approval cancel has its own outcome, `canceled`.
    await expectEvent('g-cancel', { action: 'approval.cancel', outcome: 'canceled', statusCode: 200, eventType: 'governance.approval.canceled' });

    // 05 §4.4: the action filter matches the action or the verb.
    const byName = json(await t.inject({ url: EVENTS, query: { action: 'version.create', pageSize: '100' } })).events.map((e: { requestId: string }) => e.requestId);
    assert.deepEqual(byName, ['g-action', 'g-version']);
    const byVerb = json(await t.inject({ url: EVENTS, query: { action: 'execute-action', plugin: 'mcp', eventType: 'governance.version.created' } })).events.map((e: { requestId: string }) => e.requestId);
    assert.deepEqual(byVerb, ['g-action']);
  });

  test('an apply carrying properties.apiKey shows ***REDACTED*** and no stored column holds the secret (05 §11 #33)', async () => {
    const body = { ...EXTRA, id: 'mcp-secret', properties: { ...EXTRA.properties, apiKey: 's3cr3t' } };
    const applied = await send('POST', `${MCP}/management/apply-source`, 'm-secret', body);
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    const event = await expectEvent('m-secret', { action: 'apply-source', outcome: 'success', statusCode: 200 });
    assert.equal(event.newValue.properties.apiKey, '***REDACTED***');
    assert.ok(db, 'the server wrote an event outside a transaction');
    const rows = await sql<Record<string, unknown>>`SELECT * FROM audit_events`.execute(db);
    assert.ok(rows.rows.some((row) => row.request_id === 'm-secret'));
    for (const row of rows.rows) {
      for (const [column, value] of Object.entries(row)) assert.doesNotMatch(JSON.stringify(value) ?? '', /s3cr3t/, `column ${column}`);
    }
  });
});
