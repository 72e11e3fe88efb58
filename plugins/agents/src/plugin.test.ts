import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import { EntryRejection } from '@catalog/framework';
import plugin, {
  Agent,
  AGENT_TYPES,
  GUARDRAIL_ENFORCEMENT_MODES,
  INSTRUCTIONS_SIZE_MESSAGE,
  MAX_INSTRUCTIONS_BYTES,
  normalizeAgent,
  POLICY_ENFORCEMENT_MODES,
  SELF_DEPENDENCY_MESSAGE,
  TOOL_NAME_MESSAGE,
  TOOL_REF_TARGET_MESSAGE,
} from './index.js';

const pluginDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(pluginDir, '..', '..');
const fixtureRepo = join(pluginDir, 'test', 'fixtures', 'git');
const fixtureUpdate = join(pluginDir, 'test', 'fixtures', 'git-update');
const kind = plugin.entities[0];
const yamlKey = kind.yamlKey ?? kind.plural;

/**
 * The entities of other plugins that the agent sample may name (docs/sample-data.md). The sample
 * ships them, so every reference of this plugin's sample resolves (spec 02 §10.4).
 */
const SHIPPED_TARGETS: Record<string, { yamlKey: string; names: string[] }> = {
  skills: { yamlKey: 'skills', names: ['ticket-create', 'ticket-lookup', 'runbook-search', 'pod-restart'] },
  mcp: { yamlKey: 'mcpservers', names: ['cluster-ops-mcp', 'directory-mcp', 'ticket-desk-mcp', 'warehouse-sql-mcp'] },
  knowledge: { yamlKey: 'knowledgesources', names: ['it-kb-articles', 'incident-postmortems', 'product-catalog-vectors'] },
  guardrails: { yamlKey: 'guardrails', names: ['pii-redactor', 'toxicity-screen', 'jailbreak-shield'] },
  policies: { yamlKey: 'policies', names: ['tool-allowlist-internal', 'eu-data-boundary', 'prod-change-window'] },
  prompts: { yamlKey: 'prompttemplates', names: ['helpdesk-persona', 'incident-summary', 'ticket-triage'] },
  model: { yamlKey: 'models', names: ['northwind/helm-8b-instruct', 'northwind/helm-3b-instruct'] },
};

type Entry = Record<string, unknown>;

function readEntries(file: string): Entry[] {
  const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const entries = doc[yamlKey];
  assert.ok(Array.isArray(entries), `${file}: key "${yamlKey}" must hold a list`);
  return entries as Entry[];
}

function loadSampleEntries(): Entry[] {
  return readdirSync(plugin.dataDir!).filter((f) => f.endsWith('.yaml')).flatMap((file) => readEntries(join(plugin.dataDir!, file)));
}

/** Every string at a declared reference path (`a[].b`, `a.b[]`), in document order. */
function referenceValues(entry: unknown, field: string): string[] {
  const walk = (value: unknown, segments: string[]): string[] => {
    if (segments.length === 0) return typeof value === 'string' ? [value] : [];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    const [head, ...rest] = segments;
    const key = head.endsWith('[]') ? head.slice(0, -2) : head;
    const child = (value as Entry)[key];
    if (!head.endsWith('[]')) return walk(child, rest);
    return Array.isArray(child) ? child.flatMap((element) => walk(element, rest)) : [];
  };
  return walk(entry, field.split('.'));
}

/** The errors `Value.Errors` reports for `value`, as `path: message` lines for readable failures. */
function schemaErrors(value: unknown): string[] {
  return [...Value.Errors(Agent, value)].map((e) => `${e.path}: ${e.message}`);
}

/** Asserts that `normalize` rejects `entry` with exactly this message and path. */
function assertRejected(entry: Entry, message: string, path: string): void {
  assert.ok(Value.Check(Agent, entry), `the schema itself must accept ${JSON.stringify(entry)}`);
  assert.throws(
    () => normalizeAgent(structuredClone(entry)),
    (error: unknown) => {
      assert.ok(error instanceof EntryRejection, `expected an EntryRejection, got ${String(error)}`);
      assert.equal(error.message, message);
      assert.equal(error.path, path);
      return true;
    },
  );
}

