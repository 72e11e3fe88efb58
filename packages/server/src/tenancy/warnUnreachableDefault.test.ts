import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachDatabase } from '../testing/databases.js';
import { partsPlugin, partsYaml } from '../testing/partsPlugin.js';
import { startTestServer } from '../testing/testServer.js';
import { UNREACHABLE_DEFAULT_WARNING } from './warnUnreachableDefault.js';

/** Spec 05 §1.5: a startup warning when CATALOG_NAMESPACES omits `default` while `default` holds sources or entities. */
const WITH_SOURCE = {
  'sources.yaml': 'catalogs:\n  parts:\n    sources:\n      - {id: base, name: Base, type: yaml, properties: {yamlCatalogPath: base.yaml}}\n',
  'base.yaml': partsYaml(1, 'base'),
};

describeEachDatabase('startup warning for an unreachable default namespace', (kind) => {
  const warned = async (files: Record<string, string>, env: Record<string, string>) => {
    const server = await startTestServer({ kind, plugins: [partsPlugin], files, env });
    try {
      return server.logs.some((line) => line.msg === UNREACHABLE_DEFAULT_WARNING);
    } finally {
      await server.close();
    }
  };
  const namespaced = (namespaces: string) => ({ CATALOG_TENANCY_MODE: 'namespace', CATALOG_NAMESPACES: namespaces });

  test('warns when the allow-list omits default and default holds sources', async () => {
    assert.equal(await warned(WITH_SOURCE, namespaced('team-a,team-b')), true);
  });

  test('stays silent when default is listed, when the list is empty, in single mode, and when default is empty', async () => {
    assert.equal(await warned(WITH_SOURCE, namespaced('team-a,default')), false);
    assert.equal(await warned(WITH_SOURCE, { CATALOG_TENANCY_MODE: 'namespace' }), false);
    assert.equal(await warned(WITH_SOURCE, { CATALOG_NAMESPACES: 'team-a' }), false);
    assert.equal(await warned({ 'sources.yaml': 'catalogs: {}\n' }, namespaced('team-a')), false);
  });
});
