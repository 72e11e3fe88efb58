import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryRejection } from '@catalog/framework';
import plugin, { normalizeLicense, normalizeModel } from './index.js';

const rejection = (entry: Record<string, unknown>, path: string, message: RegExp) =>
  assert.throws(() => normalizeModel({ name: 'org/m', ...entry }), (error: unknown) => {
    assert.ok(error instanceof EntryRejection);
    assert.equal(error.path, path);
    assert.match(error.message, message);
    return true;
  });

test('declaration identity matches spec 03 §1 and §13', () => {
  assert.equal(plugin.name, 'model');
  assert.equal(plugin.configKey, 'models');
  assert.deepEqual(plugin.sourceTypes, ['yaml', 'git', 'http', 'hf']);
  const [kind] = plugin.entities;
  assert.equal(kind.kind, 'CatalogModel');
  assert.equal(kind.plural, 'models');
  assert.equal(kind.notFoundPhrase, 'model');
  assert.deepEqual(kind.cliDefaultColumns, ['name', 'provider', 'tasks', 'sourceId']);
  assert.deepEqual(kind.children, { field: 'artifacts', identityField: 'name' });
});

test('licenses: ids become names, anything else is kept, idempotent (spec 03 §4.3)', () => {
  assert.equal(normalizeLicense(' Apache-2.0 '), 'Apache 2.0');
  assert.equal(normalizeLicense('APACHE-2.0'), 'Apache 2.0');
  assert.equal(normalizeLicense('LLAMA3.1'), 'Llama 3.1 Community License');
  assert.equal(normalizeLicense('cc-by-4.0'), 'Creative Commons Attribution 4.0 International');
  assert.equal(normalizeLicense('other'), 'other');
  assert.equal(normalizeLicense('My License'), 'My License');
  assert.equal(normalizeLicense('Apache 2.0'), 'Apache 2.0');
  assert.equal(normalizeLicense('   '), undefined);
  assert.equal(normalizeModel({ name: 'a', license: ' ' }).license, undefined);
});

test('metadata values: inferred type, int as decimal string, ambiguity rejected (spec 03 §3.2)', () => {
  const { customProperties } = normalizeModel({ name: 'a', customProperties: { n: { int_value: 42 }, s: { string_value: 'x' } } });
  assert.deepEqual(customProperties, { n: { metadataType: 'MetadataIntValue', int_value: '42' }, s: { metadataType: 'MetadataStringValue', string_value: 'x' } });
  rejection({ customProperties: { n: {} } }, 'customProperties.n', /no value member/);
  rejection({ customProperties: { n: { string_value: 'a', int_value: '1' } } }, 'customProperties.n', /more than one/);
  rejection({ customProperties: { n: { metadataType: 'MetadataIntValue', string_value: 'a' } } }, 'customProperties.n.metadataType', /does not match/);
  rejection({ customProperties: { n: { int_value: '9223372036854775808' } } }, 'customProperties.n.int_value', /int64/);
  rejection({ customProperties: { n: { int_value: '1.5' } } }, 'customProperties.n.int_value', /int64/);
  rejection({ customProperties: { n: { double_value: 'NaN' } } }, 'customProperties.n.double_value', /finite/);
});

test('artifacts: types, required members and unique names reject the whole model (spec 03 §4.2)', () => {
  const ok = normalizeModel({ name: 'a', artifacts: [{ uri: 'oci://x' }, { artifactType: 'metrics-artifact', metricsType: 'accuracy-metrics', id: '7' }] });
  assert.deepEqual(ok.artifacts, [
    { artifactType: 'model-artifact', uri: 'oci://x' },
    { artifactType: 'metrics-artifact', metricsType: 'accuracy-metrics' },
  ]);
  rejection({ artifacts: [{ uri: 'x' }, { artifactType: 'foo' }] }, 'artifacts[1].artifactType', /artifactType must be one of/);
  rejection({ artifacts: [{}] }, 'artifacts[0].uri', /requires "uri"/);
  rejection({ artifacts: [{ artifactType: 'metrics-artifact' }] }, 'artifacts[0].metricsType', /metricsType must be one of/);
  rejection({ artifacts: [{ name: 'w', uri: 'x' }, { name: 'w', uri: 'y' }] }, 'artifacts[1].name', /duplicate artifact name/);
  rejection({ artifacts: [{ uri: 'x', color: 'red' }] }, 'artifacts[0].color', /unknown field/);
});
