import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { ControlledOrigin } from '../testing/controlledOrigin.js';
import { createPostgresTestDatabase } from '../testing/databases.js';
import { flippablePlugin, partsYaml, untilPartsHealthIs } from '../testing/partsPlugin.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';

/**
 * Several replicas on one PostgreSQL database (spec 05 §11 #40, #50, #54): exclusive claims,
 * LISTEN/NOTIFY cache invalidation, and a job handed over at shutdown.
 */
const M = '/api/parts_catalog/v1alpha1/management';
const JOBS = '/api/jobs/v1alpha1/refresh';
const json = (r: { body: string }) => JSON.parse(r.body) as Record<string, any>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SOURCE_COUNT = 30;

describe('replicas on one PostgreSQL database', { skip: process.env.CATALOG_TEST_DATABASE_URL ? false : 'CATALOG_TEST_DATABASE_URL not set' }, () => {
  const servers: TestServer[] = [];
  const origin = new ControlledOrigin();
  let database: { url: string; drop: () => Promise<void> };
  const files: Record<string, string> = {};
  const { plugin, health } = flippablePlugin();

  before(async () => {
    await origin.start();
    origin.body = partsYaml(2, 'remote');
    database = await createPostgresTestDatabase();
    const lines = ['catalogs:', '  parts:', '    sources:'];
    for (let i = 0; i < SOURCE_COUNT; i++) {
      lines.push(`      - {id: s${i}, name: S${i}, type: yaml, properties: {yamlCatalogPath: s${i}.yaml}}`);
      files[`s${i}.yaml`] = partsYaml(2, `s${i}`);
    }
    lines.push(`      - {id: slow, name: Slow, type: http, properties: {url: "${origin.url}"}}`);
    files['sources.yaml'] = `${lines.join('\n')}\n`;
    // One after the other: the first migrates, the others find nothing to apply.
    for (const name of ['replica-1', 'replica-2', 'replica-3']) {
      servers.push(await startTestServer({
        kind: 'postgres',
        databaseUrl: database.url,
        plugins: [plugin],
        files,
        env: { POD_NAME: name, CATALOG_REFRESH_RATE_LIMIT_SECONDS: '0', CATALOG_SHUTDOWN_TIMEOUT_SECONDS: '1', CATALOG_JOB_POLL_INTERVAL_SECONDS: '1' },
      }));
    }
  });
  after(async () => {
    for (const server of servers) await server.close();
    await origin.close();
    await database?.drop();
  });

  test('30 jobs enqueued across three replicas each run exactly once (05 §11 #40)', async () => {
    // Counts every write of a refresh-status row from here on.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`
      CREATE TABLE test_status_writes (source_id text NOT NULL);
      CREATE FUNCTION test_count_status_write() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO test_status_writes VALUES (NEW.source_id); RETURN NEW; END $$;
      CREATE TRIGGER test_count_status_write AFTER INSERT OR UPDATE ON catalog_refresh_status
        FOR EACH ROW EXECUTE FUNCTION test_count_status_write();`);
    try {
      const ids: string[] = [];
      for (let i = 0; i < SOURCE_COUNT; i++) {
        const response = await servers[i % 3].inject({ method: 'POST', url: `${M}/refresh/s${i}?force=true` });
        assert.equal(response.statusCode, 202);
        ids.push(json(response).jobId);
      }
      const deadline = Date.now() + 60_000;
      let jobs: Record<string, any>[] = [];
      while (Date.now() < deadline) {
        jobs = json(await servers[0].inject(`${JOBS}?pageSize=100`)).jobs.filter((j: { id: string }) => ids.includes(j.id));
        if (jobs.length === SOURCE_COUNT && jobs.every((j) => j.state === 'succeeded' || j.state === 'failed')) break;
        await sleep(200);
      }
      assert.equal(jobs.length, SOURCE_COUNT);
      for (const job of jobs) {
        assert.equal(job.state, 'succeeded', job.message);
        assert.equal(job.attemptCount, 1);
      }
      const started = servers.flatMap((s) => s.logs.filter((l) => l.msg === 'refresh job started' && ids.includes(String(l.jobId))));
      assert.equal(started.length, SOURCE_COUNT, 'every job started exactly once');
      const { rows } = await client.query<{ source_id: string; writes: number }>('SELECT source_id, count(*)::int AS writes FROM test_status_writes GROUP BY source_id ORDER BY source_id');
      assert.equal(rows.length, SOURCE_COUNT);
      assert.deepEqual(rows.filter((r) => r.writes !== 1), [], 'one refresh-status update per job');
    } finally {
      await client.query('DROP TRIGGER test_count_status_write ON catalog_refresh_status; DROP FUNCTION test_count_status_write(); DROP TABLE test_status_writes');
      await client.end();
    }
  });

  test('a change on one replica makes the other\'s discovery a MISS within 1 s (05 §11 #50)', async () => {
    await servers[1].inject('/api/plugins');
    assert.equal((await servers[1].inject('/api/plugins')).headers['x-cache'], 'HIT');
    const refreshed = await servers[0].inject({ method: 'POST', url: `${M}/refresh/s0?force=true` });
    const { jobId } = json(refreshed);
    const deadline = Date.now() + 20_000;
    while (json(await servers[0].inject(`${JOBS}/${jobId}`)).state !== 'succeeded' && Date.now() < deadline) await sleep(50);
    await sleep(1_000);
    assert.equal((await servers[1].inject('/api/plugins')).headers['x-cache'], 'MISS');
  });

  test('after an apply on one replica the other\'s next discovery is a MISS within 1 s (05 §11 #50)', async () => {
    await servers[1].inject('/api/plugins');
    assert.equal((await servers[1].inject('/api/plugins')).headers['x-cache'], 'HIT');
    const applied = await servers[0].inject({
      method: 'POST', url: `${M}/apply-source`, headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ id: 'applied', name: 'Applied', type: 'yaml', properties: { content: partsYaml(1, 'applied') } }),
    });
    assert.equal(applied.statusCode, 200, applied.body);
    const answered = Date.now();
    let cache: unknown;
    while ((cache = (await servers[1].inject('/api/plugins')).headers['x-cache']) === 'HIT' && Date.now() - answered < 1_000) await sleep(25);
    assert.equal(cache, 'MISS', 'no invalidation reached the other replica within 1 s');
  });

  test('a plugin whose health flips is reflected in every replica\'s discovery within 5 s (05 §11 #50)', async () => {
    for (const server of servers) {
      await server.inject('/api/plugins');
      assert.equal((await server.inject('/api/plugins')).headers['x-cache'], 'HIT');
    }
    health.healthy = false;
    try {
      const elapsed = await Promise.all(servers.map((server) => untilPartsHealthIs(server, false)));
      assert.ok(elapsed.every((ms) => ms <= 5_500), `${elapsed.join(', ')} ms`);
    } finally {
      health.healthy = true;
    }
  });

  test('a job running past the shutdown timeout is re-queued unchanged and completed by another replica (05 §11 #54)', async () => {
    origin.holding = true;
    const { jobId } = json(await servers[2].inject({ method: 'POST', url: `${M}/refresh/slow?force=true` }));
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const claimed = async () => (await client.query<{ state: string; claimed_by: string | null; attempt_count: number }>('SELECT state, claimed_by, attempt_count FROM refresh_jobs WHERE id = $1', [jobId])).rows[0];
      let row = await claimed();
      for (let i = 0; i < 100 && row.state !== 'running'; i++) {
        await sleep(50);
        row = await claimed();
      }
      assert.equal(row.state, 'running');
      const holder = servers.findIndex((s) => s.logs.some((l) => l.msg === 'refresh job started' && l.jobId === jobId));
      const [stopped] = servers.splice(holder, 1);
      await stopped.close();
      row = await claimed();
      assert.ok(row.state === 'queued' || row.claimed_by !== `replica-${holder + 1}`, `job is ${row.state} on ${row.claimed_by}`);
      origin.release();
      const deadline = Date.now() + 20_000;
      while ((row = await claimed()).state !== 'succeeded' && Date.now() < deadline) await sleep(100);
      assert.equal(row.state, 'succeeded');
      assert.equal(row.attempt_count, 1, 'the interrupted attempt was not counted');
    } finally {
      await client.end();
    }
  });
});
