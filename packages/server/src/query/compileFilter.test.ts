import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../testing/databases.js';
import { evaluatedIds, generatedKind, generateEntities, insertEntities, matchingIds, type GeneratedEntity } from '../testing/queryFixtures.js';

/**
 * The compiled SQL on a real database: hand-checked expectations for the semantics table of spec 01
 * §10.7.5 (the reference evaluator must agree with them too), then SQL against the evaluator on
 * generated data with mixed types, missing values, arrays, nested objects, custom properties,
 * overlays and governance records.
 */

const created = new Date('2024-05-01T00:00:00.000Z');

function entity(name: string, doc: Record<string, unknown>, extra: Partial<GeneratedEntity> = {}): GeneratedEntity {
  return { id: '', name, sourceId: 's1', doc, createdAt: created, updatedAt: created, ...extra };
}

const handMade: GeneratedEntity[] = [
  entity('a', {
    description: 'Operate clusters',
    toolCount: 12,
    verified: true,
    category: 'DevOps',
    labels: ['x', 'y'],
    tools: [{ skillRef: 'ticket-create' }, { skillRef: 'deploy', weight: 2 }],
    modelConfig: { temperature: 0.3 },
    customProperties: {
      size: 5,
      'mlflow.source.type': 'notebook',
      size_bytes: { metadataType: 'MetadataIntValue', int_value: '2048' },
      accuracy: { metadataType: 'MetadataDoubleValue', double_value: 0.91 },
      author: "O'Brien",
    },
    createTimeSinceEpoch: '1760000000000',
    releasedAt: '2026-02-17T10:30:00Z',
  }, {
    overlay: { tags: ['production', 'verified'], annotations: { owner: 'platform' }, lifecycle: 'deprecated' },
    governanceRecord: { state: 'approved', metadata: { risk: { level: 'high', categories: ['pii'] }, compliance: { tags: ['gdpr'], controls: [] } } },
  }),
  entity('b', { toolCount: 9, verified: false, category: 'Database', labels: [], tools: [], customProperties: { size: '5' } }, {
    sourceId: 's2',
    governanceRecord: { state: 'archived', metadata: {} },
  }),
  entity('c', {}),
  entity('d', { toolCount: 100, category: 'devops', labels: ['y'], description: 'Inspect Kubernetes workloads', releasedAt: '2025-06-01' }, {
    overlay: { tags: ['beta'], annotations: null, lifecycle: null },
    governanceRecord: { state: 'draft', metadata: { sla: { tier: '' }, owner: { principal: 'alice' } } },
  }),
];
for (const e of handMade) e.governance = e.governanceRecord;

