import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ControlledOrigin } from '../testing/controlledOrigin.js';
import { describeEachDatabase } from '../testing/databases.js';
import { partsPlugin, partsYaml } from '../testing/partsPlugin.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';

/**
 * A job that fetched a source with one configuration while the source was re-configured must not
 * commit the old configuration's data last: before it writes, the job syncs the configuration, and
 * the refresh starts over with the new one (the case of an apply whose refresh reused a running job).
 */
const M = '/api/parts_catalog/v1alpha1/management';
const JOBS = '/api/jobs/v1alpha1/refresh';
const json = (r: { body: string }) => JSON.parse(r.body) as Record<string, any>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeEachDatabase('a configuration change during a refresh job', (kind) => {
  let t: TestServer;
  const before_ = new ControlledOrigin();
  const after_ = new ControlledOrigin();
  before(async () => {
    await before_.start();
    await after_.start();
    before_.body = partsYaml(1, 'first');
    after_.body = partsYaml(2, 'second');
    t = await startTestServer({
      kind,
      plugins: [partsPlugin],
      files: { 'sources.yaml': `catalogs:\n  parts:\n    sources:\n      - {id: moving, name: Moving, type: http, properties: {url: "${before_.url}"}}\n` },
      // No periodic reconcile during the test: only the job's own sync can notice the edit.
      env: { CATALOG_CONFIG_RECONCILE_INTERVAL_SECONDS: '3600', CATALOG_REFRESH_RATE_LIMIT_SECONDS: '0' },
    });
  });
  after(async () => {
    await t?.close();
    await before_.close();
    await after_.close();
  });

  const names = async () => (json(await t.inject('/api/parts_catalog/v1alpha1/parts?pageSize=100')).items as { name: string }[]).map((p) => p.name).sort();

  test('the job refreshes again with the new configuration and its data wins', async () => {
    assert.deepEqual(await names(), ['first-0']);
    before_.holding = true;
    before_.body = partsYaml(1, 'stale');
    const { jobId } = json(await t.inject({ method: 'POST', url: `${M}/refresh/moving` }));
    for (let i = 0; i < 200 && before_.requestTimes.length < 2; i++) await sleep(25);
    assert.equal(before_.requestTimes.length, 2, 'the job is fetching the old location');
    // The source is pointed elsewhere while the job waits for the old location.
    const sources = join(t.dir, 'sources.yaml');
    writeFileSync(sources, readFileSync(sources, 'utf8').replace(before_.url, after_.url));
    before_.release();
    let job: Record<string, any> = {};
    for (let i = 0; i < 400 && !['succeeded', 'failed', 'canceled'].includes(job.state); i++) {
      await sleep(50);
      job = json(await t.inject(`${JOBS}/${jobId}`));
    }
    assert.equal(job.state, 'succeeded', JSON.stringify(job));
    assert.deepEqual(await names(), ['second-0', 'second-1'], 'the new configuration\'s data, not the stale fetch');
    assert.ok(t.logs.some((l) => l.msg === 'source configuration changed during its refresh; refreshing again'));
  });
});
