import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PluginDeclaration, RouteDeclaration } from '@catalog/framework';
import { Type } from '@sinclair/typebox';
import { EVENTS, json } from '../testing/auditFixtures.js';
import { describeEachDatabase } from '../testing/databases.js';
import { partsPlugin } from '../testing/partsPlugin.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';

const PARTS = '/api/parts_catalog/v1alpha1';
const SOURCES = 'catalogs:\n  parts:\n    sources: []\n';

const statsRoute: RouteDeclaration = {
  method: 'GET',
  url: '/stats/:part',
  schema: {
    params: Type.Object({ part: Type.String() }),
    querystring: Type.Object({ limit: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    response: { 200: Type.Object({ namespace: Type.String(), user: Type.String(), groups: Type.Array(Type.String()), part: Type.String(), query: Type.Unknown() }) },
  },
  authz: { resource: 'assets', verb: 'get' },
  handler: async (ctx, request) => ({ ...ctx, ...ctx.identity, part: (request.params as { part: string }).part, query: request.query }),
};

const recomputeRoute: RouteDeclaration = {
  method: 'POST',
  url: '/recompute',
  schema: {
    body: Type.Object({ weight: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
    response: { 200: Type.Object({ namespace: Type.String(), user: Type.String(), weight: Type.Integer() }) },
  },
  authz: { resource: 'assets', verb: 'update' },
  auditAction: 'recompute-parts',
  handler: async (ctx, request) => {
    const { weight } = request.body as { weight: number };
    if (weight === 7) throw Object.assign(new Error('weight 7 is reserved'), { statusCode: 409 });
    if (weight === 13) throw new Error('connection to 10.0.0.13 refused');
    return { namespace: ctx.namespace, user: ctx.identity.user, weight };
  },
};

/** The `parts` test plugin with routes of its own (a copy: partsPlugin stays route-less for everyone else). */
function partsWithRoutes(routes: RouteDeclaration[], overrides: Partial<PluginDeclaration> = {}): PluginDeclaration {
  return { ...partsPlugin, routes, ...overrides };
}

describeEachDatabase('plugin-declared routes', (kind) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      kind,
      files: { 'sources.yaml': SOURCES },
      plugins: [partsWithRoutes([statsRoute, recomputeRoute])],
      env: { CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: 'team-a,team-b', CATALOG_AUTHZ_MODE: 'role', CATALOG_TRUST_PROXY_HEADERS: 'true' },
    });
  });
  after(() => t.close());

  const alice = { 'x-remote-user': 'alice', 'x-remote-group': 'team-b-engineers' };
  const operator = { ...alice, 'x-user-role': 'operator', 'content-type': 'application/json' };

  test('the handler gets the request namespace, the identity, params and the query without namespace', async () => {
    const response = await t.inject({ url: `${PARTS}/stats/bolt?namespace=team-b&limit=3`, headers: alice });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(json(response), { namespace: 'team-b', user: 'alice', groups: ['team-b-engineers'], part: 'bolt', query: { limit: 3 } });
    const byHeader = await t.inject({ url: `${PARTS}/stats/nut?limit=1`, headers: { ...alice, 'x-namespace': 'team-a' } });
    assert.equal(json(byHeader).namespace, 'team-a');
    const outside = await t.inject({ url: `${PARTS}/stats/nut?limit=1`, headers: { ...alice, 'x-namespace': 'team-z' } });
    assert.equal(outside.statusCode, 403, outside.body);
  });

  test('query and body schema violations are 400 envelopes', async () => {
    const query = await t.inject({ url: `${PARTS}/stats/bolt?namespace=team-a&limit=0`, headers: alice });
    assert.equal(query.statusCode, 400);
    assert.equal(json(query).error, 'bad_request');
    assert.match(json(query).message, /^invalid querystring parameter: \/limit /);
    // As on every route, properties a closed schema does not name are removed, not passed on.
    const extra = await t.inject({ url: `${PARTS}/stats/bolt?namespace=team-a&limit=1&color=red`, headers: alice });
    assert.deepEqual(json(extra).query, { limit: 1 });
    const body = await t.inject({ method: 'POST', url: `${PARTS}/recompute?namespace=team-a`, headers: operator, payload: { weight: 'heavy' } });
    assert.equal(body.statusCode, 400);
    assert.deepEqual(Object.keys(json(body)).sort(), ['error', 'message', 'requestId']);
    assert.match(json(body).message, /^invalid request body: \/weight /);
  });

  test('a viewer\'s write is 403 before validation; an operator\'s runs and writes one audit event with the declared action', async () => {
    const denied = await t.inject({ method: 'POST', url: `${PARTS}/recompute?namespace=team-a`, headers: { ...alice, 'content-type': 'application/json' }, payload: { weight: 'not even valid' } });
    assert.equal(denied.statusCode, 403);
    assert.equal(json(denied).message, 'insufficient permissions for assets/update in namespace team-a');

    const requestId = `recompute-${kind}`;
    const done = await t.inject({ method: 'POST', url: `${PARTS}/recompute?namespace=team-a`, headers: { ...operator, 'x-request-id': requestId }, payload: { weight: 5 } });
    assert.equal(done.statusCode, 200, done.body);
    assert.deepEqual(json(done), { namespace: 'team-a', user: 'alice', weight: 5 });
    const events = json(await t.inject({ url: EVENTS, query: { namespace: 'team-a', requestId }, headers: alice })).events as Record<string, unknown>[];
    assert.equal(events.length, 1);
    assert.equal(events[0].action, 'recompute-parts');
    assert.equal(events[0].plugin, 'parts');
    assert.equal(events[0].outcome, 'success');
  });

  test('handler errors go through the one error handler: 4xx keep status and message, the rest are 500 without internals', async () => {
    const conflict = await t.inject({ method: 'POST', url: `${PARTS}/recompute?namespace=team-a`, headers: operator, payload: { weight: 7 } });
    assert.equal(conflict.statusCode, 409);
    assert.equal(json(conflict).error, 'conflict');
    assert.equal(json(conflict).message, 'weight 7 is reserved');
    const failure = await t.inject({ method: 'POST', url: `${PARTS}/recompute?namespace=team-a`, headers: operator, payload: { weight: 13 } });
    assert.equal(failure.statusCode, 500);
    assert.equal(json(failure).message, 'internal server error');
    assert.doesNotMatch(failure.body, /10\.0\.0\.13/);
  });

  test('the routes are in /openapi.json with x-authz and tags, and the self access review knows them', async () => {
    const document = json(await t.inject('/openapi.json'));
    const get = document.paths[`${PARTS}/stats/{part}`].get;
    assert.equal(get.operationId, 'get_parts_route_stats_part');
    assert.deepEqual(get.tags, ['parts']);
    assert.deepEqual(get['x-authz'], { resource: 'assets', verb: 'get' });
    const post = document.paths[`${PARTS}/recompute`].post;
    assert.deepEqual(post['x-authz'], { resource: 'assets', verb: 'update' });
    assert.ok(post.responses['4XX'] ?? post.responses['4xx'], 'the error envelope is documented');

    const review = await t.inject({
      method: 'POST', url: '/api/authz/v1alpha1/selfsubjectaccessreviews?namespace=team-a', headers: { ...alice, 'content-type': 'application/json' },
      payload: { checks: [{ method: 'GET', path: `${PARTS}/stats/bolt` }, { method: 'POST', path: `${PARTS}/recompute` }] },
    });
    assert.equal(review.statusCode, 200, review.body);
    assert.deepEqual(json(review).results, [
      { allowed: true, resource: 'assets', verb: 'get' },
      { allowed: false, resource: 'assets', verb: 'update', reason: 'requires role operator' },
    ]);
  });
});

