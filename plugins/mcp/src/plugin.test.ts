import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { readSampleEntries } from '@catalog/framework/testing';
import plugin, { DEPLOYMENT_MODES, McpServer, TRANSPORT_TYPES } from './index.js';

const kind = plugin.entities[0];

/** Servers that the agents and skills samples point at; removing one would leave dangling references. */
const REFERENCED_SERVERS = ['cluster-ops-mcp', 'directory-mcp', 'ticket-desk-mcp', 'warehouse-sql-mcp'];

type Entry = Record<string, unknown>;

const entries: Entry[] = readSampleEntries(plugin);
const byName = new Map(entries.map((e) => [e.name as string, e]));

test('declaration identity matches spec 02 §1.8 and §3', () => {
  assert.equal(plugin.name, 'mcp');
  assert.equal(plugin.version, 'v1alpha1');
  assert.equal(plugin.icon, 'server');
  assert.equal(plugin.description, 'MCP server catalog for Model Context Protocol servers');
  assert.equal(plugin.entities.length, 1);
  assert.equal(kind.kind, 'McpServer');
  assert.equal(kind.plural, 'mcpservers');
  assert.equal(kind.notFoundPhrase, 'mcp server');
});

test('select filter options equal the schema enums, and sourceId is left to the framework', () => {
  const filters = new Map(kind.fields.filterFields.map((f) => [f.name, f]));
  assert.deepEqual(filters.get('deploymentMode')?.options, [...DEPLOYMENT_MODES]);
  assert.deepEqual(filters.get('transportType')?.options, [...TRANSPORT_TYPES]);
  assert.equal(filters.has('sourceId'), false);
  const props = McpServer.properties as Record<string, { enum?: string[] }>;
  assert.deepEqual(props.deploymentMode.enum, [...DEPLOYMENT_MODES]);
  assert.deepEqual(props.transportType.enum, [...TRANSPORT_TYPES]);
});

test('detail fields only use declared sections', () => {
  const sections = new Set(kind.uiHints.detailSections);
  for (const field of kind.fields.detailFields) {
    assert.ok(field.section && sections.has(field.section), `${field.name}: unknown section ${field.section}`);
  }
});

test('schema rejects the values spec 02 §3.1 rules out', () => {
  const base = { name: 'x', serverUrl: 'stdio://x', deploymentMode: 'local' };
  assert.ok(Value.Check(McpServer, base));
  const invalid: Entry[] = [
    { ...base, serverUrl: 'ftp://x' },
    { ...base, serverUrl: 'stdio://' },
    { ...base, deploymentMode: 'hybrid' },
    { ...base, transportType: 'websocket' },
    { ...base, endpoint: 'mcp.example.com' },
    { ...base, supportedTransports: 'stdio,grpc' },
    { ...base, supportedTransports: 'stdio,' },
    { ...base, toolCount: -1 },
    { ...base, toolCount: 2.5 },
    { ...base, logo: 'http://assets.example.com/x.svg' },
    { ...base, customProperties: { nested: { a: 1 } } },
    { ...base, unknownField: true },
  ];
  for (const entry of invalid) assert.equal(Value.Check(McpServer, entry), false, JSON.stringify(entry));
  assert.ok(Value.Check(McpServer, { ...base, supportedTransports: 'stdio , streamable-http,sse' }));
  assert.ok(Value.Check(McpServer, { ...base, logo: 'data:image/png;base64,AAAA' }));
});

test('sample includes the referenced servers', () => {
  for (const name of REFERENCED_SERVERS) assert.ok(byName.has(name), `referenced server ${name} missing`);
});

test('sample covers the enums, every optional field and custom properties', () => {
  const values = (field: string) => new Set(entries.map((e) => e[field]));
  for (const mode of DEPLOYMENT_MODES) assert.ok(values('deploymentMode').has(mode), `deploymentMode ${mode}`);
  for (const t of TRANSPORT_TYPES) assert.ok(values('transportType').has(t), `transportType ${t}`);
  for (const flag of ['verified', 'certified']) {
    assert.ok(values(flag).has(true) && values(flag).has(false), `${flag} must be mixed`);
  }

  const required = new Set<string>(McpServer.required ?? []);
  for (const field of Object.keys(McpServer.properties).filter((f) => !required.has(f))) {
    assert.ok(entries.some((e) => e[field] !== undefined), `optional field ${field} is never set`);
  }
  assert.ok(entries.filter((e) => e.customProperties !== undefined).length >= 2);
});

test('sample supports the numeric and boolean filter examples of spec 01', () => {
  const count = (e: Entry) => e.toolCount as number | undefined;
  const numericGt9 = entries.filter((e) => count(e) !== undefined && count(e)! > 9);
  const stringGt9 = entries.filter((e) => count(e) !== undefined && String(count(e)) > '9');
  assert.ok(entries.some((e) => count(e) === 12) && entries.some((e) => count(e) === 9));
  assert.notDeepEqual(numericGt9, stringGt9);
  assert.ok(entries.some((e) => count(e) === undefined));

  const devOpsOrDb = entries.filter((e) => e.category === 'DevOps' || e.category === 'Database');
  const grouped = devOpsOrDb.filter((e) => (count(e) ?? -1) >= 5);
  const ungrouped = entries.filter(
    (e) => e.category === 'DevOps' || (e.category === 'Database' && (count(e) ?? -1) >= 5),
  );
  assert.ok(grouped.length > 0 && grouped.length < devOpsOrDb.length);
  assert.notDeepEqual(grouped, ungrouped);

  assert.ok(entries.some((e) => /kubernetes/i.test(String(e.description)) && !/kubernetes/.test(String(e.description))));
});
