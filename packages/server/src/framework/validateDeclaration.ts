import { DISPLAY_TYPES, type EntityUIHints, type KindDeclaration, type PluginDeclaration } from '@catalog/framework';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { STATE_CHANGING_METHODS } from '../audit/AuditRecorder.js';
import { RESOURCES, VERBS } from '../http/routeConfig.js';
import { BUILTIN_ACTIONS } from './builtinActions.js';

const PLUGIN_NAME = /^[a-z][a-z0-9]{1,30}$/;
const PLURAL = /^[a-z]+$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;
const COLUMN_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'array', 'object', 'date']);
const FILTER_TYPES = new Set(['text', 'select', 'multiselect', 'boolean', 'number']);
const DISPLAY = new Set<string>(DISPLAY_TYPES);
const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

type Fail = (path: string, problem: string) => never;

/**
 * Checks a declaration at initialization (spec 01 §5.1, §8.4; 02 §1.3). A violation throws with a
 * message naming the JSON path; the registry turns it into a failed plugin, not a failed process.
 */
export function validateDeclaration(plugin: PluginDeclaration): void {
  if (!PLUGIN_NAME.test(plugin.name)) fail('name', 'must match ^[a-z][a-z0-9]{1,30}$');
  if (!plugin.version) fail('version', 'is required');
  if (!Array.isArray(plugin.entities) || plugin.entities.length === 0) fail('entities', 'must declare at least one kind');
  if (!Array.isArray(plugin.sourceTypes) || plugin.sourceTypes.length === 0) fail('sourceTypes', 'must not be empty');

  const actionIds = new Set([...BUILTIN_ACTIONS.map((a) => a.id), ...(plugin.actions ?? []).map((a) => a.id)]);
  const kinds = new Set<string>();
  const plurals = new Set<string>();
  plugin.entities.forEach((kind, i) => {
    const at = `entities[${i}]`;
    if (!KIND.test(kind.kind)) fail(`${at}.kind`, 'must be PascalCase');
    if (!PLURAL.test(kind.plural) || kind.plural === 'management') fail(`${at}.plural`, 'must match ^[a-z]+$ and not be "management"');
    if (kinds.has(kind.kind)) fail(`${at}.kind`, `duplicates "${kind.kind}"`);
    if (plurals.has(kind.plural)) fail(`${at}.plural`, `duplicates "${kind.plural}"`);
    kinds.add(kind.kind);
    plurals.add(kind.plural);
    if (!kind.notFoundPhrase) fail(`${at}.notFoundPhrase`, 'is required');
    try {
      TypeCompiler.Compile(kind.schema);
    } catch (error) {
      fail(`${at}.schema`, `does not compile: ${(error as Error).message}`);
    }
    validateFields(kind, at, fail);
    validateUiHints(kind.uiHints, `${at}.uiHints`, actionIds, fail);
  });
  validateRoutes(plugin);
}

function fail(path: string, problem: string): never {
  throw new Error(`invalid declaration: ${path} ${problem}`);
}

/**
 * The plugin's own routes (spec 02 §1.6): a method, a URL under the base path but outside the
 * framework's `/management`, a (resource, verb) pair of 05 §3.1, an audit action on writes, and no
 * two routes on the same method and URL. The server registers no declared route of a plugin that fails this.
 */
export function validateRoutes(plugin: PluginDeclaration): void {
  const seen = new Set<string>();
  (plugin.routes ?? []).forEach((route, i) => {
    const at = `routes[${i}]`;
    if (!ROUTE_METHODS.includes(route.method)) fail(`${at}.method`, `"${String(route.method)}" is not one of ${ROUTE_METHODS.join(', ')}`);
    if (typeof route.url !== 'string' || !route.url.startsWith('/')) fail(`${at}.url`, `"${String(route.url)}" must start with /`);
    if (route.url === '/management' || route.url.startsWith('/management/')) fail(`${at}.url`, `"${route.url}" must not be under /management (framework routes)`);
    if (!(RESOURCES as readonly string[]).includes(route.authz?.resource)) fail(`${at}.authz.resource`, `"${String(route.authz?.resource)}" is not one of ${RESOURCES.join(', ')}`);
    if (!(VERBS as readonly string[]).includes(route.authz.verb)) fail(`${at}.authz.verb`, `"${String(route.authz.verb)}" is not one of ${VERBS.join(', ')}`);
    if (STATE_CHANGING_METHODS.has(route.method) && !route.auditAction) fail(`${at}.auditAction`, `is required on ${route.method} routes`);
    const key = `${route.method} ${route.url}`;
    if (seen.has(key)) fail(at, `duplicates the route ${key}`);
    seen.add(key);
  });
}

