/**
 * The two-team benchmark (`npm run bench:twoteams`, spec 05 §11): the built server on PostgreSQL in
 * namespace tenancy, two namespaces each with every generated plugin at `--entities` entities
 * (default 10,000), 20 connections listing MCP servers of both namespaces while one forced refresh
 * job of the other namespace's MCP source runs back to back. Reports p95 list latency and the 5xx
 * count (target 0). Options: --entities <n>, --duration <s> (default 30).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { migrateDatabase, openDatabase } from '../packages/server/src/db/openDatabase.js';
import { GENERATED_PLUGINS, namespaceNames, writeDataset } from './generate.js';
import { createBenchDatabase, startReplicas } from './harness.js';

const quiet = { info: () => undefined, warn: () => undefined };
const MCP = '/api/mcp_catalog/v1alpha1';

/** Stores each namespace's sources document in the database configuration store before the server starts. */
async function seedConfig(url: string, dir: string, namespaces: string[]): Promise<void> {
  const database = await openDatabase({ type: 'postgres', connection: { connectionString: url }, connectTimeoutSeconds: 5 }, quiet);
  try {
    await migrateDatabase(database, { lockEnabled: true, lockBackend: 'advisory', lockTimeoutSeconds: 60, log: quiet });
    await database.db
      .insertInto('catalog_config_sections')
      .values(namespaces.map((namespace) => ({ namespace, document: readFileSync(join(dir, `sources-${namespace}.yaml`), 'utf8') })))
      .execute();
  } finally {
    await database.close();
  }
}

/** Forced refresh jobs of one source, one after another, until `signal` aborts. */
async function refreshContinuously(base: string, namespace: string, signal: AbortSignal): Promise<{ jobs: number; failed: number }> {
  let jobs = 0;
  let failed = 0;
  const headers = { 'x-namespace': namespace };
  while (!signal.aborted) {
    const started = await fetch(`${base}${MCP}/management/refresh/bench-mcp?force=true`, { method: 'POST', headers });
    const body = (await started.json()) as { jobId?: string };
    if (started.status !== 202 || !body.jobId) throw new Error(`refresh answered ${started.status}: ${JSON.stringify(body)}`);
    for (;;) {
      const job = (await (await fetch(`${base}/api/jobs/v1alpha1/refresh/${body.jobId}`, { headers })).json()) as { state: string };
      if (['succeeded', 'failed', 'canceled'].includes(job.state)) {
        jobs++;
        if (job.state !== 'succeeded') failed++;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { jobs, failed };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { entities: { type: 'string', default: '10000' }, duration: { type: 'string', default: '30' } } });
  const perPlugin = Number(values.entities);
  const namespaces = namespaceNames(2);
  const dir = mkdtempSync(join(tmpdir(), 'catalog-bench-twoteams-'));
  const { url: databaseUrl, drop } = await createBenchDatabase();
  try {
    const written = writeDataset(dir, { plugins: GENERATED_PLUGINS, perPlugin, seed: 1, namespaces: 2, filesPerSource: 'auto', format: 'yaml' });
    await seedConfig(databaseUrl, dir, namespaces);
    const env = { CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: namespaces.join(','), CATALOG_REFRESH_RATE_LIMIT_SECONDS: '0' };
    const [server] = await startReplicas(1, [`--sources=${join(dir, 'sources.yaml')}`, '--config-store=db', '--db-type=postgres', `--db-dsn=${databaseUrl}`], env);
    try {
      for (const namespace of namespaces) {
        const listed = (await (await fetch(`${server.url}${MCP}/mcpservers?pageSize=1`, { headers: { 'x-namespace': namespace } })).json()) as { totalSize: number };
        if (listed.totalSize !== perPlugin) throw new Error(`${namespace}: ${listed.totalSize} MCP servers, expected ${perPlugin}`);
      }
      const controller = new AbortController();
      const refreshing = refreshContinuously(server.url, namespaces[1], controller.signal);
      // 20 connections, alternating between the two namespaces' lists.
      const latencies: number[] = [];
      const statuses = new Map<number, number>();
      const instance = autocannon({
        url: server.url,
        connections: 20,
        duration: Number(values.duration),
        requests: namespaces.map((namespace) => ({ method: 'GET', path: `${MCP}/mcpservers?pageSize=20`, headers: { 'x-namespace': namespace } })),
      });
      instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
        latencies.push(responseTime);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      });
      await instance;
      controller.abort();
      const refresh = await refreshing;
      latencies.sort((a, b) => a - b);
      const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
      const fiveXx = [...statuses].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
      console.log(JSON.stringify({
        entities: written.entries, namespaces: namespaces.length, plugins: GENERATED_PLUGINS.length, perPlugin,
        readySeconds: server.readySeconds, requests: latencies.length,
        p50: at(0.5), p95: at(0.95), p99: at(0.99), statuses: Object.fromEntries(statuses), fiveXx, refreshJobs: refresh.jobs, refreshJobsFailed: refresh.failed,
      }, null, 2));
      if (fiveXx > 0) process.exitCode = 1;
    } finally {
      await server.stop();
    }
  } finally {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
