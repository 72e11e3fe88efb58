import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import plugin, { ENFORCEMENT_MODES, ENFORCEMENT_SCOPES, POLICY_LANGUAGES, POLICY_TYPES, Policy } from './index.js';

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

/** Policies that the agents sample points at; removing one would leave dangling references. */
const REFERENCED_POLICIES = ['tool-allowlist-internal', 'eu-data-boundary', 'prod-change-window'];

/** The closed top-level enums of spec 02 §8.1, each of which the sample must cover completely (§10.3). */
const ENUMS: Record<string, readonly string[]> = {
  policyType: POLICY_TYPES,
  language: POLICY_LANGUAGES,
  enforcementScope: ENFORCEMENT_SCOPES,
  enforcementMode: ENFORCEMENT_MODES,
};

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

test('declaration identity matches spec 02 §1.8 and §8', () => {
  assert.equal(plugin.name, 'policies');
  assert.equal(plugin.version, 'v1alpha1');
  assert.equal(plugin.displayName, 'Policies');
  assert.equal(plugin.icon, 'gavel');
  assert.equal(plugin.description, 'Policy catalog for AI governance and access control');
  assert.equal(plugin.configKey, undefined);
  assert.deepEqual(plugin.sourceTypes, ['yaml', 'git', 'http']);
  assert.equal(plugin.entities.length, 1);
  assert.equal(kind.kind, 'Policy');
  assert.equal(kind.plural, 'policies');
  assert.equal(kind.yamlKey, undefined);
  assert.equal(kind.displayName, 'Policy');
  assert.equal(kind.description, 'AI governance and access control policies');
  assert.equal(kind.notFoundPhrase, 'policy');
  assert.equal(kind.ingest, undefined, 'policies need no normalize hook (spec 02 §1.2)');
  assert.equal(plugin.dataDir, join(pluginDir, 'data'));
});

test('select filter options equal the schema enums, and sourceId is left to the framework', () => {
  const filters = new Map(kind.fields.filterFields.map((f) => [f.name, f]));
  const props = Policy.properties as Record<string, { enum?: string[] }>;
  for (const [field, values] of Object.entries(ENUMS)) {
    assert.equal(filters.get(field)?.type, 'select', field);
    assert.deepEqual(filters.get(field)?.options, [...values], field);
    assert.deepEqual(props[field].enum, [...values], field);
  }
  assert.equal(filters.get('name')?.type, 'text');
  assert.equal(filters.has('sourceId'), false);
  for (const field of kind.fields.filterFields) assert.equal('operators' in field, false, `${field.name} declares operators`);
});

test('detail fields only use declared sections', () => {
  assert.deepEqual(kind.uiHints.detailSections, ['Overview', 'Bundle', 'Input Schema']);
  const sections = new Set(kind.uiHints.detailSections);
  for (const field of kind.fields.detailFields) {
    assert.ok(field.section && sections.has(field.section), `${field.name}: unknown section ${field.section}`);
  }
});

test('every sample entry validates against the Policy schema', () => {
  for (const entry of entries) {
    const errors = [...Value.Errors(Policy, entry)].map((e) => `${e.path}: ${e.message}`);
    assert.deepEqual(errors, [], `entry ${String(entry.name)}`);
    assert.ok(Value.Check(Policy, entry));
  }
});

test('schema rejects the values spec 02 §8.1 rules out', () => {
  const base = { name: 'x', policyType: 'safety', language: 'cel' };
  assert.ok(Value.Check(Policy, base));
  const invalid: Entry[] = [
    { name: 'x', language: 'cel' },
    { name: 'x', policyType: 'safety' },
    { ...base, policyType: 'rate_limit' },
    { ...base, policyType: 'Safety' },
    { ...base, language: 'python' },
    { ...base, enforcementScope: 'cluster' },
    { ...base, enforcementMode: 'dry_run' },
    { ...base, inputSchema: 'object' },
    { ...base, inputSchema: [] },
    { ...base, bundleRef: 42 },
    { ...base, customProperties: 'team=security' },
    { ...base, unknownField: true },
  ];
  for (const entry of invalid) assert.equal(Value.Check(Policy, entry), false, JSON.stringify(entry));
  const errors = [...Value.Errors(Policy, { ...base, rules: [] })];
  assert.ok(errors.some((e) => e.path === '/rules'), 'unknown key must be reported at its own path');

  // inputSchema and customProperties are open: any JSON below them is the author's business.
  assert.ok(Value.Check(Policy, { ...base, inputSchema: { type: 'object', 'x-vendor': { anything: [1, 'two'] } } }));
  assert.ok(Value.Check(Policy, { ...base, customProperties: { nested: { a: [1, { b: null }] }, flag: true } }));
});

test('sample names are unique, not forbidden, and include the referenced policies', () => {
  assert.equal(byName.size, entries.length, 'duplicate names');
  for (const name of byName.keys()) assert.ok(!FORBIDDEN_NAMES.has(name), `forbidden name ${name}`);
  for (const name of REFERENCED_POLICIES) assert.ok(byName.has(name), `referenced policy ${name} missing`);
});

test('sample covers the enums, every optional field and custom properties', () => {
  assert.ok(entries.length >= 10, 'at least 10 policies (spec 02 §10.3)');
  for (const [field, values] of Object.entries(ENUMS)) {
    const seen = new Set(entries.map((e) => e[field]));
    for (const value of values) assert.ok(seen.has(value), `${field} ${value} never used`);
  }

  const required = new Set<string>(Policy.required ?? []);
  for (const field of Object.keys(Policy.properties).filter((f) => !required.has(f))) {
    assert.ok(entries.some((e) => e[field] !== undefined), `optional field ${field} is never set`);
  }
  assert.ok(entries.filter((e) => e.customProperties !== undefined).length >= 2);
  // Absent optional enums sort and filter differently from set ones, so one entry leaves them out.
  assert.ok(entries.some((e) => e.enforcementScope === undefined && e.enforcementMode === undefined));
});

test('sample supports the query facts of docs/sample-data.md', () => {
  const names = (predicate: (e: Entry) => boolean) => entries.filter(predicate).map((e) => e.name);
  assert.deepEqual(names((e) => e.enforcementMode === 'dry-run'), ['autonomy-step-limit', 'sandbox-model-trial']);
  assert.deepEqual(names((e) => e.language === 'cel'), ['prod-change-window', 'high-risk-skill-approval', 'sandbox-model-trial']);
  assert.deepEqual(names((e) => e.enforcementScope === undefined || e.enforcementMode === undefined), ['synthetic-data-labels']);
});

test('entity count matches docs/sample-data.md', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'sample-data.md'), 'utf8');
  const row = doc.match(/^\|\s*`policies`\s*\|[^\n]*\|\s*(\d+)\s*\|\s*$/m);
  assert.ok(row, 'summary table row for `policies` not found');
  assert.equal(Number(row[1]), entries.length);
  const section = doc.split(/^## /m).find((s) => s.startsWith('`policies`'));
  assert.ok(section, 'section "## `policies`" not found');
  const stated = section.match(/^- Entities: (\d+)$/m);
  assert.ok(stated, 'policies section must state "- Entities: <n>"');
  assert.equal(Number(stated[1]), entries.length);
});
