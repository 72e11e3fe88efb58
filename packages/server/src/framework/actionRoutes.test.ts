import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachDatabase } from '../testing/databases.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';

const MCP = '/api/mcp_catalog/v1alpha1';

function json(response: { body: string }) {
  return JSON.parse(response.body) as Record<string, any>;
}

describeEachDatabase('asset actions and overlays', (kind) => {
  let t: TestServer;
  const act = (name: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    t.inject({ method: 'POST', url: `${MCP}/management/entities/${name}:action`, headers, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  before(async () => {
    t = await startTestServer({ kind });
  });
  after(() => t.close());

  test('tag replaces the tag set; the entity, the list and filterQuery show it', async () => {
    const result = json(await act('cluster-ops-mcp', { action: 'tag', params: { tags: ['production', 'verified', 'production'] } }));
    assert.deepEqual(result, {
      action: 'tag', actionId: 'tag', status: 'completed', dryRun: false,
      message: 'set 2 tags on cluster-ops-mcp', data: { tags: ['production', 'verified'] },
    });
    assert.deepEqual(json(await t.inject(`${MCP}/mcpservers/cluster-ops-mcp`)).tags, ['production', 'verified']);
    const listed = json(await t.inject(`${MCP}/mcpservers?pageSize=100`)).items.find((i: any) => i.name === 'cluster-ops-mcp');
    assert.deepEqual(listed.tags, ['production', 'verified']);
    const filtered = json(await t.inject({ url: `${MCP}/mcpservers`, query: { filterQuery: "tags = 'production'" } }));
    assert.deepEqual(filtered.items.map((i: any) => i.name), ['cluster-ops-mcp']);
    assert.equal(filtered.totalSize, 1);
  });

  test('annotate merges and removes keys; deprecate sets the overlay phase; dry runs write nothing', async () => {
    await act('directory-mcp', { action: 'annotate', params: { annotations: { owner: 'platform', tier: 'gold' } } });
    const merged = json(await act('directory-mcp', { action: 'annotate', annotations: { tier: null, region: 'eu' } }));
    assert.equal(merged.message, 'set 2 annotations on directory-mcp');
    assert.deepEqual(merged.data.annotations, { owner: 'platform', region: 'eu' });
    const dry = json(await act('directory-mcp', { action: 'deprecate', dryRun: true, params: { phase: 'sunset' } }));
    assert.deepEqual([dry.status, dry.message], ['dry-run', 'would set lifecycle of directory-mcp to "sunset"']);
    assert.equal(json(await t.inject(`${MCP}/mcpservers/directory-mcp`)).lifecycle, undefined);
    await act('directory-mcp', { action: 'deprecate' });
    const entity = json(await t.inject(`${MCP}/mcpservers/directory-mcp`));
    assert.equal(entity.lifecycle, 'deprecated');
    assert.deepEqual(entity.annotations, { owner: 'platform', region: 'eu' });
    assert.equal(entity.governance.lifecycle.state, 'draft', 'the overlay phase is not the governance state');
  });

  test('bad requests are precise 400s, missing entities 404, and nothing is written', async () => {
    const cases: [unknown, number, string][] = [
      [{}, 400, 'action field is required'],
      [{ action: 'tag', actionId: 'annotate' }, 400, 'action and actionId differ'],
      [{ action: 'explode' }, 400, 'unknown action "explode" for scope "asset"'],
      [{ action: 'refresh' }, 400, 'unknown action "refresh" for scope "asset"'],
      [{ action: 'tag', params: {} }, 400, 'invalid tags parameter: missing "tags" parameter'],
      [{ action: 'tag', params: { tags: 'x' } }, 400, 'invalid tags parameter: "tags" must be an array of strings, got string'],
      [{ action: 'tag', params: { tags: [1] } }, 400, 'invalid tags parameter: "tags" contains non-string element: number'],
      [{ action: 'tag', params: { tags: [''] } }, 400, 'invalid tags parameter: tags must be 1 to 256 characters'],
      [{ action: 'tag', params: { tags: Array.from({ length: 101 }, (_, i) => `t${i}`) } }, 400, 'invalid tags parameter: at most 100 tags are allowed'],
      [{ action: 'annotate', params: { annotations: [] } }, 400, 'invalid annotations parameter: "annotations" must be an object with string values, got array'],
      [{ action: 'annotate', params: { annotations: { a: 1 } } }, 400, 'invalid annotations parameter: "annotations"["a"] is not a string: number'],
      [{ action: 'deprecate', params: { phase: 3 } }, 400, 'invalid phase parameter: "phase" must be a string, got number'],
      ['[1,2]', 400, 'invalid action request: body must be a JSON object, got array'],
    ];
    for (const [body, status, message] of cases) {
      const response = await act('ticket-desk-mcp', body);
      assert.equal(response.statusCode, status, JSON.stringify(body));
      assert.equal(json(response).message, message);
    }
    const missing = await act('no-such-server', { action: 'tag', params: { tags: ['a'] } });
    assert.equal(missing.statusCode, 404);
    assert.equal(json(missing).message, 'entity "no-such-server" not found');
    const entity = json(await t.inject(`${MCP}/mcpservers/ticket-desk-mcp`));
    assert.equal(entity.tags, undefined);
    assert.equal(entity.annotations, undefined);
    assert.equal((await t.inject({ method: 'POST', url: `${MCP}/management/entities/ticket-desk-mcp` })).statusCode, 404);
  });

  test('a body with a non-JSON content type is 415; an empty JSON body is no body', async () => {
    const plain = await act('ticket-desk-mcp', 'action=tag', { 'content-type': 'text/plain' });
    assert.equal(plain.statusCode, 415);
    assert.equal(json(plain).error, 'unsupported_media_type');
    const empty = await t.inject({ method: 'POST', url: `${MCP}/management/entities/ticket-desk-mcp:action`, headers: { 'content-type': 'application/json' } });
    assert.equal(empty.statusCode, 400);
    assert.equal(json(empty).message, 'action field is required');
    const malformed = await act('ticket-desk-mcp', '{"action": ');
    assert.equal(malformed.statusCode, 400);
    assert.match(json(malformed).message, /^invalid request body: /);
  });

  test('the prompts render action runs through the same dispatch', async () => {
    const ok = await t.inject({
      method: 'POST', url: '/api/prompts_catalog/v1alpha1/management/entities/incident-summary:action',
      headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ action: 'render', params: { parameters: { timeline: '09:00 alert fired; 09:05 rolled back' } } }),
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(json(ok).status, 'completed');
    const missingParameter = await t.inject({
      method: 'POST', url: '/api/prompts_catalog/v1alpha1/management/entities/incident-summary:action',
      headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ action: 'render', params: { parameters: {} } }),
    });
    assert.equal(missingParameter.statusCode, 400);
    assert.equal(json(missingParameter).error, 'bad_request');
  });

  test('actions are discoverable per scope, builtins first', async () => {
    const asset = json(await t.inject(`${MCP}/management/actions/asset`));
    assert.deepEqual(asset.actions.map((a: any) => a.id), ['tag', 'annotate', 'deprecate']);
    const source = json(await t.inject(`${MCP}/management/actions/source`));
    assert.deepEqual(source.actions.map((a: any) => a.id), ['refresh']);
    const prompts = json(await t.inject('/api/prompts_catalog/v1alpha1/management/actions/asset'));
    assert.deepEqual(prompts.actions.map((a: any) => a.id), ['tag', 'annotate', 'deprecate', 'render']);
  });
});
