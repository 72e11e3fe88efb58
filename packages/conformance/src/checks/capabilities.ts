import { entitiesOf, isRecord, type ActionDoc, type CapabilitiesDoc, type EntityDoc } from '../run/capabilities.js';
import type { ConformanceRun } from '../run/ConformanceRun.js';
import type { Category, CheckHandle } from '../run/RunContext.js';
import { deepEqual, expectEnvelope, expectObject, expectStatus, nonEmptyString } from './expect.js';

const COLUMN_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'array', 'object', 'date']);
const FILTER_TYPES = new Set(['text', 'select', 'multiselect', 'boolean', 'number']);
const PARAMETER_TYPES = new Set(['string', 'boolean', 'number', 'tags', 'key-value']);
const DISPLAY_TYPES = new Set(['text', 'markdown', 'badge', 'tags', 'link', 'repoRef', 'imageRef', 'dateTime', 'code', 'json', 'secretRef']);
const CAP_FLAGS = { hasSources: 'sources', hasActions: 'actions', hasRefresh: 'refresh', hasUIHints: 'uihints' } as const;

function duplicates(values: unknown[]): unknown[] {
  return values.filter((v, i) => values.indexOf(v) !== i);
}

/** `server.*` checks of category A (once per run, on the unfiltered plugin list). */
export async function runServerPluginsChecks(run: ConformanceRun): Promise<void> {
  const category = run.category('A', 'capabilities');
  const response = await run.request({ path: '/api/plugins' });
  let plugins: Record<string, unknown>[] = [];
  await category.check('server.plugins.list', (t) => {
    expectStatus(t, response, 200);
    const body = expectObject(t, response);
    const list = body.plugins;
    if (!Array.isArray(list)) return t.fail('plugins is not an array');
    plugins = list.filter(isRecord);
    if (body.count !== list.length) t.fail(`count ${JSON.stringify(body.count)} but ${list.length} plugins`);
    return `${plugins.length} plugins`;
  });
  await category.check('server.plugins.unique_names', (t) => {
    const dup = duplicates(plugins.map((p) => p.name));
    if (dup.length > 0) t.fail(`duplicate names: ${dup.join(', ')}`);
  });
  await category.check('server.plugins.unique_basePaths', (t) => {
    const dup = duplicates(plugins.map((p) => p.basePath));
    if (dup.length > 0) t.fail(`duplicate basePaths: ${dup.join(', ')}`);
  });
  await category.check('server.plugins.basePath_prefix', (t) => {
    const bad = plugins.filter((p) => typeof p.basePath !== 'string' || !p.basePath.startsWith('/api/'));
    if (bad.length > 0) t.fail(`basePath outside /api/: ${bad.map((p) => `${String(p.name)} (${JSON.stringify(p.basePath)})`).join(', ')}`);
  });
  await category.check('server.capabilities.not_found', async (t) => {
    expectEnvelope(t, await run.request({ path: '/api/plugins/conformancemissing/capabilities' }), 404);
  });
}

function requireNonEmpty(t: CheckHandle, value: unknown, what: string): void {
  if (!nonEmptyString(value)) t.fail(`${what} is empty or missing`);
}

function pathProblem(endpoint: unknown, withName: boolean): string | undefined {
  if (endpoint === undefined) return undefined;
  if (typeof endpoint !== 'string' || !endpoint.startsWith('/')) return `${JSON.stringify(endpoint)} is not absolute`;
  if (withName && endpoint.split('{name}').length !== 2) return `${endpoint} must contain {name} exactly once`;
  return undefined;
}

