/**
 * The catalogs benchmark (`npm run bench:catalogs`): generates N entities for every shipped catalog
 * (default 10,000 each), starts the built server on PGlite and on PostgreSQL, measures the initial
 * load (process start to ready, and the refresh durations the server logs), then drives a filtered
 * list of each catalog (its first select filter field = its first option, pageSize 20) with
 * autocannon at 20 connections and reports p50/p95 from every response time.
 * Options: --per-plugin <n>, --duration <s> (default 5 per plugin), --databases pglite,postgres.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GENERATED_PLUGINS, writeDataset } from './generate.js';
import { createBenchDatabase, load, ROOT, startProcess, stop, waitReady } from './harness.js';

interface PluginSummary {
  name: string;
  capabilitiesV2: { entities: { endpoints: { list: string }; fields: { filterFields: { name: string; type: string; options?: string[] }[] } }[] };
}

async function benchDatabase(database: 'pglite' | 'postgres', dir: string, duration: number) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, CATALOG_LOG_LEVEL: 'info' };
  const args = [join(ROOT, 'packages/server/dist/main.js'), '--listen=127.0.0.1:0', `--sources=${join(dir, 'sources.yaml')}`];
  let drop: (() => Promise<void>) | undefined;
  if (database === 'pglite') args.push(`--data-dir=${join(dir, 'data')}`);
  else ({ url: env.DATABASE_DSN, drop } = await createBenchDatabase());

  const began = performance.now();
  const server = await startProcess(process.execPath, args, env);
  const msToReady = Math.round(await waitReady(server.url, began));
  const { plugins } = (await (await fetch(`${server.url}/api/plugins`)).json()) as { plugins: PluginSummary[] };
  const rows: Record<string, unknown>[] = [];
  for (const plugin of plugins) {
    const entity = plugin.capabilitiesV2.entities[0];
    const field = entity.fields.filterFields.find((f) => f.type === 'select' && f.options?.length);
    const filterQuery = field ? `${field.name} = '${field.options![0]}'` : "name LIKE '%a%'";
    const url = `${server.url}${entity.endpoints.list}?pageSize=20&filterQuery=${encodeURIComponent(filterQuery)}`;
    const first = (await (await fetch(url)).json()) as { totalSize: number };
    await load(url, 2);
    rows.push({ database, plugin: plugin.name, filterQuery, matches: first.totalSize, ...(await load(url, duration)) });
  }
  await stop(server.child);
  await drop?.();
  return { msToReady, rows };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'per-plugin': { type: 'string', default: '10000' },
      duration: { type: 'string', default: '5' },
      databases: { type: 'string', default: 'pglite,postgres' },
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'catalog-bench-'));
  try {
    const perPlugin = Number(values['per-plugin']);
    writeDataset(dir, { plugins: GENERATED_PLUGINS, perPlugin, seed: 1, namespaces: 1, filesPerSource: 'auto', format: 'yaml' });
    const summary: Record<string, unknown>[] = [];
    const lists: Record<string, unknown>[] = [];
    for (const database of values.databases!.split(',') as ('pglite' | 'postgres')[]) {
      const result = await benchDatabase(database, dir, Number(values.duration));
      summary.push({ database, entities: perPlugin * result.rows.length, msProcessStartToReady: result.msToReady });
      lists.push(...result.rows);
      rmSync(join(dir, 'data'), { recursive: true, force: true });
    }
    console.table(summary);
    console.table(lists.map((r) => ({ ...r, p50: Number(r.p50).toFixed(1), p95: Number(r.p95).toFixed(1) })));
    process.stdout.write(`${JSON.stringify({ perPlugin, connections: 20, initialLoad: summary, lists })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
