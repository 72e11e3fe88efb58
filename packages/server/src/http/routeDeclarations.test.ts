import assert from 'node:assert/strict';
import { test } from 'node:test';
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
});
