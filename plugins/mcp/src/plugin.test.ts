import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import plugin, { DEPLOYMENT_MODES, McpServer, TRANSPORT_TYPES } from './index.js';

const pluginDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(pluginDir, '..', '..');
const kind = plugin.entities[0];

/** Names used by the reference design's samples (spec 02 §10.1); reusing any of them is a licensing problem. */
const FORBIDDEN_NAMES = new Set([
  'customer-support-agent', 'code-review-agent', 'research-orchestrator', 'literature-review-agent',
  'pii-detector', 'prompt-injection-guard', 'content-safety-filter', 'kubernetes-mcp-server',
  'openshift-mcp-server', 'github-mcp-server', 'product-faq-vectordb', 'company-docs',
  'code-review-assistant', 'text-summarizer', 'model-access-control', 'data-residency', 'web-search',
  'k8s-pod-logs', 'acme-ai/neural-7b-instruct', 'certified/production-llm-8b',
]);

/** Servers that the agents and skills samples point at; removing one would leave dangling references. */
const REFERENCED_SERVERS = ['cluster-ops-mcp', 'directory-mcp', 'ticket-desk-mcp', 'warehouse-sql-mcp'];

type Entry = Record<string, unknown>;

function loadSampleEntries(): Entry[] {
  const dataDir = plugin.dataDir;
  assert.ok(dataDir, 'declaration must name its data directory');
  const files = readdirSync(dataDir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.snippet.yaml'));
  assert.ok(files.length > 0, `no sample files in ${dataDir}`);
  return files.flatMap((file) => {
    const doc = parse(readFileSync(join(dataDir, file), 'utf8')) as Record<string, unknown>;
    const entries = doc[kind.yamlKey ?? kind.plural];
    assert.ok(Array.isArray(entries), `${file}: key "${kind.plural}" must hold a list`);
    return entries as Entry[];
  });
}

const entries = loadSampleEntries();
const byName = new Map(entries.map((e) => [e.name as string, e]));

test('plugin.yaml agrees with the declaration', () => {
  const manifest = parse(readFileSync(join(pluginDir, 'plugin.yaml'), 'utf8'));
  assert.equal(manifest.apiVersion, 'catalog.kubeflow.org/v1alpha1');
  assert.equal(manifest.kind, 'CatalogPlugin');
  assert.equal(manifest.metadata.name, plugin.name);
  assert.equal(manifest.spec.displayName, plugin.displayName);
  assert.equal(manifest.spec.description, plugin.description);
  assert.equal(manifest.spec.apiVersion, plugin.version);
  assert.deepEqual([...manifest.spec.providers].sort(), [...plugin.sourceTypes].sort());
});

test('declaration identity matches spec 02 §1.8 and §3', () => {
  assert.equal(plugin.name, 'mcp');
  assert.equal(plugin.version, 'v1alpha1');
  assert.equal(plugin.icon, 'server');
  assert.equal(plugin.description, 'MCP server catalog for Model Context Protocol servers');
  assert.equal(plugin.entities.length, 1);
  assert.equal(kind.kind, 'McpServer');
  assert.equal(kind.plural, 'mcpservers');
  assert.equal(kind.notFoundPhrase, 'mcp server');
  assert.equal(plugin.dataDir, join(pluginDir, 'data'));
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

test('every sample entry validates against the McpServer schema', () => {
  for (const entry of entries) {
    const errors = [...Value.Errors(McpServer, entry)].map((e) => `${e.path}: ${e.message}`);
    assert.deepEqual(errors, [], `entry ${String(entry.name)}`);
    assert.ok(Value.Check(McpServer, entry));
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

test('sample names are unique, not forbidden, and include the referenced servers', () => {
  assert.equal(byName.size, entries.length, 'duplicate names');
  for (const name of byName.keys()) assert.ok(!FORBIDDEN_NAMES.has(name), `forbidden name ${name}`);
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

test('entity count matches docs/sample-data.md', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'sample-data.md'), 'utf8');
  const row = doc.match(/^\|\s*`mcp`\s*\|[^\n]*\|\s*(\d+)\s*\|\s*$/m);
  assert.ok(row, 'summary table row for `mcp` not found');
  assert.equal(Number(row[1]), entries.length);
  const section = doc.split(/^## /m).find((s) => s.startsWith('`mcp`'));
  assert.ok(section, 'section "## `mcp`" not found');
  const stated = section.match(/^- Entities: (\d+)$/m);
  assert.ok(stated, 'mcp section must state "- Entities: <n>"');
  assert.equal(Number(stated[1]), entries.length);
});
