import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import {
  CommonEntityFields,
  definePlugin,
  EntryRejection,
  Enum,
  OpenCustomProperties,
  type ActionContext,
  type ActionDeclaration,
  type ActionResult,
  type RawEntry,
} from '@catalog/framework';
import { isObject, jsonType, PROMPT_FORMATS, renderPromptTemplate, RenderError } from './render.js';

export { PROMPT_FORMATS, PLACEHOLDER_NAME, RenderError, renderPromptTemplate, templatePlaceholders } from './render.js';
export type { ParameterProblem, PromptFormat, RenderOutput } from './render.js';

/** `template` may hold at most 256 KiB (spec 02 §5.1), measured in UTF-8 bytes. */
export const MAX_TEMPLATE_BYTES = 256 * 1024;
export const TEMPLATE_SIZE_MESSAGE = `must be at most ${MAX_TEMPLATE_BYTES} bytes (256 KiB) in UTF-8`;

/** An object whose members are the author's business: JSON Schemas (spec 02 §5.1 marks them open). */
const OpenObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

/** Open: model runtimes add their own keys; only the keys the catalog understands are typed. */
const ModelConstraints = Type.Object(
  {
    compatibleModelFamilies: Type.Optional(Type.Array(Type.String())),
    minContextTokens: Type.Optional(Type.Integer({ minimum: 1 })),
    maxOutputTokens: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: true },
);

