import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import {
  CommonEntityFields,
  definePlugin,
  EntryRejection,
  Enum,
  OpenCustomProperties,
  type RawEntry,
} from '@catalog/framework';

/**
 * Enum values shared by the schema and the select filter, so the advertised filter options can
 * never drift from what ingest accepts (spec 02 §6.1, §6.3).
 */
export const AGENT_TYPES = ['conversational', 'task_oriented', 'router', 'planner', 'executor', 'evaluator'] as const;
export const GUARDRAIL_ENFORCEMENT_MODES = ['advisory', 'required'] as const;
export const POLICY_ENFORCEMENT_MODES = ['enforce', 'audit', 'dry-run'] as const;

/** `instructions` may hold at most 64 KiB (spec 02 §6.1), measured in UTF-8 bytes. */
export const MAX_INSTRUCTIONS_BYTES = 64 * 1024;

/** Rejection messages of the cross-field rules that `normalize` enforces (spec 02 §6.1). */
export const SELF_DEPENDENCY_MESSAGE = 'agent cannot depend on itself';
export const TOOL_REF_TARGET_MESSAGE = 'tool must set exactly one of skillRef or mcpToolRef';
export const TOOL_NAME_MESSAGE = 'toolName is only allowed with mcpToolRef';
export const INSTRUCTIONS_SIZE_MESSAGE = `must be at most ${MAX_INSTRUCTIONS_BYTES} bytes (64 KiB) in UTF-8`;

/** An object whose members are the author's business: JSON Schemas (spec 02 §6.1 marks them open). */
const OpenObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

/** Open: runtimes add their own tuning keys; only the keys the catalog understands are typed. */
const ModelConfig = Type.Object(
  {
    preferredModelRef: Type.Optional(Type.String()),
    fallbackModelRefs: Type.Optional(Type.Array(Type.String())),
    maxTokens: Type.Optional(Type.Integer({ minimum: 1 })),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    topP: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: true },
);

/**
 * One tool of an agent. Both targets are optional here, and "exactly one of them" and "toolName
 * only with mcpToolRef" are checked by `normalize`: a TypeBox union of two variants would express
 * the rule, but its ingest error could only say "must be an object", and filter typing of
 * `tools.skillRef` reads the properties of a single item schema.
 */
const ToolRef = Type.Object(
  {
    skillRef: Type.Optional(Type.String()),
    mcpToolRef: Type.Optional(Type.String()),
    toolName: Type.Optional(Type.String()),
    // Absent means false. No JSON-schema `default`: the serializer would write it into responses,
    // and entries are served as given (spec 02 §6.2).
    required: Type.Optional(Type.Boolean({ description: 'Whether the agent cannot work without the tool; false when absent' })),
    timeout: Type.Optional(Type.Integer({ minimum: 1, description: 'Seconds' })),
  },
  { additionalProperties: false },
);

/** Open beyond `topK`: retrieval back ends take their own hints. */
const RetrievalHints = Type.Object(
  { topK: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: true },
);

const KnowledgeRef = Type.Object(
  { knowledgeSourceRef: Type.String(), retrievalHints: Type.Optional(RetrievalHints) },
  { additionalProperties: false },
);

const GuardrailRef = Type.Object(
  { guardrailRef: Type.String(), enforcementMode: Type.Optional(Enum(GUARDRAIL_ENFORCEMENT_MODES)) },
  { additionalProperties: false },
);

const PolicyRef = Type.Object(
  { policyRef: Type.String(), enforcementMode: Type.Optional(Enum(POLICY_ENFORCEMENT_MODES)) },
  { additionalProperties: false },
);

const PromptRef = Type.Object(
  { promptTemplateRef: Type.String(), role: Type.Optional(Type.String({ description: 'e.g. system, user' })) },
  { additionalProperties: false },
);

const AgentRef = Type.Object(
  { agentRef: Type.String(), role: Type.Optional(Type.String({ description: 'Role in the orchestration' })) },
  { additionalProperties: false },
);

/** Open: `input` and `output` are the known keys, and any JSON value fits either. */
const Example = Type.Object(
  { input: Type.Optional(Type.Unknown()), output: Type.Optional(Type.Unknown()) },
  { additionalProperties: true },
);

