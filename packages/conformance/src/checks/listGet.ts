import { entitiesOf, isRecord, type EntityDoc } from '../run/capabilities.js';
import type { ConformanceRun } from '../run/ConformanceRun.js';
import type { Category, CheckHandle, HttpResult } from '../run/RunContext.js';
import { missingName } from './categorySupport.js';
import { describeBody, expectEnvelope, expectObject, expectStatus, valueAt } from './expect.js';

type Item = Record<string, unknown>;
type Query = Record<string, string | number | boolean | undefined>;

const WALK_PAGES = 50;
const FULL_PAGE = 100;

function snakeToCamel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Fills an endpoint template: `{name}` from the entity name, any other placeholder from the
 * same-named item field (or its camelCase form: `{source_id}` ← `sourceId`).
 */
export function fillTemplate(template: string, name: string, item: Item | undefined, fallback: string): string {
  return template.replace(/\{([^}]+)\}/g, (_, raw: string) => {
    const key = raw.replace(/\+$/, '');
    if (key === 'name') return encodeURIComponent(name);
    const value = item?.[key] ?? item?.[snakeToCamel(key)];
    return encodeURIComponent(typeof value === 'string' || typeof value === 'number' ? String(value) : fallback);
  });
}

function itemsOf(t: CheckHandle, result: HttpResult): Item[] {
  expectStatus(t, result, 200);
  const body = expectObject(t, result);
  if (!Array.isArray(body.items)) t.fail('items is not an array');
  return body.items.filter(isRecord);
}

/** Identity of an item across pages: its id when it has one, else source and name. */
function itemKey(item: Item): string {
  return JSON.stringify([item.id ?? null, item.sourceId ?? null, item.name ?? null]);
}

function distinctInOrder(values: unknown[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    if (value === undefined || value === null) continue;
    const key = JSON.stringify(value);
    if (out[out.length - 1] !== key) out.push(key);
  }
  return out;
}

class KindLister {
  constructor(
    private readonly run: ConformanceRun,
    readonly listPath: string,
  ) {}

  list(query: Query = {}): Promise<HttpResult> {
    return this.run.request({ path: this.listPath, query });
  }

  async items(t: CheckHandle, query: Query): Promise<Item[]> {
    return itemsOf(t, await this.list(query));
  }
}

async function paginationChecks(category: Category, p: string, lister: KindLister, first: Record<string, unknown>): Promise<void> {
  await category.check(`${p}.pagination.page_size`, async (t) => {
    const items = await lister.items(t, { pageSize: 1 });
    if (items.length > 1) t.fail(`pageSize=1 returned ${items.length} items`);
  });
  await category.check(`${p}.pagination.walk`, async (t) => {
    const seen = new Set<string>();
    let token = '';
    let pages = 0;
    do {
      const result = await lister.list({ pageSize: 2, ...(token ? { pageToken: token } : {}) });
      for (const item of itemsOf(t, result)) {
        const key = itemKey(item);
        if (seen.has(key)) t.fail(`duplicate item ${key} on page ${pages + 1}`);
        seen.add(key);
      }
      const next = (result.body as Item).nextPageToken;
      token = typeof next === 'string' ? next : '';
      pages++;
    } while (token && pages < WALK_PAGES);
    const total = first.totalSize;
    if (typeof total === 'number' && total <= FULL_PAGE) {
      const all = new Set((await lister.items(t, { pageSize: FULL_PAGE })).map(itemKey));
      const missing = [...all].filter((k) => !seen.has(k));
      const extra = [...seen].filter((k) => !all.has(k));
      if (missing.length > 0 || extra.length > 0) t.fail(`walk differs from the unpaged list: missing ${missing.join(', ') || 'none'}, extra ${extra.join(', ') || 'none'}`);
    }
    return `${seen.size} items in ${pages} pages`;
  });
  await category.check(`${p}.pagination.token_alias`, async (t) => {
    const page1 = await lister.list({ pageSize: 2 });
    itemsOf(t, page1);
    const token = (page1.body as Item).nextPageToken;
    if (typeof token !== 'string' || token === '') t.skip('a single page');
    const viaNext = await lister.items(t, { pageSize: 2, nextPageToken: token as string });
    const viaPage = await lister.items(t, { pageSize: 2, pageToken: token as string });
    if (JSON.stringify(viaNext.map(itemKey)) !== JSON.stringify(viaPage.map(itemKey))) t.fail('nextPageToken and pageToken gave different pages');
  });
  await category.check(`${p}.pagination.bad_token`, async (t) => {
    expectEnvelope(t, await lister.list({ pageToken: '%%invalid' }), 400, 'bad_request');
  });
}

