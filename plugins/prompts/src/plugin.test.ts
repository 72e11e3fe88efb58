import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryRejection } from '@catalog/framework';
import { Value } from '@sinclair/typebox/value';
import { readSampleEntries } from '@catalog/framework/testing';
import plugin, {
  MAX_TEMPLATE_BYTES,
  normalizePromptTemplate,
  PROMPT_FORMATS,
  PromptTemplate,
  RenderParams,
  renderActionDeclaration,
  templatePlaceholders,
  TEMPLATE_SIZE_MESSAGE,
  type PromptFormat,
} from './index.js';

const kind = plugin.entities[0];

/** Templates that the agents sample points at; removing one would leave dangling references. */
const REFERENCED_PROMPTS = ['helpdesk-persona', 'incident-summary', 'ticket-triage'];

type Entry = Record<string, unknown>;

const entries: Entry[] = readSampleEntries(plugin);
const byName = new Map(entries.map((e) => [e.name as string, e]));

test('declaration identity matches spec 02 §1.8 and §5', () => {
  assert.equal(plugin.name, 'prompts');
  assert.equal(plugin.version, 'v1alpha1');
  assert.equal(plugin.displayName, 'Prompt Templates');
  assert.equal(plugin.icon, 'file-code');
  assert.equal(plugin.description, 'Prompt template catalog for reusable AI prompts');
  assert.deepEqual(plugin.sourceTypes, ['yaml', 'git', 'http']);
  assert.equal(plugin.configKey, undefined);
  assert.equal(plugin.entities.length, 1);
  assert.equal(kind.kind, 'PromptTemplate');
  assert.equal(kind.plural, 'prompttemplates');
  assert.equal(kind.yamlKey, undefined);
  assert.equal(kind.displayName, 'Prompt Template');
  assert.equal(kind.description, 'Reusable prompt templates for AI models');
  assert.equal(kind.notFoundPhrase, 'prompt template');
});

test('the render action is declared as spec 02 §5.4 defines it', () => {
  assert.deepEqual(plugin.actions, [renderActionDeclaration]);
  const { handler, params, ...definition } = renderActionDeclaration;
  assert.equal(typeof handler, 'function');
  assert.equal(params, RenderParams);
  assert.deepEqual(
    { ...definition, parameters: undefined },
    {
      id: 'render',
      displayName: 'Render',
      description: 'Render the template with parameter values',
      scope: 'asset',
      supportsDryRun: false,
      idempotent: true,
      parameters: undefined,
    },
  );
  assert.deepEqual(definition.parameters?.map((p) => [p.name, p.type, p.required]), [['parameters', 'key-value', false]]);
  assert.deepEqual(kind.uiHints.actionHints?.primary, ['render', 'refresh']);

  // params `{parameters?: object}`: absent, empty and any JSON values inside are fine; nothing else is.
  for (const ok of [{}, { parameters: {} }, { parameters: { a: 1, b: [true], c: { d: null } } }]) {
    assert.ok(Value.Check(RenderParams, ok), JSON.stringify(ok));
  }
  for (const bad of [{ parameters: 'x' }, { parameters: [] }, { parameters: null }, { parameter: {} }, []]) {
    assert.equal(Value.Check(RenderParams, bad), false, JSON.stringify(bad));
  }
});

