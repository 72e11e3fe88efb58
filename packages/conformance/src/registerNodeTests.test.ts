import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { error, startStub, type StubServer } from './testing/stubServer.js';

const INDEX = pathToFileURL(fileURLToPath(new URL('./index.ts', import.meta.url))).href;

let stub: StubServer;
let dir: string;
before(async () => {
  // One wrong answer: the list of the demo kind fails.
  stub = await startStub((r) => (r.path === '/api/demo_catalog/v1alpha1/widgets' && !r.query.has('pageSize') ? error(500, 'internal_error') : undefined), 'single');
  dir = mkdtempSync(join(tmpdir(), 'conformance-node-tests-'));
});
after(async () => {
  await stub.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a test file in a child process (asynchronously: the stub answers from this process). */
function runTestFile(file: string): Promise<{ status: number; stdout: string }> {
  // The child must report as a top-level run, not to this runner's serialized protocol.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_TEST_CONTEXT'));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=source', '--import', 'tsx', '--test-reporter=tap', file], { env, cwd: fileURLToPath(new URL('..', import.meta.url)) }, (err, stdout) => {
      resolve({ status: err ? Number(err.code ?? 1) : 0, stdout });
    });
  });
}

test('registerNodeTests: one test per category, one subtest per check; failed checks fail, skipped ones skip', async () => {
  const file = join(dir, 'plugin.test.mts');
  writeFileSync(file, `import { registerNodeTests } from ${JSON.stringify(INDEX)};\nregisterNodeTests({ serverUrl: ${JSON.stringify(stub.url)}, skip: ['F', 'D', 'G', 'H', 'I', 'J'], timeoutMs: 2000 });\n`);
  const result = await runTestFile(file);
  const out = result.stdout;
  assert.notEqual(result.status, 0, out);
  for (const title of ['conformance A capabilities', 'conformance B list_get', 'conformance C sources', 'conformance E observability']) assert.match(out, new RegExp(`^(not )?ok \\d+ - ${title}$`, 'm'), title);
  assert.doesNotMatch(out, /conformance F openapi/);
  assert.match(out, /not ok \d+ - demo\.widgets\.list/);
  assert.match(out, /ok \d+ - demo\.schemaVersion\n/);
  assert.match(out, /ok \d+ - demo\.expected\.kinds # SKIP not requested/);
  assert.match(out, /^not ok \d+ - conformance B list_get$/m);
});
