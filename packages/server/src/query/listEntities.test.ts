import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { BadRequestError, FilterQueryError } from '../errors.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../testing/databases.js';
import { listEntities, type EntityListPage } from './listEntities.js';
import type { ListParams } from './listParams.js';
import {
  DEFAULT_STATE, generateEntities, insertEntities, SOURCES, TEST_NAMESPACE, TEST_PLUGIN, widgetKind, type GeneratedEntity,
} from '../testing/queryFixtures.js';

function list(db: Kysely<Database>, params: ListParams, enabledSourceIds: readonly string[] = SOURCES): Promise<EntityListPage> {
  return listEntities(db, {
    namespace: TEST_NAMESPACE,
    plugin: TEST_PLUGIN,
    kind: widgetKind,
    enabledSourceIds,
    defaultLifecycleState: DEFAULT_STATE,
    params,
  });
}

/** Every page of a list, following the cursor under the given parameter name. */
async function walk(db: Kysely<Database>, params: ListParams, tokenName: 'pageToken' | 'nextPageToken' = 'pageToken'): Promise<{ ids: string[]; totalSizes: number[] }> {
  const ids: string[] = [];
  const totalSizes: number[] = [];
  let token = '';
  for (let pages = 0; pages < 1000; pages++) {
    const page = await list(db, { ...params, ...(token ? { [tokenName]: token } : {}) });
    ids.push(...page.rows.map((row) => String(row.id)));
    totalSizes.push(page.totalSize);
    if (page.nextPageToken === '') return { ids, totalSizes };
    assert.equal(page.rows.length, page.pageSize, 'only the last page is short');
    token = page.nextPageToken;
  }
  assert.fail('pagination did not end');
}

async function rejects(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof BadRequestError, String(error));
    assert.equal(error.message, message);
    return true;
  });
}

test('parameter validation messages of spec 01 §10.3 (no database needed)', async () => {
  const db = undefined as unknown as Kysely<Database>;
  for (const pageSize of ['0', '-1', '1.5', 'abc', '1e3', ' 5']) {
    await rejects(list(db, { pageSize }), 'pageSize must be an integer between 1 and 1000');
  }
  await rejects(list(db, { pageToken: 'a', nextPageToken: 'b' }), 'pageToken and nextPageToken differ');
  await rejects(list(db, { sortOrder: 'up' }), 'sortOrder must be ASC or DESC');
  await rejects(list(db, { includeArchived: 'yes' }), 'includeArchived must be true or false');
  await rejects(list(db, { q: 'x'.repeat(257) }), 'q exceeds maximum length of 256 characters');
  for (const orderBy of ['labels', 'tags', 'tools', 'modelConfig', 'nope', 'size', 'annotations.owner', 'name ']) {
    await rejects(list(db, { orderBy }), `unsupported orderBy field "${orderBy}"`);
  }
  await rejects(list(db, { filterQuery: 'name = ' }), 'invalid filterQuery at position 8: expected a value after "="');
  await assert.rejects(list(db, { filterQuery: 'verified < true' }), FilterQueryError);
  for (const pageToken of ['not a token!', 'e30', Buffer.from('{"v":2,"k":[],"h":"x"}').toString('base64url'), Buffer.from('[1]').toString('base64url')]) {
    await rejects(list(db, { pageToken }), 'invalid page token');
  }
  await rejects(list(db, { pageToken: Buffer.from('{"v":1,"k":[],"h":"other"}').toString('base64url') }), 'invalid page token: it was issued for a different query');
});