const expectations: [string, string[]][] = [
  ['toolCount > 9', ['a', 'd']],
  ["toolCount > '9'", ['a', 'd']],
  ['toolCount != 12', ['b', 'c', 'd']],
  ['toolCount <> 12', ['b', 'c', 'd']],
  ['toolCount < 10', ['b']],
  ['toolCount <= 9 OR toolCount >= 100', ['b', 'd']],
  ['toolCount IN (9, 12)', ['a', 'b']],
  ['toolCount NOT IN (9, 12)', ['c', 'd']],
  ['verified = true', ['a']],
  ["verified = 'false'", ['b']],
  ['verified != TRUE', ['b', 'c', 'd']],
  ["category = 'DevOps'", ['a']],
  ["category ILIKE 'devops'", ['a', 'd']],
  ["category LIKE 'Dev%'", ['a']],
  ["category NOT LIKE 'Dev%'", ['b', 'c', 'd']],
  ["category < 'E'", ['a', 'b']],
  ["category IN ('Database', 'devops')", ['b', 'd']],
  ["category NOT IN ('Database', 'devops')", ['a', 'c']],
  ["labels = 'y'", ['a', 'd']],
  ["labels != 'y'", ['b', 'c']],
  ["labels IN ('x')", ['a']],
  ["labels NOT IN ('x')", ['b', 'c', 'd']],
  ["labels LIKE 'x%'", ['a']],
  ["labels NOT LIKE 'x%'", ['b', 'c', 'd']],
  ["tools.skillRef = 'ticket-create'", ['a']],
  ["tools.skillRef != 'deploy'", ['b', 'c', 'd']],
  ['tools.weight > 1', ['a']],
  ['status IN ()', []],
  ['status NOT IN ()', ['a', 'b', 'c', 'd']],
  ['modelConfig.temperature < 0.5', ['a']],
  ["`mlflow.source.type` = 'notebook'", ['a']],
  ["customProperties.`mlflow.source.type` = 'notebook'", ['a']],
  ['size = 5', ['a']],
  ["size = '5'", ['b']],
  ['size.int_value = 5', ['a', 'b']],
  ['customProperties.size_bytes.int_value > 1000', ['a']],
  ['size_bytes > 1000', ['a']],
  ["size_bytes = '2048'", ['a']],
  ['accuracy.double_value >= 0.9', ['a']],
  ['accuracy > 0.9', ['a']],
  ["author = 'O''Brien'", ['a']],
  ["tags = 'production'", ['a']],
  ["tags != 'production'", ['b', 'c', 'd']],
  ["tags LIKE '%ion'", ['a']],
  ["tags LIKE '%a'", ['d']],
  ["annotations.owner = 'platform'", ['a']],
  ["annotations.owner != 'platform'", ['b', 'c', 'd']],
  ["lifecycle = 'deprecated'", ['a']],
  ["governance.lifecycle.state = 'draft'", ['c', 'd']],
  ["governance.lifecycle.state = 'archived'", ['b']],
  ["governance.risk.level = 'medium'", ['b', 'c', 'd']],
  ["governance.risk.level IN ('high','critical') AND governance.compliance.tags = 'gdpr'", ['a']],
  ["governance.risk.categories = 'pii'", ['a']],
  ["governance.compliance.controls != 'AC-2'", ['a', 'b', 'c', 'd']],
  ["governance.sla.tier != ''", ['a', 'b', 'c', 'd']],
  ["governance.owner.principal = 'alice'", ['d']],
  ["governance.team.name LIKE '%'", []],
  ['createTimeSinceEpoch = 1760000000000', ['a']],
  ["createTimeSinceEpoch > '2025-10-09T00:00:00Z'", ['a']],
  [`createTimeSinceEpoch = ${created.getTime()}`, ['b', 'c', 'd']],
  ["createTimeSinceEpoch LIKE '1760%'", ['a']],
  [`lastUpdateTimeSinceEpoch = '${created.toISOString()}'`, ['a', 'b', 'c', 'd']],
  ["releasedAt > '2026-01-01'", ['a']],
  ["releasedAt <= '2025-06-01T02:00:00+02:00'", ['d']],
  ["releasedAt LIKE '2025%'", ['d']],
  ["description ILIKE '%kubernetes%'", ['d']],
  ["name = 'a' OR name = 'b'", ['a', 'b']],
  ["sourceId = 's2'", ['b']],
  ["source_id != 's2'", ['a', 'c', 'd']],
  ["(category = 'DevOps' OR category = \"Database\") and toolCount >= 5", ['a', 'b']],
];

