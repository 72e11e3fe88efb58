import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPostgresTestDatabase } from '../testing/databases.js';
import { partsPlugin, partsYaml } from '../testing/partsPlugin.js';
import { ANNOUNCEMENT_GRACE_MS } from './SourceManager.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';

/**
 * Spec 05 §7.1 `catalog_config_changed`: a configuration write on one replica makes the other
 * reconcile that namespace at once, although its reconcile interval is an hour; the write is not
 * mistaken there for an external change (no `external` revision, no `config.external_change` event).
 */
const M = '/api/parts_catalog/v1alpha1/management';
const LIST = '/api/parts_catalog/v1alpha1/parts?pageSize=100';
type Json = Record<string, any>;
const json = (r: { body: string }) => JSON.parse(r.body) as Json;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('configuration changes across replicas', { skip: process.env.CATALOG_TEST_DATABASE_URL ? false : 'CATALOG_TEST_DATABASE_URL not set' }, () => {
  const servers: TestServer[] = [];
  let database: { url: string; drop: () => Promise<void> };

  before(async () => {
    database = await createPostgresTestDatabase();
    const files = {
      'sources.yaml': 'catalogs:\n  parts:\n    sources:\n      - {id: base, name: Base, type: yaml, properties: {yamlCatalogPath: base.yaml}}\n',
      'base.yaml': partsYaml(1, 'base'),
    };
    for (const name of ['replica-1', 'replica-2']) {
      servers.push(await startTestServer({
        kind: 'postgres',
        databaseUrl: database.url,
        plugins: [partsPlugin],
        files,
        args: ['--config-store=db'],
        env: { POD_NAME: name, CATALOG_CONFIG_RECONCILE_INTERVAL_SECONDS: '3600', CATALOG_SHUTDOWN_TIMEOUT_SECONDS: '1' },
      }));
    }
  });
  after(async () => {
    for (const server of servers) await server.close();
    await database?.drop();
  });

  const partsOf = async (server: TestServer, sourceId: string) =>
    (json(await server.inject(LIST)).items as Json[]).filter((item) => item.sourceId === sourceId).map((item) => item.name as string).sort();
  const waitFor = async (check: () => Promise<boolean>, timeoutMs = 2_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) return false;
      await sleep(25);
    }
    return true;
  };

  test('apply and disable on one replica show on the other within 2 s', async () => {
    const [a, b] = servers;
    const applied = await a.inject({
      method: 'POST', url: `${M}/apply-source`, headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ id: 'added', name: 'Added', type: 'yaml', properties: { content: partsYaml(2, 'added') } }),
    });
    assert.equal(applied.statusCode, 200, applied.body);
    assert.ok(await waitFor(async () => (json(await b.inject(`${M}/sources`)).sources as Json[]).some((s) => s.id === 'added')), 'replica 2 lists the applied source');
    assert.deepEqual(await partsOf(b, 'added'), ['added-0', 'added-1']);

    const disabled = await a.inject({ method: 'POST', url: `${M}/sources/added/enable`, headers: { 'content-type': 'application/json' }, payload: '{"enabled": false}' });
    assert.equal(disabled.statusCode, 200);
    assert.ok(await waitFor(async () => (json(await b.inject(`${M}/sources`)).sources as Json[]).find((s) => s.id === 'added')?.enabled === false));

    const revisions = json(await b.inject(`${M}/sources/added/revisions`));
    assert.deepEqual((revisions.revisions as Json[]).map((r) => r.action), ['disable', 'apply'], 'no external revision recorded by replica 2');
    const external = servers.flatMap((s) => s.logs.filter((l) => l.msg === 'configuration changed outside the API; reconciled'));
    assert.ok(external.length > 0, 'replica 2 reconciled on the notification');
    const events = json(await b.inject('/api/audit/v1alpha1/events?pageSize=100'));
    assert.equal((events.events ?? events.items ?? []).filter((e: Json) => e.eventType === 'config.external_change').length, 0);
  });

  test('a delete on one replica removes the source on the other without an external-change event', async () => {
    const [a, b] = servers;
    const applied = await a.inject({
      method: 'POST', url: `${M}/apply-source`, headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ id: 'doomed', name: 'Doomed', type: 'yaml', properties: { content: partsYaml(1, 'doomed') } }),
    });
    assert.equal(applied.statusCode, 200, applied.body);
    assert.ok(await waitFor(async () => (await partsOf(b, 'doomed')).length === 1), 'replica 2 serves the applied source');

    const deleted = await a.inject({ method: 'DELETE', url: `${M}/sources/doomed` });
    assert.equal(deleted.statusCode, 200, deleted.body);
    assert.ok(await waitFor(async () => !(json(await b.inject(`${M}/sources`)).sources as Json[]).some((s) => s.id === 'doomed')), 'replica 2 drops the deleted source');
    assert.deepEqual(await partsOf(b, 'doomed'), []);
    const reconciled = b.logs.filter((l) => l.msg === 'configuration changed outside the API; reconciled' && (l.changed as string[] | undefined)?.includes('parts/doomed'));
    assert.ok(reconciled.length > 0, 'replica 2 reconciled the delete on the notification');
    const events = json(await b.inject('/api/audit/v1alpha1/events?pageSize=100'));
    assert.equal((events.events ?? events.items ?? []).filter((e: Json) => e.eventType === 'config.external_change').length, 0);
  });

  test('concurrent applies of different sources on both replicas all succeed: conflicts are per source', async () => {
    const [a, b] = servers;
    const ids = Array.from({ length: 16 }, (_, i) => `parallel-${i}`);
    const responses = await Promise.all(ids.map((id, i) => (i % 2 === 0 ? a : b).inject({
      method: 'POST', url: `${M}/apply-source`, headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ id, name: id, type: 'yaml', properties: { content: partsYaml(1, id) }, refreshAfterApply: false }),
    })));
    assert.deepEqual(responses.map((r) => r.statusCode), ids.map(() => 200), responses.map((r) => r.body).join('\n'));
    for (const server of servers) {
      assert.ok(await waitFor(async () => {
        const listed = new Set((json(await server.inject(`${M}/sources`)).sources as Json[]).map((s) => s.id as string));
        return ids.every((id) => listed.has(id));
      }, 5_000), 'every applied source is in the stored document');
    }
    // The same source applied from both replicas at once with the same precondition: one wins, the other is a 409.
    const source = (json(await a.inject(`${M}/sources`)).sources as Json[]).find((s) => s.id === 'parallel-0')!;
    const contested = await Promise.all([a, b].map((server, i) => server.inject({
      method: 'POST', url: `${M}/apply-source`, headers: { 'content-type': 'application/json', 'if-match': `"${source.version as string}"` },
      payload: JSON.stringify({ id: 'parallel-0', name: `renamed by ${i}`, type: 'yaml', properties: { content: partsYaml(1, 'parallel-0') }, refreshAfterApply: false }),
    })));
    assert.deepEqual(contested.map((r) => r.statusCode).sort(), [200, 409], contested.map((r) => r.body).join('\n'));
  });

  test('a delete the other replica\'s own reconcile sees before the announcement is not an external change; one never announced is', async () => {
    // Replica 2 reconciles every second; replica 1's announcements go out only when the test releases them.
    const own = await createPostgresTestDatabase();
    let holding = false;
    const held: (() => void)[] = [];
    const files = { 'sources.yaml': 'catalogs:\n  parts:\n    sources: []\n' };
    const pair: TestServer[] = [];
    try {
      for (const [name, interval] of [['replica-1', '3600'], ['replica-2', '1']] as const) {
        pair.push(await startTestServer({
          kind: 'postgres', databaseUrl: own.url, plugins: [partsPlugin], files, args: ['--config-store=db'],
          env: { POD_NAME: name, CATALOG_CONFIG_RECONCILE_INTERVAL_SECONDS: interval, CATALOG_SHUTDOWN_TIMEOUT_SECONDS: '1' },
          overrides: { holdConfigAnnouncement: (publish) => (holding ? held.push(publish) : publish()) },
        }));
      }
      const [a, b] = pair;
      const externalEvents = async () => {
        const events = json(await b.inject('/api/audit/v1alpha1/events?pageSize=100'));
        return ((events.events ?? events.items ?? []) as Json[]).filter((e) => e.eventType === 'config.external_change').map((e) => e.resourceIds);
      };
      const listsSource = async (id: string) => (json(await b.inject(`${M}/sources`)).sources as Json[]).some((s) => s.id === id);
      for (const id of ['late', 'silent']) {
        const applied = await a.inject({
          method: 'POST', url: `${M}/apply-source`, headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ id, name: id, type: 'yaml', properties: { content: partsYaml(1, id) } }),
        });
        assert.equal(applied.statusCode, 200, applied.body);
        assert.ok(await waitFor(() => listsSource(id)), `replica 2 lists ${id}`);
      }

      holding = true;
      assert.equal((await a.inject({ method: 'DELETE', url: `${M}/sources/late` })).statusCode, 200);
      // Replica 2's periodic reconcile drops the source while the announcement is still held back...
      assert.ok(await waitFor(async () => !(await listsSource('late')), 10_000), 'replica 2 reconciled the delete on its own');
      assert.equal(held.length, 1);
      // ...and the announcement, arriving within the grace, marks it as the API delete it was.
      held.shift()!();
      await sleep(ANNOUNCEMENT_GRACE_MS + 500);
      assert.deepEqual(await externalEvents(), []);

      // A delete no replica ever announces is, after the grace, an external change: recorded once.
      assert.equal((await a.inject({ method: 'DELETE', url: `${M}/sources/silent` })).statusCode, 200);
      assert.ok(await waitFor(async () => !(await listsSource('silent')), 10_000));
      await sleep(ANNOUNCEMENT_GRACE_MS + 500);
      assert.deepEqual(await externalEvents(), [['silent']]);
    } finally {
      for (const server of pair) await server.close();
      await own.drop();
    }
  });
});

