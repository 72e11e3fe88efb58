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
import { SourceRefresher } from './SourceRefresher.js';

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

function refresher(timeoutSeconds: number) {
  const registry = new PluginRegistry([things], pino({ level: 'silent' }));
  const catalog = new SourceCatalog(registry);
  catalog.setNamespace('default', parseSourcesDocument('catalogs:\n  things:\n    sources:\n      - {id: s, name: S, type: yaml, properties: {path: x.yaml}}\n', 'sources.yaml'));
  const instance = new SourceRefresher({
    db: database.db, registry, catalog, providers: { yaml: stuck },
    settings: { maxBytes: 1024, maxItemsPerSource: 10, refreshTimeoutSeconds: timeoutSeconds },
    metrics: createMetrics(), versions: new DataVersions(), log: pino({ level: 'silent' }),
    ingest: new IngestWorkerPool({ moduleOf: () => undefined }),
  });
  return { instance, plugin: registry.list()[0], source: catalog.sources('default', 'things')[0] };
}

before(async () => {
  database = await createTestDatabase('pglite');
});
after(() => database.close());

test('abortFetches stops the fetch of the named source and fails its refresh with the reason', async () => {
  const { instance, plugin, source } = refresher(60);
  const running = instance.refresh('default', plugin, source);
  await new Promise((resolve) => setTimeout(resolve, 50));
  instance.abortFetches('source disabled', { namespace: 'default', plugin: 'other', sourceId: 's' });
  assert.equal(signals.at(-1)!.aborted, false, 'another source is not touched');
  instance.abortFetches('source disabled', { namespace: 'default', plugin: 'things', sourceId: 's' });
  const outcome = await running;
  assert.deepEqual([outcome.status, outcome.error], ['error', 'source disabled']);
  assert.equal(signals.at(-1)!.aborted, true);
});

test('a refresh ends on abort even when its provider ignores the signal', async () => {
  honour = false;
  const { instance, plugin, source } = refresher(60);
  const running = instance.refresh('default', plugin, source);
  await new Promise((resolve) => setTimeout(resolve, 50));
  instance.abortFetches('server is shutting down');
  assert.equal((await running).error, 'server is shutting down');
  honour = true;
});

test('the refresh timeout aborts the provider signal', async () => {
  const { instance, plugin, source } = refresher(1);
  const outcome = await instance.refresh('default', plugin, source);
  assert.equal(outcome.error, 'refresh timed out after 1s');
  assert.equal(signals.at(-1)!.aborted, true);
});