describeEachDatabase('listEntities', (kind) => {
  let database: TestDatabase;
  let entities: GeneratedEntity[];
  const byId = new Map<string, GeneratedEntity>();

  before(async () => {
    database = await createTestDatabase(kind);
    entities = generateEntities(99, 45);
    // Same-named entities in several sources, and names that differ only in case.
    for (const name of ['Twin', 'twin', 'TWIN']) {
      for (const sourceId of SOURCES) {
        entities.push({ id: '', name, sourceId, doc: { toolCount: 7 }, createdAt: entities[0].createdAt, updatedAt: entities[0].updatedAt });
      }
    }
    await insertEntities(database.db, entities);
    for (const e of entities) byId.set(e.id, e);
  });
  after(() => database.close());

  const visible = () => entities.filter((e) => e.governanceRecord?.state !== 'archived');

  test('rows carry the entity columns, the overlay and the governance state, and no sort keys', async () => {
    const page = await list(database.db, { pageSize: '1000', includeArchived: 'true' });
    assert.equal(page.rows.length, entities.length);
    assert.equal(page.totalSize, entities.length);
    for (const row of page.rows) {
      const e = byId.get(String(row.id))!;
      assert.equal(row.name, e.name);
      assert.equal(row.source_id, e.sourceId);
      assert.deepEqual(row.doc, e.doc);
      assert.deepEqual(row.tags, e.overlay?.tags ?? null);
      assert.deepEqual(row.annotations, e.overlay?.annotations ?? null);
      assert.equal(row.lifecycle, e.overlay?.lifecycle ?? null);
      assert.equal(row.governance_state, e.governanceRecord?.state ?? DEFAULT_STATE);
      assert.ok(row.created_at instanceof Date);
      assert.deepEqual(Object.keys(row).filter((key) => key.startsWith('sort_key')), []);
    }
  });

  test('archived entities are hidden unless asked for or filtered on', async () => {
    const archived = entities.filter((e) => e.governanceRecord?.state === 'archived').map((e) => e.id).sort();
    assert.ok(archived.length > 0);
    const ids = async (params: ListParams) => (await list(database.db, { pageSize: '1000', ...params })).rows.map((r) => String(r.id)).sort();
    assert.deepEqual(await ids({}), visible().map((e) => e.id).sort());
    assert.deepEqual(await ids({ includeArchived: 'false' }), visible().map((e) => e.id).sort());
    assert.equal((await ids({ includeArchived: 'TRUE' })).length, entities.length);
    assert.deepEqual(await ids({ filterQuery: "governance.lifecycle.state = 'archived'" }), archived);
    assert.deepEqual(await ids({ filterQuery: "name != 'x' OR governance.lifecycle.state = 'archived'" }), entities.map((e) => e.id).sort());
  });

  test('with an archived default state, only assets whose record is not archived are listed', async () => {
    const page = await listEntities(database.db, {
      namespace: TEST_NAMESPACE,
      plugin: TEST_PLUGIN,
      kind: widgetKind,
      enabledSourceIds: SOURCES,
      defaultLifecycleState: 'archived',
      params: { pageSize: '1000' },
    });
    const expected = entities.filter((e) => e.governanceRecord && e.governanceRecord.state !== 'archived').map((e) => e.id).sort();
    assert.deepEqual(page.rows.map((r) => String(r.id)).sort(), expected);
    assert.ok(page.rows.every((row) => row.governance_state !== 'archived'));
  });

  test('sourceId narrows to listed enabled sources; disabled sources are never listed', async () => {
    const ids = async (params: ListParams, enabled: readonly string[] = SOURCES) =>
      (await list(database.db, { pageSize: '1000', includeArchived: 'true', ...params }, enabled)).rows.map((r) => String(r.id)).sort();
    const of = (...sources: string[]) => entities.filter((e) => sources.includes(e.sourceId)).map((e) => e.id).sort();
    assert.deepEqual(await ids({ sourceId: 's1,s3' }), of('s1', 's3'));
    assert.deepEqual(await ids({ sourceId: ' s2 , ,' }), of('s2'));
    assert.deepEqual(await ids({ sourceId: 'nope' }), []);
    assert.deepEqual(await ids({}, ['s2']), of('s2'));
    assert.deepEqual(await ids({ sourceId: 's1' }, ['s2']), []);
    assert.deepEqual(await ids({}, []), []);
  });

  test('q: case-insensitive substring of the search fields and overlay tags; wildcards are literal', async () => {
    const q = async (value: string) => (await list(database.db, { q: value, pageSize: '1000', includeArchived: 'true' })).rows.map((r) => String(r.id)).sort();
    const expected = (needle: string) => entities.filter((e) => {
      const texts = [e.name, e.doc.description, e.doc.category, e.doc.readme, ...(Array.isArray(e.doc.labels) ? e.doc.labels : []), ...(Array.isArray(e.overlay?.tags) ? e.overlay.tags : [])];
      return texts.some((text) => typeof text === 'string' && text.toLowerCase().includes(needle.toLowerCase()));
    }).map((e) => e.id).sort();
    for (const value of ['twin', 'ALPHA', 'devops', 'readme', 'prod', '100%', 'x_y', 'a\\b', "o'brien", 'zzz', 'a%', '_']) {
      assert.deepEqual(await q(value), expected(value), value);
    }
    assert.deepEqual(await q('  Twin  '), expected('twin'));
    assert.equal((await q('')).length, entities.length);
    assert.deepEqual(await q('a\u0000'), []);
  });

  const orderings: { orderBy?: string; key: (e: GeneratedEntity) => string | number | boolean | undefined }[] = [
    { key: (e) => e.name },
    { orderBy: 'name', key: (e) => e.name },
    { orderBy: 'NAME', key: (e) => e.name },
    { orderBy: 'sourceId', key: (e) => e.sourceId },
    { orderBy: 'ID', key: (e) => Number(e.id) },
    { orderBy: 'id', key: (e) => Number(e.id) },
    { orderBy: 'CREATE_TIME', key: (e) => e.createdAt.getTime() },
    { orderBy: 'LAST_UPDATE_TIME', key: (e) => e.updatedAt.getTime() },
    { orderBy: 'lifecycle', key: (e) => e.overlay?.lifecycle ?? undefined },
    { orderBy: 'toolCount', key: (e) => (typeof e.doc.toolCount === 'number' ? e.doc.toolCount : undefined) },
    { orderBy: 'score', key: (e) => (typeof e.doc.score === 'number' ? e.doc.score : undefined) },
    { orderBy: 'verified', key: (e) => (typeof e.doc.verified === 'boolean' ? e.doc.verified : undefined) },
    { orderBy: 'category', key: (e) => (typeof e.doc.category === 'string' ? e.doc.category : undefined) },
    { orderBy: 'riskLevel', key: (e) => {
      const level = (e.doc.safety as { riskLevel?: unknown } | undefined)?.riskLevel;
      return typeof level === 'string' ? level : undefined;
    } },
    { orderBy: 'releasedAt', key: (e) => (typeof e.doc.releasedAt === 'string' ? Date.parse(e.doc.releasedAt) || undefined : undefined) },
    { orderBy: 'createTimeSinceEpoch', key: (e) => {
      const given = e.doc.createTimeSinceEpoch;
      return typeof given === 'number' ? given : typeof given === 'string' ? Number(given) : e.createdAt.getTime();
    } },
  ];

  /** Spec 01 §10.5: strings case-insensitively then exactly, missing last in both directions, ties by source then id. */
  function expectedOrder(key: (e: GeneratedEntity) => string | number | boolean | undefined, descending: boolean): string[] {
    const compareValues = (a: string | number | boolean, b: string | number | boolean): number => {
      if (typeof a === 'string' && typeof b === 'string') {
        const lower = a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;
        return lower !== 0 ? lower : a < b ? -1 : a > b ? 1 : 0;
      }
      return Number(a) - Number(b);
    };
    return [...entities].sort((x, y) => {
      const a = key(x);
      const b = key(y);
      if (a === undefined || b === undefined) {
        if (a !== b) return a === undefined ? 1 : -1;
      } else {
        const order = compareValues(a, b);
        if (order !== 0) return descending ? -order : order;
      }
      if (x.sourceId !== y.sourceId) return x.sourceId < y.sourceId ? -1 : 1;
      return Number(x.id) - Number(y.id);
    }).map((e) => e.id);
  }

  describe('keyset pagination with pageSize=3 yields every item once, in order', () => {
    for (const { orderBy, key } of orderings) {
      for (const sortOrder of ['ASC', 'desc']) {
        test(`orderBy=${orderBy ?? '(default)'} sortOrder=${sortOrder}`, async () => {
          const tokenName = sortOrder === 'ASC' ? 'pageToken' : 'nextPageToken';
          const { ids, totalSizes } = await walk(database.db, { pageSize: '3', orderBy, sortOrder, includeArchived: 'true' }, tokenName);
          assert.deepEqual(ids, expectedOrder(key, sortOrder === 'desc'));
          assert.ok(totalSizes.every((size) => size === entities.length));
        });
      }
    }
  });

  test('filters, q and sourceId page too, with a stable totalSize', async () => {
    const params = { pageSize: '3', filterQuery: 'toolCount > 5 OR tags = \'production\'', q: 'a', sourceId: 's1,s2', sortOrder: 'DESC', orderBy: 'toolCount' };
    const all = await list(database.db, { ...params, pageSize: '1000' });
    const { ids, totalSizes } = await walk(database.db, params);
    assert.deepEqual(ids, all.rows.map((r) => String(r.id)));
    assert.ok(totalSizes.every((size) => size === all.totalSize));
    assert.ok(all.totalSize > 6);
  });

  test('pageSize: default 20, values above 1000 clamped', async () => {
    assert.equal((await list(database.db, {})).pageSize, 20);
    assert.equal((await list(database.db, { pageSize: '' })).pageSize, 20);
    const clamped = await list(database.db, { pageSize: '99999999999999999999' });
    assert.equal(clamped.pageSize, 1000);
    assert.equal(clamped.nextPageToken, '');
  });

  test('a token only continues the query it was issued for', async () => {
    const base: ListParams = { pageSize: '2', filterQuery: 'toolCount >= 0', q: 'a', orderBy: 'toolCount', sortOrder: 'ASC', sourceId: 's1,s2', includeArchived: 'true' };
    const { nextPageToken } = await list(database.db, base);
    assert.notEqual(nextPageToken, '');
    const second = await list(database.db, { ...base, pageToken: nextPageToken, nextPageToken, pageSize: '5' });
    assert.equal(second.rows.length, 5);
    const changes: ListParams[] = [
      { filterQuery: 'toolCount >= 1' }, { q: 'b' }, { orderBy: 'score' }, { sortOrder: 'DESC' }, { sourceId: 's1' }, { includeArchived: 'false' },
    ];
    for (const change of changes) {
      await rejects(list(database.db, { ...base, ...change, pageToken: nextPageToken }), 'invalid page token: it was issued for a different query');
    }
    // The right hash with keys that do not fit the ordering is not a valid token.
    const decoded = JSON.parse(Buffer.from(nextPageToken, 'base64url').toString()) as { k: unknown[] };
    for (const keys of [[['abc'], ['s1'], ['1']], [['1'], ['s1']], [['1'], ['s1'], ['99999999999999999999']], [null, null, null], [['1'], ['s\u0000'], ['1']]]) {
      const forged = Buffer.from(JSON.stringify({ ...decoded, k: keys })).toString('base64url');
      await rejects(list(database.db, { ...base, pageToken: forged }), 'invalid page token');
    }
  });

  test('inserts and deletes between pages never duplicate or skip untouched items', async () => {
    const own = await createTestDatabase(kind);
    try {
      const initial = generateEntities(5, 30);
      await insertEntities(own.db, initial);
      const untouched = new Set(initial.map((e) => e.id));
      const seen: string[] = [];
      let token = '';
      let round = 0;
      do {
        const page = await list(own.db, { pageSize: '3', includeArchived: 'true', ...(token ? { pageToken: token } : {}) });
        seen.push(...page.rows.map((r) => String(r.id)));
        token = page.nextPageToken;
        const last = page.rows[page.rows.length - 1];
        if (!last || ++round > 6) continue;
        // New rows just before, at and after the cursor, at both ends, in every enabled source.
        for (const name of [last.name.slice(0, -1), last.name, `${last.name}0`, '0-first', 'zz-last']) {
          for (const sourceId of SOURCES) {
            await own.db.insertInto('catalog_entities').values({
              namespace: TEST_NAMESPACE, plugin: TEST_PLUGIN, kind: widgetKind.kind, source_id: sourceId, name,
              name_lower: name.toLowerCase(), doc: '{}', digest: '0'.repeat(64), provenance: '{}',
            }).onConflict((conflict) => conflict.doNothing()).execute();
          }
        }
        // One item already seen and one not seen yet go away.
        const unseen = initial.find((e) => untouched.has(e.id) && !seen.includes(e.id));
        for (const id of [seen[round - 1], unseen?.id]) {
          if (id === undefined) continue;
          await own.db.deleteFrom('catalog_entities').where('id', '=', id).execute();
          untouched.delete(id);
        }
      } while (token !== '');
      assert.equal(new Set(seen).size, seen.length, 'no item appears twice');
      assert.deepEqual([...untouched].filter((id) => !seen.includes(id)), [], 'no untouched item is skipped');
    } finally {
      await own.close();
    }
  });
});