function validateFields(kind: KindDeclaration, at: string, fail: Fail): void {
  const properties = kind.schema.properties as Record<string, TSchema>;
  const sections = new Set(kind.uiHints?.detailSections ?? []);
  kind.fields.columns.forEach((column, j) => {
    const path = `${at}.fields.columns[${j}]`;
    if (!column.name || !column.displayName || !column.path) fail(path, 'needs name, displayName and path');
    if (!COLUMN_TYPES.has(column.type)) fail(`${path}.type`, `"${column.type}" is not a column type`);
    if (column.sortable && isArrayPath(properties, column.path, column.type)) fail(`${path}.sortable`, 'is not allowed on an array column');
  });
  kind.fields.filterFields.forEach((field, j) => {
    const path = `${at}.fields.filterFields[${j}]`;
    if (!FILTER_TYPES.has(field.type)) fail(`${path}.type`, `"${field.type}" is not a filter type`);
    const root = field.name.split('.')[0];
    if (!(root in properties) && !(kind.aliases && root in kind.aliases) && !['name', 'id', 'sourceId', 'externalId'].includes(root)) {
      fail(`${path}.name`, `"${field.name}" is not a field of ${kind.kind}`);
    }
  });
  kind.fields.detailFields.forEach((field, j) => {
    const path = `${at}.fields.detailFields[${j}]`;
    if (!COLUMN_TYPES.has(field.type)) fail(`${path}.type`, `"${field.type}" is not a field type`);
    if (field.section !== undefined && !sections.has(field.section)) {
      fail(`${path}.section`, `"${field.section}" is not one of uiHints.detailSections`);
    }
  });
  for (const [name, path] of Object.entries(kind.aliases ?? {})) {
    // Framework fields (sourceId, id, name, externalId) are valid targets too: legacy names such as `source_id`.
    if (!(path.split('.')[0] in properties) && !['name', 'id', 'sourceId', 'externalId'].includes(path)) fail(`${at}.aliases.${name}`, `points to "${path}", which is not a field`);
  }
}

function isArrayPath(properties: Record<string, TSchema>, path: string, declaredType: string): boolean {
  if (declaredType === 'array') return true;
  return !path.includes('.') && properties[path]?.type === 'array';
}

function validateUiHints(hints: EntityUIHints, at: string, actionIds: Set<string>, fail: Fail): void {
  if (!hints) fail(at, 'is required');
  const display = (value: string | undefined, path: string) => {
    if (value !== undefined && !DISPLAY.has(value)) fail(path, `"${value}" is not one of the display types ${[...DISPLAY].join(', ')}`);
  };
  hints.listView?.columns?.forEach((column, i) => {
    if (!column.field || !column.label) fail(`${at}.listView.columns[${i}]`, 'needs field and label');
    display(column.display, `${at}.listView.columns[${i}].display`);
  });
  const sort = hints.listView?.defaultSort;
  if (sort) {
    if (!sort.field) fail(`${at}.listView.defaultSort.field`, 'is required');
    if (sort.direction !== 'asc' && sort.direction !== 'desc') fail(`${at}.listView.defaultSort.direction`, 'must be asc or desc');
  }
  hints.detailView?.sections?.forEach((section, i) => {
    if (!section.title) fail(`${at}.detailView.sections[${i}].title`, 'is required');
    section.fields?.forEach((field, j) => {
      if (!field.field) fail(`${at}.detailView.sections[${i}].fields[${j}].field`, 'is required');
      display(field.display, `${at}.detailView.sections[${i}].fields[${j}].display`);
    });
  });
  hints.search?.facets?.forEach((facet, i) => {
    if (!facet.field) fail(`${at}.search.facets[${i}].field`, 'is required');
    display(facet.display, `${at}.search.facets[${i}].display`);
  });
  const hinted = [...(hints.actionHints?.primary ?? []), ...(hints.actionHints?.secondary ?? [])];
  hints.actionHints?.confirmations?.forEach((c, i) => {
    if (!c.action || !c.prompt) fail(`${at}.actionHints.confirmations[${i}]`, 'needs action and prompt');
    hinted.push(c.action);
  });
  for (const id of hinted) {
    if (!actionIds.has(id)) fail(`${at}.actionHints`, `names unknown action "${id}"`);
  }
}