const entries = loadSampleEntries();
const byName = new Map(entries.map((e) => [e.name as string, e]));

test('declaration identity matches spec 02 §1.8 and §6', () => {
  assert.equal(plugin.name, 'agents');
  assert.equal(plugin.version, 'v1alpha1');
  assert.equal(plugin.displayName, 'Agents');
  assert.equal(plugin.icon, 'robot');
  assert.equal(plugin.description, 'Agent catalog for AI agents and multi-agent orchestrations');
  assert.deepEqual(plugin.sourceTypes, ['yaml', 'git', 'http']);
  assert.equal(plugin.configKey, undefined);
  assert.equal(plugin.entities.length, 1);
  assert.equal(kind.kind, 'Agent');
  assert.equal(kind.plural, 'agents');
  assert.equal(yamlKey, 'agents');
  assert.equal(kind.displayName, 'Agent');
  assert.equal(kind.description, 'AI agents and multi-agent orchestrations');
  assert.equal(kind.notFoundPhrase, 'agent');
  assert.equal(plugin.actions, undefined, 'agents has the built-in actions only');
});

test('columns, filters, search fields and CLI columns are those of spec 02 §6.3', () => {
  assert.deepEqual(
    kind.fields.columns.map((c) => [c.name, c.displayName, c.path, c.type, c.sortable, c.width]),
    [
      ['name', 'Name', 'name', 'string', true, 'lg'],
      ['agentType', 'Type', 'agentType', 'string', true, 'md'],
      ['category', 'Category', 'category', 'string', true, 'md'],
      ['version', 'Version', 'version', 'string', true, 'sm'],
      ['author', 'Author', 'author', 'string', true, 'md'],
    ],
  );
  assert.deepEqual(
    kind.fields.filterFields.map((f) => [f.name, f.displayName, f.type]),
    [['name', 'Name', 'text'], ['agentType', 'Agent Type', 'select'], ['category', 'Category', 'text'], ['author', 'Author', 'text']],
  );
  assert.deepEqual(kind.searchFields, ['name', 'description', 'category', 'author']);
  assert.deepEqual(kind.cliDefaultColumns, ['name', 'agentType', 'category', 'version', 'author']);
  assert.equal(kind.uiHints.icon, 'robot');
  assert.equal(kind.uiHints.nameField, 'name');
});

test('select filter options equal the schema enum, and sourceId is left to the framework', () => {
  const filters = new Map(kind.fields.filterFields.map((f) => [f.name, f]));
  assert.deepEqual(filters.get('agentType')?.options, [...AGENT_TYPES]);
  assert.equal(filters.has('sourceId'), false);
  const props = Agent.properties as Record<string, { enum?: string[] }>;
  assert.deepEqual(props.agentType.enum, [...AGENT_TYPES]);
});

test('detail fields form the seven sections of spec 02 §6.3, in order', () => {
  const expected: Record<string, [string, string, string][]> = {
    Overview: [
      ['name', 'Name', 'string'], ['description', 'Description', 'string'], ['agentType', 'Agent Type', 'string'],
      ['category', 'Category', 'string'], ['version', 'Version', 'string'], ['author', 'Author', 'string'],
      ['license', 'License', 'string'],
    ],
    Instructions: [['instructions', 'Instructions', 'string']],
    'Model Configuration': [['modelConfig', 'Model Configuration', 'object']],
    'Tools & Knowledge': [['tools', 'Tools', 'array'], ['knowledge', 'Knowledge', 'array'], ['promptRefs', 'Prompt References', 'array']],
    'Guardrails & Policies': [['guardrails', 'Guardrails', 'array'], ['policies', 'Policies', 'array']],
    Dependencies: [['dependencies', 'Dependencies', 'array']],
    'Input/Output': [['inputSchema', 'Input Schema', 'object'], ['outputSchema', 'Output Schema', 'object'], ['examples', 'Examples', 'array']],
  };
  assert.deepEqual(kind.uiHints.detailSections, Object.keys(expected));
  const actual: Record<string, [string, string, string][]> = {};
  for (const field of kind.fields.detailFields) {
    assert.equal(field.path, field.name, `${field.name}: detail fields address top-level properties`);
    (actual[field.section ?? ''] ??= []).push([field.name, field.displayName, field.type]);
  }
  assert.deepEqual(actual, expected);
  for (const field of kind.fields.detailFields) assert.ok(field.name in Agent.properties, `${field.name} is not a schema field`);
});

