import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FilterQueryError } from '../errors.js';
import type { FieldPath } from './ast.js';
import { fieldMapFor, type ResolvedField } from './fieldMap.js';
import { parseFilterQuery } from './parser.js';
import { widgetKind } from '../testing/queryFixtures.js';

const fields = fieldMapFor(widgetKind);

/** The path of `<path> = 1`, parsed, so quoting and positions are real. */
function path(text: string): FieldPath {
  const comparison = parseFilterQuery(`${text} = 1`);
  assert.equal(comparison.type, 'comparison');
  return (comparison as { field: FieldPath }).field;
}

function resolve(text: string): Omit<ResolvedField, 'display'> & { display?: string } {
  return fields.resolve(path(text));
}

function resolveError(text: string): string {
  try {
    fields.resolve(path(text));
  } catch (error) {
    assert.ok(error instanceof FilterQueryError);
    assert.equal(error.position, 1);
    return error.detail;
  }
  assert.fail(`expected ${text} to be rejected`);
}

test('framework fields', () => {
  assert.deepEqual(resolve('id'), { display: 'id', source: { kind: 'id' }, valueType: 'number', metadata: 'none', numericStrings: false });
  assert.deepEqual(resolve('name').source, { kind: 'name' });
  assert.deepEqual(resolve('sourceId').source, { kind: 'sourceId' });
  assert.deepEqual(resolve('externalId').source, { kind: 'docValue', path: ['externalId'] });
  assert.deepEqual(resolve('tags').source, { kind: 'overlayTags' });
  assert.deepEqual(resolve('lifecycle').source, { kind: 'overlayLifecycle' });
  assert.deepEqual(resolve('annotations.owner').source, { kind: 'annotation', key: 'owner' });
  assert.deepEqual(resolve('annotations.`app.kubernetes.io/name`').source, { kind: 'annotation', key: 'app.kubernetes.io/name' });
  assert.deepEqual(resolve('createTimeSinceEpoch'), {
    display: 'createTimeSinceEpoch',
    source: { kind: 'timestamp', docKey: 'createTimeSinceEpoch', column: 'created_at' },
    valueType: 'date',
    metadata: 'none',
    numericStrings: false,
  });
  assert.equal(resolve('lastUpdateTimeSinceEpoch').valueType, 'date');
});

test('governance paths of spec 06 §6', () => {
  assert.deepEqual(resolve('governance.lifecycle.state').source, { kind: 'governanceState' });
  assert.deepEqual(resolve('governance.risk.level').source, { kind: 'governanceString', group: 'risk', key: 'level', defaultValue: 'medium' });
  assert.deepEqual(resolve('governance.sla.tier').source, { kind: 'governanceString', group: 'sla', key: 'tier' });
  assert.deepEqual(resolve('governance.owner.principal').source, { kind: 'governanceString', group: 'owner', key: 'principal' });
  assert.deepEqual(resolve('governance.team.name').source, { kind: 'governanceString', group: 'team', key: 'name' });
  assert.deepEqual(resolve('governance.compliance.tags').source, { kind: 'governanceArray', group: 'compliance', key: 'tags' });
  assert.deepEqual(resolve('governance.compliance.controls').source, { kind: 'governanceArray', group: 'compliance', key: 'controls' });
  assert.deepEqual(resolve('governance.risk.categories').source, { kind: 'governanceArray', group: 'risk', key: 'categories' });
  assert.equal(resolveError('governance.owner.email'), 'field "governance.owner.email" is not filterable');
  assert.equal(resolveError('governance.lifecycle'), 'field "governance.lifecycle" is not filterable');
  assert.equal(resolveError('governance'), 'field "governance" is not filterable');
});

test('declared fields take their type from the schema', () => {
  assert.deepEqual(resolve('category'), { display: 'category', source: { kind: 'docValue', path: ['category'] }, valueType: 'string', metadata: 'none', numericStrings: false });
  assert.equal(resolve('status').valueType, 'string');
  assert.equal(resolve('toolCount').valueType, 'number');
  assert.equal(resolve('score').valueType, 'number');
  assert.equal(resolve('verified').valueType, 'boolean');
  assert.equal(resolve('releasedAt').valueType, 'date');
  assert.deepEqual(resolve('labels').source, { kind: 'docElements', path: ['labels'] });
  assert.equal(resolve('labels').valueType, 'string');
  assert.equal(resolve('sizes').valueType, 'number');
  assert.deepEqual(resolve('anything'), { display: 'anything', source: { kind: 'docLax', path: ['anything'] }, valueType: 'inferred', metadata: 'auto', numericStrings: false });
});

test('dotted paths below objects and arrays of objects', () => {
  assert.deepEqual(resolve('modelConfig.temperature').source, { kind: 'docValue', path: ['modelConfig', 'temperature'] });
  assert.equal(resolve('modelConfig.temperature').valueType, 'number');
  assert.deepEqual(resolve('modelConfig.nested.depth'), {
    display: 'modelConfig.nested.depth',
    source: { kind: 'docLax', path: ['modelConfig', 'nested', 'depth'] },
    valueType: 'inferred',
    metadata: 'auto',
    numericStrings: false,
  });
  assert.deepEqual(resolve('tools.skillRef').source, { kind: 'docLax', path: ['tools', 'skillRef'] });
  assert.equal(resolve('tools.skillRef').valueType, 'string');
  assert.equal(resolve('tools.weight').valueType, 'number');
  assert.equal(resolve('tools.other').valueType, 'inferred');
  assert.deepEqual(resolve('anything.deep.er').source, { kind: 'docLax', path: ['anything', 'deep', 'er'] });
  assert.equal(resolveError('modelConfig'), 'field "modelConfig" is not filterable');
  assert.equal(resolveError('tools'), 'field "tools" is not filterable');
});

