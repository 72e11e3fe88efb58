import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { EntryRejection, type RawEntry } from '@catalog/framework';
import { readSampleEntries } from '@catalog/framework/testing';
import plugin, { K8S_VERBS, normalizeSkill, REQUIRED_EXECUTION_KEYS, RISK_LEVELS, Skill, SKILL_TYPES } from './index.js';

const kind = plugin.entities[0];
const normalize = kind.ingest?.normalize;

/** Skills that the agents sample points at; removing one would leave dangling references. */
const REFERENCED_SKILLS = ['ticket-create', 'ticket-lookup', 'runbook-search', 'pod-restart'];

/**
 * The sample MCP servers and their tool names as docs/sample-data.md documents them. Kept here rather
 * than read from plugins/mcp so that this plugin's tests do not depend on another plugin's folder.
 */
const SAMPLE_MCP_TOOLS: Record<string, readonly string[]> = {
  'cluster-ops-mcp': ['list_pods', 'get_pod_logs', 'scale_deployment', 'rollout_restart'],
  'directory-mcp': ['lookup_user', 'list_group_members', 'get_reporting_chain'],
  'ticket-desk-mcp': ['create_ticket', 'update_ticket', 'search_tickets'],
  'warehouse-sql-mcp': ['list_schemas', 'describe_table', 'run_query'],
};

type Entry = Record<string, unknown>;
type Execution = Record<string, unknown>;

const entries: Entry[] = readSampleEntries(plugin);
const byName = new Map(entries.map((e) => [e.name as string, e]));
const riskLevel = (e: Entry) => (e.safety as { riskLevel?: string } | undefined)?.riskLevel;

/** Runs the hook and returns the rejection it throws, or fails the test when it accepts the entry. */
function rejectionOf(entry: RawEntry): EntryRejection {
  assert.ok(normalize);
  try {
    normalize(structuredClone(entry));
  } catch (error) {
    assert.ok(error instanceof EntryRejection, `expected EntryRejection, got ${String(error)}`);
    return error;
  }
  assert.fail(`normalize accepted ${JSON.stringify(entry)}`);
}

test('declaration identity matches spec 02 §1.8 and §9', () => {
  assert.equal(plugin.name, 'skills');
  assert.equal(plugin.version, 'v1alpha1');
  assert.equal(plugin.displayName, 'Skills');
  assert.equal(plugin.icon, 'wrench');
  assert.equal(plugin.description, 'Skill catalog for tools, operations, and executable actions');
  assert.equal(plugin.configKey, undefined);
  assert.deepEqual(plugin.sourceTypes, ['yaml', 'git', 'http']);
  assert.equal(plugin.entities.length, 1);
  assert.equal(kind.kind, 'Skill');
  assert.equal(kind.plural, 'skills');
  assert.equal(kind.yamlKey, undefined);
  assert.equal(kind.displayName, 'Skill');
  assert.equal(kind.description, 'Tools, operations, and executable actions');
  assert.equal(kind.notFoundPhrase, 'skill');
  assert.equal(normalize, normalizeSkill);
});

test('riskLevel is an alias of safety.riskLevel, and execution.mcpServerRef references McpServer', () => {
  assert.deepEqual(kind.aliases, { riskLevel: 'safety.riskLevel' });
  assert.deepEqual(kind.references, [{ field: 'execution.mcpServerRef', plugin: 'mcp', kind: 'McpServer' }]);
  const column = kind.fields.columns.find((c) => c.name === 'riskLevel');
  assert.deepEqual(column, { name: 'riskLevel', displayName: 'Risk Level', path: 'safety.riskLevel', type: 'string', sortable: true, width: 'sm' });
});

