import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { createPostgresTestDatabase } from './testing/databases.js';
import { MULTI_TENANT_RBAC, startFakeKube, type FakeKube } from '@catalog/fake-kube';
import { listeningUrl, runServerProcess, waitReady, type ServerProcess } from './testing/serverProcess.js';

/*
 * The "Post-Upgrade Verification" section of the upgrade guide (seed/upgrade-guide.md), run as
 * written against a real server process. Each command below is copied verbatim from the guide;
 * only the host (`catalog-server:8080`) is replaced by the test server's address.
 */
const GUIDE_HOST = 'http://catalog-server:8080';

// Guide step 1, "Health Check".
const STEP_1 = 'curl -s http://catalog-server:8080/readyz | python3 -m json.tool';
// Guide step 2, "Plugin Verification".
const STEP_2 = 'curl -s http://catalog-server:8080/api/plugins | python3 -m json.tool';
// Guide step 3, "Namespace Verification (Multi-Tenant Mode)": the first should work, the second fail.
const STEP_3_OK = 'curl -s "http://catalog-server:8080/api/mcp_catalog/v1alpha1/mcpservers?namespace=default"';
const STEP_3_FAIL = 'curl -s http://catalog-server:8080/api/mcp_catalog/v1alpha1/mcpservers';
// Guide step 4, "Authorization Verification (SAR Mode)": succeeds for alice, 403 in team-b.
const STEP_4_OK = `curl -s "http://catalog-server:8080/api/plugins?namespace=team-a" \\
  -H "X-Remote-User: alice" \\
  -H "X-Remote-Group: team-a-engineers"`;
const STEP_4_DENIED = `curl -s "http://catalog-server:8080/api/mcp_catalog/v1alpha1/management/apply-source?namespace=team-b" \\
  -H "X-Remote-User: alice" \\
  -H "X-Remote-Group: team-a-engineers" \\
  -X POST`;
// Guide step 5, "Audit Verification": after an action, the events call returns it.
const STEP_5 = `curl -s "http://catalog-server:8080/api/audit/v1alpha1/events?pageSize=5" \\
  -H "X-Remote-User: ops-admin"`;

const run = promisify(execFile);

/** Runs a guide command through bash with the host swapped; `-w` is never added, so the output is what an operator sees. */
async function guide(url: string, command: string): Promise<string> {
  const { stdout } = await run('bash', ['-c', command.replaceAll(GUIDE_HOST, url)], { timeout: 20_000 });
  return stdout;
}

/** The HTTP status of the same request, which the guide's `curl -s` does not print. */
async function statusOf(url: string, command: string): Promise<number> {
  const { stdout } = await run('bash', ['-c', `${command.replaceAll(GUIDE_HOST, url)} -o /dev/null -w '%{http_code}'`], { timeout: 20_000 });
  return Number(stdout);
}

interface Running {
  process: ServerProcess;
  url: string;
  stop: () => Promise<void>;
}

async function start(args: string[], env: Record<string, string>): Promise<Running> {
  const process = runServerProcess(['--listen=127.0.0.1:0', ...args], env);
  const url = await listeningUrl(process);
  await waitReady(url, 60_000);
  return {
    process,
    url,
    stop: async () => {
      process.child.kill('SIGTERM');
      assert.equal(await process.exit, 0, process.stderr());
    },
  };
}

function assertHealthy(output: string): void {
  const readyz = JSON.parse(output) as { status: string; components: Record<string, { status: string }> };
  assert.equal(readyz.status, 'ready');
  for (const [name, component] of Object.entries(readyz.components)) {
    // leader_election reports not_configured while election is off (the guide's default).
    if (name === 'leader_election') assert.equal(component.status, 'not_configured');
    else assert.ok(['up', 'complete', 'healthy'].includes(component.status), `${name}: ${component.status}`);
  }
  assert.deepEqual(Object.keys(readyz.components).sort(), ['database', 'initial_load', 'leader_election', 'plugins']);
}

function assertEightHealthyPlugins(output: string): void {
  const body = JSON.parse(output) as { plugins: { name: string; healthy: boolean }[]; count: number };
  assert.equal(body.count, 8);
  assert.equal(body.plugins.length, 8);
  for (const plugin of body.plugins) assert.equal(plugin.healthy, true, plugin.name);
}

const MCP = '/api/mcp_catalog/v1alpha1';
const SOURCE = { id: 'upgrade-check', name: 'Upgrade check', type: 'yaml', properties: { content: 'mcpservers:\n  - {name: upgrade-probe, serverUrl: "stdio://probe", deploymentMode: local}\n' } };

async function send(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

const databases: { kind: string; skip: string | false; setup: () => Promise<{ args: string[]; cleanup: () => Promise<void> }> }[] = [
  {
    kind: 'pglite data dir',
    skip: false,
    setup: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'catalog-upgrade-'));
      return { args: [`--data-dir=${join(dir, 'data')}`], cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    kind: 'postgres',
    skip: process.env.CATALOG_TEST_DATABASE_URL ? false : 'CATALOG_TEST_DATABASE_URL not set',
    setup: async () => {
      const { url, drop } = await createPostgresTestDatabase(undefined, 'catalog_upgrade');
      return { args: ['--db-type=postgres', `--db-dsn=${url}`], cleanup: drop };
    },
  },
];

