import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { CommonEntityFields, definePlugin, Enum, ScalarCustomProperties } from '@catalog/framework';

/**
 * Transport values shared by the schema, the select filter and the `supportedTransports` pattern,
 * so the advertised filter options can never drift from what ingest accepts (spec 02 §11.5).
 */
export const TRANSPORT_TYPES = ['stdio', 'http', 'sse', 'streamable-http'] as const;
export const DEPLOYMENT_MODES = ['local', 'remote'] as const;

const transportAlternatives = `(${TRANSPORT_TYPES.join('|')})`;

/** One MCP server entry of a source document (spec 02 §3.1). */
export const McpServer = Type.Object(
  {
    ...CommonEntityFields,
    serverUrl: Type.String({ pattern: '^(stdio|https?)://\\S+$' }),
    transportType: Type.Optional(Enum(TRANSPORT_TYPES)),
    deploymentMode: Enum(DEPLOYMENT_MODES),
    image: Type.Optional(Type.String()),
    endpoint: Type.Optional(Type.String({ pattern: '^https?://\\S+' })),
    // Spaces around the commas are tolerated because hand-written sources commonly include them.
    supportedTransports: Type.Optional(
      Type.String({ pattern: `^${transportAlternatives}( *, *${transportAlternatives})*$` }),
    ),
    toolCount: Type.Optional(Type.Integer({ minimum: 0 })),
    resourceCount: Type.Optional(Type.Integer({ minimum: 0 })),
    promptCount: Type.Optional(Type.Integer({ minimum: 0 })),
    // Kept as given: SPDX normalization is a model-catalog concern only.
    license: Type.Optional(Type.String()),
    verified: Type.Optional(Type.Boolean()),
    certified: Type.Optional(Type.Boolean()),
    provider: Type.Optional(Type.String()),
    // Plain http and arbitrary data URLs are refused so the UI never loads mixed or non-image content.
    logo: Type.Optional(Type.String({ pattern: '^(https://|data:image/)\\S+' })),
    category: Type.Optional(Type.String()),
    customProperties: ScalarCustomProperties,
  },
  { additionalProperties: false },
);
export type McpServer = Static<typeof McpServer>;

