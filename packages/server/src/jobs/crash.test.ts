import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase } from '../db/openDatabase.js';
import { listeningUrl, runServerProcess, waitReady, type ServerProcess } from '../testing/serverProcess.js';

/**
 * A real server on a PGlite data directory is SIGKILLed while a refresh job writes a large source
 * (spec 04 §13.2, 05 §5.4): the previous entities survive intact, and after the restart the job is
 * recovered (its interrupted attempt counted) and completes.
 */
const OLD = 1_000;
const NEW = 20_000;
const MCP = '/api/mcp_catalog/v1alpha1';
const quiet = { info: () => undefined, warn: () => undefined };

function servers(count: number, prefix: string): string {
  const lines = ['mcpservers:'];
  for (let i = 0; i < count; i++) lines.push(`  - {name: ${prefix}-${i}, serverUrl: "https://${prefix}-${i}.example.com/mcp", deploymentMode: remote}`);
  return `${lines.join('\n')}\n`;
}

let dir: string;
let server: ServerProcess | undefined;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'catalog-crash-'));
  writeFileSync(join(dir, 'sources.yaml'), 'catalogs:\n  mcp:\n    sources:\n      - {id: big, name: Big, type: yaml, properties: {yamlCatalogPath: big.yaml, watch: false}}\n');
  writeFileSync(join(dir, 'big.yaml'), servers(OLD, 'old'));
});
after(() => {
  server?.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const start = () => runServerProcess(
  ['--listen=127.0.0.1:0', `--data-dir=${join(dir, 'data')}`, `--sources=${join(dir, 'sources.yaml')}`, '--config-store=file'],
  { POD_NAME: 'crash-replica', CATALOG_REFRESH_RATE_LIMIT_SECONDS: '0', CATALOG_JOB_RETRY_BACKOFF_SECONDS: '0' },
);

test('SIGKILL in the middle of a refresh job keeps the old data; the job is recovered and completes', { timeout: 240_000 }, async () => {
  server = start();
  let url = await listeningUrl(server);
  await waitReady(url, 60_000);
  const total = async () => (await (await fetch(`${url}${MCP}/mcpservers?pageSize=1`)).json() as { totalSize: number }).totalSize;
  assert.equal(await total(), OLD);

  writeFileSync(join(dir, 'big.yaml'), servers(NEW, 'new'));
  const enqueued = await fetch(`${url}${MCP}/management/refresh/big`, { method: 'POST' });
  assert.equal(enqueued.status, 202);
  const { jobId } = (await enqueued.json()) as { jobId: string };
  // A job read that stalls once the job runs means the worker is mid-refresh: parsing (which holds
  // the event loop) or writing (the transaction holds PGlite's one connection). Kill then. On a busy
  // machine the worker may claim the job and start parsing between two reads, so a read that stalls
  // twice in a row while the job was last seen queued counts too: nothing else here takes that long.
  let lastState = '';
  let stalls = 0;
  for (;;) {
    const response = await fetch(`${url}/api/jobs/v1alpha1/refresh/${jobId}`, { signal: AbortSignal.timeout(300) }).catch(() => undefined);
    if (!response) {
      if (lastState === 'running' || ++stalls >= 2) break;
      continue;
    }
    stalls = 0;
    const job = (await response.json()) as { state: string };
    assert.notEqual(job.state, 'succeeded', 'the refresh finished before it could be interrupted');
    lastState = job.state;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  server.child.kill('SIGKILL');
  await server.exit;

  const database = await openDatabase({ type: 'pglite', dataDir: join(dir, 'data') }, quiet);
  try {
    const names = await database.db.selectFrom('catalog_entities').select('name').where('source_id', '=', 'big').execute();
    assert.equal(names.length, OLD, 'no half-applied refresh');
    assert.ok(names.every((r) => r.name.startsWith('old-')));
    const job = await database.db.selectFrom('refresh_jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    assert.equal(job.state, 'running');
    assert.equal(job.claimed_by, 'crash-replica');
  } finally {
    await database.close();
  }

  server = start();
  url = await listeningUrl(server);
  const deadline = Date.now() + 120_000;
  let job: { state: string; attemptCount: number; message?: string } = { state: '', attemptCount: 0 };
  while (Date.now() < deadline) {
    const response = await fetch(`${url}/api/jobs/v1alpha1/refresh/${jobId}`).catch(() => undefined);
    if (response?.status === 200) {
      job = (await response.json()) as typeof job;
      if (job.state === 'succeeded' || job.state === 'failed') break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(job.state, 'succeeded', job.message);
  assert.equal(job.attemptCount, 2, 'the interrupted attempt counts');
  await waitReady(url, 60_000);
  assert.equal(await total(), NEW);
  server.child.kill('SIGTERM');
  assert.equal(await server.exit, 0);
  server = undefined;
});
