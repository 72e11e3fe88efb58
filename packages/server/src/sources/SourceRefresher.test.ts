import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CommonEntityFields, definePlugin } from '@catalog/framework';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { DataVersions } from '../cache/DataVersions.js';
import { parseSourcesDocument } from '../config/sourcesDocument.js';
import { PluginRegistry } from '../framework/PluginRegistry.js';
import { IngestWorkerPool } from '../ingest/IngestWorkerPool.js';
import { createMetrics } from '../metrics/metrics.js';
import type { Provider, ProviderRequest } from '../providers/types.js';
import { createTestDatabase, type TestDatabase } from '../testing/databases.js';
import { SourceCatalog } from './SourceCatalog.js';
import { RefreshAborted, SourceRefresher } from './SourceRefresher.js';

const things = definePlugin({
  name: 'things', version: 'v1alpha1', displayName: 'Things', description: 'Things', icon: 'wrench', sourceTypes: ['yaml'],
  entities: [{
    kind: 'Thing', plural: 'things', displayName: 'Thing', description: 'Thing', notFoundPhrase: 'thing',
    schema: Type.Object({ ...CommonEntityFields }), fields: { columns: [], filterFields: [], detailFields: [] },
    uiHints: { icon: 'wrench', nameField: 'name', detailSections: [] }, cliDefaultColumns: [],
  }],
});

let database: TestDatabase;
const signals: AbortSignal[] = [];
/** Never answers; records the signal it was given. `honour` decides whether it stops when aborted. */
let honour = true;
const stuck: Provider = {
  type: 'yaml',
  fetch: ({ signal }: ProviderRequest) => {
    signals.push(signal!);
    return new Promise((_, reject) => {
      if (honour) signal!.addEventListener('abort', () => reject(signal!.reason as Error), { once: true });
    });
  },
};

function refresher(timeoutSeconds: number, seams: { provider?: Provider; ingest?: IngestWorkerPool } = {}) {
  const registry = new PluginRegistry([things], pino({ level: 'silent' }));
  const catalog = new SourceCatalog(registry);
  catalog.setNamespace('default', parseSourcesDocument('catalogs:\n  things:\n    sources:\n      - {id: s, name: S, type: yaml, properties: {path: x.yaml}}\n', 'sources.yaml'));
  const instance = new SourceRefresher({
    db: database.db, registry, catalog, providers: { yaml: seams.provider ?? stuck },
    settings: { maxBytes: 1024, maxItemsPerSource: 10, refreshTimeoutSeconds: timeoutSeconds },
    metrics: createMetrics(), versions: new DataVersions(), log: pino({ level: 'silent' }),
    ingest: seams.ingest ?? new IngestWorkerPool({ moduleOf: () => undefined }),
  });
  return { instance, catalog, plugin: registry.list()[0], source: catalog.sources('default', 'things')[0] };
}

/** An ingest that ends only when stopped, like a very large source; `given` holds the signals it got. */
function endlessIngestPool(): { given: AbortSignal[]; pool: IngestWorkerPool } {
  const given: AbortSignal[] = [];
  const pool = {
    ingest: (_plugin: unknown, _input: unknown, signal: AbortSignal) => {
      given.push(signal);
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('ingest aborted')), { once: true }));
    },
  } as unknown as IngestWorkerPool;
  return { given, pool };
}

const answering: Provider = {
  type: 'yaml',
  fetch: async () => ({ documents: [{ file: 'x.yaml', text: 'things:\n  - name: a\n  - name: b\n', digest: 'd1', provenance: {} }] }),
};
const key = { namespace: 'default', plugin: 'things', sourceId: 's' };
const statusRows = () => database.db.selectFrom('catalog_refresh_status').selectAll().where('plugin', '=', 'things').execute();
const entityNames = async () => (await database.db.selectFrom('catalog_entities').select('name').where('plugin', '=', 'things').execute()).map((r) => r.name);

before(async () => {
  database = await createTestDatabase('pglite');
});
after(() => database.close());

test('withdraw stops the fetch of the named source: its refresh fails with the reason and records nothing', async () => {
  const { instance, plugin, source } = refresher(60);
  const before = await statusRows();
  const running = instance.refresh('default', plugin, source);
  await new Promise((resolve) => setTimeout(resolve, 50));
  instance.withdraw('source disabled', { ...key, plugin: 'other' });
  assert.equal(signals.at(-1)!.aborted, false, 'another source is not touched');
  instance.withdraw('source disabled', key);
  const outcome = await running;
  assert.deepEqual([outcome.status, outcome.error], ['error', 'source disabled']);
  assert.equal(signals.at(-1)!.aborted, true);
  assert.deepEqual(await statusRows(), before, 'the disable set the status; the refresh does not overwrite it');
});

