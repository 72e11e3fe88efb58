/**
 * The model catalog benchmark (`npm run bench:models`): generates 10,000 models × 5 artifacts over
 * five sources, starts the built server on PGlite and on PostgreSQL, and measures with autocannon at
 * 20 connections the p95 of `GET /models?filterQuery=…&orderBy=ACCURACY` and of
 * `GET /models/filter_options` (targets on PostgreSQL: 50 ms and 100 ms), then the same list with a
 * distinct query per request, which no response or count cache can answer (20 connections, then 20
 * sequential requests): the honest cost of the query path.
 * Options: --models <n>, --artifacts <n>, --sources <n>, --duration <s>, --databases pglite,postgres.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateModelDocument } from './generators/model.js';
import { createBenchDatabase, load, ROOT, startProcess, stop, waitReady } from './harness.js';

const BASE = '/api/model_catalog/v1alpha1';
export const MODEL_FILTER = "tasks='text-generation' AND artifacts.hardware_type='H100'";

function writeModelDataset(dir: string, models: number, artifacts: number, sources: number): void {
  const per = Math.ceil(models / sources);
  const entries: string[] = [];
  mkdirSync(join(dir, 'models'), { recursive: true });
  for (let s = 0; s < sources; s++) {
    const count = Math.max(0, Math.min(per, models - s * per));
    writeFileSync(join(dir, 'models', `part-${s + 1}.json`), generateModelDocument({ count, offset: s * per, artifactsPerModel: artifacts, seed: 1 }));
    entries.push(`      - {id: bench-models-${s + 1}, name: Bench models ${s + 1}, type: yaml, properties: {yamlCatalogPath: models/part-${s + 1}.json}}`);
  }
  writeFileSync(join(dir, 'sources.yaml'), `catalogs:\n  models:\n    sources:\n${entries.join('\n')}\n`);
}

/** Readiness does not wait for every source; the measurement starts once all models are served. */
async function waitLoaded(url: string, models: number): Promise<number> {
  for (;;) {
    const { totalSize } = (await (await fetch(`${url}${BASE}/models?pageSize=1`)).json()) as { totalSize: number };
    if (totalSize >= models) return totalSize;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function benchDatabase(database: 'pglite' | 'postgres', dir: string, duration: number, models: number) {
  // Generated documents exceed the default per-document limit; info level carries the `server listening` line the harness waits for.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, CATALOG_LOG_LEVEL: 'info', CATALOG_MAX_SOURCE_BYTES: String(256 * 1024 * 1024) };
  const args = [join(ROOT, 'packages/server/dist/main.js'), '--listen=127.0.0.1:0', `--sources=${join(dir, 'sources.yaml')}`];
  let drop: (() => Promise<void>) | undefined;
  if (database === 'pglite') args.push(`--data-dir=${join(dir, 'data')}`);
  else ({ url: env.DATABASE_DSN, drop } = await createBenchDatabase());
  const began = performance.now();
  const server = await startProcess(process.execPath, args, env);
  try {
    const msToReady = Math.round(await waitReady(server.url, began));
    const urls = {
      'models?filterQuery&orderBy=ACCURACY': `${server.url}${BASE}/models?orderBy=ACCURACY&sortOrder=DESC&filterQuery=${encodeURIComponent(MODEL_FILTER)}`,
      'models/filter_options': `${server.url}${BASE}/models/filter_options`,
    };
    const total = await waitLoaded(server.url, models);
    const msToLoaded = Math.round(performance.now() - began);
    const rows: Record<string, unknown>[] = [];
    for (const [endpoint, url] of Object.entries(urls)) {
      await load(url, 2);
      rows.push({ database, endpoint, ...(await load(url, duration)) });
    }
    // Every request below is a distinct query (a never-matching name condition with a counter), so
    // neither the list answer cache nor the count cache can answer it: the cost of the query path.
    let nonce = 0;
    const listPath = new URL(urls['models?filterQuery&orderBy=ACCURACY']);
    const uncachedPath = () => {
      const query = new URLSearchParams(listPath.search);
      query.set('filterQuery', `${MODEL_FILTER} AND name != 'bench-nonce-${++nonce}'`);
      return `${listPath.pathname}?${query}`;
    };
    await load(server.url, 2, {}, uncachedPath);
    rows.push({ database, endpoint: 'models?filterQuery&orderBy=ACCURACY, uncached', ...(await load(server.url, duration, {}, uncachedPath)) });
    const sequential: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await (await fetch(`${server.url}${uncachedPath()}`)).json();
      sequential.push(performance.now() - started);
    }
    sequential.sort((a, b) => a - b);
    rows.push({ database, endpoint: 'models?filterQuery&orderBy=ACCURACY, uncached, sequential', p50: sequential[10], p95: sequential[19], requests: sequential.length });
    return { msToReady, msToLoaded, total, rows };
  } finally {
    await stop(server.child);
    await drop?.();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string', default: '10000' },
      artifacts: { type: 'string', default: '5' },
      sources: { type: 'string', default: '5' },
      duration: { type: 'string', default: '10' },
      databases: { type: 'string', default: 'postgres,pglite' },
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'catalog-bench-models-'));
  try {
    writeModelDataset(dir, Number(values.models), Number(values.artifacts), Number(values.sources));
    const summary: Record<string, unknown>[] = [];
    const rows: Record<string, unknown>[] = [];
    for (const database of values.databases!.split(',') as ('pglite' | 'postgres')[]) {
      const result = await benchDatabase(database, dir, Number(values.duration), Number(values.models));
      summary.push({ database, models: result.total, msProcessStartToReady: result.msToReady, msProcessStartToAllLoaded: result.msToLoaded });
      rows.push(...result.rows);
      rmSync(join(dir, 'data'), { recursive: true, force: true });
    }
    console.table(summary);
    console.table(rows.map((r) => ({ ...r, p50: Number(r.p50).toFixed(1), p95: Number(r.p95).toFixed(1) })));
    process.stdout.write(`${JSON.stringify({ models: Number(values.models), artifactsPerModel: Number(values.artifacts), connections: 20, summary, rows })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
