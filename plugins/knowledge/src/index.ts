import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { CommonEntityFields, definePlugin, Enum, OpenCustomProperties } from '@catalog/framework';

/**
 * Enum values shared by the schema and the select filters, so the advertised filter options can
 * never drift from what ingest accepts (spec 02 §4.1, §4.3).
 */
export const SOURCE_TYPES = ['document', 'url', 'vector_store', 'graph_store'] as const;
export const STATUSES = ['active', 'indexing', 'error', 'archived'] as const;

/** One knowledge source entry of a source document (spec 02 §4.1). */
export const KnowledgeSource = Type.Object(
  {
    ...CommonEntityFields,
    sourceType: Enum(SOURCE_TYPES),
    // Deliberately no scheme pattern: the spec allows plain paths next to s3://, pgvector://, qdrant://,
    // neo4j:// and https:// locations, and new stores bring new schemes.
    location: Type.String({ minLength: 1, description: 'Where the content lives: a URI or a path' }),
    contentType: Type.Optional(Type.String({ description: 'MIME type or embedding format, e.g. embeddings/<model>' })),
    provider: Type.Optional(Type.String({ description: 'System or vendor holding the content' })),
    status: Type.Optional(Enum(STATUSES)),
    documentCount: Type.Optional(Type.Integer({ minimum: 0 })),
    vectorDimensions: Type.Optional(Type.Integer({ minimum: 1, description: 'Embedding dimensions of a vector store' })),
    indexType: Type.Optional(Type.String({ description: 'e.g. HNSW, IVF, flat' })),
    customProperties: OpenCustomProperties,
  },
  { additionalProperties: false },
);
export type KnowledgeSource = Static<typeof KnowledgeSource>;

export default definePlugin({
  name: 'knowledge',
  version: 'v1alpha1',
  displayName: 'Knowledge Sources',
  description: 'Knowledge source catalog for documents, vector stores, and graph stores',
  icon: 'database',
  sourceTypes: ['yaml', 'git', 'http'],
  // Resolved from this module's URL: src/ (tsx) and dist/ (built) both sit one level below the plugin folder.
  dataDir: fileURLToPath(new URL('../data', import.meta.url)),
  entities: [
    {
      kind: 'KnowledgeSource',
      plural: 'knowledgesources',
      displayName: 'Knowledge Source',
      description: 'Documents, vector stores, and graph stores',
      notFoundPhrase: 'knowledge source',
      schema: KnowledgeSource,
      fields: {
        columns: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', sortable: true, width: 'lg' },
          { name: 'sourceType', displayName: 'Type', path: 'sourceType', type: 'string', sortable: true, width: 'md' },
          { name: 'provider', displayName: 'Provider', path: 'provider', type: 'string', sortable: true, width: 'md' },
          { name: 'status', displayName: 'Status', path: 'status', type: 'string', sortable: true, width: 'sm' },
          { name: 'documentCount', displayName: 'Documents', path: 'documentCount', type: 'integer', sortable: true, width: 'sm' },
          { name: 'contentType', displayName: 'Content Type', path: 'contentType', type: 'string', width: 'md' },
        ],
        filterFields: [
          { name: 'name', displayName: 'Name', type: 'text' },
          { name: 'sourceType', displayName: 'Source Type', type: 'select', options: [...SOURCE_TYPES] },
          { name: 'provider', displayName: 'Provider', type: 'text' },
          { name: 'status', displayName: 'Status', type: 'select', options: [...STATUSES] },
        ],
        detailFields: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', section: 'Overview' },
          { name: 'description', displayName: 'Description', path: 'description', type: 'string', section: 'Overview' },
          { name: 'sourceType', displayName: 'Source Type', path: 'sourceType', type: 'string', section: 'Overview' },
          { name: 'provider', displayName: 'Provider', path: 'provider', type: 'string', section: 'Overview' },
          { name: 'status', displayName: 'Status', path: 'status', type: 'string', section: 'Overview' },
          { name: 'location', displayName: 'Location', path: 'location', type: 'string', section: 'Connection' },
          { name: 'contentType', displayName: 'Content Type', path: 'contentType', type: 'string', section: 'Connection' },
          { name: 'indexType', displayName: 'Index Type', path: 'indexType', type: 'string', section: 'Connection' },
          { name: 'documentCount', displayName: 'Document Count', path: 'documentCount', type: 'integer', section: 'Statistics' },
          { name: 'vectorDimensions', displayName: 'Vector Dimensions', path: 'vectorDimensions', type: 'integer', section: 'Statistics' },
        ],
      },
      searchFields: ['name', 'description', 'provider', 'location'],
      uiHints: {
        icon: 'database',
        color: '#3E8635',
        nameField: 'name',
        detailSections: ['Overview', 'Connection', 'Statistics'],
        listView: {
          titleField: 'name',
          columns: [
            { field: 'name', label: 'Name', display: 'link' },
            { field: 'sourceType', label: 'Type', display: 'badge' },
            { field: 'provider', label: 'Provider', display: 'text' },
            { field: 'status', label: 'Status', display: 'badge', width: 'sm' },
            { field: 'documentCount', label: 'Documents', display: 'text', width: 'sm' },
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
                { field: 'sourceType', label: 'Source Type', display: 'badge' },
                { field: 'provider', label: 'Provider', display: 'text' },
                { field: 'status', label: 'Status', display: 'badge' },
              ],
            },
            {
              title: 'Connection',
              fields: [
                // `code`, not `link`: most locations are s3://, pgvector:// or neo4j:// URIs or paths,
                // which a browser cannot open; the UI would show them as plain text anyway.
                { field: 'location', label: 'Location', display: 'code' },
                { field: 'contentType', label: 'Content Type', display: 'text' },
                { field: 'indexType', label: 'Index Type', display: 'badge' },
              ],
            },
            {
              title: 'Statistics',
              fields: [
                { field: 'documentCount', label: 'Documents', display: 'text' },
                { field: 'vectorDimensions', label: 'Vector Dimensions', display: 'text' },
              ],
            },
          ],
        },
        search: {
          searchableFields: ['name', 'description', 'provider', 'location'],
          facets: [
            { field: 'sourceType', display: 'badge' },
            { field: 'status', display: 'badge' },
            { field: 'provider', display: 'badge' },
          ],
        },
        actionHints: { primary: ['refresh'], secondary: ['tag', 'annotate', 'deprecate'] },
      },
      cliDefaultColumns: ['name', 'sourceType', 'provider', 'status', 'documentCount'],
    },
  ],
});
