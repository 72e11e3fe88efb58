import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeEachDatabase } from '../testing/databases.js';
import { partsPlugin, partsYaml } from '../testing/partsPlugin.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';

/** Spec 04 §5.9–5.10, §13.8, §16.4 with jobs disabled: synchronous refresh, rate limit, source action. */
const M = '/api/parts_catalog/v1alpha1/management';
const SOURCES = `catalogs:
  parts:
    sources:
      - {id: a, name: A, type: yaml, properties: {yamlCatalogPath: a.yaml}}
      - {id: b, name: B, type: yaml, properties: {yamlCatalogPath: b.yaml}}
      - {id: off, name: Off, type: yaml, enabled: false, properties: {yamlCatalogPath: b.yaml}}
`;

const json = (r: { body: string }) => JSON.parse(r.body) as Record<string, any>;

describeEachDatabase('synchronous refresh and rate limit', (kind) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      kind,
      plugins: [partsPlugin],
      files: { 'sources.yaml': SOURCES, 'a.yaml': partsYaml(3, 'a'), 'b.yaml': partsYaml(2, 'b') },
      env: { CATALOG_JOB_ENABLED: 'false' },
    });
  });
  after(() => t?.close());

  test('refresh answers 200 RefreshResult, then 429 with Retry-After within the window (04 §18 #35)', async () => {
    const first = await t.inject({ method: 'POST', url: `${M}/refresh/a` });
    assert.equal(first.statusCode, 200);
    const result = json(first);
    assert.equal(result.sourceId, 'a');
    assert.equal(result.entitiesLoaded, 3);
    assert.ok(Number.isInteger(result.duration) && Number.isInteger(result.durationMs));
    assert.equal(result.unchanged, true, 'the initial load already applied this content');
    assert.equal(result.entitiesRemoved, 0);

    const second = await t.inject({ method: 'POST', url: `${M}/refresh/a` });
    assert.equal(second.statusCode, 429);
    const retryAfter = Number(second.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 30, `Retry-After ${retryAfter}`);
    assert.deepEqual({ ...json(second), requestId: undefined }, {
      error: 'too_many_requests', message: `rate limited, retry after ${retryAfter} seconds`, retryAfterSeconds: retryAfter, requestId: undefined,
    });
  });

  test('the limit is per source: refresh-all and another source are not limited (04 §18 #36)', async () => {
    const other = await t.inject({ method: 'POST', url: `${M}/refresh/b` });
    assert.equal(other.statusCode, 200);
    const all = await t.inject({ method: 'POST', url: `${M}/refresh` });
    assert.equal(all.statusCode, 200);
    const result = json(all);
    assert.equal(result.sourceId, undefined);
    assert.deepEqual(result.sources.map((s: { sourceId: string }) => s.sourceId), ['a', 'b']);
    assert.equal(result.entitiesLoaded, 5);
    assert.equal((await t.inject({ method: 'POST', url: `${M}/refresh` })).statusCode, 429);
  });

  test('unknown and disabled sources: 404 and 409 before the rate limit (04 §18 #39)', async () => {
    const missing = await t.inject({ method: 'POST', url: `${M}/refresh/nope` });
    assert.equal(missing.statusCode, 404);
    assert.equal(json(missing).message, 'source "nope" not found');
    const disabled = await t.inject({ method: 'POST', url: `${M}/refresh/off` });
    assert.equal(disabled.statusCode, 409);
    assert.equal(json(disabled).message, 'source "off" is disabled');
    assert.equal((await t.inject({ method: 'POST', url: `${M}/refresh/a?force=maybe` })).statusCode, 400);
  });

  test('the jobs API is not registered (05 §11 #46)', async () => {
    assert.equal((await t.inject('/api/jobs/v1alpha1/refresh')).statusCode, 404);
  });

  test('apply with refreshAfterApply false refreshes in the background in-process (05 §5.9)', async () => {
    const applied = await t.inject({
      method: 'POST', url: `${M}/apply-source`, headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ id: 'later', name: 'Later', type: 'yaml', refreshAfterApply: false, properties: { content: partsYaml(2, 'later') } }),
    });
    assert.equal(applied.statusCode, 200, applied.body);
    assert.equal(json(applied).status.state, 'loading');
    const state = async () => (json(await t.inject(`${M}/sources`)).sources as { id: string; status: { state: string } }[]).find((s) => s.id === 'later')!.status.state;
    for (let i = 0; i < 100 && (await state()) === 'loading'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await state(), 'available');
  });
});

