import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { CommonEntityFields, definePlugin, EntryRejection, type RawEntry } from '@catalog/framework';
import { normalizeLicense } from './license.js';
import { isObject, normalizeCustomProperties } from './metadata.js';

export { normalizeLicense } from './license.js';
export { normalizeCustomProperties, type MetadataValue } from './metadata.js';

export const ARTIFACT_TYPES = ['model-artifact', 'metrics-artifact'] as const;
export const METRICS_TYPES = ['performance-metrics', 'accuracy-metrics'] as const;

/** `readme` ≤ 1 MiB, `logo` ≤ 256 KiB (spec 03 §3.1). */
const MAX_README = 1024 * 1024;
const MAX_LOGO = 256 * 1024;

const NonEmptyStrings = Type.Array(Type.String({ minLength: 1 }));

/** One model entry of a source document (spec 03 §3.1, §4.1); artifacts are checked by `normalizeModel`. */
export const CatalogModel = Type.Object(
  {
    ...CommonEntityFields,
    readme: Type.Optional(Type.String({ maxLength: MAX_README })),
    maturity: Type.Optional(Type.String()),
    language: Type.Optional(NonEmptyStrings),
    tasks: Type.Optional(NonEmptyStrings),
    provider: Type.Optional(Type.String()),
    logo: Type.Optional(Type.String({ maxLength: MAX_LOGO })),
    license: Type.Optional(Type.String()),
    licenseLink: Type.Optional(Type.String()),
    libraryName: Type.Optional(Type.String()),
    customProperties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    artifacts: Type.Optional(Type.Array(Type.Unknown())),
  },
  { additionalProperties: false },
);
export type CatalogModel = Static<typeof CatalogModel>;

const ARTIFACT_KEYS = new Set([
  'artifactType', 'metricsType', 'name', 'externalId', 'description', 'uri', 'customProperties',
  'createTimeSinceEpoch', 'lastUpdateTimeSinceEpoch',
]);
/** Output-only artifact members of exported documents, dropped like the model's (spec 03 §4.2). */
const DROPPED_ARTIFACT_KEYS = new Set(['id']);

/**
 * The model-specific ingest rules of spec 03 §4.2–4.3: license normalization, typed custom
 * properties, and the artifact list (types, required members, unique names). A bad artifact rejects
 * the whole model.
 */
export function normalizeModel(entry: RawEntry): RawEntry {
  const model = { ...entry };
  if (typeof model.license === 'string') {
    const license = normalizeLicense(model.license);
    if (license === undefined) delete model.license;
    else model.license = license;
  }
  if (model.customProperties !== undefined) model.customProperties = normalizeCustomProperties(model.customProperties, 'customProperties');
  if (model.artifacts !== undefined) {
    const names = new Set<string>();
    model.artifacts = (model.artifacts as unknown[]).map((artifact, index) => {
      const normalized = normalizeArtifact(artifact, `artifacts[${index}]`);
      if (typeof normalized.name === 'string') {
        if (names.has(normalized.name)) throw new EntryRejection(`duplicate artifact name "${normalized.name}"`, `artifacts[${index}].name`);
        names.add(normalized.name);
      }
      return normalized;
    });
  }
  return model;
}

function normalizeArtifact(value: unknown, path: string): Record<string, unknown> {
  if (!isObject(value)) throw new EntryRejection('must be a map', path);
  const artifact: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (DROPPED_ARTIFACT_KEYS.has(key)) continue;
    if (!ARTIFACT_KEYS.has(key)) throw new EntryRejection(`unknown field "${key}"`, `${path}.${key}`);
    artifact[key] = member;
  }
  for (const key of ['name', 'externalId', 'description', 'uri', 'metricsType', 'artifactType']) {
    if (artifact[key] !== undefined && typeof artifact[key] !== 'string') throw new EntryRejection('must be a string', `${path}.${key}`);
  }
  for (const key of ['createTimeSinceEpoch', 'lastUpdateTimeSinceEpoch']) {
    const stamp = artifact[key];
    if (stamp === undefined) continue;
    if (typeof stamp === 'number' && Number.isSafeInteger(stamp) && stamp >= 0) artifact[key] = String(stamp);
    else if (typeof stamp !== 'string' || !/^[0-9]{1,16}$/.test(stamp)) throw new EntryRejection('must be epoch milliseconds', `${path}.${key}`);
  }
  const type = artifact.artifactType ?? 'model-artifact';
  if (type === 'model-artifact') {
    if (typeof artifact.uri !== 'string' || artifact.uri === '') throw new EntryRejection('a model artifact requires "uri"', `${path}.uri`);
    if (artifact.metricsType !== undefined) throw new EntryRejection('only metrics artifacts have a metricsType', `${path}.metricsType`);
  } else if (type === 'metrics-artifact') {
    if (!(METRICS_TYPES as readonly unknown[]).includes(artifact.metricsType)) {
      throw new EntryRejection(`metricsType must be one of ${METRICS_TYPES.join(', ')}`, `${path}.metricsType`);
    }
  } else {
    throw new EntryRejection(`artifactType must be one of ${ARTIFACT_TYPES.join(', ')}`, `${path}.artifactType`);
  }
  if (artifact.customProperties !== undefined) {
    artifact.customProperties = normalizeCustomProperties(artifact.customProperties, `${path}.customProperties`);
  }
  return { artifactType: type, ...artifact };
}

