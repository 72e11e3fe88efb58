import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { createPostgresTestDatabase, describeEachDatabase } from './testing/databases.js';
import { startTestServer, type TestServer } from './testing/testServer.js';
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

/** The HTTP status of the same request (its curl part, before any `| python3 …`), which the guide's `curl -s` does not print. */
async function statusOf(url: string, command: string): Promise<number> {
  const curl = command.split(' | ')[0];
  const { stdout } = await run('bash', ['-c', `${curl.replaceAll(GUIDE_HOST, url)} -o /dev/null -w '%{http_code}'`], { timeout: 20_000 });
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

/** Guide step 1 (05 §11 #2): 200, database up, initial load complete, plugins healthy; election off by default. */
async function assertHealthy(url: string): Promise<void> {
  assert.equal(await statusOf(url, STEP_1), 200);
  const readyz = JSON.parse(await guide(url, STEP_1)) as { status: string; components: Record<string, { status: string }> };
  assert.equal(readyz.status, 'ready');
  const statuses = Object.fromEntries(Object.entries(readyz.components).map(([name, component]) => [name, component.status]));
  assert.deepEqual(statuses, { database: 'up', initial_load: 'complete', plugins: 'healthy', leader_election: 'not_configured' });
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
        await assertHealthy(single.url);
        assert.equal(await statusOf(single.url, STEP_2), 200);
        assertEightHealthyPlugins(await guide(single.url, STEP_2));

        const applied = await send(single.url, 'POST', `${MCP}/management/apply-source`, SOURCE);
        assert.equal(applied.status, 200, JSON.stringify(applied.json));
        const tagged = await send(single.url, 'POST', `${MCP}/management/entities/upgrade-probe:action`, { action: 'tag', params: { tags: ['before-upgrade'] } });
        assert.equal(tagged.status, 200, JSON.stringify(tagged.json));

        // Step 5 (05 §11 #6): 200, at most 5 events, newest first; the action just performed is the newest.
        assert.equal(await statusOf(single.url, STEP_5), 200);
        const list = (JSON.parse(await guide(single.url, STEP_5)) as { events: { action: string; resourceIds?: string[]; metadata?: { actionId?: string }; createdAt: string }[] }).events;
        assert.ok(list.length > 0 && list.length <= 5, JSON.stringify(list));
        assert.deepEqual([list[0].action, list[0].resourceIds, list[0].metadata?.actionId], ['execute-action', ['upgrade-probe'], 'tag']);
        assert.deepEqual([list[1].action, list[1].resourceIds], ['apply-source', ['upgrade-check']]);
        const times = list.map((e) => e.createdAt);
        assert.deepEqual(times, [...times].sort().reverse());
      } finally {
        await single.stop();
      }

      const multi = await start(args, { ...env, CATALOG_TENANCY_MODE: 'namespace' });
      try {
        await assertHealthy(multi.url);
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
        assert.equal(refused.error, 'bad_request');
        assert.ok(refused.message.startsWith('namespace is required in multi-tenant mode'), refused.message);
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
    server = await start(['--data-dir=memory://', '--config-store=db'], {
      CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: 'team-a,team-b', CATALOG_AUTHZ_MODE: 'sar', KUBECONFIG: kube.kubeconfigPath,
    });
  });
  after(async () => {
    await server?.stop();
    await kube?.close();
  });

  test('step 1 healthy; step 4: alice lists plugins in team-a (200) and cannot apply a source in team-b (403)', async () => {
    await assertHealthy(server.url);
    assert.equal(await statusOf(server.url, STEP_4_OK), 200);
    assertEightHealthyPlugins(await guide(server.url, STEP_4_OK));
    assert.equal(await statusOf(server.url, STEP_4_DENIED), 403);
    const denied = JSON.parse(await guide(server.url, STEP_4_DENIED)) as { error: string; message: string; requestId: string };
    assert.equal(denied.error, 'forbidden');
    assert.equal(denied.message, 'insufficient permissions for catalogsources/create in namespace team-b');
    assert.ok(denied.requestId);
  });

  test('step 5: after alice\'s apply in team-a, ops-admin (ClusterRoleBinding) reads it as the newest event at cluster scope', async () => {
    const alice = { 'x-remote-user': 'alice', 'x-remote-group': 'team-a-engineers', 'x-request-id': 'guide-step-5' };
    const applied = await send(server.url, 'POST', `${MCP}/management/apply-source?namespace=team-a`, SOURCE, alice);
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    assert.equal(await statusOf(server.url, STEP_5), 200);
    const list = (JSON.parse(await guide(server.url, STEP_5)) as { events: { requestId: string; namespace: string; actor: string; outcome: string; createdAt: string }[] }).events;
    assert.ok(list.length > 0 && list.length <= 5, JSON.stringify(list));
    assert.deepEqual([list[0].requestId, list[0].namespace, list[0].actor, list[0].outcome], ['guide-step-5', 'team-a', 'alice', 'success']);
    const times = list.map((e) => e.createdAt);
    assert.deepEqual(times, [...times].sort().reverse());
  });
});

describeEachDatabase('upgrade guide defaults table: no enterprise variable set (05 §11 #1)', (kind) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ kind, env: {} });
  });
  after(() => t?.close());

  test('single tenancy, authz none, async refresh, cached discovery, audited mutations, no leader election', async () => {
    const whoami = JSON.parse((await t.inject('/api/authz/v1alpha1/whoami')).body);
    assert.deepEqual([whoami.tenancyMode, whoami.authzMode], ['single', 'none']);

    const refresh = await t.inject({ method: 'POST', url: `${MCP}/management/refresh/mcp-samples`, headers: { 'x-request-id': 'defaults-refresh' } });
    assert.equal(refresh.statusCode, 202, refresh.body);
    assert.equal(JSON.parse(refresh.body).status, 'queued');

    const plugins = await t.inject('/api/plugins');
    assert.ok(['HIT', 'MISS'].includes(String(plugins.headers['x-cache'])), `X-Cache: ${plugins.headers['x-cache']}`);

    const tag = await t.inject({ method: 'POST', url: `${MCP}/management/entities/cluster-ops-mcp:action`, headers: { 'content-type': 'application/json', 'x-request-id': 'defaults-tag' }, payload: { action: 'tag', params: { tags: ['x'] } } });
    assert.equal(tag.statusCode, 200, tag.body);
    for (const requestId of ['defaults-refresh', 'defaults-tag']) {
      const events = JSON.parse((await t.inject(`/api/audit/v1alpha1/events?requestId=${requestId}`)).body).events as { outcome: string }[];
      assert.deepEqual(events.map((e) => e.outcome), ['success'], requestId);
    }

    const readyz = JSON.parse((await t.inject('/readyz')).body);
    assert.deepEqual(readyz.components.leader_election, { status: 'not_configured' });
  });
});