describeEachDatabase('refresh results and the source action', (kind) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      kind,
      plugins: [partsPlugin],
      files: { 'sources.yaml': SOURCES, 'a.yaml': partsYaml(3, 'a'), 'b.yaml': partsYaml(2, 'b') },
      env: { CATALOG_JOB_ENABLED: 'false', CATALOG_REFRESH_RATE_LIMIT_SECONDS: '0' },
    });
  });
  after(() => t?.close());

  test('unchanged data is unchanged; force reloads (04 §18 #37)', async () => {
    const plain = json(await t.inject({ method: 'POST', url: `${M}/refresh/a` }));
    assert.equal(plain.unchanged, true);
    assert.equal(plain.entitiesRemoved, 0);
    const forced = json(await t.inject({ method: 'POST', url: `${M}/refresh/a?force=true` }));
    assert.equal(forced.unchanged, false);
    assert.equal(forced.entitiesLoaded, 3);
  });

  test('a removed entry is deleted; a corrupt file keeps the entities and reports error (04 §18 #40, #41)', async () => {
    writeFileSync(join(t.dir, 'a.yaml'), partsYaml(2, 'a'));
    const removed = json(await t.inject({ method: 'POST', url: `${M}/refresh/a` }));
    assert.equal(removed.entitiesRemoved, 1);
    assert.equal(removed.entitiesLoaded, 2);
    writeFileSync(join(t.dir, 'a.yaml'), 'parts: [ {name: x\n');
    const broken = await t.inject({ method: 'POST', url: `${M}/refresh/a` });
    assert.equal(broken.statusCode, 200);
    assert.match(json(broken).error, /a\.yaml/);
    const list = json(await t.inject('/api/parts_catalog/v1alpha1/parts?pageSize=100'));
    assert.equal(list.items.filter((p: { sourceId: string }) => p.sourceId === 'a').length, 2);
  });

  test('rejected items are reported as rejectedCount, ingestErrors and itemErrors', async () => {
    writeFileSync(join(t.dir, 'b.yaml'), 'parts:\n  - {name: good, material: steel}\n  - {name: bad, material: plastic}\n');
    const result = json(await t.inject({ method: 'POST', url: `${M}/refresh/b` }));
    assert.equal(result.entitiesLoaded, 1);
    assert.equal(result.rejectedCount, 1);
    assert.equal(result.ingestErrors.length, 1);
    assert.match(result.itemErrors[0], /^b\.yaml:3:/);
  });
});

describeEachDatabase('source action refresh (04 §16.4)', (kind) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      kind,
      plugins: [partsPlugin],
      files: { 'sources.yaml': SOURCES, 'a.yaml': partsYaml(3, 'a'), 'b.yaml': partsYaml(2, 'b') },
    });
  });
  after(() => t?.close());

  test('refreshes synchronously (even with jobs enabled), then is rate limited (04 §18 #53)', async () => {
    const done = await t.inject({ method: 'POST', url: `${M}/sources/a:action`, payload: { action: 'refresh' } });
    assert.equal(done.statusCode, 200);
    const body = json(done);
    assert.equal(body.status, 'completed');
    assert.equal(body.message, 'Refreshed source a');
    assert.equal(body.data.entitiesLoaded, 3);
    const again = await t.inject({ method: 'POST', url: `${M}/sources/a:action`, payload: { actionId: 'refresh' } });
    assert.equal(again.statusCode, 429);
  });

  test('dispatch errors: dry run, unknown action, unknown and disabled sources (04 §16.2, §18 #50)', async () => {
    const dry = await t.inject({ method: 'POST', url: `${M}/sources/b:action`, payload: { action: 'refresh', dryRun: true } });
    assert.equal(dry.statusCode, 400);
    assert.equal(json(dry).message, 'action "refresh" does not support dry-run');
    const unknown = await t.inject({ method: 'POST', url: `${M}/sources/b:action`, payload: { action: 'tag' } });
    assert.equal(json(unknown).message, 'unknown action "tag" for scope "source"');
    const missing = await t.inject({ method: 'POST', url: `${M}/sources/nope:action`, payload: { action: 'refresh' } });
    assert.equal(missing.statusCode, 404);
    assert.equal(json(missing).message, 'source "nope" not found');
    const disabled = await t.inject({ method: 'POST', url: `${M}/sources/off:action`, payload: { action: 'refresh' } });
    assert.equal(disabled.statusCode, 409);
    assert.equal((await t.inject({ method: 'POST', url: `${M}/sources/b:action`, payload: '[1]', headers: { 'content-type': 'application/json' } })).statusCode, 400);
    assert.equal((await t.inject({ method: 'POST', url: `${M}/sources/b:frobnicate`, payload: {} })).statusCode, 404);
  });

  test('a failed refresh is status error with HTTP 200', async () => {
    writeFileSync(join(t.dir, 'b.yaml'), 'parts: [ {name: x\n');
    const failed = await t.inject({ method: 'POST', url: `${M}/sources/b:action`, payload: { action: 'refresh' } });
    assert.equal(failed.statusCode, 200);
    assert.equal(json(failed).status, 'error');
    assert.match(json(failed).message, /^Refresh of source b failed: /);
  });
});

describeEachDatabase('the rate limit is per namespace (04 §18 #36)', (kind) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      kind,
      plugins: [partsPlugin],
      files: { 'sources.yaml': SOURCES, 'a.yaml': partsYaml(3, 'a'), 'b.yaml': partsYaml(2, 'b') },
      env: { CATALOG_JOB_ENABLED: 'false', CATALOG_TENANCY_MODE: 'namespace' },
    });
  });
  after(() => t?.close());

  test('team-a is not limited by default', async () => {
    assert.equal((await t.inject({ method: 'POST', url: `${M}/refresh?namespace=default` })).statusCode, 200);
    assert.equal((await t.inject({ method: 'POST', url: `${M}/refresh?namespace=team-a` })).statusCode, 200);
    assert.equal((await t.inject({ method: 'POST', url: `${M}/refresh?namespace=default` })).statusCode, 429);
    assert.equal((await t.inject({ method: 'POST', url: `${M}/refresh/a?namespace=team-a` })).statusCode, 404, 'default\'s sources do not exist in team-a');
  });
});