test('references are the nine Agent rows of spec 02 §2.6, in table order', () => {
  assert.deepEqual(kind.references, [
    { field: 'tools[].skillRef', plugin: 'skills', kind: 'Skill' },
    { field: 'tools[].mcpToolRef', plugin: 'mcp', kind: 'McpServer' },
    { field: 'knowledge[].knowledgeSourceRef', plugin: 'knowledge', kind: 'KnowledgeSource' },
    { field: 'guardrails[].guardrailRef', plugin: 'guardrails', kind: 'Guardrail' },
    { field: 'policies[].policyRef', plugin: 'policies', kind: 'Policy' },
    { field: 'promptRefs[].promptTemplateRef', plugin: 'prompts', kind: 'PromptTemplate' },
    { field: 'dependencies[].agentRef', plugin: 'agents', kind: 'Agent' },
    { field: 'modelConfig.preferredModelRef', plugin: 'model', kind: 'CatalogModel' },
    { field: 'modelConfig.fallbackModelRefs[]', plugin: 'model', kind: 'CatalogModel' },
  ]);
  assert.equal(kind.ingest?.normalize, normalizeAgent);
});

test('every sample entry passes normalize unchanged', () => {
  assert.ok(entries.length >= 12, `at least 12 sample agents, found ${entries.length}`);
  for (const entry of entries) {
    const copy = structuredClone(entry);
    assert.deepEqual(normalizeAgent(copy), entry, `entry ${String(entry.name)}: normalize must not transform`);
  }
});

test('the spec 02 §6.2 example is shipped as given', () => {
  const example = byName.get('service-desk-assistant');
  assert.ok(example, 'service-desk-assistant (spec 02 §6.2, used by the governance examples) is missing');
  assert.deepEqual(example.modelConfig, {
    preferredModelRef: 'northwind/helm-8b-instruct', fallbackModelRefs: ['northwind/helm-3b-instruct'], maxTokens: 2048, temperature: 0.3,
  });
  assert.deepEqual(example.tools, [
    { skillRef: 'ticket-create', required: true, timeout: 20 },
    { mcpToolRef: 'directory-mcp', toolName: 'lookup_user' },
  ]);
});

test('sample covers every agent type, every optional field and custom properties (spec 02 §10.3)', () => {
  const types = new Set(entries.map((e) => e.agentType));
  for (const type of AGENT_TYPES) assert.ok(types.has(type), `agentType ${type} never used`);

  const required = new Set<string>(Agent.required ?? []);
  for (const field of Object.keys(Agent.properties).filter((f) => !required.has(f))) {
    assert.ok(entries.some((e) => e[field] !== undefined), `optional field ${field} is never set`);
  }
  assert.ok(entries.filter((e) => e.customProperties !== undefined).length >= 2);

  // Nested enums need not be exhaustive (spec 02 §10.3); covering them keeps the detail pages honest.
  const modes = (field: string) => new Set(entries.flatMap((e) => ((e[field] ?? []) as Entry[]).map((r) => r.enforcementMode)));
  for (const mode of GUARDRAIL_ENFORCEMENT_MODES) assert.ok(modes('guardrails').has(mode), `guardrail mode ${mode}`);
  for (const mode of POLICY_ENFORCEMENT_MODES) assert.ok(modes('policies').has(mode), `policy mode ${mode}`);
});

test('every reference field of spec 02 §2.6 is used by the sample', () => {
  for (const reference of kind.references ?? []) {
    assert.ok(entries.some((e) => referenceValues(e, reference.field).length > 0), `${reference.field} is never used`);
  }
});

test('every reference of the sample names a shipped entity (spec 02 §10.4)', () => {
  const agentNames = [...byName.keys()];
  for (const reference of kind.references ?? []) {
    const shipped = new Set(reference.plugin === plugin.name ? agentNames : SHIPPED_TARGETS[reference.plugin].names);
    for (const entry of entries) {
      for (const target of referenceValues(entry, reference.field)) {
        assert.ok(shipped.has(target), `${String(entry.name)}: ${reference.field} "${target}" is not shipped`);
      }
    }
  }
});

