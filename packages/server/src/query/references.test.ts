import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CommonEntityFields, type KindDeclaration } from '@catalog/framework';
import { Type } from '@sinclair/typebox';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../db/schema.js';
import { extractLinks } from '../framework/links.js';
import { applyKindEntities, inSourceTransaction, prepareEntity } from '../sources/applyEntities.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../testing/databases.js';
import { listEntities } from './listEntities.js';

const gadget: KindDeclaration = {
  kind: 'Gadget', plural: 'gadgets', displayName: 'Gadget', description: 'A gadget', notFoundPhrase: 'gadget',
  schema: Type.Object({ ...CommonEntityFields, parts: Type.Optional(Type.Array(Type.Object({ partRef: Type.String() }))) }),
  references: [{ field: 'parts[].partRef', plugin: 'parts', kind: 'Part' }],
  fields: { columns: [], filterFields: [], detailFields: [] },
  uiHints: {}, cliDefaultColumns: [],
};
const ROWS = 5000;

async function seed(database: TestDatabase): Promise<void> {
  const entities = Array.from({ length: ROWS }, (_, i) => {
    const doc = { name: `gadget-${i}`, parts: [{ partRef: `part-${i % 1000}` }, { partRef: i % 250 === 0 ? 'rare-part' : 'common-part' }] };
    return { name: doc.name, doc, provenance: {}, links: extractLinks(gadget.references, doc) };
  });
  const key = { namespace: 'default', plugin: 'gadgets', sourceId: 's' };
  await inSourceTransaction(database.db, key, (trx) => applyKindEntities(trx, { ...key, kind: 'Gadget' }, entities.map((entity) => prepareEntity(entity))));
  await sql`ANALYZE catalog_entities`.execute(database.db);
}

const input = (params: Record<string, unknown>) => ({
  namespace: 'default', plugin: 'gadgets', kind: gadget, enabledSourceIds: ['s'], defaultLifecycleState: 'draft',
  referenceKinds: ['Part', 'Gadget'], params,
});

describeEachDatabase('references= reverse lookup', (kind) => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase(kind);
    await seed(database);
  });
  after(() => database.close());

  test('returns exactly the entities referencing the target, all given targets required', async () => {
    const rare = await listEntities(database.db, input({ references: 'Part:rare-part', pageSize: '100' }));
    assert.equal(rare.totalSize, ROWS / 250);
    const both = await listEntities(database.db, input({ references: ['Part:rare-part', 'Part:part-0'], pageSize: '100' }));
    assert.deepEqual(both.rows.map((r) => r.name).sort(), ['gadget-0', 'gadget-1000', 'gadget-2000', 'gadget-3000', 'gadget-4000']);
  });

  test('a page costs a fixed number of statements however many links the entities carry', async () => {
    let statements = 0;
    const counted = database.db.withPlugin({
      transformQuery: (args) => {
        statements++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    await listEntities(counted, input({ pageSize: '100', references: 'Part:common-part' }));
    assert.equal(statements, 2, 'the page and the count');
  });
});

test('the reverse lookup is answered from the GIN index on PostgreSQL', { skip: !process.env.CATALOG_TEST_DATABASE_URL && 'CATALOG_TEST_DATABASE_URL not set' }, async () => {
  const database = await createTestDatabase('postgres');
  try {
    await seed(database);
    const pool = new pg.Pool({ connectionString: database.url });
    const statements: { sql: string; parameters: readonly unknown[] }[] = [];
    const explaining = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (event) => {
        if (event.level === 'query') statements.push(event.query);
      },
    });
    await listEntities(explaining, input({ references: 'Part:rare-part', pageSize: '20' }));
    const client = await pool.connect();
    try {
      // The page and count statements exactly as listEntities issued them.
      for (const statement of statements) {
        const { rows } = await client.query(`EXPLAIN ${statement.sql}`, [...statement.parameters]);
        const plan = rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
        assert.match(plan, /catalog_entities_link_keys/, plan);
      }
    } finally {
      client.release();
      await pool.end();
    }
  } finally {
    await database.close();
  }
});