/** One agent entry of a source document (spec 02 §6.1). */
export const Agent = Type.Object(
  {
    ...CommonEntityFields,
    agentType: Enum(AGENT_TYPES),
    // The schema bound counts UTF-16 code units, never more than the UTF-8 bytes, so it only
    // advertises the limit; `normalize` enforces the byte count exactly.
    instructions: Type.Optional(Type.String({ maxLength: MAX_INSTRUCTIONS_BYTES })),
    version: Type.Optional(Type.String()),
    author: Type.Optional(Type.String()),
    license: Type.Optional(Type.String()),
    category: Type.Optional(Type.String()),
    modelConfig: Type.Optional(ModelConfig),
    tools: Type.Optional(Type.Array(ToolRef)),
    knowledge: Type.Optional(Type.Array(KnowledgeRef)),
    guardrails: Type.Optional(Type.Array(GuardrailRef)),
    policies: Type.Optional(Type.Array(PolicyRef)),
    promptRefs: Type.Optional(Type.Array(PromptRef)),
    dependencies: Type.Optional(Type.Array(AgentRef)),
    inputSchema: Type.Optional(OpenObject('JSON Schema of the input the agent accepts')),
    outputSchema: Type.Optional(OpenObject('JSON Schema of the output the agent produces')),
    examples: Type.Optional(Type.Array(Example)),
    customProperties: OpenCustomProperties,
  },
  { additionalProperties: false },
);
export type Agent = Static<typeof Agent>;

/**
 * The cross-field rules of spec 02 §6.1 that the schema leaves open. Runs after schema validation,
 * so the entry's shape is known; returns it unchanged (entries are served as given).
 */
export function normalizeAgent(entry: RawEntry): RawEntry {
  const agent = entry as Agent;
  if (agent.instructions !== undefined && Buffer.byteLength(agent.instructions, 'utf8') > MAX_INSTRUCTIONS_BYTES) {
    throw new EntryRejection(INSTRUCTIONS_SIZE_MESSAGE, 'instructions');
  }
  agent.tools?.forEach((tool, i) => {
    if ((tool.skillRef === undefined) === (tool.mcpToolRef === undefined)) {
      throw new EntryRejection(TOOL_REF_TARGET_MESSAGE, `tools[${i}]`);
    }
    if (tool.toolName !== undefined && tool.mcpToolRef === undefined) {
      throw new EntryRejection(TOOL_NAME_MESSAGE, `tools[${i}].toolName`);
    }
  });
  // Names compare case-sensitively everywhere (spec 02 §2.2), so only an exact match is the agent itself.
  const self = agent.dependencies?.findIndex((dependency) => dependency.agentRef === agent.name) ?? -1;
  if (self >= 0) throw new EntryRejection(SELF_DEPENDENCY_MESSAGE, `dependencies[${self}].agentRef`);
  return entry;
}

/** Options of the `agentType` select filter, in schema order (spec 02 §1.3). */
const agentTypeOptions = [...AGENT_TYPES];

