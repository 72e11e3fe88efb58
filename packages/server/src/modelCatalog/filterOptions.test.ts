import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyKindEntities, inSourceTransaction, prepareEntity, type EntityToApply } from '../sources/applyEntities.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../testing/databases.js';
import { MODEL_KIND, MODEL_PLUGIN, readFilterOptions, recomputeFilterOptions } from './filterOptions.js';

/** Spec 03 §9.2 and §16.17–18: the snapshot is written by the transaction that changes model data. */
const S = (v: string) => ({ metadataType: 'MetadataStringValue', string_value: v });

function model(name: string, doc: Record<string, unknown>, artifacts: Record<string, unknown>[] = []): EntityToApply {
  return {
    name, doc: { name, ...doc }, provenance: {}, links: [],
    children: { collection: 'artifacts', items: artifacts.map((a, i) => ({ identity: `#${i}`, name: null, doc: a })) },
  };
}

async function refresh(database: TestDatabase, namespace: string, sourceId: string, entities: EntityToApply[]): Promise<void> {
  const key = { namespace, plugin: MODEL_PLUGIN, sourceId };
  await inSourceTransaction(database.db, key, async (trx) => {
    await applyKindEntities(trx, { ...key, kind: MODEL_KIND }, entities.map((entity) => prepareEntity(entity)));
    await recomputeFilterOptions(trx, namespace);
  });
}

describeEachDatabase('model filter options', (kind) => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase(kind);
  });
  after(() => database.close());

  test('a refresh that adds a license shows it at once, from one row; namespaces stay apart', async () => {
    await refresh(database, 'team-a', 'one', [model('a/x', { license: 'MIT', provider: 'P' })]);
    assert.deepEqual((await readFilterOptions(database.db, 'team-a', {})).filters, {
      license: { type: 'string', values: ['MIT'] }, provider: { type: 'string', values: ['P'] },
    });
    await refresh(database, 'team-a', 'one', [model('a/x', { license: 'MIT', provider: 'P' }), model('a/y', { license: 'Apache 2.0' })]);
    assert.deepEqual(((await readFilterOptions(database.db, 'team-a', {})).filters as any).license.values, ['Apache 2.0', 'MIT']);
    assert.deepEqual(await readFilterOptions(database.db, 'team-b', {}), { filters: {} });
  });

  test('string keys with 50 distinct values or a value over 100 characters are left out; numbers give ranges', async () => {
    const many = Array.from({ length: 50 }, (_, i) => model(`m/${i}`, { customProperties: { many: S(`v${i}`), few: S(i % 2 ? 'odd' : 'even'), size: { metadataType: 'MetadataIntValue', int_value: String(i * 10) } } }, [
      { artifactType: 'metrics-artifact', metricsType: 'performance-metrics', customProperties: { p90: { metadataType: 'MetadataDoubleValue', double_value: i + 0.5 } } },
    ]));
    many.push(model('m/long', { provider: 'x'.repeat(101) }));
    await refresh(database, 'team-c', 'bulk', many);
    const { filters } = (await readFilterOptions(database.db, 'team-c', {})) as { filters: Record<string, any> };
    assert.equal(filters['many.string_value'], undefined);
    assert.equal(filters.provider, undefined);
    assert.deepEqual(filters['few.string_value'].values, ['even', 'odd']);
    assert.deepEqual(filters['size.int_value'], { type: 'number', range: { min: 0, max: 490 } });
    assert.deepEqual(filters['artifacts.p90.double_value'], { type: 'number', range: { min: 0.5, max: 49.5 } });
  });

  test('two concurrent refreshes of different sources leave a snapshot with both', async () => {
    await Promise.all([
      refresh(database, 'team-d', 'left', [model('l/1', { license: 'Left License' })]),
      refresh(database, 'team-d', 'right', [model('r/1', { license: 'Right License' })]),
    ]);
    assert.deepEqual(((await readFilterOptions(database.db, 'team-d', {})).filters as any).license.values, ['Left License', 'Right License']);
  });

  test('artifact rows keep their ids across refreshes while their identity stays', async () => {
    const artifacts = [{ name: 'weights', uri: 'oci://r/x:1' }, { artifactType: 'metrics-artifact', metricsType: 'accuracy-metrics' }];
    const named = (docs: Record<string, unknown>[]): EntityToApply => ({
      ...model('k/1', {}), children: { collection: 'artifacts', items: docs.map((a, i) => ({ identity: typeof a.name === 'string' ? `=${a.name}` : `#${i}`, name: (a.name as string) ?? null, doc: a })) },
    });
    const ids = async () => (await database.db.selectFrom('catalog_entity_children').select(['id', 'identity']).where('namespace', '=', 'team-e').orderBy('identity').execute());
    await refresh(database, 'team-e', 'keep', [named(artifacts)]);
    const first = await ids();
    await refresh(database, 'team-e', 'keep', [named([{ ...artifacts[0], uri: 'oci://r/x:2' }, artifacts[1]])]);
    assert.deepEqual(await ids(), first);
    await refresh(database, 'team-e', 'keep', [named([artifacts[1]])]);
    assert.equal((await ids()).length, 1);
    await refresh(database, 'team-e', 'keep', []);
    assert.equal((await ids()).length, 0, 'children go with their model');
  });
});