/** Open items: evaluation tools attach their own keys (scores, graders) next to the known ones. */
const PromptExample = Type.Object(
  {
    inputs: Type.Optional(OpenObject('Parameter values of the example')),
    expectedOutput: Type.Optional(Type.String()),
    notes: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

/** One prompt template entry of a source document (spec 02 §5.1). */
export const PromptTemplate = Type.Object(
  {
    ...CommonEntityFields,
    format: Enum(PROMPT_FORMATS),
    // The schema bound counts UTF-16 code units, never more than the UTF-8 bytes, so it only
    // advertises the limit; `normalize` enforces the byte count exactly.
    template: Type.String({ minLength: 1, maxLength: MAX_TEMPLATE_BYTES, description: 'One string for every format' }),
    parametersSchema: Type.Optional(OpenObject('JSON Schema of the template parameters')),
    outputSchema: Type.Optional(OpenObject('JSON Schema of the expected model output')),
    modelConstraints: Type.Optional(ModelConstraints),
    examples: Type.Optional(Type.Array(PromptExample)),
    taskTags: Type.Optional(Type.Array(Type.String())),
    version: Type.Optional(Type.String()),
    author: Type.Optional(Type.String()),
    license: Type.Optional(Type.String({ description: 'SPDX id' })),
    customProperties: OpenCustomProperties,
  },
  { additionalProperties: false },
);
export type PromptTemplate = Static<typeof PromptTemplate>;

/**
 * Enforces the byte limit the schema can only approximate. Template syntax is not checked here:
 * unsupported syntax is a `render` error (spec 02 §5.4), and catalogs may hold templates meant for
 * engines that render them elsewhere.
 */
export function normalizePromptTemplate(entry: RawEntry): RawEntry {
  const { template } = entry as PromptTemplate;
  if (Buffer.byteLength(template, 'utf8') > MAX_TEMPLATE_BYTES) throw new EntryRejection(TEMPLATE_SIZE_MESSAGE, 'template');
  return entry;
}

/** Parameters of the `render` action: `{parameters?: object}`, absent meaning `{}` (spec 02 §5.4). */
export const RenderParams = Type.Object(
  {
    parameters: Type.Optional(
      Type.Object({}, { additionalProperties: true, default: {}, description: 'Values of the template placeholders' }),
    ),
  },
  // Closed, so a misspelt key (`parameter`) is a 400 rather than a render that silently uses defaults.
  { additionalProperties: false },
);
export type RenderParams = Static<typeof RenderParams>;

/**
 * Computes the `render` result (spec 02 §5.4 step 5). The framework has already checked that the
 * entity exists (404 otherwise) and that `params` matches `RenderParams`; the shape check here only
 * guards direct callers.
 */
export async function renderAction(ctx: ActionContext, params: unknown): Promise<ActionResult> {
  const prompt = ctx.entity as PromptTemplate | undefined;
  // Asset-scope actions always receive their entity; without one this is a framework fault (500), not a client error.
  if (!prompt) throw new Error(`render: the action context carries no entity for "${ctx.target}"`);
  const output = renderPromptTemplate(prompt, givenParameters(params));
  return { status: 'completed', message: `rendered prompt template ${prompt.name}`, data: output };
}

function givenParameters(params: unknown): Record<string, unknown> {
  if (params === undefined) return {};
  if (!isObject(params)) {
    throw new RenderError(400, 'bad_request', `invalid parameters parameter: params must be an object, got ${jsonType(params)}`);
  }
  const { parameters } = params;
  if (parameters === undefined) return {};
  if (!isObject(parameters)) {
    throw new RenderError(400, 'bad_request', `invalid parameters parameter: "parameters" must be an object, got ${jsonType(parameters)}`);
  }
  return parameters;
}

export const renderActionDeclaration: ActionDeclaration = {
  id: 'render',
  displayName: 'Render',
  description: 'Render the template with parameter values',
  scope: 'asset',
  supportsDryRun: false,
  idempotent: true,
  // `key-value` is the closest form control the UI and CLI offer (spec 07 §3, §4): string values,
  // which is enough for most templates; the API accepts any JSON values.
  parameters: [
    {
      name: 'parameters',
      type: 'key-value',
      label: 'Parameters',
      required: false,
      description: 'Values of the template placeholders; defaults from parametersSchema fill the rest',
    },
  ],
  params: RenderParams,
  handler: renderAction,
};

export default definePlugin({
  name: 'prompts',
  version: 'v1alpha1',
  displayName: 'Prompt Templates',
  description: 'Prompt template catalog for reusable AI prompts',
  icon: 'file-code',
  sourceTypes: ['yaml', 'git', 'http'],
  // Resolved from this module's URL: src/ (tsx) and dist/ (built) both sit one level below the plugin folder.
  dataDir: fileURLToPath(new URL('../data', import.meta.url)),
  actions: [renderActionDeclaration],
  entities: [
    {
      kind: 'PromptTemplate',
      plural: 'prompttemplates',
      displayName: 'Prompt Template',
      description: 'Reusable prompt templates for AI models',
      notFoundPhrase: 'prompt template',
      schema: PromptTemplate,
      fields: {
        columns: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', sortable: true, width: 'lg' },
          { name: 'format', displayName: 'Format', path: 'format', type: 'string', sortable: true, width: 'md' },
          // An array: the framework refuses `sortable` on it (spec 02 §1.3).
          { name: 'taskTags', displayName: 'Task Tags', path: 'taskTags', type: 'array', width: 'md' },
          { name: 'version', displayName: 'Version', path: 'version', type: 'string', sortable: true, width: 'sm' },
          { name: 'author', displayName: 'Author', path: 'author', type: 'string', sortable: true, width: 'md' },
        ],
        filterFields: [
          { name: 'name', displayName: 'Name', type: 'text' },
          { name: 'format', displayName: 'Format', type: 'select', options: [...PROMPT_FORMATS] },
          { name: 'taskTags', displayName: 'Task Tags', type: 'text' },
          { name: 'author', displayName: 'Author', type: 'text' },
        ],
        detailFields: [
          { name: 'name', displayName: 'Name', path: 'name', type: 'string', section: 'Overview' },
          { name: 'description', displayName: 'Description', path: 'description', type: 'string', section: 'Overview' },
          { name: 'format', displayName: 'Format', path: 'format', type: 'string', section: 'Overview' },
          { name: 'version', displayName: 'Version', path: 'version', type: 'string', section: 'Overview' },
          { name: 'author', displayName: 'Author', path: 'author', type: 'string', section: 'Overview' },
          { name: 'license', displayName: 'License', path: 'license', type: 'string', section: 'Overview' },
          { name: 'template', displayName: 'Template', path: 'template', type: 'string', section: 'Template' },
          { name: 'parametersSchema', displayName: 'Parameters Schema', path: 'parametersSchema', type: 'object', section: 'Parameters' },
          { name: 'outputSchema', displayName: 'Output Schema', path: 'outputSchema', type: 'object', section: 'Parameters' },
          { name: 'modelConstraints', displayName: 'Model Constraints', path: 'modelConstraints', type: 'object', section: 'Model Constraints' },
        ],
      },
      searchFields: ['name', 'description', 'taskTags', 'author'],
      uiHints: {
        icon: 'file-code',
        color: '#8476D1',
        nameField: 'name',
        detailSections: ['Overview', 'Template', 'Parameters', 'Model Constraints'],
        listView: {
          titleField: 'name',
          columns: [
            { field: 'name', label: 'Name', display: 'link' },
            { field: 'format', label: 'Format', display: 'badge' },
            { field: 'taskTags', label: 'Task Tags', display: 'tags' },
            { field: 'version', label: 'Version', display: 'text', width: 'sm' },
            { field: 'author', label: 'Author', display: 'text' },
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
                { field: 'format', label: 'Format', display: 'badge' },
                { field: 'version', label: 'Version', display: 'text' },
                { field: 'author', label: 'Author', display: 'text' },
                { field: 'license', label: 'License', display: 'text' },
              ],
            },
            {
              title: 'Template',
              // `code`, not `markdown`: the template must be shown exactly as the model receives it.
              fields: [{ field: 'template', label: 'Template', display: 'code' }],
            },
            {
              title: 'Parameters',
              fields: [
                { field: 'parametersSchema', label: 'Parameters Schema', display: 'json' },
                { field: 'outputSchema', label: 'Output Schema', display: 'json' },
              ],
            },
            {
              title: 'Model Constraints',
              fields: [{ field: 'modelConstraints', label: 'Model Constraints', display: 'json' }],
            },
          ],
        },
        search: {
          searchableFields: ['name', 'description', 'taskTags', 'author'],
          facets: [
            { field: 'format', display: 'badge' },
            { field: 'taskTags', display: 'tags' },
          ],
        },
        actionHints: { primary: ['render', 'refresh'], secondary: ['tag', 'annotate', 'deprecate'] },
      },
      cliDefaultColumns: ['name', 'format', 'taskTags', 'version', 'author'],
      ingest: { normalize: normalizePromptTemplate },
    },
  ],
});
