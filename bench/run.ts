/**
 * The list benchmark of the platform foundation (`npm run bench`):
 *   1. generates 10,000 MCP servers in one namespace,
 *   2. starts the built server (PGlite, then PostgreSQL when a database URL is available) and times
 *      cold start to ready,
 *   3. drives a filtered list (`toolCount > 5 AND deploymentMode = 'remote'`, pageSize 20) with
 *      autocannon at 20 connections and reports p50/p95 computed from every response time,
 *   4. does the same against a bare Fastify route returning a fixed 20-item page (the ceiling).
 * Options: --duration <s> (default 15), --databases pglite,postgres, --entities <n>.
 * PostgreSQL: CATALOG_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), a fresh
 * database is created next to it and dropped afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { generateMcpServers } from './generate.js';
import { createBenchDatabase, load, ROOT, startProcess, stop, waitReady } from './harness.js';

const FILTER = "toolCount > 5 AND deploymentMode = 'remote'";

async function benchServer(database: 'pglite' | 'postgres', dir: string, duration: number) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, CATALOG_LOG_LEVEL: 'info' };
  let drop: (() => Promise<void>) | undefined;
  const args = [join(ROOT, 'packages/server/dist/main.js'), '--listen=127.0.0.1:0', `--sources=${join(dir, 'sources.yaml')}`];
  if (database === 'pglite') args.push(`--data-dir=${join(dir, 'data')}`);
  else ({ url: env.DATABASE_DSN, drop } = await createBenchDatabase());
  const began = performance.now();
  const server = await startProcess(process.execPath, args, env);
  const msToReady = await waitReady(server.url, began);
  const listUrl = `${server.url}/api/mcp_catalog/v1alpha1/mcpservers?pageSize=20&filterQuery=${encodeURIComponent(FILTER)}`;
  const check = (await (await fetch(listUrl)).json()) as { totalSize: number; size: number };
  if (check.size !== 20) throw new Error(`unexpected page: ${JSON.stringify(check).slice(0, 200)}`);
  await load(listUrl, 3); // warm-up
  const result = await load(listUrl, duration);
  await stop(server.child);
  await drop?.();
  return { database, msToListening: Math.round(server.msToListening), msToReady: Math.round(msToReady), matches: check.totalSize, ...result };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '15' },
      databases: { type: 'string', default: 'pglite,postgres' },
      entities: { type: 'string', default: '10000' },
    },
  });
  const duration = Number(values.duration);
  const dir = mkdtempSync(join(tmpdir(), 'catalog-bench-'));
  try {
    writeFileSync(join(dir, 'mcp.yaml'), stringify({ mcpservers: generateMcpServers(Number(values.entities), 1) }));
    writeFileSync(join(dir, 'sources.yaml'), stringify({
      catalogs: { mcp: { sources: [{ id: 'bench-mcp', name: 'Generated MCP servers', type: 'yaml', properties: { yamlCatalogPath: 'mcp.yaml' } }] } },
    }));
    const rows: Record<string, unknown>[] = [];
    for (const database of values.databases!.split(',') as ('pglite' | 'postgres')[]) {
      rows.push({ target: `catalog-server (${database})`, ...(await benchServer(database, dir, duration)) });
      rmSync(join(dir, 'data'), { recursive: true, force: true });
    }
    const bare = await startProcess(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'bench/bareServer.ts')], { PATH: process.env.PATH });
    await load(`${bare.url}/page`, 3);
    rows.push({ target: 'bare fastify (ceiling)', ...(await load(`${bare.url}/page`, duration)) });
    await stop(bare.child);
    console.table(rows);
    process.stdout.write(`${JSON.stringify({ filter: FILTER, entities: Number(values.entities), connections: 20, durationSeconds: duration, results: rows })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
