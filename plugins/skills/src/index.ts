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
 * Enum values shared by the schema and the select filters, so the advertised filter options can
 * never drift from what ingest accepts (spec 02 §9.1, §9.3).
 */
export const SKILL_TYPES = ['mcp_tool', 'openapi_operation', 'k8s_action', 'shell_command'] as const;
export type SkillType = (typeof SKILL_TYPES)[number];
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
/** Kubernetes API verbs a `k8s_action` may use (spec 02 §9.1). */
export const K8S_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;

/**
 * The `execution` keys each skill type needs (spec 02 §9.1). The schema keeps them optional because
 * which ones are needed depends on `skillType`, a sibling of `execution`; `normalize` enforces them.
 */
export const REQUIRED_EXECUTION_KEYS: Readonly<Record<SkillType, readonly string[]>> = {
  mcp_tool: ['mcpServerRef', 'toolName'],
  openapi_operation: ['operationId'],
  k8s_action: ['resource', 'verb'],
  shell_command: ['command'],
};

/** Rejection message when `execution.executorType` names another type than the skill's `skillType`. */
export function executorTypeMessage(skillType: SkillType): string {
  return `must equal skillType "${skillType}"`;
}

/** Rejection message when `execution` lacks a key its skill type needs; worded like the schema's own. */
export function missingExecutionKeyMessage(key: string, skillType: SkillType): string {
  return `missing required field "${key}" for skillType "${skillType}"`;
}

/** An object whose members are the author's business: JSON Schemas (spec 02 §9.1 marks them open). */
const OpenObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

/**
 * How the skill is run. Open beyond the typed keys, because executors carry their own settings; the
 * typed keys of every skill type are listed together and the per-type rules live in `normalize`: a
 * TypeBox union of four variants would express them, but its ingest error could only say "must be an
 * object", and filter typing of `execution.verb` reads the properties of a single object schema.
 */