test('select filter options equal the schema enums, and sourceId is left to the framework', () => {
  const filters = new Map(kind.fields.filterFields.map((f) => [f.name, f]));
  const props = Skill.properties as Record<string, { enum?: string[]; properties?: Record<string, { enum?: string[] }> }>;
  assert.deepEqual(filters.get('skillType')?.options, [...SKILL_TYPES]);
  assert.deepEqual(props.skillType.enum, [...SKILL_TYPES]);
  assert.deepEqual(filters.get('riskLevel')?.options, [...RISK_LEVELS]);
  assert.deepEqual(props.safety.properties?.riskLevel.enum, [...RISK_LEVELS]);
  assert.deepEqual(props.execution.properties?.executorType.enum, [...SKILL_TYPES]);
  assert.deepEqual(props.execution.properties?.verb.enum, [...K8S_VERBS]);
  assert.deepEqual(kind.fields.filterFields.map((f) => `${f.name}:${f.type}`), ['name:text', 'skillType:select', 'riskLevel:select', 'author:text']);
  assert.equal(filters.has('sourceId'), false);
  for (const field of kind.fields.filterFields) assert.equal('operators' in field, false, `${field.name} declares operators`);
});

test('detail fields only use declared sections', () => {
  assert.deepEqual(kind.uiHints.detailSections, ['Overview', 'Input/Output Schema', 'Execution', 'Safety & Constraints']);
  const sections = new Set(kind.uiHints.detailSections);
  for (const field of kind.fields.detailFields) {
    assert.ok(field.section && sections.has(field.section), `${field.name}: unknown section ${field.section}`);
  }
});

test('every sample entry passes normalize and is served as given', () => {
  assert.ok(normalize);
  for (const entry of entries) {
    const copy = structuredClone(entry);
    assert.deepEqual(normalize(copy), entry, `entry ${String(entry.name)} must be served as given`);
  }
});

test('schema rejects the values spec 02 §9.1 rules out', () => {
  const base = { name: 'x', skillType: 'shell_command' };
  assert.ok(Value.Check(Skill, base));
  const invalid: Entry[] = [
    { name: 'x' },
    { ...base, skillType: 'lambda' },
    { ...base, skillType: 'MCP_TOOL' },
    { ...base, execution: { executorType: 'webhook' } },
    { ...base, execution: { verb: 'restart' } },
    { ...base, execution: { args: 'run --all' } },
    { ...base, execution: { args: ['--n', 3] } },
    { ...base, execution: { env: { RETRIES: 3 } } },
    { ...base, execution: 'kubectl get pods' },
    { ...base, safety: { riskLevel: 'critical' } },
    { ...base, safety: { requiresApproval: 'yes' } },
    { ...base, safety: { secretRefs: 'db-creds' } },
    { ...base, safety: { sandboxed: true } },
    { ...base, rateLimit: { maxCallsPerMinute: 0 } },
    { ...base, rateLimit: { maxConcurrent: 1.5 } },
    { ...base, rateLimit: { burst: 5 } },
    { ...base, timeoutSeconds: 0 },
    { ...base, timeoutSeconds: 2.5 },
    { ...base, retryPolicy: { maxRetries: -1 } },
    { ...base, retryPolicy: { backoffSeconds: -0.5 } },
    { ...base, retryPolicy: { jitter: true } },
    { ...base, compatibility: { supportedEnvironments: 'kubernetes' } },
    { ...base, inputSchema: 'object' },
    { ...base, riskLevel: 'low' },
    { ...base, unknownField: true },
  ];
  for (const entry of invalid) assert.equal(Value.Check(Skill, entry), false, JSON.stringify(entry));
  const errors = [...Value.Errors(Skill, { ...base, safety: { riskLevel: 'low', sandboxed: true } })];
  assert.ok(errors.some((e) => e.path === '/safety/sandboxed'), 'unknown key of a closed object must be reported at its path');

  // execution, compatibility, the JSON Schemas and customProperties are open.
  assert.ok(Value.Check(Skill, { ...base, execution: { command: 'true', shell: '/bin/sh', limits: { cpu: '100m' } } }));
  assert.ok(Value.Check(Skill, { ...base, compatibility: { supportedEnvironments: ['kubernetes'], arch: ['amd64'] } }));
  assert.ok(Value.Check(Skill, { ...base, inputSchema: { type: 'object', additionalProperties: false } }));
  assert.ok(Value.Check(Skill, { ...base, customProperties: { owners: [{ team: 'sre' }] } }));
  // The core API group is the empty string, and backoff may be fractional.
  assert.ok(Value.Check(Skill, { ...base, execution: { apiGroup: '' }, retryPolicy: { maxRetries: 0, backoffSeconds: 0.25 } }));
});

