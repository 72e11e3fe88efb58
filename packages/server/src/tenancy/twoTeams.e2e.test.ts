import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MULTI_TENANT_RBAC, startFakeKube, type FakeKube } from '@catalog/fake-kube';
import { createPostgresTestDatabase } from '../testing/databases.js';
import { listeningUrl, runServerProcess, waitReady, type ServerProcess } from '../testing/serverProcess.js';
import { writeTeamDataset } from '../testing/twoTeams/teamDataset.js';
import { TwoTeamScenario, type ScenarioReport } from '../testing/twoTeams/TwoTeamScenario.js';

/*
 * Spec 05 §11 item 55, the Phase 8 exit criterion: in the SAR setup, team-a (alice) and team-b
 * (carol) work concurrently for 30 s on the reduced dataset (2 tenants × 5 plugins × 1000 assets,
 * 20 virtual users). Two replica processes on PostgreSQL when CATALOG_TEST_DATABASE_URL is set,
 * otherwise one on PGlite. The workload and its checks are testing/twoTeams/TwoTeamScenario.ts.
 */
const PER_PLUGIN = 1000;
const DURATION_SECONDS = 30;
const postgres = Boolean(process.env.CATALOG_TEST_DATABASE_URL);

describe(`two teams, concurrently [${postgres ? 'postgres, 2 replicas' : 'pglite, 1 replica'}]`, () => {
  let dir: string;
  let kube: FakeKube;
  let dropDatabase: () => Promise<void> = async () => undefined;
  const replicas: ServerProcess[] = [];
  let report: ScenarioReport;

  before(async () => {
    const began = Date.now();
    dir = mkdtempSync(join(tmpdir(), 'catalog-two-teams-'));
    kube = await startFakeKube({ rbac: MULTI_TENANT_RBAC });
    const sources = writeTeamDataset(join(dir, 'data'), PER_PLUGIN);
    let databaseArgs = ['--data-dir=memory://'];
    if (postgres) {
      const database = await createPostgresTestDatabase(undefined, 'catalog_two_teams');
      dropDatabase = database.drop;
      databaseArgs = ['--db-type=postgres', `--db-dsn=${database.url}`];
    }
    const env = {
      KUBECONFIG: kube.kubeconfigPath,
      CATALOG_TENANCY_MODE: 'namespace',
      CATALOG_NAMESPACES: 'team-a,team-b',
      CATALOG_AUTHZ_MODE: 'sar',
      CATALOG_AUDIT_LOG_DENIED: 'true',
      CATALOG_DATA_ROOTS: join(dir, 'data'),
      // The scenario refreshes back to back on purpose.
      CATALOG_REFRESH_RATE_LIMIT_SECONDS: '0',
    };
    for (let i = 0; i < (postgres ? 2 : 1); i++) {
      replicas.push(runServerProcess(['--listen=127.0.0.1:0', '--config-store=db', ...databaseArgs], { ...env, POD_NAME: `replica-${i}` }));
    }
    const urls = await Promise.all(replicas.map((replica) => listeningUrl(replica, 60_000)));
    await Promise.all(urls.map((url) => waitReady(url, 120_000)));
    const scenario = new TwoTeamScenario({ urls, perPlugin: PER_PLUGIN, durationSeconds: DURATION_SECONDS, users: 20 });
    await scenario.load(sources);
    const setupSeconds = (Date.now() - began) / 1000;
    report = await scenario.run();
    console.log(JSON.stringify({ setupSeconds, ...report }));
  });

  after(async () => {
    for (const replica of replicas) if (replica.child.exitCode === null) replica.child.kill('SIGTERM');
    await Promise.all(replicas.map((replica) => replica.exit));
    await kube?.close();
    await dropDatabase();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the teams did real work: paged lists, completed refresh jobs, audited mutations and denials', () => {
    assert.ok(report.requests >= 300, `${report.requests} requests`);
    assert.ok(report.pagedLists >= 10, `${report.pagedLists} lists paged through`);
    assert.ok(report.jobsCompleted >= 4, `${report.jobsCompleted} refresh jobs completed`);
    assert.ok(report.mutationsAudited >= 100, `${report.mutationsAudited} mutations`);
    assert.ok(report.deniedReadsAudited >= 10, `${report.deniedReadsAudited} denied reads`);
  });

  test('(a) isolation: no name, id or request id of one team in any response to the other; cross-team reads are 404 or absent', () => {
    assert.deepEqual(report.violations.isolation, [], `${report.violationCounts.isolation} isolation violations`);
  });

  test('(b) RBAC positive: every operation a team is granted succeeds', () => {
    assert.deepEqual(report.violations.rbacPositive, [], `${report.violationCounts.rbacPositive} granted operations failed`);
  });

  test('(c) RBAC negative: alice in team-b, carol in team-a, victor\'s writes and all of mallory are 403, each denied write with a denied event', () => {
    assert.deepEqual(report.violations.rbacNegative, [], `${report.violationCounts.rbacNegative} violations`);
  });

  test('(d) stable under refresh load: no 5xx, pages without duplicates or gaps, one audit event per mutation in its namespace, p95 ≤ 1 s', () => {
    assert.equal(report.fiveXx, 0, JSON.stringify(report.statuses));
    assert.deepEqual(report.violations.stability, [], `${report.violationCounts.stability} violations`);
    assert.ok(report.latency.all.p95 <= 1000, `p95 ${report.latency.all.p95} ms`);
  });
});
