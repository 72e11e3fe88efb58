import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConformanceRun } from '../run/ConformanceRun.js';
import { runOnStub, type StubRequest } from '../testing/stubServer.js';
import { runOpenApiChecks, templateRegex } from './openapi.js';

const ERROR = { $ref: '#/components/schemas/Error' };

function document(pluginsCount: object, extraRef?: string) {
  return {
    openapi: '3.1.0',
    components: { schemas: { Error: { type: 'object', required: ['error', 'message'] } } },
    paths: {
      '/api/plugins': { get: { responses: { 200: { content: { 'application/json': { schema: { type: 'object', required: ['plugins', 'count'], properties: { count: pluginsCount } } } } }, '4XX': { content: { 'application/json': { schema: ERROR } } } } } },
      '/api/tenancy/v1alpha1/namespaces': { get: { responses: { 200: { content: { 'application/json': { schema: extraRef ? { $ref: extraRef } : { type: 'object' } } } } } } },
    },
  };
}

function run(doc: object) {
  return runOnStub((r: StubRequest) => (r.path === '/openapi.json' ? { status: 200, body: doc } : undefined), (ctx) => runOpenApiChecks(ctx as ConformanceRun), {}, 'single');
}

test('every recorded response is validated against its documented schema (JSON Schema 2020-12)', async () => {
  const good = await run(document({ type: 'integer', minimum: 1 }));
  assert.equal(good.get('openapi.document')?.status, 'passed');
  assert.equal(good.get('openapi.refs')?.status, 'passed');
  assert.equal(good.get('openapi.response.GET /api/plugins 200')?.status, 'passed');
  assert.equal(good.get('openapi.response.GET /api/tenancy/v1alpha1/namespaces 200')?.status, 'passed');
  // The stub documents neither the core paths nor the demo entity routes.
  assert.match(good.get('openapi.core_paths')?.message ?? '', /^undocumented: \/api\/plugins\/{pluginName}\/capabilities, \/healthz, /);
  assert.equal(good.get('openapi.entity_paths.demo')?.status, 'failed');

  const wrong = await run(document({ type: 'string' }));
  assert.equal(wrong.get('openapi.response.GET /api/plugins 200')?.message, 'GET /api/plugins: body/count must be string');
});

test('a status the operation does not document fails, and so does an unresolvable $ref', async () => {
  const doc = document({ type: 'integer' }, '#/components/schemas/Missing');
  delete (doc.paths['/api/plugins'].get.responses as Record<string, unknown>)[200];
  const records = await run(doc);
  assert.equal(records.get('openapi.response.GET /api/plugins 200')?.message, 'status 200 is not documented (documented: 4XX)');
  assert.equal(records.get('openapi.refs')?.message, 'unresolved: #/components/schemas/Missing');
});

test('path templates: {x} is one segment or part of one, {*} and {x+} the rest', () => {
  assert.ok(templateRegex('/a/{id}:cancel').test('/a/123:cancel'));
  assert.ok(!templateRegex('/a/{id}').test('/a/1/2'));
  assert.ok(templateRegex('/m/{*}').test('/m/a%2Fb/c'));
  assert.ok(templateRegex('/s/{source_id}/models/{model_name+}').test('/s/x/models/a/b'));
});