test('a dotted path below a scalar is rejected', () => {
  assert.equal(resolveError('name.x'), 'field "name" has no sub-field "x"');
  assert.equal(resolveError('id.x'), 'field "id" has no sub-field "x"');
  assert.equal(resolveError('tags.x'), 'field "tags" has no sub-field "x"');
  assert.equal(resolveError('annotations.a.b'), 'field "annotations.a" has no sub-field "b"');
  assert.equal(resolveError('toolCount.x'), 'field "toolCount" has no sub-field "x"');
  assert.equal(resolveError('labels.x'), 'field "labels" has no sub-field "x"');
  assert.equal(resolveError('modelConfig.temperature.x'), 'field "modelConfig.temperature" has no sub-field "x"');
  assert.equal(resolveError('tools.skillRef.x'), 'field "tools.skillRef" has no sub-field "x"');
});

test('fields marked not filterable', () => {
  assert.equal(resolveError('readme'), 'field "readme" is not filterable');
  assert.equal(resolveError('readme.x'), 'field "readme" is not filterable');
});

test('aliases resolve to their path and keep their own name', () => {
  assert.deepEqual(resolve('riskLevel'), { display: 'riskLevel', source: { kind: 'docValue', path: ['safety', 'riskLevel'] }, valueType: 'string', metadata: 'none', numericStrings: false });
  assert.deepEqual(resolve('source_id').source, { kind: 'sourceId' });
  assert.equal(resolve('temp').valueType, 'number');
});

test('custom properties, explicit and bare', () => {
  assert.deepEqual(resolve('customProperties.size'), { display: 'customProperties.size', source: { kind: 'docLax', path: ['customProperties', 'size'] }, valueType: 'inferred', metadata: 'auto', numericStrings: false });
  assert.deepEqual(resolve('size').source, { kind: 'docLax', path: ['customProperties', 'size'] });
  assert.deepEqual(resolve('`mlflow.source.type`').source, { kind: 'docLax', path: ['customProperties', 'mlflow.source.type'] });
  assert.deepEqual(resolve('foo.bar').source, { kind: 'docLax', path: ['customProperties', 'foo', 'bar'] });
  assert.deepEqual(resolve('NAME').source, { kind: 'docLax', path: ['customProperties', 'NAME'] });
  assert.equal(resolveError('customProperties'), 'field "customProperties" is not filterable');
});

test('type suffixes force or check the type (spec 01 §10.7.3)', () => {
  assert.deepEqual(resolve('size.int_value'), { display: 'size', source: { kind: 'docLax', path: ['customProperties', 'size'] }, valueType: 'number', metadata: 'int_value', numericStrings: true });
  assert.deepEqual(resolve('customProperties.size_bytes.double_value').metadata, 'double_value');
  assert.equal(resolve('flag.bool_value').valueType, 'boolean');
  assert.equal(resolve('flag.string_value').valueType, 'string');
  assert.equal(resolve('name.string_value').valueType, 'string');
  assert.deepEqual(resolve('toolCount.int_value').source, { kind: 'docValue', path: ['toolCount'] });
  assert.equal(resolve('toolCount.double_value').metadata, 'none');
  assert.equal(resolve('verified.bool_value').valueType, 'boolean');
  assert.equal(resolve('createTimeSinceEpoch.int_value').valueType, 'date');
  assert.equal(resolve('tags.string_value').valueType, 'string');
  assert.equal(resolveError('name.int_value'), 'type suffix "int_value" does not fit string field "name"');
  assert.equal(resolveError('toolCount.string_value'), 'type suffix "string_value" does not fit number field "toolCount"');
  assert.equal(resolveError('verified.int_value'), 'type suffix "int_value" does not fit boolean field "verified"');
  assert.equal(resolveError('size.float_value'), 'unsupported type suffix "float_value"');
  assert.equal(resolveError('toolCount.float_value'), 'unsupported type suffix "float_value"');
  // Quoting makes a name of it; a single segment is never a suffix.
  assert.deepEqual(resolve('size.`float_value`').source, { kind: 'docLax', path: ['customProperties', 'size', 'float_value'] });
  assert.deepEqual(resolve('int_value').source, { kind: 'docLax', path: ['customProperties', 'int_value'] });
});

test('orderBy names: single-valued scalars of the map only', () => {
  for (const name of ['name', 'sourceId', 'id', 'lifecycle', 'externalId', 'toolCount', 'verified', 'releasedAt', 'createTimeSinceEpoch', 'riskLevel', 'source_id', 'temp', 'readme', 'status']) {
    assert.ok(fields.resolveOrderField(name), name);
  }
  for (const name of ['labels', 'tags', 'tools', 'modelConfig', 'anything', 'size', 'customProperties', 'annotations', 'governance', 'nope', 'Name']) {
    assert.equal(fields.resolveOrderField(name), undefined, name);
  }
});

test('search fields: text-bearing fields, not-filterable ones included', () => {
  assert.equal(fields.resolveSearchField('readme')?.valueType, 'string');
  assert.equal(fields.resolveSearchField('labels')?.source.kind, 'docElements');
  assert.equal(fields.resolveSearchField('toolCount'), undefined);
  assert.equal(fields.resolveSearchField('modelConfig'), undefined);
});