describe('plugin route declarations checked at startup', () => {
  const invalid: { name: string; routes: RouteDeclaration[]; message: string }[] = [
    { name: 'badmethod', routes: [{ ...statsRoute, method: 'HEAD' as 'GET' }], message: 'invalid declaration: routes[0].method "HEAD" is not one of GET, POST, PUT, PATCH, DELETE' },
    { name: 'badurl', routes: [{ ...statsRoute, url: 'stats' }], message: 'invalid declaration: routes[0].url "stats" must start with /' },
    { name: 'badmgmt', routes: [{ ...statsRoute, url: '/management/stats' }], message: 'invalid declaration: routes[0].url "/management/stats" must not be under /management (framework routes)' },
    { name: 'badresource', routes: [{ ...statsRoute, authz: { resource: 'parts', verb: 'get' } }], message: 'invalid declaration: routes[0].authz.resource "parts" is not one of plugins, capabilities, catalogsources, assets, actions, jobs, approvals, audit' },
    { name: 'badverb', routes: [{ ...statsRoute, authz: { resource: 'assets', verb: 'read' } }], message: 'invalid declaration: routes[0].authz.verb "read" is not one of get, list, create, update, delete, execute, approve' },
    { name: 'badaudit', routes: [statsRoute, { ...recomputeRoute, method: 'DELETE', auditAction: undefined }], message: 'invalid declaration: routes[1].auditAction is required on DELETE routes' },
    { name: 'badtwice', routes: [statsRoute, { ...statsRoute }], message: 'invalid declaration: routes[1] duplicates the route GET /stats/:part' },
  ];
  let t: TestServer;
  before(async () => {
    const sources = ['catalogs:', ...['parts', 'broken', ...invalid.map((p) => p.name)].map((name) => `  ${name}:\n    sources: []`)].join('\n');
    t = await startTestServer({
      kind: 'pglite',
      files: { 'sources.yaml': `${sources}\n` },
      plugins: [
        partsWithRoutes([statsRoute]),
        partsWithRoutes([statsRoute], { name: 'broken', init: async () => { throw new Error('model store unreachable'); } }),
        ...invalid.map((p) => partsWithRoutes(p.routes, { name: p.name })),
      ],
    });
  });
  after(() => t.close());

  test('each invalid route declaration fails its plugin with a precise message; the other plugins serve', async () => {
    assert.equal((await t.inject(`${PARTS}/stats/bolt?limit=1`)).statusCode, 200);
    for (const plugin of invalid) {
      const capabilities = await t.inject(`/api/plugins/${plugin.name}/capabilities`);
      assert.equal(capabilities.statusCode, 503, plugin.name);
      assert.equal(json(capabilities).message, `plugin "${plugin.name}" is not available: ${plugin.message}`);
      // None of its declared routes is served.
      assert.equal((await t.inject(`/api/${plugin.name}_catalog/v1alpha1/stats/bolt?limit=1`)).statusCode, 404, plugin.name);
    }
  });

  test('a declared route of a plugin whose init failed answers 503 like its generic routes', async () => {
    const response = await t.inject('/api/broken_catalog/v1alpha1/stats/bolt?limit=1');
    assert.equal(response.statusCode, 503);
    assert.equal(json(response).message, 'plugin "broken" is not available: model store unreachable');
  });

  test('a declared route that shadows a generic route fails startup naming the plugin and both routes', async () => {
    for (const [url, generic] of [['/parts/:name', '/parts/*'], ['/parts', '/parts']]) {
      await assert.rejects(
        startTestServer({ kind: 'pglite', files: { 'sources.yaml': SOURCES }, plugins: [partsWithRoutes([{ ...statsRoute, url }])] }),
        { message: `plugin "parts" route GET ${url} shadows the generic route GET ${PARTS}${generic}` },
      );
    }
  });
});
