import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { readSampleEntries } from '@catalog/framework/testing';
import plugin, { KnowledgeSource, SOURCE_TYPES, STATUSES } from './index.js';

const kind = plugin.entities[0];

/** Sources that the agents sample points at; removing one would leave dangling references. */
const REFERENCED_SOURCES = ['it-kb-articles', 'incident-postmortems', 'product-catalog-vectors'];

type Entry = Record<string, unknown>;

const entries: Entry[] = readSampleEntries(plugin);
const byName = new Map(entries.map((e) => [e.name as string, e]));

test('declaration identity matches spec 02 §1.8 and §4', () => {
  assert.equal(plugin.name, 'knowledge');
  assert.equal(plugin.version, 'v1alpha1');
  assert.equal(plugin.displayName, 'Knowledge Sources');
  assert.equal(plugin.icon, 'database');
  assert.equal(plugin.description, 'Knowledge source catalog for documents, vector stores, and graph stores');
  assert.deepEqual(plugin.sourceTypes, ['yaml', 'git', 'http']);
  assert.equal(plugin.configKey, undefined);
  assert.equal(plugin.actions, undefined, 'knowledge has the built-in actions only');
  assert.equal(plugin.entities.length, 1);
  assert.equal(kind.kind, 'KnowledgeSource');
  assert.equal(kind.plural, 'knowledgesources');
  assert.equal(kind.yamlKey, undefined);
  assert.equal(kind.displayName, 'Knowledge Source');
  assert.equal(kind.description, 'Documents, vector stores, and graph stores');
  assert.equal(kind.notFoundPhrase, 'knowledge source');
});

test('capabilities fields follow spec 02 §4.3', () => {
  assert.deepEqual(
    kind.fields.columns.map((c) => [c.name, c.displayName, c.type, c.sortable ?? false, c.width]),
    [
      ['name', 'Name', 'string', true, 'lg'],
      ['sourceType', 'Type', 'string', true, 'md'],
      ['provider', 'Provider', 'string', true, 'md'],
      ['status', 'Status', 'string', true, 'sm'],
      ['documentCount', 'Documents', 'integer', true, 'sm'],
      ['contentType', 'Content Type', 'string', false, 'md'],
    ],
  );
  assert.deepEqual(
    kind.fields.filterFields.map((f) => [f.name, f.displayName, f.type]),
    [['name', 'Name', 'text'], ['sourceType', 'Source Type', 'select'], ['provider', 'Provider', 'text'], ['status', 'Status', 'select']],
  );
  assert.deepEqual(kind.uiHints.detailSections, ['Overview', 'Connection', 'Statistics']);
  assert.deepEqual(
    kind.fields.detailFields.map((f) => [f.section, f.name, f.displayName, f.type]),
    [
      ['Overview', 'name', 'Name', 'string'],
      ['Overview', 'description', 'Description', 'string'],
      ['Overview', 'sourceType', 'Source Type', 'string'],
      ['Overview', 'provider', 'Provider', 'string'],
      ['Overview', 'status', 'Status', 'string'],
      ['Connection', 'location', 'Location', 'string'],
      ['Connection', 'contentType', 'Content Type', 'string'],
      ['Connection', 'indexType', 'Index Type', 'string'],
      ['Statistics', 'documentCount', 'Document Count', 'integer'],
      ['Statistics', 'vectorDimensions', 'Vector Dimensions', 'integer'],
    ],
  );
  assert.equal(kind.uiHints.icon, 'database');
  assert.equal(kind.uiHints.nameField, 'name');
  assert.deepEqual(kind.searchFields, ['name', 'description', 'provider', 'location']);
  assert.deepEqual(kind.cliDefaultColumns, ['name', 'sourceType', 'provider', 'status', 'documentCount']);
  assert.equal(kind.references, undefined);
});

test('select filter options equal the schema enums, and sourceId is left to the framework', () => {
  const filters = new Map(kind.fields.filterFields.map((f) => [f.name, f]));
  assert.deepEqual(filters.get('sourceType')?.options, [...SOURCE_TYPES]);
  assert.deepEqual(filters.get('status')?.options, [...STATUSES]);
  assert.equal(filters.has('sourceId'), false);
  const props = KnowledgeSource.properties as Record<string, { enum?: string[] }>;
  assert.deepEqual(props.sourceType.enum, [...SOURCE_TYPES]);
  assert.deepEqual(props.status.enum, [...STATUSES]);
});