function filterQueryFor(field: { name?: string; type?: string; options?: unknown[] }): { query: string; value?: unknown } | undefined {
  const f = field.name;
  switch (field.type) {
    case 'boolean':
      return { query: `${f} = true`, value: true };
    case 'number':
      return { query: `${f} >= 0` };
    case 'select':
    case 'multiselect': {
      const option = field.options?.[0];
      return { query: `${f} = '${String(option).replace(/'/g, "''")}'`, value: option };
    }
    case 'text':
      return { query: `${f} ILIKE '%a%'` };
    default:
      return undefined;
  }
}

async function filterChecks(category: Category, p: string, lister: KindLister, entity: EntityDoc): Promise<void> {
  const columns = entity.fields?.columns ?? [];
  const details = entity.fields?.detailFields ?? [];
  for (const field of entity.fields?.filterFields ?? []) {
    const filter = filterQueryFor(field);
    if (!field.name || !filter) continue;
    let items: Item[] | undefined;
    await category.check(`${p}.filter.${field.name}`, async (t) => {
      items = await lister.items(t, { filterQuery: filter.query, pageSize: FULL_PAGE });
      return `${filter.query}: ${items.length} items`;
    });
    const path = [...columns, ...details].find((c) => c.name === field.name)?.path;
    if (filter.value === undefined || path === undefined || field.type === 'multiselect') continue;
    await category.check(`${p}.filter.${field.name}.semantics`, (t) => {
      const found = items;
      if (!found) return t.skip('the filter query failed');
      const wrong = found.filter((item) => valueAt(item, path) !== filter.value);
      if (wrong.length > 0) t.fail(`${wrong.length} items do not have ${path} = ${JSON.stringify(filter.value)}, e.g. ${JSON.stringify(valueAt(wrong[0], path))}`);
      return `${found.length} items`;
    });
  }
  await category.check(`${p}.filter.invalid`, async (t) => {
    expectEnvelope(t, await lister.list({ filterQuery: "name = = 'x'" }), 400, 'bad_request');
  });
}

async function orderChecks(category: Category, p: string, lister: KindLister, entity: EntityDoc, total: unknown): Promise<void> {
  for (const column of entity.fields?.columns ?? []) {
    if (!column.sortable || !column.name) continue;
    const name = column.name;
    const sequences: Partial<Record<'ASC' | 'DESC', Item[]>> = {};
    await category.check(`${p}.orderBy.${name}`, async (t) => {
      for (const sortOrder of ['ASC', 'DESC'] as const) sequences[sortOrder] = await lister.items(t, { orderBy: name, sortOrder, pageSize: FULL_PAGE });
    });
    await category.check(`${p}.orderBy.${name}.reverse`, (t) => {
      if (typeof total !== 'number' || total > FULL_PAGE) t.skip('more than 100 items');
      const { ASC: ascItems, DESC: descItems } = sequences;
      if (!ascItems || !descItems) return t.skip('the ordered lists failed');
      // Missing values sort last in both directions, so only present values are compared.
      const path = column.path ?? name;
      const asc = distinctInOrder(ascItems.map((i) => valueAt(i, path)));
      const desc = distinctInOrder(descItems.map((i) => valueAt(i, path)));
      if (JSON.stringify(desc) !== JSON.stringify([...asc].reverse())) t.fail(`DESC ${desc.join(' ')} is not the reverse of ASC ${asc.join(' ')}`);
      return `${asc.length} distinct values`;
    });
  }
}

