import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import plugin, { ENFORCEMENT_MODES, ENFORCEMENT_STAGES, Guardrail, GUARDRAIL_TYPES, MODALITIES } from './index.js';

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

/** Guardrails that the agents sample points at; removing one would leave dangling references. */
const REFERENCED_GUARDRAILS = ['pii-redactor', 'toxicity-screen', 'jailbreak-shield'];

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

test('declaration identity matches spec 02 §1.8 and §7', () => {
  assert.equal(plugin.name, 'guardrails');
  assert.equal(plugin.version, 'v1alpha1');
  assert.equal(plugin.displayName, 'Guardrails');
  assert.equal(plugin.icon, 'shield');
  assert.equal(plugin.description, 'Guardrail catalog for AI safety and content moderation rules');
  assert.deepEqual(plugin.sourceTypes, ['yaml', 'git', 'http']);
  assert.equal(plugin.configKey, undefined);
  assert.equal(plugin.actions, undefined, 'guardrails has the built-in actions only');
  assert.equal(plugin.entities.length, 1);
  assert.equal(kind.kind, 'Guardrail');
  assert.equal(kind.plural, 'guardrails');
  assert.equal(kind.yamlKey, undefined);
  assert.equal(kind.displayName, 'Guardrail');
  assert.equal(kind.description, 'AI safety and content moderation rules');
  assert.equal(kind.notFoundPhrase, 'guardrail');
  assert.equal(plugin.dataDir, join(pluginDir, 'data'));
});

test('capabilities fields follow spec 02 §7.3', () => {
  assert.deepEqual(
    kind.fields.columns.map((c) => [c.name, c.displayName, c.type, c.sortable ?? false, c.width]),
    [
      ['name', 'Name', 'string', true, 'lg'],
      ['guardrailType', 'Type', 'string', true, 'md'],
      ['enforcementStage', 'Stage', 'string', true, 'md'],
      ['enforcementMode', 'Mode', 'string', true, 'sm'],
      ['riskCategories', 'Risk Categories', 'array', false, 'md'],
    ],
  );
  assert.deepEqual(
    kind.fields.filterFields.map((f) => [f.name, f.displayName, f.type]),
    [
      ['name', 'Name', 'text'],
      ['guardrailType', 'Guardrail Type', 'select'],
      ['enforcementStage', 'Enforcement Stage', 'select'],
      ['enforcementMode', 'Enforcement Mode', 'select'],
      ['riskCategories', 'Risk Categories', 'text'],
    ],
  );
  assert.deepEqual(kind.uiHints.detailSections, ['Overview', 'Risk Categories', 'Configuration']);
  assert.deepEqual(
    kind.fields.detailFields.map((f) => [f.section, f.name, f.displayName, f.type]),
    [
      ['Overview', 'name', 'Name', 'string'],
      ['Overview', 'description', 'Description', 'string'],
      ['Overview', 'guardrailType', 'Guardrail Type', 'string'],
      ['Overview', 'enforcementStage', 'Enforcement Stage', 'string'],
      ['Overview', 'enforcementMode', 'Enforcement Mode', 'string'],
      ['Overview', 'version', 'Version', 'string'],
      ['Overview', 'author', 'Author', 'string'],
      ['Overview', 'license', 'License', 'string'],
      ['Risk Categories', 'riskCategories', 'Risk Categories', 'array'],
      ['Risk Categories', 'modalities', 'Modalities', 'array'],
      ['Configuration', 'configRef', 'Configuration Reference', 'object'],
    ],
  );
  assert.equal(kind.uiHints.icon, 'shield');
  assert.equal(kind.uiHints.nameField, 'name');
  assert.deepEqual(kind.searchFields, ['name', 'description', 'riskCategories', 'author']);
  assert.deepEqual(kind.cliDefaultColumns, ['name', 'guardrailType', 'enforcementStage', 'enforcementMode', 'riskCategories']);
  assert.equal(kind.references, undefined);
});

test('select filter options equal the schema enums, and sourceId is left to the framework', () => {
  const filters = new Map(kind.fields.filterFields.map((f) => [f.name, f]));
  assert.deepEqual(filters.get('guardrailType')?.options, [...GUARDRAIL_TYPES]);
  assert.deepEqual(filters.get('enforcementStage')?.options, [...ENFORCEMENT_STAGES]);
  assert.deepEqual(filters.get('enforcementMode')?.options, [...ENFORCEMENT_MODES]);
  assert.equal(filters.has('sourceId'), false);
  const props = Guardrail.properties as Record<string, { enum?: string[]; items?: { enum?: string[] } }>;
  assert.deepEqual(props.guardrailType.enum, [...GUARDRAIL_TYPES]);
  assert.deepEqual(props.enforcementStage.enum, [...ENFORCEMENT_STAGES]);
  assert.deepEqual(props.enforcementMode.enum, [...ENFORCEMENT_MODES]);
  assert.deepEqual(props.modalities.items?.enum, [...MODALITIES]);
});