export default definePlugin({
  name: 'mcp',
  version: 'v1alpha1',
  displayName: 'MCP Servers',
  description: 'MCP server catalog for Model Context Protocol servers',
  icon: 'server',
  sourceTypes: ['yaml', 'git', 'http'],
  // Resolved from this module's URL: src/ (tsx) and dist/ (built) both sit one level below the plugin folder.
  dataDir: fileURLToPath(new URL('../data', import.meta.url)),
  entities: [
    {
      kind: 'McpServer',
      plural: 'mcpservers',
      displayName: 'MCP Server',
      description: 'Model Context Protocol server entries',
      notFoundPhrase: 'mcp server',
      schema: McpServer,
      fields: {
        columns: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', sortable: true, width: 'lg' },
          { name: 'deploymentMode', displayName: 'Deployment', path: 'deploymentMode', type: 'string', sortable: true, width: 'md' },
          { name: 'provider', displayName: 'Provider', path: 'provider', type: 'string', sortable: true, width: 'md' },
          { name: 'transportType', displayName: 'Transport', path: 'transportType', type: 'string', sortable: true, width: 'sm' },
          { name: 'toolCount', displayName: 'Tools', path: 'toolCount', type: 'integer', sortable: true, width: 'sm' },
          { name: 'license', displayName: 'License', path: 'license', type: 'string', sortable: true, width: 'md' },
          { name: 'category', displayName: 'Category', path: 'category', type: 'string', sortable: true, width: 'md' },
        ],
        filterFields: [
          { name: 'name', displayName: 'Name', type: 'text' },
          { name: 'deploymentMode', displayName: 'Deployment Mode', type: 'select', options: [...DEPLOYMENT_MODES] },
          { name: 'provider', displayName: 'Provider', type: 'text' },
          { name: 'category', displayName: 'Category', type: 'text' },
          { name: 'license', displayName: 'License', type: 'text' },
          { name: 'transportType', displayName: 'Transport Type', type: 'select', options: [...TRANSPORT_TYPES] },
          { name: 'toolCount', displayName: 'Tool Count', type: 'number' },
          { name: 'verified', displayName: 'Verified', type: 'boolean' },
          { name: 'certified', displayName: 'Certified', type: 'boolean' },
        ],
        detailFields: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', section: 'Overview' },
          { name: 'description', displayName: 'Description', path: 'description', type: 'string', section: 'Overview' },
          { name: 'deploymentMode', displayName: 'Deployment Mode', path: 'deploymentMode', type: 'string', section: 'Overview' },
          { name: 'provider', displayName: 'Provider', path: 'provider', type: 'string', section: 'Overview' },
          { name: 'category', displayName: 'Category', path: 'category', type: 'string', section: 'Overview' },
          { name: 'license', displayName: 'License', path: 'license', type: 'string', section: 'Overview' },
          { name: 'serverUrl', displayName: 'Server URL', path: 'serverUrl', type: 'string', section: 'Connection' },
          { name: 'image', displayName: 'Container Image', path: 'image', type: 'string', section: 'Connection' },
          { name: 'endpoint', displayName: 'Remote Endpoint', path: 'endpoint', type: 'string', section: 'Connection' },
          { name: 'supportedTransports', displayName: 'Supported Transports', path: 'supportedTransports', type: 'string', section: 'Connection' },
          { name: 'transportType', displayName: 'Transport Type', path: 'transportType', type: 'string', section: 'Connection' },
          { name: 'toolCount', displayName: 'Tool Count', path: 'toolCount', type: 'integer', section: 'Statistics' },
          { name: 'resourceCount', displayName: 'Resource Count', path: 'resourceCount', type: 'integer', section: 'Statistics' },
          { name: 'promptCount', displayName: 'Prompt Count', path: 'promptCount', type: 'integer', section: 'Statistics' },
        ],
      },
      searchFields: ['name', 'description', 'provider', 'category'],
      uiHints: {
        icon: 'server',
        color: '#0066CC',
        nameField: 'name',
        detailSections: ['Overview', 'Connection', 'Statistics'],
        listView: {
          titleField: 'name',
          columns: [
            { field: 'name', label: 'Name', display: 'link' },
            { field: 'deploymentMode', label: 'Deployment', display: 'badge' },
            { field: 'provider', label: 'Provider', display: 'text' },
            { field: 'transportType', label: 'Transport', display: 'badge', width: 'sm' },
            { field: 'toolCount', label: 'Tools', display: 'text', width: 'sm' },
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
                { field: 'deploymentMode', label: 'Deployment Mode', display: 'badge' },
                { field: 'provider', label: 'Provider', display: 'text' },
                { field: 'category', label: 'Category', display: 'badge' },
              ],
            },
            {
              title: 'Connection',
              fields: [
                { field: 'serverUrl', label: 'Server URL', display: 'link' },
                { field: 'endpoint', label: 'Remote Endpoint', display: 'link' },
                { field: 'image', label: 'Container Image', display: 'code' },
                { field: 'transportType', label: 'Transport Type', display: 'badge' },
              ],
            },
            {
              title: 'Statistics',
              fields: [
                { field: 'toolCount', label: 'Tools', display: 'text' },
                { field: 'resourceCount', label: 'Resources', display: 'text' },
                { field: 'promptCount', label: 'Prompts', display: 'text' },
              ],
            },
          ],
        },
        search: {
          searchableFields: ['name', 'description', 'provider', 'category'],
          facets: [
            { field: 'deploymentMode', display: 'badge' },
            { field: 'transportType', display: 'badge' },
            { field: 'category', display: 'badge' },
          ],
        },
        actionHints: { primary: ['refresh'], secondary: ['tag', 'annotate', 'deprecate'] },
      },
      cliDefaultColumns: ['name', 'deploymentMode', 'provider', 'toolCount', 'category'],
    },
  ],
});
