import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CommonEntityFields, definePlugin } from '@catalog/framework';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { parseSourcesDocument } from '../config/sourcesDocument.js';
import { applyKindEntities, inSourceTransaction, prepareEntity } from '../sources/applyEntities.js';
import { SourceCatalog } from '../sources/SourceCatalog.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../testing/databases.js';
import { PluginRegistry } from './PluginRegistry.js';
import { resolveLinks } from './resolveLinks.js';

const skills = definePlugin({
  name: 'skills', version: 'v1alpha1', displayName: 'Skills', description: 'Skills', icon: 'wrench', sourceTypes: ['yaml'],
  entities: [{
    kind: 'Skill', plural: 'skills', displayName: 'Skill', description: 'Skill', notFoundPhrase: 'skill',
    schema: Type.Object({ ...CommonEntityFields }), fields: { columns: [], filterFields: [], detailFields: [] },
    uiHints: { icon: 'wrench', nameField: 'name', detailSections: [] }, cliDefaultColumns: [],
  }],
});

describeEachDatabase('link resolution', (kind) => {
  let database: TestDatabase;
  const registry = new PluginRegistry([skills], pino({ level: 'silent' }));
  const catalog = new SourceCatalog(registry);
  before(async () => {
    database = await createTestDatabase(kind);
    const document = parseSourcesDocument('catalogs:\n  skills:\n    sources:\n      - {id: s, name: S, type: yaml, properties: {yamlCatalogPath: x.yaml}}\n', 'sources.yaml');
    catalog.setNamespace('team-a', document);
    catalog.setNamespace('team-b', document);
    const key = { namespace: 'team-b', plugin: 'skills', sourceId: 's' };
    await inSourceTransaction(database.db, key, (trx) =>
      applyKindEntities(trx, { ...key, kind: 'Skill' }, [prepareEntity({ name: 'only-in-b', doc: { name: 'only-in-b' }, provenance: {}, links: [] })]));
  });
  after(() => database.close());

  test('is scoped to the request namespace: a target that exists only in another namespace does not resolve', async () => {
    const link = { kind: 'Skill', plugin: 'skills', name: 'only-in-b', field: 'tools[0].skillRef' };
    const [[inA]] = await resolveLinks(database.db, 'team-a', [[link]], { registry, catalog });
    const [[inB]] = await resolveLinks(database.db, 'team-b', [[link]], { registry, catalog });
    assert.deepEqual(inA, { ...link, resolved: false });
    assert.deepEqual(inB, { ...link, resolved: true, sourceId: 's', href: '/api/skills_catalog/v1alpha1/skills/only-in-b' });
  });
});
