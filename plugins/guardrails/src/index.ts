import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { CommonEntityFields, definePlugin, Enum, OpenCustomProperties } from '@catalog/framework';

/**
 * Enum values shared by the schema and the select filters, so the advertised filter options can
 * never drift from what ingest accepts (spec 02 §7.1, §7.3).
 */
export const GUARDRAIL_TYPES = ['nemo_guardrails', 'guardrails_ai', 'regex_rules', 'content_filter', 'moderation_profile'] as const;
export const ENFORCEMENT_STAGES = ['pre_prompt', 'post_generation', 'tool_use', 'retrieval', 'output_format'] as const;
export const ENFORCEMENT_MODES = ['advisory', 'required'] as const;
export const MODALITIES = ['text', 'image', 'audio'] as const;

/**
 * The conventional risk categories of spec 02 §7.1. `riskCategories` stays free text (teams add
 * their own), so this list documents the vocabulary and is not enforced by the schema.
 */
export const CONVENTIONAL_RISK_CATEGORIES = ['pii', 'secrets', 'hate', 'violence', 'self_harm', 'malware', 'policy_violation'] as const;

/** One guardrail entry of a source document (spec 02 §7.1). */
export const Guardrail = Type.Object(
  {
    ...CommonEntityFields,
    guardrailType: Enum(GUARDRAIL_TYPES),
    enforcementStage: Enum(ENFORCEMENT_STAGES),
    enforcementMode: Enum(ENFORCEMENT_MODES),
    riskCategories: Type.Optional(
      Type.Array(Type.String(), { description: `Free text; conventional values: ${CONVENTIONAL_RISK_CATEGORIES.join(', ')}` }),
    ),
    modalities: Type.Optional(Type.Array(Enum(MODALITIES))),
    // Open: each guardrail engine names its own configuration files (railsConfig, topicsList,
    // sensitivePatterns, allowList, ...), so no key is required or refused.
    configRef: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'Named configuration references: file paths or URIs' }),
    ),
    version: Type.Optional(Type.String()),
    author: Type.Optional(Type.String()),
    license: Type.Optional(Type.String()),
    customProperties: OpenCustomProperties,
  },
  { additionalProperties: false },
);
export type Guardrail = Static<typeof Guardrail>;