const Execution = Type.Object(
  {
    executorType: Type.Optional(Enum(SKILL_TYPES, { description: 'If present, equal to skillType' })),
    // mcp_tool
    mcpServerRef: Type.Optional(Type.String({ description: 'Name of an McpServer of the mcp catalog' })),
    toolName: Type.Optional(Type.String({ description: 'Tool within the MCP server' })),
    // openapi_operation
    operationId: Type.Optional(Type.String()),
    openapiRef: Type.Optional(Type.String({ description: 'Where the OpenAPI document lives' })),
    baseUrl: Type.Optional(Type.String()),
    // k8s_action
    resource: Type.Optional(Type.String({ description: 'Plural resource name, e.g. deployments' })),
    verb: Type.Optional(Enum(K8S_VERBS)),
    // An empty string is meaningful: it names the core API group.
    apiGroup: Type.Optional(Type.String({ description: 'API group; "" is the core group' })),
    subresource: Type.Optional(Type.String()),
    // shell_command
    command: Type.Optional(Type.String()),
    args: Type.Optional(Type.Array(Type.String())),
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
    workingDir: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const Safety = Type.Object(
  {
    riskLevel: Type.Optional(Enum(RISK_LEVELS)),
    requiresApproval: Type.Optional(Type.Boolean()),
    networkAccessRequired: Type.Optional(Type.Boolean()),
    secretRefs: Type.Optional(Type.Array(Type.String(), { description: 'Names of Secrets the skill reads' })),
    allowedNamespaces: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

const RateLimit = Type.Object(
  {
    maxCallsPerMinute: Type.Optional(Type.Integer({ minimum: 1 })),
    maxConcurrent: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

const RetryPolicy = Type.Object(
  {
    maxRetries: Type.Optional(Type.Integer({ minimum: 0 })),
    backoffSeconds: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

/** Open: runtimes record their own requirements; only the environment list is typed. */
const Compatibility = Type.Object(
  {
    supportedEnvironments: Type.Optional(Type.Array(Type.String({ description: 'e.g. kubernetes, openshift' }))),
  },
  { additionalProperties: true },
);

/** One skill entry of a source document (spec 02 §9.1). */
export const Skill = Type.Object(
  {
    ...CommonEntityFields,
    skillType: Enum(SKILL_TYPES),
    inputSchema: Type.Optional(OpenObject('JSON Schema of the input the skill accepts')),
    outputSchema: Type.Optional(OpenObject('JSON Schema of the output the skill returns')),
    execution: Type.Optional(Execution),
    safety: Type.Optional(Safety),
    rateLimit: Type.Optional(RateLimit),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
    retryPolicy: Type.Optional(RetryPolicy),
    compatibility: Type.Optional(Compatibility),
    version: Type.Optional(Type.String()),
    author: Type.Optional(Type.String()),
    license: Type.Optional(Type.String()),
    customProperties: OpenCustomProperties,
  },
  { additionalProperties: false },
);
export type Skill = Static<typeof Skill>;

/**
 * The per-type `execution` rules of spec 02 §9.1 that the schema leaves open. Runs after schema
 * validation, so the entry's shape is known; returns it unchanged (entries are served as given).
 *
 * `execution` itself is optional, so the rules apply only when it is present: a skill may be
 * catalogued before its executor is wired up. Keys of other skill types are left alone because
 * `execution` is open.
 */
export function normalizeSkill(entry: RawEntry): RawEntry {
  const skill = entry as Skill;
  const execution = skill.execution;
  if (execution === undefined) return entry;
  if (execution.executorType !== undefined && execution.executorType !== skill.skillType) {
    throw new EntryRejection(executorTypeMessage(skill.skillType), 'execution.executorType');
  }
  for (const key of REQUIRED_EXECUTION_KEYS[skill.skillType]) {
    if (!Object.hasOwn(execution, key)) {
      throw new EntryRejection(missingExecutionKeyMessage(key, skill.skillType), `execution.${key}`);
    }
  }
  return entry;
}

export default definePlugin({
  name: 'skills',
  version: 'v1alpha1',
  displayName: 'Skills',
  description: 'Skill catalog for tools, operations, and executable actions',
  icon: 'wrench',
  sourceTypes: ['yaml', 'git', 'http'],
  // Resolved from this module's URL: src/ (tsx) and dist/ (built) both sit one level below the plugin folder.
  dataDir: fileURLToPath(new URL('../data', import.meta.url)),
  entities: [
    {
      kind: 'Skill',
      plural: 'skills',
      displayName: 'Skill',
      description: 'Tools, operations, and executable actions',
      notFoundPhrase: 'skill',
      schema: Skill,
      fields: {
        columns: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', sortable: true, width: 'lg' },
          { name: 'skillType', displayName: 'Type', path: 'skillType', type: 'string', sortable: true, width: 'md' },
          { name: 'riskLevel', displayName: 'Risk Level', path: 'safety.riskLevel', type: 'string', sortable: true, width: 'sm' },
          { name: 'version', displayName: 'Version', path: 'version', type: 'string', sortable: true, width: 'sm' },
          { name: 'author', displayName: 'Author', path: 'author', type: 'string', sortable: true, width: 'md' },
        ],
        filterFields: [
          { name: 'name', displayName: 'Name', type: 'text' },
          { name: 'skillType', displayName: 'Skill Type', type: 'select', options: [...SKILL_TYPES] },
          // Resolved through the `riskLevel` alias below.
          { name: 'riskLevel', displayName: 'Risk Level', type: 'select', options: [...RISK_LEVELS] },
          { name: 'author', displayName: 'Author', type: 'text' },
        ],
        detailFields: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', section: 'Overview' },
          { name: 'description', displayName: 'Description', path: 'description', type: 'string', section: 'Overview' },
          { name: 'skillType', displayName: 'Skill Type', path: 'skillType', type: 'string', section: 'Overview' },
          { name: 'version', displayName: 'Version', path: 'version', type: 'string', section: 'Overview' },
          { name: 'author', displayName: 'Author', path: 'author', type: 'string', section: 'Overview' },
          { name: 'license', displayName: 'License', path: 'license', type: 'string', section: 'Overview' },
          { name: 'inputSchema', displayName: 'Input Schema', path: 'inputSchema', type: 'object', section: 'Input/Output Schema' },
          { name: 'outputSchema', displayName: 'Output Schema', path: 'outputSchema', type: 'object', section: 'Input/Output Schema' },
          { name: 'execution', displayName: 'Execution', path: 'execution', type: 'object', section: 'Execution' },
          { name: 'safety', displayName: 'Safety', path: 'safety', type: 'object', section: 'Safety & Constraints' },
          { name: 'rateLimit', displayName: 'Rate Limit', path: 'rateLimit', type: 'object', section: 'Safety & Constraints' },
          { name: 'timeoutSeconds', displayName: 'Timeout (seconds)', path: 'timeoutSeconds', type: 'integer', section: 'Safety & Constraints' },
          { name: 'retryPolicy', displayName: 'Retry Policy', path: 'retryPolicy', type: 'object', section: 'Safety & Constraints' },
          { name: 'compatibility', displayName: 'Compatibility', path: 'compatibility', type: 'object', section: 'Safety & Constraints' },
        ],
      },
      // The risk level is what operators filter and sort skills by most, so it gets a short name.
      aliases: { riskLevel: 'safety.riskLevel' },
      searchFields: ['name', 'description', 'author'],
      // The Skill row of spec 02 §2.6.
      references: [{ field: 'execution.mcpServerRef', plugin: 'mcp', kind: 'McpServer' }],
      // Spec 02 §9.3 names only the icon and the name field; lists and detail pages are laid out
      // from `fields` by the UI.
      uiHints: {
        icon: 'wrench',
        nameField: 'name',
        detailSections: ['Overview', 'Input/Output Schema', 'Execution', 'Safety & Constraints'],
      },
      cliDefaultColumns: ['name', 'skillType', 'version', 'author', 'license'],
      ingest: { normalize: normalizeSkill },
    },
  ],
});