export default definePlugin({
  name: 'model',
  version: 'v1alpha1',
  displayName: 'Models',
  description: 'Model catalog for ML models',
  icon: 'model',
  configKey: 'models',
  sourceTypes: ['yaml', 'git', 'http', 'hf'],
  // Resolved from this module's URL: src/ (tsx) and dist/ (built) both sit one level below the plugin folder.
  dataDir: fileURLToPath(new URL('../data', import.meta.url)),
  entities: [
    {
      kind: 'CatalogModel',
      plural: 'models',
      displayName: 'Model',
      description: 'Machine learning models',
      notFoundPhrase: 'model',
      schema: CatalogModel,
      fields: {
        columns: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', sortable: true, width: 'lg' },
          { name: 'provider', displayName: 'Provider', path: 'provider', type: 'string', sortable: true, width: 'md' },
          { name: 'tasks', displayName: 'Tasks', path: 'tasks', type: 'array', width: 'md' },
          { name: 'license', displayName: 'License', path: 'license', type: 'string', sortable: true, width: 'md' },
          { name: 'sourceId', displayName: 'Source', path: 'sourceId', type: 'string', sortable: true, width: 'md' },
        ],
        filterFields: [
          { name: 'name', displayName: 'Name', type: 'text' },
          { name: 'provider', displayName: 'Provider', type: 'text' },
          { name: 'tasks', displayName: 'Task', type: 'text' },
          { name: 'license', displayName: 'License', type: 'text' },
        ],
        detailFields: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', section: 'Overview' },
          { name: 'description', displayName: 'Description', path: 'description', type: 'string', section: 'Overview' },
          { name: 'provider', displayName: 'Provider', path: 'provider', type: 'string', section: 'Overview' },
          { name: 'tasks', displayName: 'Tasks', path: 'tasks', type: 'array', section: 'Overview' },
          { name: 'license', displayName: 'License', path: 'license', type: 'string', section: 'Overview' },
          { name: 'licenseLink', displayName: 'License Link', path: 'licenseLink', type: 'string', section: 'Overview' },
          { name: 'maturity', displayName: 'Maturity', path: 'maturity', type: 'string', section: 'Details' },
          { name: 'language', displayName: 'Language', path: 'language', type: 'array', section: 'Details' },
          { name: 'libraryName', displayName: 'Library', path: 'libraryName', type: 'string', section: 'Details' },
          { name: 'readme', displayName: 'Readme', path: 'readme', type: 'string', section: 'Documentation' },
        ],
      },
      aliases: { source_id: 'sourceId', license_link: 'licenseLink', library_name: 'libraryName', task: 'tasks' },
      searchFields: ['name', 'description', 'provider', 'libraryName', 'tasks'],
      notFilterable: [],
      uiHints: {
        icon: 'model',
        nameField: 'name',
        detailSections: ['Overview', 'Details', 'Documentation'],
        listView: {
          titleField: 'name',
          columns: [
            { field: 'name', label: 'Name', display: 'link' },
            { field: 'provider', label: 'Provider', display: 'text' },
            { field: 'tasks', label: 'Tasks', display: 'tags' },
            { field: 'license', label: 'License', display: 'badge' },
            { field: 'sourceId', label: 'Source', display: 'text' },
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
                { field: 'provider', label: 'Provider', display: 'text' },
                { field: 'tasks', label: 'Tasks', display: 'tags' },
                { field: 'license', label: 'License', display: 'text' },
                { field: 'licenseLink', label: 'License Link', display: 'link' },
              ],
            },
            {
              title: 'Details',
              fields: [
                { field: 'maturity', label: 'Maturity', display: 'badge' },
                { field: 'language', label: 'Language', display: 'tags' },
                { field: 'libraryName', label: 'Library', display: 'text' },
              ],
            },
            { title: 'Documentation', fields: [{ field: 'readme', label: 'Readme', display: 'markdown' }] },
          ],
        },
        search: {
          searchableFields: ['name', 'description', 'provider', 'libraryName', 'tasks'],
          facets: [
            { field: 'provider', display: 'text' },
            { field: 'tasks', display: 'tags' },
            { field: 'license', display: 'badge' },
          ],
        },
        actionHints: { primary: ['refresh'], secondary: ['tag', 'annotate', 'deprecate'] },
      },
      cliDefaultColumns: ['name', 'provider', 'tasks', 'sourceId'],
      ingest: { normalize: normalizeModel },
      children: { field: 'artifacts', identityField: 'name' },
      getPath: '/sources/{source_id}/models/{name}',
    },
  ],
});
