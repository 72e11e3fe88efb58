import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listeningUrl, runServerProcess as run, waitReady } from './testing/serverProcess.js';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('the catalog-server bin', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'catalog-bin-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--help exits 0 and lists the flags', async () => {
    const r = run(['--help']);
    assert.equal(await r.exit, 0);
    for (const flag of ['--listen', '--sources', '--db-type', '--db-dsn', '--data-dir', '--config-store']) assert.ok(r.stdout().includes(flag), flag);
  });

  test('usage errors exit 2 naming the value', async () => {
    const mysql = run(['--db-type=mysql']);
    assert.equal(await mysql.exit, 2);
    assert.match(mysql.stderr(), /unsupported database type "mysql" \(supported: pglite, postgres\)/);
    const jobs = run([], { CATALOG_JOB_CONCURRENCY: 'abc' });
    assert.equal(await jobs.exit, 2);
    assert.match(jobs.stderr(), /invalid value "abc" for CATALOG_JOB_CONCURRENCY: expected a positive integer/);
  });

  test('sar mode without Kubernetes access exits 1, never silently open', async () => {
    const r = run(['--listen=127.0.0.1:0', '--data-dir=memory://'], { CATALOG_AUTHZ_MODE: 'sar' });
    assert.equal(await r.exit, 1);
    assert.match(r.stderr(), /CATALOG_AUTHZ_MODE=sar requires Kubernetes access \(in-cluster configuration or KUBECONFIG\)/);
  });

  test('the Lease backend without Kubernetes access exits 1 before the listener binds (spec 05 §7.3)', async () => {
    const r = run(['--listen=127.0.0.1:0', '--data-dir=memory://'], { CATALOG_LEADER_ELECTION_ENABLED: 'true', CATALOG_LEADER_ELECTION_BACKEND: 'lease' });
    assert.equal(await r.exit, 1);
    assert.match(r.stderr(), /CATALOG_LEADER_ELECTION_BACKEND=lease requires Kubernetes access \(in-cluster configuration or KUBECONFIG\)/);
    assert.doesNotMatch(r.stdout(), /server listening/);
    // The backend's default, too: leader election on without naming a backend means the Lease.
    const byDefault = run(['--listen=127.0.0.1:0', '--data-dir=memory://'], { CATALOG_LEADER_ELECTION_ENABLED: 'true' });
    assert.equal(await byDefault.exit, 1);
    assert.doesNotMatch(byDefault.stdout(), /server listening/);
  });

  test('a missing or invalid sources file exits 1 naming the path', async () => {
    const missing = join(dir, 'nope.yaml');
    const r = run(['--listen=127.0.0.1:0', '--data-dir=memory://', `--sources=${missing}`]);
    assert.equal(await r.exit, 1);
    assert.ok(r.stderr().includes(missing), r.stderr());
    const invalid = join(dir, 'invalid.yaml');
    writeFileSync(invalid, 'catalogs:\n  mcp: [unclosed\n');
    const bad = run(['--listen=127.0.0.1:0', '--data-dir=memory://', `--sources=${invalid}`]);
    assert.equal(await bad.exit, 1);
    assert.match(bad.stderr(), /line \d+, column \d+/);
    const unknown = join(dir, 'unknown.yaml');
    writeFileSync(unknown, 'catalogs: {}\nsurprise: true\n');
    const extra = run(['--listen=127.0.0.1:0', '--data-dir=memory://', `--sources=${unknown}`]);
    assert.equal(await extra.exit, 1);
    assert.ok(extra.stderr().includes(unknown));
  });

  test('an invalid governance or approval policy file exits 1 naming the file (spec 06 §2.1)', async () => {
    const sources = join(dir, 'empty-sources.yaml');
    writeFileSync(sources, 'catalogs: {}\n');
    const policies = join(dir, 'approval-policies.yaml');
    writeFileSync(policies, 'policies:\n  - id: a\n    selector: {riskLevels: [severe]}\n');
    const r = run(['--listen=127.0.0.1:0', '--data-dir=memory://', `--sources=${sources}`], { CATALOG_APPROVAL_POLICIES: policies, CATALOG_GOVERNANCE_CONFIG: join(dir, 'none.yaml') });
    assert.equal(await r.exit, 1);
    assert.ok(r.stderr().includes(`${policies}:3:`), r.stderr());
    const governance = join(dir, 'governance.yaml');
    writeFileSync(governance, 'environments: [dev, prod]\nprotectedEnvironments: [stage]\n');
    const g = run(['--listen=127.0.0.1:0', '--data-dir=memory://', `--sources=${sources}`], { CATALOG_GOVERNANCE_CONFIG: governance });
    assert.equal(await g.exit, 1);
    assert.ok(g.stderr().includes(governance), g.stderr());
  });

  test('binds a free port, serves, locks its data dir, and shuts down cleanly on SIGTERM', async () => {
    const dataDir = join(dir, 'data');
    const r = run(['--listen=127.0.0.1:0', `--data-dir=${dataDir}`]);
    const url = await listeningUrl(r);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(url, 'http://127.0.0.1:0');
    const live = await fetch(`${url}/livez`);
    assert.equal(live.status, 200);
    await waitReady(url);
    const servers = (await (await fetch(`${url}/api/mcp_catalog/v1alpha1/mcpservers`)).json()) as { totalSize: number };
    assert.ok(servers.totalSize >= 10);

    const second = run(['--listen=127.0.0.1:0', `--data-dir=${dataDir}`]);
    assert.equal(await second.exit, 1);
    assert.match(second.stderr(), /is in use by another catalog-server process/);

    r.child.kill('SIGTERM');
    assert.equal(await r.exit, 0);
  });

  test('with no flags it listens on 127.0.0.1:8080 only', async (t) => {
    if (!(await portIsFree(8080))) return t.skip('port 8080 is in use on this machine');
    const r = run([], { CATALOG_DATA_DIR: 'memory://' });
    try {
      assert.equal(await listeningUrl(r), 'http://127.0.0.1:8080');
    } finally {
      r.child.kill('SIGTERM');
      await r.exit;
    }
  });
});
