import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ControlledOrigin } from '../testing/controlledOrigin.js';
import { describeEachDatabase } from '../testing/databases.js';
import { partsPlugin, partsYaml } from '../testing/partsPlugin.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';

/** Async refresh jobs end to end (spec 04 §5.9, §13.9; 05 §5, §6): enqueue, run, retry, cancel, list, cache. */
const M = '/api/parts_catalog/v1alpha1/management';
const JOBS = '/api/jobs/v1alpha1/refresh';
const json = (r: { body: string }) => JSON.parse(r.body) as Record<string, any>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(t: TestServer, id: string, states: string[], timeoutMs = 20_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = json(await t.inject(`${JOBS}/${id}`));
    if (states.includes(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} is ${job.state}, expected ${states.join('|')}`);
    await sleep(50);
  }
}
const TERMINAL = ['succeeded', 'failed', 'canceled'];

describeEachDatabase('refresh jobs', (kind) => {
  let t: TestServer;
  const origin = new ControlledOrigin();
  const flaky = new ControlledOrigin();
  before(async () => {
    await origin.start();
    await flaky.start();
    origin.body = partsYaml(2, 'remote');
    flaky.body = partsYaml(1, 'flaky');
    t = await startTestServer({
      kind,
      plugins: [partsPlugin],
      files: {
        'sources.yaml': `catalogs:
  parts:
    sources:
      - {id: a, name: A, type: yaml, properties: {yamlCatalogPath: a.yaml}}
      - {id: broken, name: Broken, type: yaml, properties: {yamlCatalogPath: broken.yaml}}
      - {id: slow, name: Slow, type: http, properties: {url: "${origin.url}"}}
      - {id: flaky, name: Flaky, type: http, properties: {url: "${flaky.url}"}}
`,
        'a.yaml': partsYaml(3, 'a'),
        'broken.yaml': 'parts: [ {name: x\n',
      },
      // One running job per namespace, so a job enqueued behind a held one is observably queued.
      env: { CATALOG_REFRESH_RATE_LIMIT_SECONDS: '0', CATALOG_JOB_RETRY_BACKOFF_SECONDS: '1', CATALOG_JOB_POLL_INTERVAL_SECONDS: '1', CATALOG_JOB_NAMESPACE_CONCURRENCY: '1' },
    });
  });
  after(async () => {
    await t?.close();
    await origin.close();
    await flaky.close();
  });

  test('POST refresh/{id} answers 202 with Location; the job runs once and succeeds (05 §11 #38)', async () => {
    writeFileSync(join(t.dir, 'a.yaml'), partsYaml(4, 'a'));
    const response = await t.inject({ method: 'POST', url: `${M}/refresh/a`, headers: { 'x-remote-user': 'alice' } });
    assert.equal(response.statusCode, 202);
    const body = json(response);
    assert.deepEqual(Object.keys(body).sort(), ['jobId', 'reused', 'status']);
    assert.equal(body.status, 'queued');
    assert.equal(body.reused, false);
    assert.equal(response.headers.location, `${JOBS}/${body.jobId}`);
    const job = await waitFor(t, body.jobId, TERMINAL);
    assert.equal(job.state, 'succeeded');
    assert.equal(job.attemptCount, 1);
    assert.equal(job.maxAttempts, 3);
    assert.equal(job.requestedBy, 'alice');
    assert.equal(job.namespace, 'default');
    assert.equal(job.entitiesLoaded, 4);
    assert.equal(job.entitiesAdded, 1);
    assert.ok(Number.isInteger(job.durationMs));
    assert.equal(job.message, 'Loaded 4 entities, removed 0');
    assert.equal(job.result.sourceId, 'a');
    assert.deepEqual(job.progress, { phase: 'writing', sourcesTotal: 1, sourcesDone: 1 });
  });

  test('a job is seen queued, then running, then succeeded with its counts (05 §11 #38)', async () => {
    origin.holding = true;
    flaky.holding = true;
    try {
      const ahead = json(await t.inject({ method: 'POST', url: `${M}/refresh/slow?force=true` }));
      await waitFor(t, ahead.jobId, ['running']);
      const response = await t.inject({ method: 'POST', url: `${M}/refresh/flaky?force=true` });
      assert.equal(response.statusCode, 202);
      const { jobId } = json(response);
      assert.equal(response.headers.location, `${JOBS}/${jobId}`);
      const queued = json(await t.inject(`${JOBS}/${jobId}`));
      assert.deepEqual([queued.state, queued.attemptCount, queued.startedAt], ['queued', 0, undefined]);
      origin.release();
      await waitFor(t, ahead.jobId, TERMINAL);
      const running = await waitFor(t, jobId, ['running']);
      assert.equal(running.attemptCount, 1);
      flaky.release();
      const job = await waitFor(t, jobId, TERMINAL);
      assert.equal(job.state, 'succeeded', job.message);
      assert.deepEqual([job.attemptCount, job.entitiesLoaded, job.entitiesRemoved], [1, 1, 0]);
      assert.ok(Number.isInteger(job.durationMs) && job.durationMs >= 0);
      assert.ok(job.requestedAt <= job.startedAt && job.startedAt <= job.finishedAt, `${job.requestedAt} ${job.startedAt} ${job.finishedAt}`);
    } finally {
      origin.release();
      flaky.release();
    }
  });

  test('a queued job is canceled before any attempt (05 §11 #42)', async () => {
    origin.holding = true;
    try {
      const ahead = json(await t.inject({ method: 'POST', url: `${M}/refresh/slow?force=true` }));
      await waitFor(t, ahead.jobId, ['running']);
      const { jobId } = json(await t.inject({ method: 'POST', url: `${M}/refresh/a` }));
      assert.equal(json(await t.inject(`${JOBS}/${jobId}`)).state, 'queued');
      const cancel = await t.inject({ method: 'POST', url: `${JOBS}/${jobId}:cancel`, headers: { 'x-remote-user': 'bob' }, payload: { ignored: true } });
      assert.equal(cancel.statusCode, 200, cancel.body);
      assert.deepEqual(json(cancel), { status: 'canceled', jobId });
      origin.release();
      await waitFor(t, ahead.jobId, TERMINAL);
      await sleep(300);
      const job = json(await t.inject(`${JOBS}/${jobId}`));
      assert.deepEqual([job.state, job.attemptCount, job.message], ['canceled', 0, 'Canceled by bob']);
      assert.ok(job.finishedAt);
    } finally {
      origin.release();
    }
  });

  test('five refresh cycles of one source all succeed (05 §11 #39)', async () => {
    for (let i = 0; i < 5; i++) {
      const { jobId, reused } = json(await t.inject({ method: 'POST', url: `${M}/refresh/a` }));
      assert.equal(reused, false);
      const job = await waitFor(t, jobId, TERMINAL);
      assert.equal(job.state, 'succeeded');
      assert.equal(job.message, 'Unchanged: 4 entities');
    }
  });

  test('a source whose data does not parse fails after one attempt; refresh-all reports n of m (04 §18 #38)', async () => {
    const { jobId } = json(await t.inject({ method: 'POST', url: `${M}/refresh/broken` }));
    const job = await waitFor(t, jobId, TERMINAL);
    assert.equal(job.state, 'failed');
    assert.equal(job.attemptCount, 1);
    assert.match(job.message, /^Refresh failed: broken\.yaml/);
    const all = json(await t.inject({ method: 'POST', url: `${M}/refresh` }));
    const allJob = await waitFor(t, all.jobId, TERMINAL);
    assert.equal(allJob.sourceId, '_all');
    assert.equal(allJob.state, 'failed');
    assert.equal(allJob.message, '1 of 4 sources failed');
    assert.equal(allJob.result.sources.length, 4);
    assert.equal(allJob.progress.sourcesDone, 4);
  });

  test('a running job is reused, then canceled without committing data (05 §11 #39, #42)', async () => {
    origin.holding = true;
    origin.body = partsYaml(5, 'changed');
    const first = json(await t.inject({ method: 'POST', url: `${M}/refresh/slow` }));
    await waitFor(t, first.jobId, ['running']);
    const second = json(await t.inject({ method: 'POST', url: `${M}/refresh/slow?force=true` }));
    assert.equal(second.jobId, first.jobId);
    assert.equal(second.reused, true);
    const cancel = await t.inject({ method: 'POST', url: `${JOBS}/${first.jobId}:cancel`, headers: { 'x-remote-user': 'bob' } });
    assert.equal(cancel.statusCode, 200);
    assert.deepEqual(json(cancel), { status: 'canceled', jobId: first.jobId });
    origin.release();
    await sleep(500);
    const job = json(await t.inject(`${JOBS}/${first.jobId}`));
    assert.equal(job.state, 'canceled');
    assert.equal(job.message, 'Canceled by bob');
    const list = json(await t.inject('/api/parts_catalog/v1alpha1/parts?pageSize=100'));
    const names = list.items.filter((p: { sourceId: string }) => p.sourceId === 'slow').map((p: { name: string }) => p.name).sort();
    assert.deepEqual(names, ['remote-0', 'remote-1']);
  });

  test('cancel of a finished, unknown, malformed or foreign job (05 §11 #42)', async () => {
    const { jobId } = json(await t.inject({ method: 'POST', url: `${M}/refresh/a` }));
    await waitFor(t, jobId, TERMINAL);
    const done = await t.inject({ method: 'POST', url: `${JOBS}/${jobId}:cancel` });
    assert.equal(done.statusCode, 409);
    assert.equal(json(done).message, `job "${jobId}" is already succeeded`);
    const unknown = await t.inject({ method: 'POST', url: `${JOBS}/00000000-0000-4000-8000-000000000000:cancel` });
    assert.equal(unknown.statusCode, 404);
    assert.equal(json(unknown).message, 'job "00000000-0000-4000-8000-000000000000" not found');
    assert.equal((await t.inject({ method: 'POST', url: `${JOBS}/not-a-uuid:cancel` })).statusCode, 404);
    assert.equal((await t.inject(`${JOBS}/not-a-uuid`)).statusCode, 404);
  });

  test('a source failing twice then succeeding ends succeeded after 3 attempts, with backoff (05 §11 #41)', async () => {
    flaky.failures = 2;
    const start = flaky.requestTimes.length;
    const { jobId } = json(await t.inject({ method: 'POST', url: `${M}/refresh/flaky?force=true` }));
    const job = await waitFor(t, jobId, TERMINAL, 30_000);
    assert.equal(job.state, 'succeeded', job.message);
    assert.equal(job.attemptCount, 3);
    const times = flaky.requestTimes.slice(start);
    assert.equal(times.length, 3);
    // B = 1 s: attempt 2 after ≥ 0.8 s, attempt 3 after ≥ 1.6 s (× [0.8, 1.2] jitter).
    // Upper bounds: the jittered backoff plus one poll interval (1 s) and some slack for the attempt itself.
    assert.ok(times[1] - times[0] >= 750 && times[1] - times[0] <= 2_700, `first gap ${times[1] - times[0]} ms`);
    assert.ok(times[2] - times[1] >= 1500 && times[2] - times[1] <= 3_900, `second gap ${times[2] - times[1]} ms`);
  });

  test('the list filters, pages and validates (05 §11 #47)', async () => {
    const all = json(await t.inject(`${JOBS}?pageSize=100`));
    assert.ok(all.totalSize >= 10);
    assert.equal(all.size, all.jobs.length);
    assert.equal(all.nextPageToken, '');
    const times = all.jobs.map((j: { requestedAt: string }) => j.requestedAt);
    assert.deepEqual(times, [...times].sort().reverse());
    const byAlice = json(await t.inject(`${JOBS}?requestedBy=alice`));
    assert.equal(byAlice.totalSize, 1);
    const failed = json(await t.inject(`${JOBS}?state=failed&plugin=parts`));
    assert.ok(failed.totalSize >= 2 && failed.totalSize < all.totalSize);
    assert.ok(failed.jobs.every((j: { state: string }) => j.state === 'failed'));
    assert.equal(json(await t.inject(`${JOBS}?plugin=parts`)).totalSize, all.totalSize);
    assert.equal(json(await t.inject(`${JOBS}?plugin=mcp`)).totalSize, 0);
    assert.equal(json(await t.inject(`${JOBS}?state=failed&plugin=mcp`)).totalSize, 0);
    const bySource = json(await t.inject(`${JOBS}?sourceId=broken`));
    assert.ok(bySource.jobs.length >= 1 && bySource.jobs.every((j: { sourceId: string }) => j.sourceId === 'broken'));

    const seen = new Set<string>();
    let token = '';
    for (let page = 0; page < 3; page++) {
      const body = json(await t.inject(`${JOBS}?pageSize=1${token ? `&pageToken=${token}` : ''}`));
      assert.equal(body.jobs.length, 1);
      assert.equal(seen.has(body.jobs[0].id), false);
      seen.add(body.jobs[0].id);
      token = body.nextPageToken;
    }
    assert.equal(json(await t.inject(`${JOBS}?pageSize=500`)).pageSize, 100);
    const badState = await t.inject(`${JOBS}?state=done`);
    assert.equal(badState.statusCode, 400);
    assert.equal(json(badState).message, 'state must be one of queued, running, succeeded, failed, canceled');
    assert.equal((await t.inject(`${JOBS}?pageSize=0`)).statusCode, 400);
    assert.equal((await t.inject(`${JOBS}?pageToken=%25%25%25`)).statusCode, 400);
    assert.equal((await t.inject(`${JOBS}?pageSize=1&pageToken=${token}&plugin=parts`)).statusCode, 400);
  });

  test('discovery is cached, and an async job completion invalidates it (05 §11 #45, #48)', async () => {
    const first = await t.inject('/api/plugins');
    const second = await t.inject('/api/plugins?foo=1');
    assert.equal(second.headers['x-cache'], 'HIT');
    assert.equal(second.body, first.body);
    const { jobId } = json(await t.inject({ method: 'POST', url: `${M}/refresh/a` }));
    await waitFor(t, jobId, TERMINAL);
    assert.equal((await t.inject('/api/plugins')).headers['x-cache'], 'MISS');
    const capabilities = await t.inject('/api/plugins/parts/capabilities');
    assert.equal(capabilities.headers['x-cache'], 'MISS');
    assert.equal((await t.inject('/api/plugins/parts/capabilities')).headers['x-cache'], 'HIT');
    const missing = await t.inject('/api/plugins/nope/capabilities');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers['x-cache'], 'MISS');
    assert.equal((await t.inject('/api/plugins/nope/capabilities')).headers['x-cache'], 'MISS');
  });
});

describeEachDatabase('refresh jobs are namespace-scoped (05 §11 #16, #42)', (kind) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      kind,
      plugins: [partsPlugin],
      files: { 'sources.yaml': 'catalogs:\n  parts:\n    sources:\n      - {id: a, name: A, type: yaml, properties: {yamlCatalogPath: a.yaml}}\n', 'a.yaml': partsYaml(1) },
      env: { CATALOG_TENANCY_MODE: 'namespace', CATALOG_REFRESH_RATE_LIMIT_SECONDS: '0' },
    });
  });
  after(() => t?.close());

  test('a default job is 404 from team-b, absent from its list, and visible at cluster scope', async () => {
    const { jobId } = json(await t.inject({ method: 'POST', url: `${M}/refresh/a?namespace=default` }));
    assert.equal((await waitFor(t, `${jobId}?namespace=default`, TERMINAL)).state, 'succeeded');
    assert.equal((await t.inject(`${JOBS}/${jobId}?namespace=team-b`)).statusCode, 404);
    assert.equal((await t.inject({ method: 'POST', url: `${JOBS}/${jobId}:cancel?namespace=team-b` })).statusCode, 404);
    assert.equal(json(await t.inject(`${JOBS}?namespace=team-b`)).totalSize, 0);
    const cluster = json(await t.inject(JOBS));
    assert.ok(cluster.jobs.some((j: { id: string }) => j.id === jobId));
    assert.equal((await t.inject({ method: 'POST', url: `${M}/refresh/a?namespace=team-b` })).statusCode, 404);
  });
});

describeEachDatabase('a team-b job from team-a (05 §11 #42)', (kind) => {
  let t: TestServer;
  const origin = new ControlledOrigin();
  const PARTS = '/api/parts_catalog/v1alpha1/parts?pageSize=100';
  const as = (namespace: 'team-a' | 'team-b', options: { method?: 'GET' | 'POST'; url: string }) =>
    t.inject({ ...options, headers: { 'x-namespace': namespace, 'x-remote-user': namespace === 'team-a' ? 'alice' : 'carol' } });
  const section = (source: string) => `catalogs:\n  parts:\n    sources:\n      - ${source}\n`;
  before(async () => {
    await origin.start();
    origin.body = partsYaml(1, 'b-old');
    t = await startTestServer({
      kind,
      plugins: [partsPlugin],
      args: ['--config-store=db'],
      files: { 'sources.yaml': 'catalogs:\n  parts:\n    sources: []\n' },
      env: { CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: 'team-a,team-b', CATALOG_REFRESH_RATE_LIMIT_SECONDS: '0', CATALOG_JOB_POLL_INTERVAL_SECONDS: '1' },
      prepare: async (db) => {
        await db.insertInto('catalog_config_sections').values([
          { namespace: 'team-a', document: section(`{id: a-src, name: A, type: yaml, properties: {content: ${JSON.stringify(partsYaml(1, 'a'))}}}`) },
          { namespace: 'team-b', document: section(`{id: b-slow, name: B, type: http, properties: {url: "${origin.url}"}}`) },
        ]).execute();
      },
    });
  });
  after(async () => {
    await t?.close();
    await origin.close();
  });

  test('GET and :cancel of a running team-b job from team-a are 404 with the envelope; the job runs on in team-b, absent from team-a\'s list', async () => {
    assert.deepEqual(json(await as('team-b', { url: PARTS })).items.map((p: { name: string }) => p.name), ['b-old-0']);
    origin.holding = true;
    origin.body = partsYaml(2, 'b-new');
    try {
      const enqueued = await as('team-b', { method: 'POST', url: `${M}/refresh/b-slow?force=true` });
      assert.equal(enqueued.statusCode, 202, enqueued.body);
      const { jobId } = json(enqueued);
      const running = await waitFor(t, `${jobId}?namespace=team-b`, ['running']);

      // The error envelope (00 §5 item 4) plus the request id every error carries: the same answer as an unknown id.
      const notFound = (response: { statusCode: number; headers: Record<string, unknown>; body: string }) => {
        assert.equal(response.statusCode, 404, response.body);
        assert.match(String(response.headers['content-type']), /^application\/json/);
        const { requestId, ...envelope } = json(response);
        assert.deepEqual(envelope, { error: 'not_found', message: `job "${jobId}" not found` });
        assert.equal(typeof requestId, 'string');
      };
      notFound(await as('team-a', { url: `${JOBS}/${jobId}` }));
      notFound(await as('team-a', { method: 'POST', url: `${JOBS}/${jobId}:cancel` }));
      const listA = json(await as('team-a', { url: `${JOBS}?pageSize=100` }));
      assert.equal(listA.totalSize, 0);
      assert.ok(!JSON.stringify(listA).includes(jobId), JSON.stringify(listA));
      // The owner still sees it in its own list, and running, as it was before team-a's cancel.
      const listB = json(await as('team-b', { url: `${JOBS}?pageSize=100` }));
      assert.deepEqual(listB.jobs.map((j: { id: string }) => j.id), [jobId]);
      const after = json(await as('team-b', { url: `${JOBS}/${jobId}` }));
      assert.deepEqual(
        [after.state, after.attemptCount, after.finishedAt, after.message],
        [running.state, running.attemptCount, running.finishedAt, running.message],
      );

      // Had team-a's cancel taken effect, the job would end canceled with the old entities kept (see the running-cancel test).
      origin.release();
      const done = await waitFor(t, `${jobId}?namespace=team-b`, TERMINAL);
      assert.equal(done.state, 'succeeded', done.message);
      assert.deepEqual(json(await as('team-b', { url: PARTS })).items.map((p: { name: string }) => p.name), ['b-new-0', 'b-new-1']);
      assert.deepEqual(json(await as('team-a', { url: PARTS })).items.map((p: { name: string }) => p.name), ['a-0']);
    } finally {
      origin.release();
    }
  });
});
