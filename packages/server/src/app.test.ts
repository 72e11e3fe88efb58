import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from './bundledPlugins.js';
import { describeEachDatabase } from './testing/databases.js';
import { startTestServer, type TestServer } from './testing/testServer.js';

const MCP = '/api/mcp_catalog/v1alpha1';
const MCP_DATA = readFileSync(join(REPOSITORY_ROOT, 'plugins/mcp/data/mcp-servers.yaml'), 'utf8');
const SOURCES = `catalogs:
  mcp:
    sources:
      - id: mcp-samples
        name: Sample MCP servers
        type: yaml
        properties:
          yamlCatalogPath: data/mcp.yaml
`;

function json(response: { body: string }) {
  return JSON.parse(response.body) as Record<string, any>;
}

function assertErrorEnvelope(response: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code: string) {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = json(response);
  assert.equal(body.error, code);
  assert.equal(typeof body.message, 'string');
  assert.equal(body.requestId, response.headers['x-request-id']);
  return body;
}

describeEachDatabase('core API', (kind) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ kind, files: { 'sources.yaml': SOURCES, 'data/mcp.yaml': MCP_DATA } });
  });
  after(() => t.close());

  test('health endpoints answer with the documented bodies', async () => {
    const live = json(await t.inject('/livez'));
    assert.equal(live.status, 'alive');
    assert.match(live.uptime, /^(\d+h)?(\d+m)?\d+s$/);
    assert.equal(typeof live.uptimeSeconds, 'number');
    const ready = await t.inject('/readyz');
    assert.equal(ready.statusCode, 200, ready.body);
    assert.deepEqual(json(ready).components, {
      database: { status: 'up' },
      initial_load: { status: 'complete' },
      plugins: { status: 'healthy', details: 'all 8 plugins healthy' },
      leader_election: { status: 'not_configured' },
    });
  });

  test('the list serves the sample servers with the paging fields', async () => {
    const body = json(await t.inject(`${MCP}/mcpservers`));
    assert.equal(body.totalSize, 14);
    assert.equal(body.size, 14);
    assert.equal(body.pageSize, 20);
    assert.equal(body.nextPageToken, '');
    for (const item of body.items) {
      assert.equal(item.sourceId, 'mcp-samples');
      assert.equal(item.governance.lifecycle.state, 'draft');
      assert.match(item.id, /^\d+$/);
      assert.match(item.createTimeSinceEpoch, /^\d+$/);
      assert.match(item.lastUpdateTimeSinceEpoch, /^\d+$/);
    }
    const names = body.items.map((i: { name: string }) => i.name);
    assert.deepEqual(names, [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
  });

  test('numeric filters compare numerically and the example filter of the benchmark works', async () => {
    const body = json(await t.inject({ url: `${MCP}/mcpservers`, query: { filterQuery: 'toolCount > 9' } }));
    assert.deepEqual(body.items.map((i: { name: string }) => i.name).sort(), ['cluster-ops-mcp', 'metrics-query-mcp', 'object-store-mcp', 'warehouse-sql-mcp']);
    const grouped = json(await t.inject({ url: `${MCP}/mcpservers`, query: { filterQuery: "(category = 'DevOps' OR category = 'Database') AND toolCount >= 5" } }));
    assert.deepEqual(grouped.items.map((i: { name: string }) => i.name).sort(), ['cluster-ops-mcp', 'pipeline-runner-mcp', 'warehouse-sql-mcp']);
  });

  test('q searches name and description case-insensitively', async () => {
    const body = json(await t.inject({ url: `${MCP}/mcpservers`, query: { q: 'KUBERNETES' } }));
    assert.deepEqual(body.items.map((i: { name: string }) => i.name).sort(), ['cluster-ops-mcp', 'helm-release-mcp', 'log-search-mcp']);
  });

  test('paging with pageSize=3 yields every server exactly once with either token name', async () => {
    for (const param of ['nextPageToken', 'pageToken']) {
      const seen: string[] = [];
      let token = '';
      do {
        const body = json(await t.inject({ url: `${MCP}/mcpservers`, query: { pageSize: '3', ...(token ? { [param]: token } : {}) } }));
        assert.ok(body.size <= 3);
        seen.push(...body.items.map((i: { name: string }) => i.name));
        token = body.nextPageToken;
      } while (token);
      assert.equal(seen.length, 14);
      assert.equal(new Set(seen).size, 14);
    }
  });

  test('ordering by toolCount DESC puts servers without toolCount last', async () => {
    const body = json(await t.inject({ url: `${MCP}/mcpservers`, query: { orderBy: 'toolCount', sortOrder: 'DESC', pageSize: '100' } }));
    const counts = body.items.map((i: { toolCount?: number }) => i.toolCount);
    assert.equal(counts[0], 14);
    assert.deepEqual(counts.slice(-2), [undefined, undefined]);
    assertErrorEnvelope(await t.inject({ url: `${MCP}/mcpservers`, query: { orderBy: 'nope' } }), 400, 'bad_request');
  });

  test('bad list parameters are precise 400s', async () => {
    for (const pageSize of ['0', 'abc']) {
      const body = assertErrorEnvelope(await t.inject({ url: `${MCP}/mcpservers`, query: { pageSize } }), 400, 'bad_request');
      assert.equal(body.message, 'pageSize must be an integer between 1 and 1000');
    }
    const big = json(await t.inject({ url: `${MCP}/mcpservers`, query: { pageSize: '5000' } }));
    assert.equal(big.pageSize, 1000);
    const token = assertErrorEnvelope(await t.inject(`${MCP}/mcpservers?pageToken=%25%25%25`), 400, 'bad_request');
    assert.equal(token.message, 'invalid page token');
    const filter = assertErrorEnvelope(await t.inject({ url: `${MCP}/mcpservers`, query: { filterQuery: 'name = ' } }), 400, 'bad_request');
    assert.equal(filter.message, 'invalid filterQuery at position 8: expected a value after "="');
    assert.equal(filter.position, 8);
    const injection = assertErrorEnvelope(await t.inject({ url: `${MCP}/mcpservers`, query: { filterQuery: "name = 'x'; DROP TABLE x" } }), 400, 'bad_request');
    assert.match(injection.message, /unexpected character ';'/);
    assert.equal(json(await t.inject(`${MCP}/mcpservers`)).totalSize, 14);
  });

  test('a token issued for another query is rejected', async () => {
    const first = json(await t.inject({ url: `${MCP}/mcpservers`, query: { pageSize: '2', filterQuery: "deploymentMode = 'remote'" } }));
    assert.notEqual(first.nextPageToken, '');
    const body = assertErrorEnvelope(
      await t.inject({ url: `${MCP}/mcpservers`, query: { pageSize: '2', filterQuery: "deploymentMode = 'local'", pageToken: first.nextPageToken } }),
      400, 'bad_request',
    );
    assert.equal(body.message, 'invalid page token: it was issued for a different query');
  });

  test('get by name returns provenance; a missing name is a 404 with the kind phrase', async () => {
    const entity = json(await t.inject(`${MCP}/mcpservers/cluster-ops-mcp`));
    assert.equal(entity.name, 'cluster-ops-mcp');
    assert.equal(entity.provenance.type, 'yaml');
    assert.equal(entity.provenance.uri, 'data/mcp.yaml');
    assert.match(entity.provenance.entityDigest, /^[0-9a-f]{64}$/);
    const missing = assertErrorEnvelope(await t.inject(`${MCP}/mcpservers/nope`), 404, 'not_found');
    assert.equal(missing.message, 'mcp server "nope" not found');
    const inSource = assertErrorEnvelope(await t.inject(`${MCP}/mcpservers/cluster-ops-mcp?sourceId=other`), 404, 'not_found');
    assert.equal(inSource.message, 'mcp server "cluster-ops-mcp" not found in source "other"');
  });

  test('plugins discovery and capabilities agree', async () => {
    const response = await t.inject('/api/plugins');
    const body = json(response);
    assert.equal(body.count, 8);
    assert.deepEqual(body.plugins.map((p: { name: string }) => p.name), ['agents', 'guardrails', 'knowledge', 'mcp', 'model', 'policies', 'prompts', 'skills']);
    for (const plugin of body.plugins) {
      assert.equal(plugin.healthy, true, plugin.name);
      assert.equal(plugin.basePath, `/api/${plugin.name}_catalog/v1alpha1`);
      for (const field of ['entityKinds', 'capabilities', 'capabilitiesV2', 'management', 'status', 'uiHints', 'cliHints']) assert.ok(plugin[field], `${plugin.name}.${field}`);
      assert.deepEqual(plugin.capabilitiesV2.sources.types, plugin.name === 'model' ? ['yaml', 'git', 'http', 'hf'] : ['yaml', 'git', 'http']);
    }
    const mcp = body.plugins.find((p: { name: string }) => p.name === 'mcp');
    assert.equal(mcp.basePath, MCP);
    assert.equal(mcp.healthy, true);
    assert.deepEqual(mcp.management, { sourceManager: true, refresh: true, diagnostics: true, actions: true });
    assert.deepEqual(mcp.entityKinds, ['McpServer']);
    const capabilities = json(await t.inject('/api/plugins/mcp/capabilities'));
    assert.deepEqual(capabilities, mcp.capabilitiesV2);
    const entity = capabilities.entities[0];
    assert.equal(entity.endpoints.get, `${MCP}/mcpservers/{name}`);
    assert.equal(entity.endpoints.action, `${MCP}/management/entities/{name}:action`);
    assert.deepEqual(entity.governance.lifecycle.states, ['draft', 'approved', 'deprecated', 'archived']);
    assert.equal(entity.fields.filterFields.at(-1).name, 'sourceId');
    const missing = assertErrorEnvelope(await t.inject('/api/plugins/nope/capabilities'), 404, 'not_found');
    assert.equal(missing.message, 'plugin "nope" not found');
  });

  test('unknown routes are 404, wrong methods 405 with Allow', async () => {
    const missing = assertErrorEnvelope(await t.inject('/api/nope'), 404, 'not_found');
    assert.equal(missing.message, 'route GET /api/nope not found');
    const wrong = await t.inject({ method: 'DELETE', url: '/api/plugins' });
    const body = assertErrorEnvelope(wrong, 405, 'method_not_allowed');
    assert.equal(body.message, 'method DELETE is not allowed on /api/plugins');
    assert.match(String(wrong.headers.allow), /GET/);
  });

  test('X-Request-Id is honoured and echoed, a malformed one replaced', async () => {
    const given = await t.inject({ url: '/api/nope', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(given.headers['x-request-id'], 'abc-123');
    assert.equal(json(given).requestId, 'abc-123');
    const bad = await t.inject({ url: '/livez', headers: { 'x-request-id': 'has spaces' } });
    assert.match(String(bad.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  test('CORS preflight echoes the origin and never allows identity headers', async () => {
    const response = await t.inject({
      method: 'OPTIONS', url: `${MCP}/mcpservers`,
      headers: { origin: 'https://example.com', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'X-Namespace' },
    });
    assert.equal(response.statusCode, 204);
    assert.equal(response.headers['access-control-allow-origin'], 'https://example.com');
    assert.match(String(response.headers['access-control-allow-methods']), /PATCH/);
    assert.equal(response.headers['access-control-max-age'], '300');
    assert.doesNotMatch(String(response.headers['access-control-allow-headers']), /X-Remote-User/i);
    assert.equal(response.headers['access-control-allow-credentials'], undefined);
  });

  test('metrics expose route templates and source entity counts', async () => {
    await t.inject(`${MCP}/mcpservers/cluster-ops-mcp`);
    const response = await t.inject('/metrics');
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0.0.4/);
    assert.match(response.body, /catalog_http_requests_total\{[^}]*route="\/api\/mcp_catalog\/v1alpha1\/mcpservers\/\*"/);
    assert.match(response.body, /catalog_source_entities\{namespace="default",plugin="mcp",source="mcp-samples"\} 14/);
  });

  test('the namespaces endpoint reports single mode', async () => {
    assert.deepEqual(json(await t.inject('/api/tenancy/v1alpha1/namespaces')), { namespaces: ['default'], mode: 'single' });
  });

  test('single mode ignores namespace parameters entirely (05 §11 #11)', async () => {
    const plain = await t.inject(`${MCP}/mcpservers`);
    assert.equal(plain.statusCode, 200);
    assert.ok(json(plain).totalSize > 0);
    for (const request of [
      { url: `${MCP}/mcpservers`, headers: { 'x-namespace': 'Team_A!' } },
      { url: `${MCP}/mcpservers?namespace=other` },
      { url: `${MCP}/mcpservers?namespace=other`, headers: { 'x-namespace': 'Team_A!' } },
    ]) {
      const response = await t.inject(request);
      assert.equal(response.statusCode, 200, JSON.stringify(request));
      assert.deepEqual(json(response), json(plain), JSON.stringify(request));
    }
  });

  test('the OpenAPI document covers the routes with unique operation ids', async () => {
    const document = json(await t.inject('/openapi.json'));
    assert.equal(document.openapi, '3.1.0');
    assert.ok(document.paths['/api/plugins']);
    assert.ok(document.paths[`${MCP}/mcpservers`]);
    const ids = Object.values(document.paths).flatMap((item: any) => Object.values(item).map((op: any) => op.operationId));
    assert.equal(new Set(ids).size, ids.length);
  });
});