test('the names this sample relies on exist in the other plugins\' shipped samples', () => {
  for (const [pluginName, { yamlKey: key, names }] of Object.entries(SHIPPED_TARGETS)) {
    const dataDir = join(repoRoot, 'plugins', pluginName, 'data');
    // A catalog that is not in the tree yet is checked once it ships its sample.
    if (!existsSync(dataDir)) continue;
    const shipped = new Set(
      readdirSync(dataDir)
        .filter((f) => f.endsWith('.yaml'))
        .flatMap((f) => {
          const list = (parse(readFileSync(join(dataDir, f), 'utf8')) as Entry | null)?.[key];
          return Array.isArray(list) ? (list as Entry[]).map((e) => e.name) : [];
        }),
    );
    if (shipped.size === 0) continue;
    for (const name of names) assert.ok(shipped.has(name), `${pluginName} sample does not ship "${name}"`);
  }
});

test('every toolName is a tool that docs/sample-data.md lists for its MCP server', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'sample-data.md'), 'utf8');
  const tools = new Map<string, Set<string>>();
  for (const [, server, list] of doc.matchAll(/^\|\s*`([a-z0-9-]+-mcp)`\s*\|\s*((?:`[a-z_]+`(?:,\s*)?)+)\s*\|\s*$/gm)) {
    tools.set(server, new Set([...list.matchAll(/`([a-z_]+)`/g)].map((m) => m[1])));
  }
  for (const server of SHIPPED_TARGETS.mcp.names) assert.ok(tools.has(server), `docs list no tools for ${server}`);
  for (const entry of entries) {
    for (const tool of (entry.tools ?? []) as Entry[]) {
      if (tool.toolName === undefined) continue;
      const known = tools.get(tool.mcpToolRef as string);
      assert.ok(known?.has(tool.toolName as string), `${String(entry.name)}: ${String(tool.mcpToolRef)} has no tool ${String(tool.toolName)}`);
    }
  }
});

test('dependencies form an acyclic orchestration at least two levels deep', () => {
  const dependenciesOf = (name: string) => referenceValues(byName.get(name), 'dependencies[].agentRef');
  const depth = (name: string, path: string[]): number => {
    assert.ok(!path.includes(name), `dependency cycle ${[...path, name].join(' -> ')}`);
    const children = dependenciesOf(name);
    return children.length === 0 ? 0 : 1 + Math.max(...children.map((child) => depth(child, [...path, name])));
  };
  const deepest = Math.max(...[...byName.keys()].map((name) => depth(name, [])));
  assert.ok(deepest >= 2, `deepest orchestration has ${deepest} level(s)`);
});

test('at least two agents prefer a shipped sample model', () => {
  const models = new Set(SHIPPED_TARGETS.model.names);
  const preferring = entries.filter((e) => models.has((e.modelConfig as Entry | undefined)?.preferredModelRef as string));
  assert.ok(preferring.length >= 2, `${preferring.length} agent(s) prefer a shipped model`);
});

test('sample supports the filter example of spec 01 §10.7', () => {
  // modelConfig.temperature < 0.5 AND tools.skillRef = 'ticket-create'
  const usesTicketCreate = (e: Entry) => referenceValues(e, 'tools[].skillRef').includes('ticket-create');
  const temperature = (e: Entry) => (e.modelConfig as Entry | undefined)?.temperature as number | undefined;
  const matching = entries.filter((e) => usesTicketCreate(e) && temperature(e) !== undefined && temperature(e)! < 0.5);
  assert.ok(matching.length > 0 && matching.length < entries.filter(usesTicketCreate).length);
});

