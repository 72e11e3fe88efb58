// Regenerates docs/openapi.json from a server built with the bundled plugins (`npm run openapi`).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '../packages/server/src/bundledPlugins.js';
import { startTestServer } from '../packages/server/src/testing/testServer.js';

const t = await startTestServer({ kind: 'pglite' });
try {
  const document = JSON.parse((await t.inject('/openapi.json')).body) as unknown;
  writeFileSync(join(REPOSITORY_ROOT, 'docs/openapi.json'), `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write('wrote docs/openapi.json\n');
} finally {
  await t.close();
}
