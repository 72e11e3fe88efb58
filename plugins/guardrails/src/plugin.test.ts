import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { readSampleEntries } from '@catalog/framework/testing';
import plugin, { ENFORCEMENT_MODES, ENFORCEMENT_STAGES, Guardrail, GUARDRAIL_TYPES, MODALITIES } from './index.js';

const kind = plugin.entities[0];

/** Guardrails that the agents sample points at; removing one would leave dangling references. */
const REFERENCED_GUARDRAILS = ['pii-redactor', 'toxicity-screen', 'jailbreak-shield'];

type Entry = Record<string, unknown>;

const entries: Entry[] = readSampleEntries(plugin);
const byName = new Map(entries.map((e) => [e.name as string, e]));

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

test('sample includes the referenced guardrails', () => {
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