test('detail fields only use declared sections, and every hinted field exists', () => {
  const sections = new Set(kind.uiHints.detailSections);
  for (const field of kind.fields.detailFields) {
    assert.ok(field.section && sections.has(field.section), `${field.name}: unknown section ${field.section}`);
  }
  const props = new Set(Object.keys(Guardrail.properties));
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

test('every sample entry validates against the Guardrail schema', () => {
  for (const entry of entries) {
    const errors = [...Value.Errors(Guardrail, entry)].map((e) => `${e.path}: ${e.message}`);
    assert.deepEqual(errors, [], `entry ${String(entry.name)}`);
    assert.ok(Value.Check(Guardrail, entry));
  }
});

test('schema rejects the values spec 02 §7.1 rules out', () => {
  const base = { name: 'x', guardrailType: 'regex_rules', enforcementStage: 'pre_prompt', enforcementMode: 'required' };
  assert.ok(Value.Check(Guardrail, base));
  const invalid: Entry[] = [
    { name: 'x', enforcementStage: 'pre_prompt', enforcementMode: 'required' },
    { name: 'x', guardrailType: 'regex_rules', enforcementMode: 'required' },
    { name: 'x', guardrailType: 'regex_rules', enforcementStage: 'pre_prompt' },
    { ...base, guardrailType: 'regex' },
    { ...base, guardrailType: 'Regex_Rules' },
    { ...base, enforcementStage: 'post_prompt' },
    { ...base, enforcementMode: 'blocking' },
    { ...base, modalities: ['video'] },
    { ...base, modalities: 'text' },
    { ...base, riskCategories: 'pii' },
    { ...base, riskCategories: [1] },
    { ...base, configRef: 'config/rails.yml' },
    { ...base, version: 2 },
    { ...base, severity: 'high' },
  ];
  for (const entry of invalid) assert.equal(Value.Check(Guardrail, entry), false, JSON.stringify(entry));
  // riskCategories is free text beyond the conventional values, and configRef is an open map.
  assert.ok(Value.Check(Guardrail, { ...base, riskCategories: ['export_control'], configRef: { rails: { dir: 'r/' }, n: 1 } }));
  assert.ok(Value.Check(Guardrail, { ...base, modalities: [], customProperties: { any: [{ json: null }] } }));
});

test('sample names are unique, not forbidden, and include the referenced guardrails', () => {
  assert.equal(byName.size, entries.length, 'duplicate names');
  for (const name of byName.keys()) assert.ok(!FORBIDDEN_NAMES.has(name), `forbidden name ${name}`);
  for (const name of REFERENCED_GUARDRAILS) assert.ok(byName.has(name), `referenced guardrail ${name} missing`);
});

test('sample covers the enums, every optional field and custom properties (spec 02 §10.3)', () => {
  assert.ok(entries.length >= 10);
  const values = (field: string) => new Set(entries.map((e) => e[field]));
  for (const type of GUARDRAIL_TYPES) assert.ok(values('guardrailType').has(type), `guardrailType ${type}`);
  for (const stage of ENFORCEMENT_STAGES) assert.ok(values('enforcementStage').has(stage), `enforcementStage ${stage}`);
  for (const mode of ENFORCEMENT_MODES) assert.ok(values('enforcementMode').has(mode), `enforcementMode ${mode}`);
  const modalities = new Set(entries.flatMap((e) => (e.modalities as string[] | undefined) ?? []));
  for (const modality of MODALITIES) assert.ok(modalities.has(modality), `modality ${modality}`);

  const required = new Set<string>(Guardrail.required ?? []);
  for (const field of Object.keys(Guardrail.properties).filter((f) => !required.has(f))) {
    assert.ok(entries.some((e) => e[field] !== undefined), `optional field ${field} is never set`);
  }
  assert.ok(entries.filter((e) => e.customProperties !== undefined).length >= 2);
});

test('sample supports the array filter semantics of spec 01 (per-element match)', () => {
  const withPii = entries.filter((e) => ((e.riskCategories as string[] | undefined) ?? []).includes('pii'));
  assert.ok(withPii.some((e) => (e.riskCategories as string[]).length > 1), 'a guardrail lists pii among other categories');
  assert.ok(entries.some((e) => e.riskCategories === undefined), 'a guardrail without riskCategories');
});

test('entity count matches docs/sample-data.md', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'sample-data.md'), 'utf8');
  const row = doc.match(/^\|\s*`guardrails`\s*\|[^\n]*\|\s*(\d+)\s*\|\s*$/m);
  assert.ok(row, 'summary table row for `guardrails` not found');
  assert.equal(Number(row[1]), entries.length);
  const section = doc.split(/^## /m).find((s) => s.startsWith('`guardrails`'));
  assert.ok(section, 'section "## `guardrails`" not found');
  const stated = section.match(/^- Entities: (\d+)$/m);
  assert.ok(stated, 'guardrails section must state "- Entities: <n>"');
  assert.equal(Number(stated[1]), entries.length);
});
