import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { describeEachDatabase } from '../testing/databases.js';
import { partsPlugin } from '../testing/partsPlugin.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { checkRouteDeclarations } from './routeDeclarations.js';

test('every route declares its authorization; state-changing routes their audit action too', () => {
  const authz = { resource: 'actions', verb: 'execute' } as const;
  assert.throws(() => checkRouteDeclarations({ method: 'GET', url: '/a', config: {} }), /route GET \/a declares no authorization \(config.authz\)/);
  assert.doesNotThrow(() => checkRouteDeclarations({ method: 'GET', url: '/a', config: { authz } }));
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    assert.throws(() => checkRouteDeclarations({ method, url: '/w', config: { authz } }), /declares no audit action \(config.audit\)/, method);
    assert.doesNotThrow(() => checkRouteDeclarations({ method, url: '/w', config: { authz, audit: { action: 'patch' } } }));
  }
  assert.doesNotThrow(() => checkRouteDeclarations({ method: 'POST', url: '/review', config: { authz: 'identity', audit: false } }));
  assert.doesNotThrow(() => checkRouteDeclarations({ method: 'GET', url: '/healthz', config: { authz: 'public' } }));
});

test('a declaration must name a real (resource, verb) pair and a real audit action, not merely exist', () => {
  const invalid = (config: Record<string, unknown>, method = 'GET') => () => checkRouteDeclarations({ method, url: '/x', config: config as never });
  for (const authz of [{ resource: 'asset', verb: 'get' }, { resource: 'assets', verb: 'read' }, { resource: 'assets' }, 'anyone', null, 7]) {
    assert.throws(invalid({ authz }), /route GET \/x declares authorization .*: expected "public", "identity" or a resource of plugins, .* with a verb of get, /, JSON.stringify(authz));
  }
  const authz = { resource: 'assets', verb: 'update' };
  for (const audit of [{}, { action: '' }, { action: 3 }, 'tag', true, null]) {
    assert.throws(invalid({ authz, audit }, 'POST'), /route POST \/x declares audit .*: expected false or an object with a non-empty action/, JSON.stringify(audit));
  }
});

/**
 * The startup check on the real application (05 §11 #23): a route registered without a declaration
 * fails startup naming that route. The route reaches the app the way instrumentation does, through
 * Fastify's documented `fastify.initialization` diagnostics channel: a plugin registered on the
 * instance as it is created, loaded when the app boots, after the check is installed. No server
 * option exists for it, and none is added.
 */
describeEachDatabase('route declarations are checked when the real app starts (05 §11 #23)', (kind) => {
  const files = { 'sources.yaml': 'catalogs:\n  parts:\n    sources: []\n' };

  /** Starts the server with `extra` registered as a Fastify plugin on its instance. */
  async function startWith(extra: (app: FastifyInstance) => void): Promise<TestServer> {
    const channel = diagnostics.channel('fastify.initialization');
    const onInit = (message: unknown) => {
      channel.unsubscribe(onInit);
      void (message as { fastify: FastifyInstance }).fastify.register(async (scope) => extra(scope));
    };
    channel.subscribe(onInit);
    try {
      return await startTestServer({ kind, plugins: [partsPlugin], files });
    } finally {
      channel.unsubscribe(onInit);
    }
  }

  test('the seam works: an extra route with its declarations is registered, indexed and served', async () => {
    const t = await startWith((app) => {
      app.get('/api/extra', { config: { authz: 'public' } }, async () => ({ extra: true }));
      app.route({ method: 'POST', url: '/api/extra', config: { authz: { resource: 'catalogsources', verb: 'update' }, audit: { action: 'extra' } }, handler: async () => ({ extra: true }) });
    });
    try {
      const response = await t.inject('/api/extra');
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(JSON.parse(response.body), { extra: true });
      const indexed = t.server.app.routeIndex.list().filter((r) => r.url === '/api/extra').map((r) => [r.method, r.authz]);
      assert.deepEqual(indexed, [['GET', 'public'], ['HEAD', 'public'], ['POST', { resource: 'catalogsources', verb: 'update' }]]);
    } finally {
      await t.close();
    }
  });

  /** The error startup fails with; a server that starts anyway is closed and the test fails. */
  async function startupError(extra: (app: FastifyInstance) => void): Promise<Error> {
    let t: TestServer;
    try {
      t = await startWith(extra);
    } catch (error) {
      return error as Error;
    }
    await t.close();
    assert.fail('the server started');
  }

  test('a route without an authorization declaration fails startup, naming the route', async () => {
    const error = await startupError((app) => app.get('/api/undeclared', async () => ({ leaked: true })));
    assert.equal(error.message, 'route GET /api/undeclared declares no authorization (config.authz)');
  });

  test('a write route without an audit action fails startup, naming the route', async () => {
    const error = await startupError((app) => app.route({ method: 'DELETE', url: '/api/unaudited/:id', config: { authz: { resource: 'catalogsources', verb: 'delete' } }, handler: async () => ({}) }));
    assert.equal(error.message, 'route DELETE /api/unaudited/:id declares no audit action (config.audit)');
  });
});