function uiHintsProblems(hints: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const list = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.map((v) => (isRecord(v) ? v : {})) : []);
  const display = (where: string, item: Record<string, unknown>) => {
    if (item.display !== undefined && !DISPLAY_TYPES.has(item.display as string)) problems.push(`${where}.display ${JSON.stringify(item.display)} is not a display type`);
  };
  const listView = isRecord(hints.listView) ? hints.listView : {};
  list(listView.columns).forEach((c, i) => {
    if (!nonEmptyString(c.field) || !nonEmptyString(c.label)) problems.push(`listView.columns[${i}] needs field and label`);
    display(`listView.columns[${i}]`, c);
  });
  if (listView.defaultSort !== undefined) {
    const sort = isRecord(listView.defaultSort) ? listView.defaultSort : {};
    if (!nonEmptyString(sort.field)) problems.push('listView.defaultSort.field is missing');
    if (sort.direction !== 'asc' && sort.direction !== 'desc') problems.push(`listView.defaultSort.direction ${JSON.stringify(sort.direction)} is not asc or desc`);
  }
  const detailView = isRecord(hints.detailView) ? hints.detailView : {};
  list(detailView.sections).forEach((s, i) => {
    if (!nonEmptyString(s.title)) problems.push(`detailView.sections[${i}].title is missing`);
    list(s.fields).forEach((f, j) => {
      if (!nonEmptyString(f.field)) problems.push(`detailView.sections[${i}].fields[${j}].field is missing`);
      display(`detailView.sections[${i}].fields[${j}]`, f);
    });
  });
  const search = isRecord(hints.search) ? hints.search : {};
  list(search.facets).forEach((f, i) => {
    if (!nonEmptyString(f.field)) problems.push(`search.facets[${i}].field is missing`);
    display(`search.facets[${i}]`, f);
  });
  const actionHints = isRecord(hints.actionHints) ? hints.actionHints : {};
  list(actionHints.confirmations).forEach((c, i) => {
    if (!nonEmptyString(c.action) || !nonEmptyString(c.prompt)) problems.push(`actionHints.confirmations[${i}] needs action and prompt`);
  });
  return problems;
}