test('schema rejects what spec 02 §6.1 rules out', () => {
  const base = { name: 'x', agentType: 'router' };
  assert.deepEqual(schemaErrors(base), []);
  const invalid: [string, Entry][] = [
    ['agentType chatbot', { ...base, agentType: 'chatbot' }],
    ['missing agentType', { name: 'x' }],
    ['unknown top-level key', { ...base, persona: 'friendly' }],
    ['unknown key in a tool', { ...base, tools: [{ skillRef: 'ticket-create', retries: 2 }] }],
    ['tool timeout 0', { ...base, tools: [{ skillRef: 'ticket-create', timeout: 0 }] }],
    ['tool timeout not an integer', { ...base, tools: [{ skillRef: 'ticket-create', timeout: 1.5 }] }],
    ['tool required not a boolean', { ...base, tools: [{ skillRef: 'ticket-create', required: 'yes' }] }],
    ['maxTokens 0', { ...base, modelConfig: { maxTokens: 0 } }],
    ['temperature above 2', { ...base, modelConfig: { temperature: 2.1 } }],
    ['topP above 1', { ...base, modelConfig: { topP: 1.1 } }],
    ['fallbackModelRefs not a list', { ...base, modelConfig: { fallbackModelRefs: 'northwind/helm-3b-instruct' } }],
    ['knowledge without knowledgeSourceRef', { ...base, knowledge: [{ retrievalHints: { topK: 2 } }] }],
    ['topK 0', { ...base, knowledge: [{ knowledgeSourceRef: 'k', retrievalHints: { topK: 0 } }] }],
    ['guardrail mode', { ...base, guardrails: [{ guardrailRef: 'g', enforcementMode: 'enforce' }] }],
    ['policy mode', { ...base, policies: [{ policyRef: 'p', enforcementMode: 'required' }] }],
    ['unknown key in a policy ref', { ...base, policies: [{ policyRef: 'p', scope: 'all' }] }],
    ['prompt ref without promptTemplateRef', { ...base, promptRefs: [{ role: 'system' }] }],
    ['dependency without agentRef', { ...base, dependencies: [{ role: 'worker' }] }],
    ['inputSchema is a list', { ...base, inputSchema: [] }],
    ['examples is an object', { ...base, examples: { input: 'x' } }],
    ['instructions over 64 KiB of characters', { ...base, instructions: 'x'.repeat(MAX_INSTRUCTIONS_BYTES + 1) }],
    ['version is a number', { ...base, version: 1.2 }],
  ];
  for (const [label, entry] of invalid) assert.equal(Value.Check(Agent, entry), false, label);

  const [chatbot] = [...Value.Errors(Agent, { ...base, agentType: 'chatbot' })];
  assert.equal(chatbot.path, '/agentType');
  const [unknown] = [...Value.Errors(Agent, { ...base, persona: 'friendly' })];
  assert.equal(unknown.path, '/persona');
});

test('schema keeps the open objects of spec 02 §6.1 open', () => {
  const entry = {
    name: 'x',
    agentType: 'executor',
    modelConfig: { preferredModelRef: 'm', stopSequences: ['END'], responseFormat: 'json' },
    knowledge: [{ knowledgeSourceRef: 'k', retrievalHints: { topK: 3, minScore: 0.5, filters: { lang: 'en' } } }],
    inputSchema: { type: 'object', properties: { q: { type: 'string' } } },
    outputSchema: { anything: true },
    examples: [{ input: { q: 'a' }, output: 'b', note: 'extra keys are kept' }, {}],
    customProperties: { nested: { list: [1, 'two', null] } },
  };
  assert.deepEqual(schemaErrors(entry), []);
  assert.deepEqual(normalizeAgent(structuredClone(entry)), entry);
});

test('normalize enforces the ToolRef rules with exact messages and paths', () => {
  const base = { name: 'x', agentType: 'executor' };
  assertRejected(
    { ...base, tools: [{ skillRef: 'ticket-create' }, { skillRef: 'ticket-lookup', mcpToolRef: 'ticket-desk-mcp' }] },
    TOOL_REF_TARGET_MESSAGE,
    'tools[1]',
  );
  assertRejected({ ...base, tools: [{ required: true, timeout: 5 }] }, TOOL_REF_TARGET_MESSAGE, 'tools[0]');
  assertRejected({ ...base, tools: [{ skillRef: 'ticket-create', toolName: 'create_ticket' }] }, TOOL_NAME_MESSAGE, 'tools[0].toolName');
  assert.equal(TOOL_REF_TARGET_MESSAGE, 'tool must set exactly one of skillRef or mcpToolRef');
  assert.equal(TOOL_NAME_MESSAGE, 'toolName is only allowed with mcpToolRef');

  const valid = { ...base, tools: [{ skillRef: 's' }, { mcpToolRef: 'm' }, { mcpToolRef: 'm', toolName: 't', required: false }] };
  assert.deepEqual(normalizeAgent(structuredClone(valid)), valid);
});