test('capabilities fields follow spec 02 §5.3', () => {
  assert.deepEqual(
    kind.fields.columns.map((c) => [c.name, c.displayName, c.type, c.sortable ?? false, c.width]),
    [
      ['name', 'Name', 'string', true, 'lg'],
      ['format', 'Format', 'string', true, 'md'],
      ['taskTags', 'Task Tags', 'array', false, 'md'],
      ['version', 'Version', 'string', true, 'sm'],
      ['author', 'Author', 'string', true, 'md'],
    ],
  );
  assert.deepEqual(
    kind.fields.filterFields.map((f) => [f.name, f.displayName, f.type]),
    [['name', 'Name', 'text'], ['format', 'Format', 'select'], ['taskTags', 'Task Tags', 'text'], ['author', 'Author', 'text']],
  );
  assert.deepEqual(kind.uiHints.detailSections, ['Overview', 'Template', 'Parameters', 'Model Constraints']);
  assert.deepEqual(
    kind.fields.detailFields.map((f) => [f.section, f.name, f.displayName, f.type]),
    [
      ['Overview', 'name', 'Name', 'string'],
      ['Overview', 'description', 'Description', 'string'],
      ['Overview', 'format', 'Format', 'string'],
      ['Overview', 'version', 'Version', 'string'],
      ['Overview', 'author', 'Author', 'string'],
      ['Overview', 'license', 'License', 'string'],
      ['Template', 'template', 'Template', 'string'],
      ['Parameters', 'parametersSchema', 'Parameters Schema', 'object'],
      ['Parameters', 'outputSchema', 'Output Schema', 'object'],
      ['Model Constraints', 'modelConstraints', 'Model Constraints', 'object'],
    ],
  );
  assert.equal(kind.uiHints.icon, 'file-code');
  assert.equal(kind.uiHints.nameField, 'name');
  assert.deepEqual(kind.searchFields, ['name', 'description', 'taskTags', 'author']);
  assert.deepEqual(kind.cliDefaultColumns, ['name', 'format', 'taskTags', 'version', 'author']);
  assert.equal(kind.references, undefined);
});

test('select filter options equal the schema enum, and sourceId is left to the framework', () => {
  const filters = new Map(kind.fields.filterFields.map((f) => [f.name, f]));
  assert.deepEqual(filters.get('format')?.options, [...PROMPT_FORMATS]);
  assert.equal(filters.has('sourceId'), false);
  const props = PromptTemplate.properties as Record<string, { enum?: string[] }>;
  assert.deepEqual(props.format.enum, [...PROMPT_FORMATS]);
});