test('withdraw stops a running ingest, and a refresh withdrawn while it writes rolls back', async () => {
  const { given, pool: endlessIngest } = endlessIngestPool();
  const ingesting = refresher(60, { provider: answering, ingest: endlessIngest });
  const running = ingesting.instance.refresh('default', ingesting.plugin, ingesting.source);
  while (given.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  ingesting.instance.withdraw('source deleted', key);
  assert.deepEqual([(await running).status, (await running).error], ['error', 'source deleted']);
  assert.equal(given[0].aborted, true);

  // The delete arrives after the entities are written, before the transaction commits.
  const writing = refresher(60, { provider: answering });
  const outcome = await writing.instance.refresh('default', writing.plugin, writing.source, {
    onPhase: (phase) => {
      if (phase === 'writing') writing.instance.withdraw('source deleted', key);
    },
  });
  assert.deepEqual([outcome.status, outcome.error], ['error', 'source deleted']);
  assert.deepEqual(await entityNames(), [], 'nothing of the deleted source was committed');
  assert.deepEqual(await statusRows(), [], 'no status row for the deleted source');

  // Control: the same refresh, not withdrawn, commits both entities.
  assert.equal((await writing.instance.refresh('default', writing.plugin, writing.source)).status, 'success');
  assert.deepEqual((await entityNames()).sort(), ['a', 'b']);
  await database.db.deleteFrom('catalog_entities').where('plugin', '=', 'things').execute();
  await database.db.deleteFrom('catalog_refresh_status').where('plugin', '=', 'things').execute();
});

test('abortAll (shutdown) ends a refresh even when its provider ignores the signal, and records the reason', async () => {
  honour = false;
  const { instance, plugin, source } = refresher(60);
  const running = instance.refresh('default', plugin, source);
  await new Promise((resolve) => setTimeout(resolve, 50));
  instance.abortAll('server is shutting down');
  assert.equal((await running).error, 'server is shutting down');
  assert.equal((await statusRows())[0]?.last_error, 'server is shutting down');
  await database.db.deleteFrom('catalog_refresh_status').where('plugin', '=', 'things').execute();
  honour = true;
});

test('the refresh timeout aborts the provider signal', async () => {
  const { instance, plugin, source } = refresher(1);
  const outcome = await instance.refresh('default', plugin, source);
  assert.equal(outcome.error, 'refresh timed out after 1s');
  assert.equal(signals.at(-1)!.aborted, true);
});

test('an aborted job stops its ingest: the pool\'s signal aborts with the job\'s, the refresh ends aborted and records nothing', async () => {
  const { given, pool: endlessIngest } = endlessIngestPool();
  const { instance, plugin, source } = refresher(60, { provider: answering, ingest: endlessIngest });
  const before = await statusRows();
  const job = new AbortController();
  const phases: string[] = [];
  const running = instance.refresh('default', plugin, source, { signal: job.signal, onPhase: async (phase) => void phases.push(phase) });
  while (given.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(given[0].aborted, false);
  job.abort();
  await assert.rejects(running, (error: Error) => error instanceof RefreshAborted);
  assert.equal(given[0].aborted, true);
  assert.deepEqual(phases, ['fetching', 'parsing']);
  assert.deepEqual(await statusRows(), before, 'no refresh result was recorded');
});

test('a refresh whose source was re-applied while it ran starts over with the new configuration instead of committing the old', async () => {
  // The provider serves what the source's configuration names, like a file path would.
  const byPath: Provider = {
    type: 'yaml',
    fetch: async ({ source }) => {
      const path = String(source.properties.path);
      return { documents: [{ file: path, text: `things:\n  - name: from-${path.replace('.yaml', '')}\n`, digest: path, provenance: {} }] };
    },
  };
  const { instance, catalog, plugin, source } = refresher(60, { provider: byPath });
  const phases: string[] = [];
  const outcome = await instance.refresh('default', plugin, source, {
    onPhase: (phase) => {
      phases.push(phase);
      // The apply of a new configuration lands while the refresh of the old one is about to write.
      if (phases.length === 3) catalog.setNamespace('default', parseSourcesDocument('catalogs:\n  things:\n    sources:\n      - {id: s, name: S, type: yaml, properties: {path: y.yaml}}\n', 'sources.yaml'));
    },
  });
  assert.equal(outcome.status, 'success');
  assert.deepEqual(phases, ['fetching', 'parsing', 'writing', 'fetching', 'parsing', 'writing']);
  assert.deepEqual(await entityNames(), ['from-y'], 'the newer configuration\'s data, not the older\'s');
  const [status] = await statusRows();
  assert.equal(status.last_refresh_status, 'success');
  await database.db.deleteFrom('catalog_entities').where('plugin', '=', 'things').execute();
  await database.db.deleteFrom('catalog_refresh_status').where('plugin', '=', 'things').execute();
});