test('normalize rejects an agent that depends on itself', () => {
  assert.equal(SELF_DEPENDENCY_MESSAGE, 'agent cannot depend on itself');
  assertRejected(
    { name: 'loop-agent', agentType: 'planner', dependencies: [{ agentRef: 'helper' }, { agentRef: 'loop-agent', role: 'self' }] },
    'agent cannot depend on itself',
    'dependencies[1].agentRef',
  );
  // Names are case-sensitive (spec 02 §2.2): a differently cased name is another agent.
  const other = { name: 'loop-agent', agentType: 'planner', dependencies: [{ agentRef: 'Loop-Agent' }] };
  assert.deepEqual(normalizeAgent(structuredClone(other)), other);
});

test('normalize enforces the 64 KiB instructions limit in UTF-8 bytes', () => {
  // 3 bytes per character: within the schema's character bound, beyond the byte limit.
  const wide = '€'.repeat(Math.floor(MAX_INSTRUCTIONS_BYTES / 3) + 1);
  assertRejected({ name: 'x', agentType: 'evaluator', instructions: wide }, INSTRUCTIONS_SIZE_MESSAGE, 'instructions');
  const atLimit = { name: 'x', agentType: 'evaluator', instructions: 'x'.repeat(MAX_INSTRUCTIONS_BYTES) };
  assert.ok(Value.Check(Agent, atLimit));
  assert.deepEqual(normalizeAgent(structuredClone(atLimit)), atLimit);
});

test('git fixture files hold the documents spec 02 §10.7 asks for', () => {
  const agentFiles = readdirSync(join(fixtureRepo, 'agents')).filter((f) => f.endsWith('.yaml')).sort();
  const outcomes = agentFiles.flatMap((file) =>
    readEntries(join(fixtureRepo, 'agents', file)).map((entry, index) => {
      const errors = [...Value.Errors(Agent, entry)];
      if (errors.length === 0) normalizeAgent(structuredClone(entry));
      return { file, index, name: entry.name as string, error: errors[0] };
    }),
  );
  const valid = outcomes.filter((o) => o.error === undefined).map((o) => o.name);
  assert.deepEqual(valid.sort(), ['capacity-forecaster', 'deploy-watch', 'on-call-briefer', 'standup-digest']);
  const invalid = outcomes.filter((o) => o.error !== undefined);
  assert.equal(invalid.length, 1);
  assert.deepEqual([invalid[0].file, invalid[0].index, invalid[0].name, invalid[0].error?.path], ['experimental.yaml', 1, 'hallway-chatbot', '/agentType']);

  // The README promises the error item's line and column: the `agentType` key of that entry.
  const lines = readFileSync(join(fixtureRepo, 'agents', 'experimental.yaml'), 'utf8').split('\n');
  assert.equal(lines[14], '    agentType: chatbot');

  // A skills document in the same repository: no `agents` key, so an agents source skips it.
  const skillFiles = readdirSync(join(fixtureRepo, 'skills')).filter((f) => f.endsWith('.yaml'));
  assert.equal(skillFiles.length, 1);
  const skills = parse(readFileSync(join(fixtureRepo, 'skills', skillFiles[0]), 'utf8')) as Entry;
  assert.ok(Array.isArray(skills.skills) && !(yamlKey in skills));

  // The later commit adds one valid agent with a new name.
  const added = readEntries(join(fixtureUpdate, 'agents', 'release-notes-writer.yaml'));
  assert.deepEqual(added.map((e) => e.name), ['release-notes-writer']);
  assert.deepEqual(schemaErrors(added[0]), []);
  assert.ok(!outcomes.some((o) => o.name === 'release-notes-writer'));
});