test('detail fields only use declared sections, and every hinted field exists', () => {
  const sections = new Set(kind.uiHints.detailSections);
  for (const field of kind.fields.detailFields) {
    assert.ok(field.section && sections.has(field.section), `${field.name}: unknown section ${field.section}`);
  }
  const props = new Set(Object.keys(PromptTemplate.properties));
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

test('every sample entry passes normalize as given', () => {
  for (const entry of entries) assert.equal(normalizePromptTemplate(entry), entry, `entry ${String(entry.name)}`);
});

test('schema rejects the values spec 02 §5.1 rules out', () => {
  const base = { name: 'x', format: 'completion', template: 'Hello {{name}}' };
  assert.ok(Value.Check(PromptTemplate, base));
  const invalid: Entry[] = [
    { name: 'x', format: 'completion' },
    { name: 'x', template: 'Hello' },
    { ...base, template: '' },
    { ...base, template: 'x'.repeat(MAX_TEMPLATE_BYTES + 1) },
    { ...base, template: ['[system]', 'hi'] },
    { ...base, format: 'mustache' },
    { ...base, format: 'Jinja2' },
    { ...base, parametersSchema: 'type: object' },
    { ...base, outputSchema: [] },
    { ...base, modelConstraints: { minContextTokens: 0 } },
    { ...base, modelConstraints: { maxOutputTokens: 1.5 } },
    { ...base, modelConstraints: { compatibleModelFamilies: 'helm' } },
    { ...base, examples: { inputs: {} } },
    { ...base, examples: [{ inputs: 'question=hi' }] },
    { ...base, examples: [{ expectedOutput: { text: 'hi' } }] },
    { ...base, examples: [{ notes: 3 }] },
    { ...base, taskTags: 'summarization' },
    { ...base, taskTags: [1] },
    { ...base, version: 1.2 },
    { ...base, temperature: 0.2 },
  ];
  for (const entry of invalid) assert.equal(Value.Check(PromptTemplate, entry), false, JSON.stringify(entry).slice(0, 120));
  // Open objects keep unknown keys: JSON Schemas, runtime-specific model constraints, extra example keys.
  assert.ok(
    Value.Check(PromptTemplate, {
      ...base,
      parametersSchema: { type: 'object', properties: { name: { type: 'string' } }, $comment: 'x' },
      outputSchema: { type: 'array' },
      modelConstraints: { minContextTokens: 1, maxOutputTokens: 1, topK: 40 },
      examples: [{ inputs: { name: 'a' }, expectedOutput: 'b', notes: 'c', score: 0.9 }, {}],
      customProperties: { any: { json: [1, null] } },
    }),
  );
});

test('normalize enforces the 256 KiB limit in UTF-8 bytes, which the schema can only approximate', () => {
  const ascii = { name: 'x', format: 'raw', template: 'a'.repeat(MAX_TEMPLATE_BYTES) };
  assert.ok(Value.Check(PromptTemplate, ascii));
  assert.equal(normalizePromptTemplate(ascii), ascii);
  // 'é' is one UTF-16 unit but two UTF-8 bytes: within maxLength, over the byte limit.
  const accented = { name: 'x', format: 'raw', template: 'é'.repeat(MAX_TEMPLATE_BYTES / 2 + 1) };
  assert.ok(Value.Check(PromptTemplate, accented));
  assert.throws(
    () => normalizePromptTemplate(accented),
    (error: unknown) => error instanceof EntryRejection && error.message === TEMPLATE_SIZE_MESSAGE && error.path === 'template',
  );
  assert.equal(kind.ingest?.normalize, normalizePromptTemplate);
});

test('sample includes the referenced templates', () => {
  for (const name of REFERENCED_PROMPTS) assert.ok(byName.has(name), `referenced template ${name} missing`);
});

test('sample covers the formats, every optional field and custom properties (spec 02 §10.3)', () => {
  assert.ok(entries.length >= 10);
  const formats = new Set(entries.map((e) => e.format));
  for (const format of PROMPT_FORMATS) assert.ok(formats.has(format), `format ${format}`);

  const required = new Set<string>(PromptTemplate.required ?? []);
  for (const field of Object.keys(PromptTemplate.properties).filter((f) => !required.has(f))) {
    assert.ok(entries.some((e) => e[field] !== undefined), `optional field ${field} is never set`);
  }
  const count = (field: string) => entries.filter((e) => e[field] !== undefined).length;
  assert.ok(count('customProperties') >= 2, 'customProperties');
  assert.ok(count('outputSchema') >= 3, 'outputSchema');
  assert.ok(count('modelConstraints') >= 3, 'modelConstraints');
  assert.ok(count('examples') >= 2, 'examples');
});

/** The sub-schema declaring a dotted placeholder path, or undefined when a segment is undeclared. */
function declaredAt(schema: unknown, path: string): unknown {
  let current = schema;
  for (const segment of path.split('.')) {
    const properties = (current as { properties?: Record<string, unknown> } | undefined)?.properties;
    if (!properties || !Object.hasOwn(properties, segment)) return undefined;
    current = properties[segment];
  }
  return current;
}

test('every placeholder of every non-raw sample template is declared in its parametersSchema', () => {
  for (const entry of entries) {
    const format = entry.format as PromptFormat;
    if (format === 'raw') continue;
    const placeholders = templatePlaceholders(format, entry.template as string);
    assert.ok(placeholders.length > 0, `${String(entry.name)} has no placeholders`);
    for (const path of placeholders) {
      assert.ok(declaredAt(entry.parametersSchema, path), `${String(entry.name)}: placeholder ${path} is not declared`);
    }
  }
});

test('sample supports the array filter examples of spec 01 §12 and 02 §12', () => {
  const tagged = (tag: string) => entries.filter((e) => ((e.taskTags as string[] | undefined) ?? []).includes(tag));
  assert.ok(tagged('summarization').length >= 1);
  assert.ok(tagged('operations').some((e) => (e.taskTags as string[]).length > 1), 'operations among other tags');
});