test('normalize enforces executorType = skillType with its exact message and path', () => {
  const rejection = rejectionOf({
    name: 'x', skillType: 'k8s_action', execution: { executorType: 'shell_command', resource: 'pods', verb: 'list' },
  });
  assert.equal(rejection.message, 'must equal skillType "k8s_action"');
  assert.equal(rejection.path, 'execution.executorType');

  assert.equal(
    rejectionOf({ name: 'x', skillType: 'mcp_tool', execution: { executorType: 'openapi_operation', mcpServerRef: 'm', toolName: 't' } }).message,
    'must equal skillType "mcp_tool"',
  );
});

test('normalize requires the execution keys of each skill type, with exact messages and paths', () => {
  const cases: { skillType: string; execution: Execution; message: string; path: string }[] = [
    { skillType: 'mcp_tool', execution: { toolName: 'run_query' }, message: 'missing required field "mcpServerRef" for skillType "mcp_tool"', path: 'execution.mcpServerRef' },
    { skillType: 'mcp_tool', execution: { mcpServerRef: 'warehouse-sql-mcp' }, message: 'missing required field "toolName" for skillType "mcp_tool"', path: 'execution.toolName' },
    { skillType: 'openapi_operation', execution: { baseUrl: 'https://api.example.com' }, message: 'missing required field "operationId" for skillType "openapi_operation"', path: 'execution.operationId' },
    { skillType: 'k8s_action', execution: { verb: 'get' }, message: 'missing required field "resource" for skillType "k8s_action"', path: 'execution.resource' },
    { skillType: 'k8s_action', execution: { resource: 'pods', apiGroup: '' }, message: 'missing required field "verb" for skillType "k8s_action"', path: 'execution.verb' },
    { skillType: 'shell_command', execution: { args: ['--help'] }, message: 'missing required field "command" for skillType "shell_command"', path: 'execution.command' },
  ];
  for (const { skillType, execution, message, path } of cases) {
    const entry = { name: 'x', skillType, execution };
    assert.ok(Value.Check(Skill, entry), 'the schema leaves per-type keys to normalize');
    const rejection = rejectionOf(entry);
    assert.equal(rejection.message, message);
    assert.equal(rejection.path, path);
  }
  // Keys of another skill type do not satisfy the rule: an mcp_tool needs its own keys.
  assert.equal(
    rejectionOf({ name: 'x', skillType: 'mcp_tool', execution: { command: 'psql', operationId: 'runQuery' } }).message,
    'missing required field "mcpServerRef" for skillType "mcp_tool"',
  );
  // Every skill type has at least one required key, so none is left unchecked.
  assert.deepEqual(Object.keys(REQUIRED_EXECUTION_KEYS), [...SKILL_TYPES]);
});

test('normalize accepts complete executions, a missing execution, and leaves entries as given', () => {
  assert.ok(normalize);
  const accepted: RawEntry[] = [
    { name: 'a', skillType: 'mcp_tool', execution: { executorType: 'mcp_tool', mcpServerRef: 'directory-mcp', toolName: 'lookup_user' } },
    { name: 'b', skillType: 'openapi_operation', execution: { operationId: 'listThings' } },
    { name: 'c', skillType: 'k8s_action', execution: { resource: 'pods', verb: 'list', apiGroup: '' } },
    // Keys of other types are tolerated: execution is open.
    { name: 'd', skillType: 'shell_command', execution: { command: 'true', toolName: 'unused' } },
    { name: 'e', skillType: 'shell_command' },
  ];
  for (const entry of accepted) {
    const copy = structuredClone(entry);
    assert.equal(normalize(copy), copy);
    assert.deepEqual(copy, entry);
  }
});

test('sample includes the referenced skills', () => {
  for (const name of REFERENCED_SKILLS) assert.ok(byName.has(name), `referenced skill ${name} missing`);
});