describeEachDatabase('compileFilter', (kind) => {
  let database: TestDatabase;
  let generated: GeneratedEntity[];
  const nameOf = new Map<string, string>();

  before(async () => {
    database = await createTestDatabase(kind);
    await insertEntities(database.db, handMade);
    for (const e of handMade) nameOf.set(e.id, e.name);
    generated = generateEntities(20_260_217, 250);
    await insertEntities(database.db, generated, generatedKind.kind);
  });
  after(() => database.close());

  test('the semantics table of spec 01 §10.7.5, in SQL and in the reference evaluator', async () => {
    for (const [query, names] of expectations) {
      const sqlNames = (await matchingIds(database.db, query)).map((id) => nameOf.get(id)).sort();
      assert.deepEqual(sqlNames, names, `SQL: ${query}`);
      const evaluatedNames = evaluatedIds(handMade, query).map((id) => nameOf.get(id)).sort();
      assert.deepEqual(evaluatedNames, names, `evaluator: ${query}`);
    }
  });

  test('id compares numerically', async () => {
    const [a] = handMade;
    assert.deepEqual(await matchingIds(database.db, `id = ${a.id}`), [a.id]);
    assert.deepEqual(await matchingIds(database.db, `id = '${a.id}'`), [a.id]);
  });

  test('SQL equals the reference evaluator on generated data', async () => {
    const queries = [
      'toolCount > 9', "toolCount >= '10'", 'toolCount != 3', 'score < 0', 'score IN (1.25, -2.5, 0)',
      'verified = true', 'verified != false', "category = 'DevOps'", "category ILIKE 'devops'", "category > 'Search'",
      "category NOT IN ('ML', 'Search')", "status IN ('active', 'indexing')", "name LIKE '%a%'", "name ILIKE 'O''brien%'",
      "name NOT LIKE '\\%%'", "name LIKE '100\\%%'", "name LIKE 'a\\\\b%'", "description ILIKE '%KUBE%'",
      "labels = 'alpha'", "labels != 'Beta'", "labels LIKE '%a'", "labels NOT IN ('alpha', 'zeta')", 'sizes >= 5', 'sizes = 0',
      'modelConfig.temperature < 0.5', "modelConfig.mode = 'fast'", 'modelConfig.nested.depth > 1', "modelConfig.temperature = '0.5'",
      "tools.skillRef = 'deploy'", "tools.skillRef NOT IN ('deploy', 'search')", 'tools.weight >= 3', "riskLevel = 'high'", 'temp > 0.2',
      "anything = 'alpha'", 'anything > 3', 'anything = true', "anything LIKE '%a%'", 'anything.int_value > 100', 'anything IN (1, 2, 3)',
      "size = 'kube'", 'size > 10', 'size.int_value > 10', 'size.double_value <= 12.5', "size.string_value = '12'", 'size.bool_value = true',
      'enabled = true', 'enabled.bool_value != false', 'param_count > 2500', "param_count ILIKE '%ET%'", "flavor IN ('alpha', 3, true)",
      "`mlflow.source.type` = 'zeta'", "customProperties.`mlflow.source.type` != 'zeta'",
      "tags = 'production'", "tags ILIKE 'prod%'", "tags NOT IN ('beta')", "annotations.owner = 'ml'", "annotations.tier != 'gold'",
      "lifecycle = 'deprecated'", "lifecycle NOT LIKE 'exp%'", "governance.lifecycle.state = 'archived'",
      "governance.lifecycle.state IN ('draft', 'approved')", "governance.risk.level = 'medium'", "governance.risk.level > 'high'",
      "governance.risk.categories = 'pii'", "governance.compliance.tags != 'gdpr'", "governance.compliance.controls = 'AC-2'",
      "governance.sla.tier = 'gold'", "governance.sla.tier != 'gold'", "governance.owner.principal LIKE 'a%'", "governance.team.name = 'search'",
      "createTimeSinceEpoch > '2023-11-14T22:20:00Z'", 'createTimeSinceEpoch <= 1700000500000', "createTimeSinceEpoch LIKE '%00000'",
      "lastUpdateTimeSinceEpoch > '2023-07-25T00:00:00Z'", "releasedAt < '2023-01-01'", "releasedAt >= '2024-05-15T03:00:00+02:00'",
      "releasedAt LIKE '%Z'", "sourceId IN ('s1', 's3')", "externalId = 'x'",
      "(category = 'DevOps' OR verified = true) AND NOT_A_FIELD != 'x' AND toolCount NOT IN ()",
    ];
    for (const query of queries) {
      const expected = evaluatedIds(generated, query);
      const actual = await matchingIds(database.db, query, {}, generatedKind);
      assert.deepEqual(actual, expected, query);
    }
  });
});