async function entityChecks(run: ConformanceRun, category: Category, plugin: string, entity: EntityDoc, actionIds: Set<string>): Promise<void> {
  const p = `${plugin}.entity.${entity.kind ?? '?'}`;
  await category.check(`${p}.kind`, (t) => requireNonEmpty(t, entity.kind, 'kind'));
  await category.check(`${p}.plural`, (t) => requireNonEmpty(t, entity.plural, 'plural'));
  await category.check(`${p}.displayName`, (t) => requireNonEmpty(t, entity.displayName, 'displayName'));
  await category.check(`${p}.endpoints.list`, (t) => requireNonEmpty(t, entity.endpoints?.list, 'endpoints.list'));
  await category.check(`${p}.endpoints.get`, (t) => requireNonEmpty(t, entity.endpoints?.get, 'endpoints.get'));
  await category.check(`${p}.endpoints.absolute`, (t) => {
    const problems = [pathProblem(entity.endpoints?.list, false), pathProblem(entity.endpoints?.get, true), pathProblem(entity.endpoints?.action, true)].filter(Boolean);
    if (problems.length > 0) t.fail(problems.join('; '));
  });
  await category.check(`${p}.columns`, (t) => {
    const columns = entity.fields?.columns ?? [];
    if (!Array.isArray(columns) || columns.length === 0) t.fail('no columns');
    const bad = columns.filter((c) => !nonEmptyString(c?.name) || !nonEmptyString(c.displayName) || !nonEmptyString(c.path) || !COLUMN_TYPES.has(c.type ?? ''));
    if (bad.length > 0) t.fail(`invalid columns: ${bad.map((c) => JSON.stringify(c)).join(', ')}`);
    return `${columns.length} columns`;
  });
  await category.check(`${p}.filterFields`, (t) => {
    const fields = entity.fields?.filterFields ?? [];
    if (!Array.isArray(fields)) t.fail('filterFields is not an array');
    const bad = fields.filter(
      (f) => !nonEmptyString(f?.name) || !FILTER_TYPES.has(f.type ?? '') || ((f.type === 'select' || f.type === 'multiselect') && (!Array.isArray(f.options) || f.options.length === 0)),
    );
    if (bad.length > 0) t.fail(`invalid filter fields: ${bad.map((f) => JSON.stringify(f)).join(', ')}`);
    return `${fields.length} filter fields`;
  });
  await category.check(`${p}.detailFields`, (t) => {
    const fields = entity.fields?.detailFields ?? [];
    if (!Array.isArray(fields)) t.fail('detailFields is not an array');
    const bad = fields.filter((f) => !nonEmptyString(f?.name) || !nonEmptyString(f.path));
    if (bad.length > 0) t.fail(`detail fields without name or path: ${bad.map((f) => JSON.stringify(f)).join(', ')}`);
  });
  for (const id of Array.isArray(entity.actions) ? entity.actions : []) {
    await category.check(`${p}.action.${id}`, (t) => {
      if (!actionIds.has(id)) t.fail('undefined action reference');
    });
  }
  await category.check(`${p}.uiHints`, (t) => {
    if (entity.uiHints === undefined) t.skip('no uiHints declared');
    const hints = entity.uiHints;
    if (!isRecord(hints)) return t.fail('uiHints is not an object');
    const problems = uiHintsProblems(hints);
    if (problems.length > 0) t.fail(problems.join('; '));
  });
  await category.check(`${p}.references`, async (t) => {
    const references = entity.references ?? [];
    if (!Array.isArray(references)) t.fail('references is not an array');
    const problems: string[] = [];
    for (const ref of references) {
      const target = run.plugin(String(ref?.plugin));
      if (!target) {
        problems.push(`unknown plugin ${JSON.stringify(ref?.plugin)}`);
        continue;
      }
      const kinds = entitiesOf(await run.capabilitiesDoc(target.name)).map((e) => e.kind);
      if (!kinds.includes(ref.kind)) problems.push(`plugin ${target.name} has no kind ${JSON.stringify(ref.kind)}`);
    }
    if (problems.length > 0) t.fail(problems.join('; '));
    return references.length === 0 ? 'none declared' : `${references.length} references`;
  });
  await category.check(`${p}.governance`, (t) => {
    const governance = entity.governance;
    if (!governance?.supported) return t.skip('governance not supported');
    const lifecycle = governance.lifecycle ?? {};
    const states = Array.isArray(lifecycle.states) ? lifecycle.states : [];
    if (states.length === 0) t.fail('lifecycle.states is empty');
    if (!states.includes(lifecycle.defaultState ?? '')) t.fail(`defaultState ${JSON.stringify(lifecycle.defaultState)} is not a state`);
    const bad = (lifecycle.transitions ?? []).filter((tr) => !states.includes(tr?.from ?? '') || !states.includes(tr.to ?? ''));
    if (bad.length > 0) t.fail(`transitions with unknown states: ${bad.map((tr) => JSON.stringify(tr)).join(', ')}`);
  });
}

async function actionChecks(category: Category, plugin: string, action: ActionDoc): Promise<void> {
  const p = `${plugin}.action.${action.id ?? '?'}`;
  await category.check(`${p}.id`, (t) => requireNonEmpty(t, action.id, 'id'));
  await category.check(`${p}.displayName`, (t) => requireNonEmpty(t, action.displayName, 'displayName'));
  await category.check(`${p}.description`, (t) => requireNonEmpty(t, action.description, 'description'));
  await category.check(`${p}.scope`, (t) => {
    if (action.scope !== 'source' && action.scope !== 'asset') t.fail(`invalid: "${String(action.scope)}"`);
  });
  await category.check(`${p}.parameters`, (t) => {
    const parameters = action.parameters ?? [];
    if (!Array.isArray(parameters)) t.fail('parameters is not an array');
    const bad = parameters.filter((param) => !nonEmptyString(param?.name) || !PARAMETER_TYPES.has(param.type ?? ''));
    if (bad.length > 0) t.fail(`invalid parameters: ${bad.map((param) => JSON.stringify(param)).join(', ')}`);
  });
}

function declaredCaps(doc: CapabilitiesDoc): Record<keyof typeof CAP_FLAGS, boolean> {
  return {
    hasSources: isRecord(doc.sources),
    hasActions: Array.isArray(doc.actions) && doc.actions.length > 0,
    hasRefresh: doc.sources?.refreshable === true,
    hasUIHints: entitiesOf(doc).some((e) => isRecord(e.uiHints)),
  };
}

