import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { CommonEntityFields, definePlugin, Enum, OpenCustomProperties } from '@catalog/framework';

/**
 * Enum values shared by the schema and the select filters, so the advertised filter options can
 * never drift from what ingest accepts (spec 02 §8.1, §8.3).
 */
export const POLICY_TYPES = [
  'access_control', 'data_governance', 'safety', 'tool_allowlist', 'model_allowlist', 'compliance',
] as const;
export const POLICY_LANGUAGES = ['rego', 'yaml_rules', 'json_rules', 'cel'] as const;
export const ENFORCEMENT_SCOPES = ['agent', 'organization', 'namespace', 'project'] as const;
export const ENFORCEMENT_MODES = ['enforce', 'audit', 'dry-run'] as const;

/** One policy entry of a source document (spec 02 §8.1). */
export const Policy = Type.Object(
  {
    ...CommonEntityFields,
    policyType: Enum(POLICY_TYPES),
    language: Enum(POLICY_LANGUAGES),
    // Free text: bundles live in OCI registries, git repositories or plain HTTP stores, and the
    // catalog only records where; it never fetches or evaluates a bundle.
    bundleRef: Type.Optional(Type.String({ description: 'Where the policy bundle lives, e.g. an oci:// reference' })),
    // A rule path for rego and the rule formats, a whole expression for CEL.
    entrypoint: Type.Optional(Type.String({ description: 'Rule or expression evaluated' })),
    enforcementScope: Type.Optional(Enum(ENFORCEMENT_SCOPES)),
    enforcementMode: Type.Optional(Enum(ENFORCEMENT_MODES)),
    // Open: a JSON Schema is the author's business; the catalog stores and serves it as given.
    inputSchema: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'JSON Schema of the decision input' }),
    ),
    version: Type.Optional(Type.String()),
    author: Type.Optional(Type.String()),
    license: Type.Optional(Type.String()),
    customProperties: OpenCustomProperties,
  },
  { additionalProperties: false },
);
export type Policy = Static<typeof Policy>;

export default definePlugin({
  name: 'policies',
  version: 'v1alpha1',
  displayName: 'Policies',
  description: 'Policy catalog for AI governance and access control',
  icon: 'gavel',
  sourceTypes: ['yaml', 'git', 'http'],
  // Resolved from this module's URL: src/ (tsx) and dist/ (built) both sit one level below the plugin folder.
  dataDir: fileURLToPath(new URL('../data', import.meta.url)),
  entities: [
    {
      kind: 'Policy',
      plural: 'policies',
      displayName: 'Policy',
      description: 'AI governance and access control policies',
      notFoundPhrase: 'policy',
      schema: Policy,
      fields: {
        columns: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', sortable: true, width: 'lg' },
          { name: 'policyType', displayName: 'Policy Type', path: 'policyType', type: 'string', sortable: true, width: 'md' },
          { name: 'language', displayName: 'Language', path: 'language', type: 'string', sortable: true, width: 'sm' },
          { name: 'enforcementScope', displayName: 'Scope', path: 'enforcementScope', type: 'string', sortable: true, width: 'md' },
          { name: 'enforcementMode', displayName: 'Mode', path: 'enforcementMode', type: 'string', sortable: true, width: 'sm' },
        ],
        // `name` is a deliberate addition over the reference design, which had no name filter (spec 02 §11.5).
        filterFields: [
          { name: 'name', displayName: 'Name', type: 'text' },
          { name: 'policyType', displayName: 'Policy Type', type: 'select', options: [...POLICY_TYPES] },
          { name: 'language', displayName: 'Language', type: 'select', options: [...POLICY_LANGUAGES] },
          { name: 'enforcementScope', displayName: 'Scope', type: 'select', options: [...ENFORCEMENT_SCOPES] },
          { name: 'enforcementMode', displayName: 'Enforcement Mode', type: 'select', options: [...ENFORCEMENT_MODES] },
        ],
        detailFields: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', section: 'Overview' },
          { name: 'description', displayName: 'Description', path: 'description', type: 'string', section: 'Overview' },
          { name: 'policyType', displayName: 'Policy Type', path: 'policyType', type: 'string', section: 'Overview' },
          { name: 'language', displayName: 'Language', path: 'language', type: 'string', section: 'Overview' },
          { name: 'enforcementScope', displayName: 'Enforcement Scope', path: 'enforcementScope', type: 'string', section: 'Overview' },
          { name: 'enforcementMode', displayName: 'Enforcement Mode', path: 'enforcementMode', type: 'string', section: 'Overview' },
          { name: 'version', displayName: 'Version', path: 'version', type: 'string', section: 'Overview' },
          { name: 'author', displayName: 'Author', path: 'author', type: 'string', section: 'Overview' },
          { name: 'license', displayName: 'License', path: 'license', type: 'string', section: 'Overview' },
          { name: 'bundleRef', displayName: 'Bundle Reference', path: 'bundleRef', type: 'string', section: 'Bundle' },
          { name: 'entrypoint', displayName: 'Entrypoint', path: 'entrypoint', type: 'string', section: 'Bundle' },
          { name: 'inputSchema', displayName: 'Input Schema', path: 'inputSchema', type: 'object', section: 'Input Schema' },
        ],
      },
      searchFields: ['name', 'description', 'entrypoint', 'author'],
      // Spec 02 §8.3 names only the icon and the name field; lists and detail pages are laid out
      // from `fields` by the UI.
      uiHints: {
        icon: 'gavel',
        nameField: 'name',
        detailSections: ['Overview', 'Bundle', 'Input Schema'],
      },
      cliDefaultColumns: ['name', 'policyType', 'language', 'enforcementScope', 'enforcementMode'],
    },
  ],
});
