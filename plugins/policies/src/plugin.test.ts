import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { readSampleEntries } from '@catalog/framework/testing';
import plugin, { ENFORCEMENT_MODES, ENFORCEMENT_SCOPES, POLICY_LANGUAGES, POLICY_TYPES, Policy } from './index.js';

const kind = plugin.entities[0];

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

const entries: Entry[] = readSampleEntries(plugin);
const byName = new Map(entries.map((e) => [e.name as string, e]));

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

test('sample includes the referenced policies', () => {
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