async function kindChecks(run: ConformanceRun, category: Category, plugin: string, entity: EntityDoc): Promise<void> {
  const p = `${plugin}.${entity.plural}`;
  const lister = new KindLister(run, entity.endpoints!.list!);
  let first: Record<string, unknown> = {};
  let items: Item[] = [];
  await category.check(`${p}.list`, async (t) => {
    const result = await lister.list();
    items = itemsOf(t, result);
    first = result.body as Record<string, unknown>;
    if (first.size !== items.length) t.fail(`size ${JSON.stringify(first.size)} but ${items.length} items`);
    if (typeof first.pageSize !== 'number') t.fail(`pageSize ${JSON.stringify(first.pageSize)} is not a number`);
    if (first.totalSize !== undefined && (!Number.isInteger(first.totalSize) || (first.totalSize as number) < items.length)) t.fail(`totalSize ${JSON.stringify(first.totalSize)} is below size`);
    return `${items.length} items${first.totalSize !== undefined ? ` of ${String(first.totalSize)}` : ''}`;
  });
  const item = items[0];
  const getTemplate = entity.endpoints?.get;
  const missing = missingName(run);
  await category.check(`${p}.get`, async (t) => {
    if (!getTemplate) return t.skip('no get endpoint');
    if (!item || typeof item.name !== 'string') return t.skip('empty list');
    const result = await run.request({ path: fillTemplate(getTemplate, item.name, item, missing) });
    expectStatus(t, result, 200);
    if (expectObject(t, result).name !== item.name) t.fail(`name ${JSON.stringify((result.body as Item).name)}, expected ${JSON.stringify(item.name)}`);
  });
  await category.check(`${p}.not_found`, async (t) => {
    if (!getTemplate) return t.skip('no get endpoint');
    const result = await run.request({ path: fillTemplate(getTemplate, missing, item, missing) });
    if (result.status !== 404) t.fail(`expected exactly 404, got ${result.status}: ${describeBody(result)}`);
    expectEnvelope(t, result, 404, 'not_found');
  });
  await paginationChecks(category, p, lister, first);
  await filterChecks(category, p, lister, entity);
  await orderChecks(category, p, lister, entity, first.totalSize);
  await category.check(`${p}.search`, async (t) => {
    if (!item || typeof item.name !== 'string') return t.skip('empty list');
    const found = await lister.items(t, { q: item.name, pageSize: FULL_PAGE });
    if (!found.some((i) => itemKey(i) === itemKey(item))) t.fail(`q=${item.name} did not return the item (${found.length} items)`);
  });
  await category.check(`${p}.source_filter`, async (t) => {
    const sourceId = item?.sourceId;
    if (typeof sourceId !== 'string') return t.skip(item ? 'items have no sourceId' : 'empty list');
    const found = await lister.items(t, { sourceId, pageSize: FULL_PAGE });
    const other = found.filter((i) => i.sourceId !== item.sourceId);
    if (other.length > 0) t.fail(`${other.length} items of other sources, e.g. ${String(other[0].sourceId)}`);
    if (found.length === 0) t.fail('no items for the first item\'s source');
    return `${found.length} items`;
  });
  const references = Array.isArray(entity.references) ? entity.references : [];
  if (references.length > 0) {
    await category.check(`${p}.references`, async (t) => {
      const target = references[0];
      const found = await lister.items(t, { references: `${String(target.kind)}:conformance-missing` });
      if (found.length > 0) t.fail(`expected items: [], got ${found.length} items`);
    });
  }
  await category.check(`${p}.include_archived`, async (t) => {
    expectStatus(t, await lister.list({ includeArchived: true }), 200);
  });
}

/** Category B for one plugin: every kind with a list endpoint (07 §4.3). */
export async function runListGetChecks(run: ConformanceRun, plugin: string): Promise<void> {
  const category = run.category('B', 'list_get', plugin);
  const entities = entitiesOf(await run.capabilitiesDoc(plugin));
  if (entities.length === 0) {
    category.skipAll('no entity kinds declared', [`${plugin}.list`]);
    return;
  }
  for (const entity of entities) {
    if (typeof entity.endpoints?.list !== 'string' || !entity.plural) {
      category.skipAll('no list endpoint', [`${plugin}.${entity.plural ?? entity.kind ?? '?'}.list`]);
      continue;
    }
    await kindChecks(run, category, plugin, entity);
  }
}
