import type { FilterFieldDecl, KindDeclaration } from '@catalog/framework';
import type { TSchema } from '@sinclair/typebox';
import { governanceBlock, type GovernanceSettings } from '../governance/GovernanceSettings.js';
import { BUILTIN_ACTIONS, type ActionDefinition } from './builtinActions.js';
import { FILTER_OPERATORS } from './filterOperators.js';
import type { RegisteredPlugin } from './PluginRegistry.js';

const SOURCE_FILTER: FilterFieldDecl = { name: 'sourceId', displayName: 'Source', type: 'text' };

/** Builtin plus plugin action definitions (handlers stripped). */
export function actionDefinitions(plugin: RegisteredPlugin): ActionDefinition[] {
  const own = (plugin.decl.actions ?? []).map(({ handler: _h, params: _p, ...definition }) => definition);
  return [...BUILTIN_ACTIONS, ...own];
}

/** The V2 capabilities document of spec 01 §8.3, generated from the declaration (02 §2.9). */
export function capabilitiesV2(plugin: RegisteredPlugin, governance: GovernanceSettings) {
  const { decl, basePath } = plugin;
  const actions = actionDefinitions(plugin);
  const entityActionIds = actions.filter((a) => a.scope === 'asset').map((a) => a.id).concat('refresh');
  return {
    schemaVersion: 'v1',
    plugin: { name: decl.name, version: decl.version, description: decl.description, displayName: decl.displayName, icon: decl.icon },
    entities: plugin.kinds.map(({ decl: kind }) => ({
      kind: kind.kind,
      plural: kind.plural,
      displayName: kind.displayName,
      description: kind.description,
      endpoints: {
        list: `${basePath}/${kind.plural}`,
        get: `${basePath}${kind.getPath ?? `/${kind.plural}/{name}`}`,
        action: `${basePath}/management/entities/{name}:action`,
      },
      fields: {
        columns: kind.fields.columns,
        filterFields: [...kind.fields.filterFields, SOURCE_FILTER].map((field) => filterField(kind, field)),
        detailFields: kind.fields.detailFields,
      },
      uiHints: kind.uiHints,
      references: kind.references ?? [],
      actions: entityActionIds,
      governance: governanceBlock(governance, { plugin: decl.name, kind: kind.kind, plural: kind.plural }),
    })),
    sources: { manageable: true, refreshable: true, types: [...decl.sourceTypes] },
    actions,
  };
}

function filterField(kind: KindDeclaration, field: FilterFieldDecl) {
  const options = field.options ?? (field.type === 'select' || field.type === 'multiselect' ? enumOf(kind, field.name) : undefined);
  return { ...field, ...(options ? { options } : {}), operators: FILTER_OPERATORS[field.type] };
}

function enumOf(kind: KindDeclaration, name: string): string[] | undefined {
  const path = kind.aliases?.[name] ?? name;
  let schema: TSchema | undefined = kind.schema;
  for (const segment of path.split('.')) schema = (schema?.properties as Record<string, TSchema> | undefined)?.[segment];
  const values = schema?.enum ?? schema?.items?.enum;
  return Array.isArray(values) ? values.map(String) : undefined;
}

/** One entry of `GET /api/plugins` (spec 01 §8.1), with the V1 fields derived per §8.5. */
export async function pluginEntry(plugin: RegisteredPlugin, governance: GovernanceSettings) {
  const { decl, basePath } = plugin;
  const { healthy, error } = await plugin.checkHealth();
  const status = { enabled: true, initialized: plugin.state === 'active', serving: healthy, ...(error ? { lastError: error } : {}) };
  if (plugin.state !== 'active') {
    return {
      name: decl.name, version: decl.version, description: decl.description, displayName: decl.displayName, basePath,
      healthy: false,
      management: { sourceManager: false, refresh: false, diagnostics: false, actions: false },
      status,
    };
  }
  const kinds = plugin.kinds.map((k) => k.decl);
  const first = kinds[0];
  const filterNames = new Set([...first.fields.filterFields.map((f) => f.name), 'sourceId']);
  const entityKinds = kinds.map((k) => k.kind);
  return {
    name: decl.name,
    version: decl.version,
    description: decl.description,
    displayName: decl.displayName,
    basePath,
    healthy,
    entityKinds,
    capabilities: { entityKinds, listEntities: true, getEntity: true, listSources: true, artifacts: decl.name === 'model' },
    capabilitiesV2: capabilitiesV2(plugin, governance),
    management: { sourceManager: true, refresh: true, diagnostics: true, actions: true },
    status,
    uiHints: {
      listColumns: first.fields.columns.map((c) => ({ field: c.name, label: c.displayName, sortable: c.sortable ?? false, filterable: filterNames.has(c.name) })),
      detailFields: first.fields.detailFields.map((d) => ({ field: d.name, label: d.displayName, ...(d.section ? { section: d.section } : {}) })),
      identityField: first.uiHints.nameField ?? 'name',
      displayNameField: first.uiHints.nameField ?? 'name',
      descriptionField: 'description',
    },
    cliHints: {
      defaultColumns: first.cliDefaultColumns.length > 0 ? first.cliDefaultColumns : first.fields.columns.slice(0, 5).map((c) => c.name),
      sortField: 'name',
      filterableFields: [...first.fields.filterFields.map((f) => f.name), 'sourceId'],
    },
  };
}
