import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { error, startStub, type StubServer } from '../testing/stubServer.js';
import { runCli } from './runCli.js';

async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, env, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('catalog-conformance exit codes (07 §4.5)', () => {
  // `server` serves plugin demo without its capabilities document, so demo.capabilities.fetch fails.
  let server: StubServer;
  let empty: StubServer;
  let closedUrl: string;
  let dir: string;

  before(async () => {
    server = await startStub((r) => (r.path === '/api/plugins/demo/capabilities' ? error(404, 'not_found') : undefined), 'single');
    empty = await startStub((r) => (r.path === '/api/plugins' ? { status: 200, body: { plugins: [], count: 0 } } : undefined), 'single');
    const probe = await startStub(() => undefined);
    closedUrl = probe.url;
    await probe.close();
    dir = mkdtempSync(join(tmpdir(), 'conformance-cli-'));
  });
  after(async () => {
    await server.close();
    await empty.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('usage errors exit 1: unknown category, unknown flag, bad format, bad timeout, unreadable fixture, bad URL', async () => {
    const unknown = await cli(['--skip', 'capabilities,nonsense']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown category "nonsense"/);
    assert.equal((await cli(['--bogus'])).code, 1);
    assert.equal((await cli(['--format', 'xml'])).code, 1);
    assert.equal((await cli(['--timeout', '0'])).code, 1);
    assert.equal((await cli(['--expect-caps', 'teleport'])).code, 1);
    const fixture = await cli(['--fixture', `mcp=${join(dir, 'missing.yaml')}`]);
    assert.equal(fixture.code, 1);
    assert.match(fixture.stderr, /cannot read fixture/);
    assert.equal((await cli(['--fixture', 'no-equals-sign'])).code, 1);
    assert.equal((await cli(['--server', 'ftp://example.invalid'])).code, 1);
  });

  test('an unreachable server exits 2 after the ready timeout; CATALOG_SERVER_URL is the default server', async () => {
    const result = await cli(['--ready-timeout', '1'], { CATALOG_SERVER_URL: closedUrl });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /not ready within 1000 ms: server unreachable/);
    assert.match(result.stdout, new RegExp(`Server: ${closedUrl}`));
    assert.match(result.stdout, /\[FAIL\] server\.readyz/);
  });

  test('a server without plugins exits 2', async () => {
    const result = await cli(['--server', empty.url, '--format', 'json']);
    assert.equal(result.code, 2);
    const report = JSON.parse(result.stdout);
    assert.deepEqual(report.fatal, { exitCode: 2, message: 'the server has no plugins' });
    assert.equal(report.result, 'fail');
  });

  test('an unknown --plugin exits 3', async () => {
    const result = await cli(['--server', server.url, '--plugin', 'nope']);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /plugin "nope" not found \(server has demo\)/);
  });

  test('a failing check exits 4 and --report writes the two-space JSON report', async () => {
    const file = join(dir, 'report.json');
    const result = await cli(['--server', server.url, '--plugin', 'demo', '--token', 'secret-token', '--report', file, '--skip', 'F,security']);
    assert.equal(result.code, 4);
    const text = readFileSync(file, 'utf8');
    const report = JSON.parse(text);
    assert.equal(text, `${JSON.stringify(report, null, 2)}\n`);
    assert.equal(report.pluginName, 'demo');
    assert.ok(report.totalFailed > 0);
    assert.ok(!text.includes('secret-token'), 'tokens never reach the report');
    assert.deepEqual(report.options.skip, ['openapi', 'security']);
    assert.ok(!report.categories.some((c: { id: string }) => c.id === 'F' || c.id === 'D'));
    const fetch = report.categories.find((c: { id: string; plugin?: string }) => c.id === 'A' && c.plugin === 'demo').tests[0];
    assert.equal(fetch.name, 'demo.capabilities.fetch');
    assert.equal(fetch.status, 'failed');
    assert.match(result.stdout, /\[FAIL\] demo\.capabilities\.fetch -- expected 200, got 404/);
  });

  test('--help prints the usage and exits 0', async () => {
    const result = await cli(['--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /--other-namespace NS/);
  });
});
