import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createPostgresTestDatabase } from '../testing/databases.js';
import { partsPlugin, partsYaml } from '../testing/partsPlugin.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';

/**
 * Spec 04 §8.8 and 05 §7.3: with leader election on, reconcile writes (refreshes, entity removal,
 * revisions, external-change events), file-change refreshes and periodic syncs run on the leader
 * only; followers update their runtime view. A change reconciled while no replica led is converged
 * by the replica that leads next. Leadership is scripted here; the electors have their own tests.
 */
const M = '/api/parts_catalog/v1alpha1/management';
type Json = Record<string, any>;
const json = (r: { body: string }) => JSON.parse(r.body) as Json;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

const partsOf = async (server: TestServer, sourceId: string) =>
  (json(await server.inject('/api/parts_catalog/v1alpha1/parts?pageSize=100')).items as Json[]).filter((i) => i.sourceId === sourceId).map((i) => i.name as string).sort();
const sourceIds = async (server: TestServer) => (json(await server.inject(`${M}/sources`)).sources as Json[]).map((s) => s.id as string).sort();
/** Whether this replica ever refreshed the source (the metric is per process). */
const refreshedHere = async (server: TestServer, sourceId: string) =>
  (await server.inject('/metrics')).body.split('\n').some((line) => line.startsWith('catalog_source_last_refresh_timestamp_seconds{') && line.includes(`source="${sourceId}"`));

const source = (id: string) => `      - {id: ${id}, name: ${id}, type: yaml, properties: {yamlCatalogPath: ${id}.yaml}}\n`;
const documentOf = (...ids: string[]) => `catalogs:\n  parts:\n    sources:\n${ids.map(source).join('')}`;

describe('reconcile writes on the leader only', { skip: process.env.CATALOG_TEST_DATABASE_URL ? false : 'CATALOG_TEST_DATABASE_URL not set' }, () => {
  let database: { url: string; drop: () => Promise<void> };
  let admin: pg.Client;
  const leads = { a: true, b: false };
  const servers: Record<'a' | 'b', TestServer> = {} as Record<'a' | 'b', TestServer>;

  before(async () => {
    database = await createPostgresTestDatabase();
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    const files = { 'sources.yaml': documentOf('kept', 'doomed'), ...Object.fromEntries(['kept', 'doomed', 'added', 'late'].map((id) => [`${id}.yaml`, partsYaml(2, id)])) };
    for (const name of ['a', 'b'] as const) {
      servers[name] = await startTestServer({
        kind: 'postgres', databaseUrl: database.url, plugins: [partsPlugin], files, args: ['--config-store=db'],
        env: { POD_NAME: `replica-${name}`, CATALOG_CONFIG_RECONCILE_INTERVAL_SECONDS: '1', CATALOG_SHUTDOWN_TIMEOUT_SECONDS: '1' },
        leadership: { runsSingletonTasks: () => leads[name] },
      });
    }
  });
  after(async () => {
    for (const server of Object.values(servers)) await server.close();
    await admin?.end();
    await database?.drop();
  });

  /** An edit of the `db` store by hand, as `psql` would make it. */
  const editStore = (text: string) => admin.query(`UPDATE catalog_config_sections SET document = $1 WHERE namespace = 'default'`, [text]);

  test('the leader refreshes, removes and records an external change once; the follower only follows', async () => {
    const { a, b } = servers;
    await editStore(documentOf('kept', 'added'));
    for (const server of [a, b]) assert.ok(await eventually(async () => (await sourceIds(server)).join() === 'added,kept'), 'both runtime views follow the store');
    assert.ok(await eventually(async () => (await partsOf(b, 'added')).length === 2), 'the leader loaded the added source');
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM catalog_entities WHERE source_id = 'doomed'`);
    assert.equal(rows[0].n, 0, 'the leader removed the entities of the removed source');
    assert.equal(await refreshedHere(a, 'added'), true);
    assert.equal(await refreshedHere(b, 'added'), false, 'the follower did not refresh');
    await sleep(2_500); // past the announcement grace, after which an unannounced removal is recorded
    const body = json(await a.inject('/api/audit/v1alpha1/events?eventType=config.external_change&pageSize=100'));
    const events = (body.events ?? body.items) as Json[];
    assert.deepEqual(events.map((e) => e.resourceIds[0]).sort(), ['added', 'doomed'], 'one event per changed source, from the leader alone');
    const revisions = (json(await b.inject(`${M}/sources/added/revisions`)).revisions as Json[]);
    assert.deepEqual(revisions.map((r) => r.action), ['external']);
  });

  test('a change reconciled while no replica leads is converged by the next leader', async () => {
    const { a, b } = servers;
    leads.a = false;
    await editStore(documentOf('kept', 'added', 'late'));
    for (const server of [a, b]) assert.ok(await eventually(async () => (await sourceIds(server)).includes('late')));
    await sleep(2_000);
    assert.deepEqual(await partsOf(a, 'late'), [], 'no replica loaded it while none led');
    leads.b = true;
    assert.ok(await eventually(async () => (await partsOf(a, 'late')).length === 2), 'the new leader converged the change it had followed');
    assert.equal(await refreshedHere(b, 'late'), true);
    assert.equal(await refreshedHere(a, 'late'), false);
  });
});

test('file-change refreshes run on the leader only', async () => {
  let leading = false;
  const t = await startTestServer({
    kind: 'pglite', plugins: [partsPlugin],
    files: { 'sources.yaml': documentOf('watched'), 'watched.yaml': partsYaml(1, 'before') },
    leadership: { runsSingletonTasks: () => leading },
  });
  try {
    const names = async () => (await partsOf(t, 'watched')).join();
    assert.equal(await names(), 'before-0');
    writeFileSync(join(t.dir, 'watched.yaml'), partsYaml(1, 'edited'));
    await sleep(6_000); // more than one 5 s check
    assert.equal(await names(), 'before-0', 'a follower leaves the refresh to the leader');
    writeFileSync(join(t.dir, 'watched.yaml'), partsYaml(1, 'again'));
    leading = true;
    assert.ok(await eventually(async () => (await names()) === 'again-0', 12_000), 'the leader refreshes the changed file');
  } finally {
    await t.close();
  }
});
