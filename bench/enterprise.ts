/**
 * The enterprise benchmark (`npm run bench:enterprise`, spec 05 §11 item 55): the two-team scenario
 * of the e2e test (packages/server/src/testing/twoTeams) at full size. The built server, `--replicas`
 * processes (default 2) on one PostgreSQL database, in the SAR setup (namespace tenancy,
 * CATALOG_NAMESPACES=team-a,team-b, SubjectAccessReviews answered by the fake Kubernetes API server
 * with the multi-tenant RBAC fixture, in a process of its own); 2 teams × 5 plugins × `--entities` (default 10,000) per plugin;
 * `--users` virtual users (default 20) for `--duration` seconds (default 60), refresh jobs running
 * throughout. Reports p50/p95/p99 of list/get and of discovery against the targets (p95 ≤ 300 ms and
 * ≤ 150 ms), the 5xx count, jobs completed and every violation of the scenario's checks; exits 1 on a
 * 5xx or a violation. Options also: --think <ms> (mean pause between a user's operations, default 100),
 * --warmup <s> (the same load before the measured duration, not measured; default 10).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeTeamDataset } from '../packages/server/src/testing/twoTeams/teamDataset.js';
import { TwoTeamScenario, type LatencySummary } from '../packages/server/src/testing/twoTeams/TwoTeamScenario.js';
import { createBenchDatabase, startFakeKubeProcess, startReplicas } from './harness.js';

const TARGETS = { listGet: 300, discovery: 150 };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entities: { type: 'string', default: '10000' },
      duration: { type: 'string', default: '60' },
      replicas: { type: 'string', default: '2' },
      users: { type: 'string', default: '20' },
      think: { type: 'string', default: '100' },
      warmup: { type: 'string', default: '10' },
    },
  });
  const perPlugin = Number(values.entities);
  const dir = mkdtempSync(join(tmpdir(), 'catalog-bench-enterprise-'));
  const kube = await startFakeKubeProcess();
  const { url: databaseUrl, drop } = await createBenchDatabase();
  try {
    const sources = writeTeamDataset(join(dir, 'data'), perPlugin);
    const env: NodeJS.ProcessEnv = {
      KUBECONFIG: kube.kubeconfigPath, CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: 'team-a,team-b', CATALOG_AUTHZ_MODE: 'sar',
      CATALOG_AUDIT_LOG_DENIED: 'true', CATALOG_DATA_ROOTS: join(dir, 'data'), CATALOG_REFRESH_RATE_LIMIT_SECONDS: '0',
    };
    const replicas = await startReplicas(Number(values.replicas), ['--config-store=db', '--db-type=postgres', `--db-dsn=${databaseUrl}`], env);
    try {
      const scenario = new TwoTeamScenario({
        urls: replicas.map((r) => r.url), perPlugin, durationSeconds: Number(values.duration), warmupSeconds: Number(values.warmup), users: Number(values.users), thinkTimeMs: Number(values.think),
      });
      const loadBegan = performance.now();
      await scenario.load(sources);
      const loadSeconds = Math.round((performance.now() - loadBegan) / 100) / 10;
      const report = await scenario.run();
      const { list, get, discovery } = report.latency;
      const row = (name: string, summary: LatencySummary, target?: number) => ({
        requests: name, count: summary.count, p50: summary.p50, p95: summary.p95, p99: summary.p99,
        target: target === undefined ? '' : `p95 ≤ ${target} ms`, met: target === undefined ? '' : summary.p95 <= target ? 'yes' : 'NO',
      });
      console.table([
        row('list', list, TARGETS.listGet), row('get', get, TARGETS.listGet), row('discovery', discovery, TARGETS.discovery),
        row('write', report.latency.write), row('all', report.latency.all),
      ]);
      console.log(JSON.stringify({
        teams: 2, plugins: 5, perPlugin, entities: 2 * 5 * perPlugin, replicas: replicas.length, users: Number(values.users), thinkTimeMs: Number(values.think),
        durationSeconds: Number(values.duration), warmupSeconds: Number(values.warmup), readySeconds: Math.max(...replicas.map((r) => r.readySeconds)), loadSeconds,
        ...report,
      }, null, 2));
      const violations = Object.values(report.violationCounts).reduce((a, b) => a + b, 0);
      if (report.fiveXx > 0 || violations > 0) process.exitCode = 1;
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
    }
  } finally {
    await drop();
    await kube.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
