import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConformanceRun } from '../run/ConformanceRun.js';
import { DEMO_LIST, DEMO_PLUGIN, error, runOnStub, type StubReply, type StubRequest } from '../testing/stubServer.js';
import { fillTemplate, runListGetChecks } from './listGet.js';

const ITEMS = ['a', 'b', 'c', 'd', 'e'].map((name, i) => ({ name, sourceId: i < 3 ? 's1' : 's2', color: i % 2 ? 'red' : 'blue' }));
const DOC = {
  ...DEMO_PLUGIN.capabilitiesV2,
  entities: [{
    ...DEMO_PLUGIN.capabilitiesV2.entities[0],
    fields: {
      columns: [{ name: 'color', displayName: 'Color', path: 'color', type: 'string', sortable: true }],
      filterFields: [{ name: 'color', displayName: 'Color', type: 'select', options: ['red', 'blue'] }],
      detailFields: [],
    },
  }],
};

/** A paged list over ITEMS; `defect` names the one behaviour that is wrong. */
function listServer(defect?: 'bad_token_accepted' | 'duplicate_page' | 'filter_ignored' | 'desc_not_reversed') {
  return (r: StubRequest): StubReply | undefined => {
    if (r.path === '/api/plugins/demo/capabilities') return { status: 200, body: DOC };
    if (r.path.startsWith(`${DEMO_LIST}/`)) {
      const item = ITEMS.find((i) => i.name === decodeURIComponent(r.path.slice(DEMO_LIST.length + 1)));
      return item ? { status: 200, body: item } : error(404, 'not_found', 'no such widget');
    }
    if (r.path !== DEMO_LIST) return undefined;
    const filter = r.query.get('filterQuery');
    if (filter === "name = = 'x'") return error(400, 'bad_request', 'syntax error');
    const token = r.query.get('pageToken') ?? r.query.get('nextPageToken') ?? '';
    if (token && !/^\d+$/.test(token)) return defect === 'bad_token_accepted' ? { status: 200, body: { items: [], size: 0, pageSize: 20 } } : error(400, 'bad_request', 'invalid page token');
    let items = ITEMS.filter((i) => (r.query.get('sourceId') ? i.sourceId === r.query.get('sourceId') : true) && (r.query.get('q') ? i.name.includes(r.query.get('q')!) : true));
    const match = /^color = '(\w+)'$/.exec(filter ?? '');
    if (match && defect !== 'filter_ignored') items = items.filter((i) => i.color === match[1]);
    if (r.query.get('orderBy') === 'color') {
      items = [...items].sort((x, y) => x.color.localeCompare(y.color));
      if (r.query.get('sortOrder') === 'DESC' && defect !== 'desc_not_reversed') items.reverse();
    }
    const pageSize = Number(r.query.get('pageSize') ?? 20);
    const start = Number(token || 0);
    const page = items.slice(start, start + pageSize);
    const next = start + pageSize < items.length ? String(defect === 'duplicate_page' ? start + pageSize - 1 : start + pageSize) : '';
    return { status: 200, body: { items: page, size: page.length, pageSize, totalSize: items.length, nextPageToken: next } };
  };
}

const run = (defect?: Parameters<typeof listServer>[0]) => runOnStub(listServer(defect), (ctx) => runListGetChecks(ctx as ConformanceRun, 'demo'), {}, 'single');
const failedNames = (records: Map<string, { status: string }>) => [...records].filter(([, r]) => r.status === 'failed').map(([n]) => n);

test('a correct list passes category B', async () => {
  const records = await run();
  assert.deepEqual(failedNames(records), []);
  assert.equal(records.get('demo.widgets.pagination.walk')?.message, '5 items in 3 pages');
  assert.equal(records.get('demo.widgets.filter.color.semantics')?.status, 'passed');
  assert.equal(records.get('demo.widgets.orderBy.color.reverse')?.message, '2 distinct values');
});

test('each wrong behaviour fails the check that covers it', async () => {
  assert.deepEqual(failedNames(await run('bad_token_accepted')), ['demo.widgets.pagination.bad_token']);
  assert.ok(failedNames(await run('duplicate_page')).includes('demo.widgets.pagination.walk'));
  assert.deepEqual(failedNames(await run('filter_ignored')), ['demo.widgets.filter.color.semantics']);
  assert.deepEqual(failedNames(await run('desc_not_reversed')), ['demo.widgets.orderBy.color.reverse']);
});

test('endpoint templates take the name and same-named (or camelCase) item fields', () => {
  assert.equal(fillTemplate('/m/sources/{source_id}/models/{name}', 'a/b', { sourceId: 's 1' }, 'x'), '/m/sources/s%201/models/a%2Fb');
  assert.equal(fillTemplate('/m/{other}/{name}', 'n', undefined, 'missing'), '/m/missing/n');
});