test('sample MCP tools point at sample servers and at tools those servers document', () => {
  const mcpSkills = entries.filter((e) => e.skillType === 'mcp_tool');
  assert.ok(mcpSkills.length > 0);
  for (const entry of mcpSkills) {
    const execution = entry.execution as Execution;
    const tools = SAMPLE_MCP_TOOLS[execution.mcpServerRef as string];
    assert.ok(tools, `${String(entry.name)}: ${String(execution.mcpServerRef)} is not a sample server`);
    assert.ok(tools.includes(execution.toolName as string), `${String(entry.name)}: unknown tool ${String(execution.toolName)}`);
  }
  for (const entry of entries.filter((e) => e.skillType !== 'mcp_tool')) {
    assert.equal((entry.execution as Execution | undefined)?.mcpServerRef, undefined, `${String(entry.name)} is not an MCP tool`);
  }
});

test('sample covers the enums, per-type executions, every optional field and custom properties', () => {
  assert.ok(entries.length >= 10, 'at least 10 skills (spec 02 §10.3)');
  const types = new Set(entries.map((e) => e.skillType));
  for (const type of SKILL_TYPES) assert.ok(types.has(type), `skillType ${type} never used`);
  const risks = new Set(entries.map(riskLevel));
  for (const level of RISK_LEVELS) assert.ok(risks.has(level), `riskLevel ${level} never used`);
  assert.ok(risks.has(undefined), 'one skill leaves riskLevel unset, so sorting by the alias meets a missing value');

  for (const type of SKILL_TYPES) {
    const ofType = entries.filter((e) => e.skillType === type);
    assert.ok(ofType.every((e) => e.execution !== undefined), `every ${type} sample has an execution`);
    assert.ok(ofType.some((e) => (e.execution as Execution).executorType === type), `one ${type} sample sets executorType`);
  }
  const executions = entries.map((e) => (e.execution ?? {}) as Execution);
  for (const key of ['openapiRef', 'baseUrl', 'apiGroup', 'subresource', 'args', 'env', 'workingDir']) {
    assert.ok(executions.some((x) => x[key] !== undefined), `execution.${key} is never set`);
  }
  assert.ok(executions.some((x) => x.apiGroup === ''), 'one k8s_action uses the core API group');
  const typedKeys = new Set(Object.keys((Skill.properties.execution as unknown as { properties: object }).properties));
  assert.ok(executions.some((x) => Object.keys(x).some((k) => !typedKeys.has(k))), 'one execution uses an open key');

  const required = new Set<string>(Skill.required ?? []);
  for (const field of Object.keys(Skill.properties).filter((f) => !required.has(f))) {
    assert.ok(entries.some((e) => e[field] !== undefined), `optional field ${field} is never set`);
  }
  assert.ok(entries.filter((e) => e.customProperties !== undefined).length >= 2);
});

test('sample supports the riskLevel alias example of spec 02 §12.5', () => {
  const high = entries.filter((e) => riskLevel(e) === 'high').map((e) => e.name);
  assert.deepEqual(high, ['pod-restart', 'feature-flag-toggle', 'node-drain']);
  assert.ok(entries.every((e) => e.riskLevel === undefined), 'riskLevel lives only under safety');
  assert.deepEqual(entries.filter((e) => riskLevel(e) === undefined).map((e) => e.name), ['manager-chain-lookup']);
});

test('sample supports the numeric comparison and reverse-lookup facts of docs/sample-data.md', () => {
  const timeout = (e: Entry) => e.timeoutSeconds as number | undefined;
  const numeric = entries.filter((e) => timeout(e) !== undefined && timeout(e)! > 100).map((e) => e.name);
  const asStrings = entries.filter((e) => timeout(e) !== undefined && String(timeout(e)) > '100').map((e) => e.name);
  assert.deepEqual(new Set(numeric), new Set(['backup-restore-verify', 'node-drain', 'cert-expiry-check']));
  assert.ok(asStrings.length > numeric.length, 'a string comparison must give a different answer');

  const usesTicketDesk = entries.filter((e) => (e.execution as Execution | undefined)?.mcpServerRef === 'ticket-desk-mcp');
  assert.deepEqual(usesTicketDesk.map((e) => e.name), ['ticket-create', 'ticket-lookup']);
});
