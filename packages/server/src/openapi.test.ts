import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPOSITORY_ROOT } from './bundledPlugins.js';
import { startTestServer, type TestServer } from './testing/testServer.js';

/** docs/openapi.json is generated from the route schemas; regenerate with `npm run openapi`. */
let t: TestServer;
before(async () => {
  t = await startTestServer({ kind: 'pglite' });
});
after(() => t.close());

test('docs/openapi.json matches the document the server generates', async () => {
  const served = JSON.parse((await t.inject('/openapi.json')).body) as unknown;
  const committed = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'docs/openapi.json'), 'utf8')) as unknown;
  assert.deepEqual(committed, served, 'docs/openapi.json is stale: run `npm run openapi`');
});