export default definePlugin({
  name: 'guardrails',
  version: 'v1alpha1',
  displayName: 'Guardrails',
  description: 'Guardrail catalog for AI safety and content moderation rules',
  icon: 'shield',
  sourceTypes: ['yaml', 'git', 'http'],
  // Resolved from this module's URL: src/ (tsx) and dist/ (built) both sit one level below the plugin folder.
  dataDir: fileURLToPath(new URL('../data', import.meta.url)),
  entities: [
    {
      kind: 'Guardrail',
      plural: 'guardrails',
      displayName: 'Guardrail',
      description: 'AI safety and content moderation rules',
      notFoundPhrase: 'guardrail',
      schema: Guardrail,
      fields: {
        columns: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', sortable: true, width: 'lg' },
          { name: 'guardrailType', displayName: 'Type', path: 'guardrailType', type: 'string', sortable: true, width: 'md' },
          { name: 'enforcementStage', displayName: 'Stage', path: 'enforcementStage', type: 'string', sortable: true, width: 'md' },
          { name: 'enforcementMode', displayName: 'Mode', path: 'enforcementMode', type: 'string', sortable: true, width: 'sm' },
          // An array: the framework refuses `sortable` on it (spec 02 §1.3).
          { name: 'riskCategories', displayName: 'Risk Categories', path: 'riskCategories', type: 'array', width: 'md' },
        ],
        filterFields: [
          { name: 'name', displayName: 'Name', type: 'text' },
          { name: 'guardrailType', displayName: 'Guardrail Type', type: 'select', options: [...GUARDRAIL_TYPES] },
          { name: 'enforcementStage', displayName: 'Enforcement Stage', type: 'select', options: [...ENFORCEMENT_STAGES] },
          { name: 'enforcementMode', displayName: 'Enforcement Mode', type: 'select', options: [...ENFORCEMENT_MODES] },
          { name: 'riskCategories', displayName: 'Risk Categories', type: 'text' },
        ],
        detailFields: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', section: 'Overview' },
          { name: 'description', displayName: 'Description', path: 'description', type: 'string', section: 'Overview' },
          { name: 'guardrailType', displayName: 'Guardrail Type', path: 'guardrailType', type: 'string', section: 'Overview' },
          { name: 'enforcementStage', displayName: 'Enforcement Stage', path: 'enforcementStage', type: 'string', section: 'Overview' },
          { name: 'enforcementMode', displayName: 'Enforcement Mode', path: 'enforcementMode', type: 'string', section: 'Overview' },
          { name: 'version', displayName: 'Version', path: 'version', type: 'string', section: 'Overview' },
          { name: 'author', displayName: 'Author', path: 'author', type: 'string', section: 'Overview' },
          { name: 'license', displayName: 'License', path: 'license', type: 'string', section: 'Overview' },
          { name: 'riskCategories', displayName: 'Risk Categories', path: 'riskCategories', type: 'array', section: 'Risk Categories' },
          { name: 'modalities', displayName: 'Modalities', path: 'modalities', type: 'array', section: 'Risk Categories' },
          { name: 'configRef', displayName: 'Configuration Reference', path: 'configRef', type: 'object', section: 'Configuration' },
        ],
      },
      searchFields: ['name', 'description', 'riskCategories', 'author'],
      uiHints: {
        icon: 'shield',
        color: '#C9190B',
        nameField: 'name',
        detailSections: ['Overview', 'Risk Categories', 'Configuration'],
        listView: {
          titleField: 'name',
          columns: [
            { field: 'name', label: 'Name', display: 'link' },
            { field: 'guardrailType', label: 'Type', display: 'badge' },
            { field: 'enforcementStage', label: 'Stage', display: 'badge' },
            { field: 'enforcementMode', label: 'Mode', display: 'badge', width: 'sm' },
            { field: 'riskCategories', label: 'Risk Categories', display: 'tags' },
          ],
          defaultSort: { field: 'name', direction: 'asc' },
        },
        detailView: {
          sections: [
            {
              title: 'Overview',
              fields: [
                { field: 'name', label: 'Name', display: 'text' },
                { field: 'description', label: 'Description', display: 'markdown' },
                { field: 'guardrailType', label: 'Guardrail Type', display: 'badge' },
                { field: 'enforcementStage', label: 'Enforcement Stage', display: 'badge' },
                { field: 'enforcementMode', label: 'Enforcement Mode', display: 'badge' },
                { field: 'version', label: 'Version', display: 'text' },
                { field: 'author', label: 'Author', display: 'text' },
                { field: 'license', label: 'License', display: 'text' },
              ],
            },
            {
              title: 'Risk Categories',
              fields: [
                { field: 'riskCategories', label: 'Risk Categories', display: 'tags' },
                { field: 'modalities', label: 'Modalities', display: 'tags' },
              ],
            },
            {
              title: 'Configuration',
              fields: [{ field: 'configRef', label: 'Configuration Reference', display: 'json' }],
            },
          ],
        },
        search: {
          searchableFields: ['name', 'description', 'riskCategories', 'author'],
          facets: [
            { field: 'guardrailType', display: 'badge' },
            { field: 'enforcementStage', display: 'badge' },
            { field: 'enforcementMode', display: 'badge' },
            { field: 'riskCategories', display: 'tags' },
          ],
        },
        actionHints: { primary: ['refresh'], secondary: ['tag', 'annotate', 'deprecate'] },
      },
      cliDefaultColumns: ['name', 'guardrailType', 'enforcementStage', 'enforcementMode', 'riskCategories'],
    },
  ],
});