for (const database of databases) {
  describe(`upgrade guide, post-upgrade verification [${database.kind}]`, { skip: database.skip }, () => {
    let args: string[];
    let cleanup: () => Promise<void>;
    // Guide "Step 1: Single-Tenant Upgrade (Zero Config Change)", then "Step 2: Enable Multi-Tenant Mode".
    const env = { CATALOG_CONFIG_STORE_MODE: 'db' };
    before(async () => ({ args, cleanup } = await database.setup()));
    after(async () => cleanup());

    test('single mode: steps 1, 2 and 5 hold; data written then is still in default after switching to namespace mode (steps 1 and 3)', async () => {
      const single = await start(args, env);
      try {
        assertHealthy(await guide(single.url, STEP_1));
        assertEightHealthyPlugins(await guide(single.url, STEP_2));

        const applied = await send(single.url, 'POST', `${MCP}/management/apply-source`, SOURCE);
        assert.equal(applied.status, 200, JSON.stringify(applied.json));
        const tagged = await send(single.url, 'POST', `${MCP}/management/entities/upgrade-probe:action`, { action: 'tag', params: { tags: ['before-upgrade'] } });
        assert.equal(tagged.status, 200, JSON.stringify(tagged.json));

        // Step 5: the action just performed is among the newest events.
        const events = JSON.parse(await guide(single.url, STEP_5)) as { events?: any[]; items?: any[] };
        const list = events.events ?? events.items ?? [];
        assert.ok(list.length > 0 && list.length <= 5, JSON.stringify(events));
        assert.ok(list.some((e) => JSON.stringify(e).includes('upgrade-probe') && JSON.stringify(e).includes('tag')), JSON.stringify(list));
        assert.ok(list.some((e) => JSON.stringify(e).includes('upgrade-check')), 'the apply-source event');
      } finally {
        await single.stop();
      }

      const multi = await start(args, { ...env, CATALOG_TENANCY_MODE: 'namespace' });
      try {
        assertHealthy(await guide(multi.url, STEP_1));
        // Step 3, first command: works, and lists what single mode wrote.
        assert.equal(await statusOf(multi.url, STEP_3_OK), 200);
        const listed = JSON.parse(await guide(multi.url, STEP_3_OK)) as { items: { name: string; tags?: string[] }[]; totalSize: number };
        assert.ok(listed.totalSize >= 1);
        const probe = await send(multi.url, 'GET', `${MCP}/mcpservers/upgrade-probe?namespace=default`);
        assert.equal(probe.status, 200);
        assert.deepEqual(probe.json.tags, ['before-upgrade']);
        const sources = await send(multi.url, 'GET', `${MCP}/management/sources?namespace=default`);
        assert.ok(JSON.stringify(sources.json).includes('upgrade-check'), JSON.stringify(sources.json));
        // Step 3, second command: no namespace is a 400 with the guide's message.
        assert.equal(await statusOf(multi.url, STEP_3_FAIL), 400);
        const refused = JSON.parse(await guide(multi.url, STEP_3_FAIL)) as { error: string; message: string };
        assert.match(refused.message, /namespace is required in multi-tenant mode/);
        // Nothing leaked into another namespace.
        const elsewhere = await send(multi.url, 'GET', `${MCP}/mcpservers/upgrade-probe?namespace=team-a`);
        assert.equal(elsewhere.status, 404);
      } finally {
        await multi.stop();
      }
    });
  });
}

describe('upgrade guide, post-upgrade verification [sar mode against the fake Kubernetes API server]', () => {
  let kube: FakeKube;
  let server: Running;
  before(async () => {
    kube = await startFakeKube({ rbac: MULTI_TENANT_RBAC });
    // Guide "Step 3: Enable Authorization": namespace tenancy plus SAR, RBAC from the two-team fixture.
    server = await start(['--data-dir=memory://'], { CATALOG_TENANCY_MODE: 'namespace', CATALOG_AUTHZ_MODE: 'sar', KUBECONFIG: kube.kubeconfigPath });
  });
  after(async () => {
    await server?.stop();
    await kube?.close();
  });

  test('step 1 healthy; step 4: alice lists plugins in team-a (200) and cannot apply a source in team-b (403)', async () => {
    assertHealthy(await guide(server.url, STEP_1));
    assert.equal(await statusOf(server.url, STEP_4_OK), 200);
    assertEightHealthyPlugins(await guide(server.url, STEP_4_OK));
    assert.equal(await statusOf(server.url, STEP_4_DENIED), 403);
    const denied = JSON.parse(await guide(server.url, STEP_4_DENIED)) as { error: string; message: string; requestId: string };
    assert.equal(typeof denied.message, 'string');
    assert.ok(denied.requestId);
  });

  test('step 5: ops-admin reads the audit events, which include the denied apply-source', async () => {
    await guide(server.url, STEP_4_DENIED);
    const body = JSON.parse(await guide(server.url, STEP_5)) as { events?: any[]; items?: any[] };
    const list = body.events ?? body.items ?? [];
    assert.ok(list.length > 0 && list.length <= 5, JSON.stringify(body));
    assert.ok(list.some((e) => JSON.stringify(e).includes('alice') && JSON.stringify(e).includes('team-b')), JSON.stringify(list));
  });
});