async function expectationChecks(run: ConformanceRun, category: Category, plugin: string, doc: CapabilitiesDoc): Promise<void> {
  const expectedKinds = run.options.expectedEntityKinds;
  await category.check(`${plugin}.expected.kinds`, (t) => {
    if (!expectedKinds) return t.skip('not requested');
    const kinds = entitiesOf(doc).map((e) => e.kind);
    const missing = expectedKinds.filter((k) => !kinds.includes(k));
    if (missing.length > 0) t.fail(`missing kinds: ${missing.join(', ')} (declared: ${kinds.join(', ')})`);
  });
  const expectedCaps = run.options.expectedCaps;
  const requested = (Object.keys(CAP_FLAGS) as (keyof typeof CAP_FLAGS)[]).filter((k) => expectedCaps?.[k]);
  if (requested.length === 0) {
    category.skipAll('not requested', [`${plugin}.expected.caps`]);
    return;
  }
  const declared = declaredCaps(doc);
  for (const flag of requested) {
    await category.check(`${plugin}.expected.caps.${CAP_FLAGS[flag]}`, (t) => {
      if (!declared[flag]) t.fail(`${flag} expected but not declared`);
    });
  }
}

/** Category A for one plugin (07 §4.3). */
export async function runCapabilitiesChecks(run: ConformanceRun, plugin: string): Promise<void> {
  const category = run.category('A', 'capabilities', plugin);
  const response = await run.capabilitiesResponse(plugin);
  await category.check(`${plugin}.capabilities.fetch`, (t) => {
    expectStatus(t, response, 200);
    if (!(response.headers.get('content-type') ?? '').includes('application/json')) t.fail(`content-type ${response.headers.get('content-type')}`);
    expectObject(t, response);
  });
  if (response.status !== 200 || !isRecord(response.body)) {
    category.skipAll('capabilities document unavailable', [`${plugin}.schemaVersion`, `${plugin}.plugin.name`, `${plugin}.entities.count`]);
    return;
  }
  const capabilities = response.body as CapabilitiesDoc;
  await category.check(`${plugin}.schemaVersion`, (t) => requireNonEmpty(t, capabilities.schemaVersion, 'schemaVersion'));
  await category.check(`${plugin}.plugin.name`, (t) => {
    if (capabilities.plugin?.name !== plugin) t.fail(`mismatch: "${String(capabilities.plugin?.name)}"`);
  });
  await category.check(`${plugin}.plugin.version`, (t) => requireNonEmpty(t, capabilities.plugin?.version, 'plugin.version'));
  await category.check(`${plugin}.plugin.description`, (t) => requireNonEmpty(t, capabilities.plugin?.description, 'plugin.description'));
  const entities = entitiesOf(capabilities);
  await category.check(`${plugin}.entities.count`, (t) => {
    if (entities.length === 0) t.fail('0 entities');
    return `${entities.length} entities`;
  });
  const actions = Array.isArray(capabilities.actions) ? capabilities.actions.filter(isRecord) : [];
  const actionIds = new Set(actions.map((a) => a.id).filter((id): id is string => typeof id === 'string'));
  for (const entity of entities) await entityChecks(run, category, plugin, entity, actionIds);
  for (const action of actions) await actionChecks(category, plugin, action);
  const inline = run.plugin(plugin)?.capabilitiesV2;
  await category.check(`${plugin}.inline.present`, (t) => {
    if (!isRecord(inline)) t.fail('/api/plugins has no capabilitiesV2 for this plugin');
  });
  await category.check(`${plugin}.inline.match`, (t) => {
    if (!isRecord(inline)) t.skip('no inline document');
    if (!deepEqual(inline, capabilities)) t.fail('the inline capabilitiesV2 differs from the capabilities endpoint');
  });
  await expectationChecks(run, category, plugin, capabilities);
}