export default definePlugin({
  name: 'agents',
  version: 'v1alpha1',
  displayName: 'Agents',
  description: 'Agent catalog for AI agents and multi-agent orchestrations',
  icon: 'robot',
  sourceTypes: ['yaml', 'git', 'http'],
  // Resolved from this module's URL: src/ (tsx) and dist/ (built) both sit one level below the plugin folder.
  dataDir: fileURLToPath(new URL('../data', import.meta.url)),
  entities: [
    {
      kind: 'Agent',
      plural: 'agents',
      displayName: 'Agent',
      description: 'AI agents and multi-agent orchestrations',
      notFoundPhrase: 'agent',
      schema: Agent,
      fields: {
        columns: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', sortable: true, width: 'lg' },
          { name: 'agentType', displayName: 'Type', path: 'agentType', type: 'string', sortable: true, width: 'md' },
          { name: 'category', displayName: 'Category', path: 'category', type: 'string', sortable: true, width: 'md' },
          { name: 'version', displayName: 'Version', path: 'version', type: 'string', sortable: true, width: 'sm' },
          { name: 'author', displayName: 'Author', path: 'author', type: 'string', sortable: true, width: 'md' },
        ],
        filterFields: [
          { name: 'name', displayName: 'Name', type: 'text' },
          { name: 'agentType', displayName: 'Agent Type', type: 'select', options: agentTypeOptions },
          { name: 'category', displayName: 'Category', type: 'text' },
          { name: 'author', displayName: 'Author', type: 'text' },
        ],
        detailFields: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', section: 'Overview' },
          { name: 'description', displayName: 'Description', path: 'description', type: 'string', section: 'Overview' },
          { name: 'agentType', displayName: 'Agent Type', path: 'agentType', type: 'string', section: 'Overview' },
          { name: 'category', displayName: 'Category', path: 'category', type: 'string', section: 'Overview' },
          { name: 'version', displayName: 'Version', path: 'version', type: 'string', section: 'Overview' },
          { name: 'author', displayName: 'Author', path: 'author', type: 'string', section: 'Overview' },
          { name: 'license', displayName: 'License', path: 'license', type: 'string', section: 'Overview' },
          { name: 'instructions', displayName: 'Instructions', path: 'instructions', type: 'string', section: 'Instructions' },
          { name: 'modelConfig', displayName: 'Model Configuration', path: 'modelConfig', type: 'object', section: 'Model Configuration' },
          { name: 'tools', displayName: 'Tools', path: 'tools', type: 'array', section: 'Tools & Knowledge' },
          { name: 'knowledge', displayName: 'Knowledge', path: 'knowledge', type: 'array', section: 'Tools & Knowledge' },
          { name: 'promptRefs', displayName: 'Prompt References', path: 'promptRefs', type: 'array', section: 'Tools & Knowledge' },
          { name: 'guardrails', displayName: 'Guardrails', path: 'guardrails', type: 'array', section: 'Guardrails & Policies' },
          { name: 'policies', displayName: 'Policies', path: 'policies', type: 'array', section: 'Guardrails & Policies' },
          { name: 'dependencies', displayName: 'Dependencies', path: 'dependencies', type: 'array', section: 'Dependencies' },
          { name: 'inputSchema', displayName: 'Input Schema', path: 'inputSchema', type: 'object', section: 'Input/Output' },
          { name: 'outputSchema', displayName: 'Output Schema', path: 'outputSchema', type: 'object', section: 'Input/Output' },
          { name: 'examples', displayName: 'Examples', path: 'examples', type: 'array', section: 'Input/Output' },
        ],
      },
      searchFields: ['name', 'description', 'category', 'author'],
      // The nine Agent rows of spec 02 §2.6, in table order: link extraction follows this order,
      // taking the two adjacent `tools[]` rows together element by element.
      references: [
        { field: 'tools[].skillRef', plugin: 'skills', kind: 'Skill' },
        { field: 'tools[].mcpToolRef', plugin: 'mcp', kind: 'McpServer' },
        { field: 'knowledge[].knowledgeSourceRef', plugin: 'knowledge', kind: 'KnowledgeSource' },
        { field: 'guardrails[].guardrailRef', plugin: 'guardrails', kind: 'Guardrail' },
        { field: 'policies[].policyRef', plugin: 'policies', kind: 'Policy' },
        { field: 'promptRefs[].promptTemplateRef', plugin: 'prompts', kind: 'PromptTemplate' },
        { field: 'dependencies[].agentRef', plugin: 'agents', kind: 'Agent' },
        { field: 'modelConfig.preferredModelRef', plugin: 'model', kind: 'CatalogModel' },
        { field: 'modelConfig.fallbackModelRefs[]', plugin: 'model', kind: 'CatalogModel' },
      ],
      // Spec 02 §6.3 names only the icon and the name field; lists and detail pages are laid out
      // from `fields` by the UI.
      uiHints: {
        icon: 'robot',
        nameField: 'name',
        detailSections: [
          'Overview',
          'Instructions',
          'Model Configuration',
          'Tools & Knowledge',
          'Guardrails & Policies',
          'Dependencies',
          'Input/Output',
        ],
      },
      cliDefaultColumns: ['name', 'agentType', 'category', 'version', 'author'],
      ingest: { normalize: normalizeAgent },
    },
  ],
});