test('detail fields only use declared sections, and every hinted field exists', () => {
  const sections = new Set(kind.uiHints.detailSections);
  for (const field of kind.fields.detailFields) {
    assert.ok(field.section && sections.has(field.section), `${field.name}: unknown section ${field.section}`);
  }
  const props = new Set(Object.keys(KnowledgeSource.properties));
  const hinted = [
    ...(kind.uiHints.listView?.columns ?? []).map((c) => c.field),
    ...(kind.uiHints.detailView?.sections ?? []).flatMap((s) => (s.fields ?? []).map((f) => f.field)),
    ...(kind.uiHints.search?.facets ?? []).map((f) => f.field),
    ...(kind.uiHints.search?.searchableFields ?? []),
    ...(kind.searchFields ?? []),
    ...kind.cliDefaultColumns,
  ];
  for (const field of hinted) assert.ok(props.has(field), `hinted field ${field} is not in the schema`);
  assert.deepEqual(kind.uiHints.detailView?.sections?.map((s) => s.title), kind.uiHints.detailSections);
});

test('schema rejects the values spec 02 §4.1 rules out', () => {
  const base = { name: 'x', sourceType: 'document', location: 's3://bucket/x/' };
  assert.ok(Value.Check(KnowledgeSource, base));
  const invalid: Entry[] = [
    { name: 'x', sourceType: 'document' },
    { name: 'x', location: 's3://bucket/x/' },
    { ...base, location: '' },
    { ...base, sourceType: 'vectorstore' },
    { ...base, sourceType: 'Document' },
    { ...base, status: 'ready' },
    { ...base, documentCount: -1 },
    { ...base, documentCount: 1.5 },
    { ...base, vectorDimensions: 0 },
    { ...base, vectorDimensions: '768' },
    { ...base, indexType: 7 },
    { ...base, customProperties: 'team=search' },
    { ...base, name: '' },
    { ...base, embeddingModel: 'text-embed-small' },
  ];
  for (const entry of invalid) assert.equal(Value.Check(KnowledgeSource, entry), false, JSON.stringify(entry));
  // customProperties is open: any JSON value is accepted (spec 02 §2.3).
  assert.ok(Value.Check(KnowledgeSource, { ...base, customProperties: { nested: { a: [1, 'b'] }, flag: true } }));
  assert.ok(Value.Check(KnowledgeSource, { ...base, documentCount: 0, vectorDimensions: 1, createTimeSinceEpoch: 1700000000000 }));
});

test('sample includes the referenced sources', () => {
  for (const name of REFERENCED_SOURCES) assert.ok(byName.has(name), `referenced source ${name} missing`);
});

test('sample covers the enums, every optional field and custom properties (spec 02 §10.3)', () => {
  assert.ok(entries.length >= 10);
  const values = (field: string) => new Set(entries.map((e) => e[field]));
  for (const type of SOURCE_TYPES) assert.ok(values('sourceType').has(type), `sourceType ${type}`);
  for (const status of STATUSES) assert.ok(values('status').has(status), `status ${status}`);

  const required = new Set<string>(KnowledgeSource.required ?? []);
  for (const field of Object.keys(KnowledgeSource.properties).filter((f) => !required.has(f))) {
    assert.ok(entries.some((e) => e[field] !== undefined), `optional field ${field} is never set`);
  }
  assert.ok(entries.filter((e) => e.customProperties !== undefined).length >= 2);

  const indexedVectorStores = entries.filter(
    (e) => e.sourceType === 'vector_store' && e.vectorDimensions !== undefined && e.indexType !== undefined,
  );
  assert.ok(indexedVectorStores.length >= 3, 'at least three vector stores with vectorDimensions and indexType');
});

test('sample hosts are reserved example names or internal, as spec 02 §10.1 requires', () => {
  for (const entry of entries) {
    const host = /^[a-z][a-z0-9+.-]*:\/\/([^/:]+)/i.exec(String(entry.location))?.[1];
    if (!host || String(entry.location).startsWith('s3://')) continue;
    assert.match(host, /(^|\.)example\.(com|org|net)$|\.internal$/, `${String(entry.name)}: host ${host}`);
  }
});
