import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FilterQueryError } from '../errors.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../testing/databases.js';
import { bindFilter } from './bindFilter.js';
import { fieldMapFor } from './fieldMap.js';
import { parseFilterQuery } from './parser.js';
import {
  CATEGORIES, evaluatedIds, generateEntities, insertEntities, matchingIds, pick, seededRandom, SKILLS, widgetKind, WORDS,
  type GeneratedEntity,
} from '../testing/queryFixtures.js';

/**
 * Property tests of the filter pipeline. Hostile input (token soup, SQL injection attempts, unicode,
 * deep nesting, mutations of valid queries, limit edges) must either be rejected with
 * FilterQueryError or run without any SQL error — and whenever it runs, SQL must agree with the
 * reference evaluator. Randomly generated valid queries must always run and agree.
 */

/** Per database: each kind draws its own hostile queries, so a run on both covers twice as many. */
const HOSTILE_QUERIES = 1500;
const HOSTILE_SEEDS = { pglite: 1337, postgres: 7331 } as const;
const VALID_QUERIES = 600;
const fields = fieldMapFor(widgetKind);

type Random = () => number;

const INJECTIONS = [
  "'; DROP TABLE catalog_entities; --", "' OR '1'='1", '" OR ""="', '1 OR 1=1', "'||pg_sleep(5)||'", '$1', '$$', '::jsonpath',
  "E'\\\\'", "\\'; SELECT 1; --", '/**/', 'UNION SELECT * FROM asset_governance', "') OR true --", '%00', '\\x00',
  "lax $.a ? (@ == 1)", '$."a"[*]', "'||chr(0)||'", '); DELETE FROM catalog_overlays; (',
];
const UNICODE = ['é', 'Ω', '中文', '\u{1F600}', '\u200f', '\u0301', '\u2028', '＝', '\ud800', '\udfff', '\u0000', '\u0007', '\t', '\n', '\uFEFF', 'ß', 'İ'];
const VOCABULARY = [
  'name', 'toolCount', 'tags', 'verified', 'governance.lifecycle.state', 'governance.owner.email', 'customProperties.size',
  'size.int_value', 'size.float_value', 'name.int_value', 'name.x', 'readme', 'modelConfig', 'tools.skillRef', '`a``b`', '`',
  'AND', 'or', 'Not', 'IN', 'like', 'ILIKE', 'true', 'FALSE', '=', '!=', '<>', '<', '>', '<=', '>=', '==', '!', '(', ')', ',',
  '.', "'x'", '"y"', "'it''s'", "'\\'", "'unterminated", '`unterminated', '1', '-3', '+2.5', '.5', '1e-5', '1e999', '-1e999',
  '9'.repeat(400), "'9'", "'true'", "'2026-02-30T10:00:00Z'", ';', '--', '/*', '@', '#', '$', '\\', '%', '_', '*',
];

function integer(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** A filterQuery string literal holding `value`. */
function quote(value: string, random: Random): string {
  const escaped = value.replace(/\\/g, '\\\\');
  return random() < 0.8 ? `'${escaped.replace(/'/g, "''")}'` : `"${escaped.replace(/"/g, '""')}"`;
}

function tokenSoup(random: Random): string {
  const parts = Array.from({ length: integer(random, 1, 14) }, () => {
    const roll = random();
    if (roll < 0.6) return pick(random, VOCABULARY);
    if (roll < 0.75) return pick(random, UNICODE);
    if (roll < 0.9) return quote(pick(random, INJECTIONS), random);
    return pick(random, INJECTIONS);
  });
  return parts.join(random() < 0.8 ? ' ' : '');
}

function randomText(random: Random): string {
  return Array.from({ length: integer(random, 0, 40) }, () =>
    random() < 0.7 ? String.fromCharCode(integer(random, 0x20, 0x7e)) : pick(random, UNICODE),
  ).join('');
}

function mutate(query: string, random: Random): string {
  let result = query;
  for (let i = integer(random, 1, 3); i > 0; i--) {
    const at = integer(random, 0, result.length);
    const roll = random();
    if (roll < 0.35) result = result.slice(0, at) + pick(random, [...VOCABULARY, ...UNICODE, "'", '"', '`', '(', ')', '\\']) + result.slice(at);
    else if (roll < 0.7) result = result.slice(0, at) + result.slice(at + integer(random, 1, 4));
    else result = result.slice(0, at) + result.slice(Math.max(0, at - 5), at) + result.slice(at);
  }
  return result;
}

/** Inputs that sit on the limits or aim at the SQL and jsonpath layers through valid syntax. */
function structured(random: Random): string {
  switch (integer(random, 0, 10)) {
    case 0: {
      const depth = integer(random, 28, 36);
      return `${'('.repeat(depth)}toolCount > ${integer(random, 0, 20)}${')'.repeat(depth)}`;
    }
    case 1:
      return Array.from({ length: integer(random, 95, 103) }, (_, i) => `f${i} = ${i}`).join(pick(random, [' OR ', ' AND ']));
    case 2:
      return `size IN (${Array.from({ length: integer(random, 97, 102) }, (_, i) => (i % 2 ? i : quote(String(i), random))).join(',')})`;
    case 3: {
      const query = `name = ${quote(pick(random, INJECTIONS), random)}`;
      return query + ' '.repeat(Math.max(0, integer(random, 4090, 4100) - query.length));
    }
    case 4:
      return `\`${pick(random, INJECTIONS)}${pick(random, UNICODE)}\` = ${quote(pick(random, INJECTIONS), random)}`;
    case 5:
      return `customProperties.\`a"b\\c$.*[0] ? (@ == 1)\` ${pick(random, ['=', '>', 'LIKE'])} ${quote(pick(random, WORDS), random)}`;
    case 6:
      return `${pick(random, ['name', 'labels', 'size', 'tags', 'createTimeSinceEpoch'])} ${pick(random, ['LIKE', 'NOT ILIKE'])} ${quote(`${randomText(random)}${pick(random, ['\\', '%', '_', '\\%'])}`, random)}`;
    case 7:
      return `${pick(random, ['toolCount', 'size', 'size.double_value', 'score'])} ${pick(random, ['<', '>=', '='])} ${pick(random, ['1e999', '-1e999', '1e-999', "'1e308'", "'-0'", '0.1', "'1e999'", "'" + '9'.repeat(300) + "'"])}`;
    case 9:
      return `${pick(random, ['labels', 'tags', 'size', 'tools.skillRef'])} ${pick(random, ['LIKE', 'ILIKE'])} '${pick(random, ['%', '%_', '_', 'a%', '\\%%']).repeat(integer(random, 500, 2000))}'`;
    case 8:
      return `${pick(random, ['releasedAt', 'createTimeSinceEpoch', 'lastUpdateTimeSinceEpoch'])} ${pick(random, ['<', '=', '>='])} ${pick(random, ["'9999-12-31T23:59:60.999999+23:59'", "'0000-01-01'", "'2023-02-29T24:00:00Z'", '-1', '1e300', "'99999999999999999'", "'2026-02-17T10:30:00.123456789-00:00'"])}`;
    default:
      return randomText(random);
  }
}

function hostileQuery(random: Random, valid: () => string): string {
  const roll = random();
  if (roll < 0.35) return tokenSoup(random);
  if (roll < 0.6) return mutate(valid(), random);
  if (roll < 0.9) return structured(random);
  return randomText(random);
}

type FieldType = 'string' | 'number' | 'boolean' | 'date' | 'any';

const FIELD_SPECS: [string, FieldType][] = [
  ['name', 'string'], ['sourceId', 'string'], ['source_id', 'string'], ['id', 'number'], ['tags', 'string'], ['lifecycle', 'string'],
  ['annotations.owner', 'string'], ['annotations.tier', 'string'], ['governance.lifecycle.state', 'string'],
  ['governance.risk.level', 'string'], ['governance.sla.tier', 'string'], ['governance.owner.principal', 'string'],
  ['governance.team.name', 'string'], ['governance.compliance.tags', 'string'], ['governance.compliance.controls', 'string'],
  ['governance.risk.categories', 'string'], ['createTimeSinceEpoch', 'date'], ['lastUpdateTimeSinceEpoch', 'date'],
  ['releasedAt', 'date'], ['externalId', 'string'], ['description', 'string'], ['category', 'string'], ['status', 'string'],
  ['toolCount', 'number'], ['score', 'number'], ['verified', 'boolean'], ['labels', 'string'], ['sizes', 'number'],
  ['modelConfig.temperature', 'number'], ['temp', 'number'], ['modelConfig.mode', 'string'], ['modelConfig.nested.depth', 'any'],
  ['tools.skillRef', 'string'], ['tools.weight', 'number'], ['tools.other', 'any'], ['riskLevel', 'string'], ['anything', 'any'],
  ['customProperties.size', 'any'], ['size', 'any'], ['flavor', 'any'], ['`mlflow.source.type`', 'any'], ['param_count', 'any'],
  ['enabled', 'any'], ['size.int_value', 'number'], ['param_count.double_value', 'number'], ['enabled.bool_value', 'boolean'],
  ['flavor.string_value', 'string'], ['toolCount.int_value', 'number'], ['name.string_value', 'string'], ['weird', 'any'],
  ['customProperties.`it\'s "q"`', 'any'], ['`é`', 'any'],
];

const STRING_POOL = [...WORDS, ...CATEGORIES, ...SKILLS, 'production', 'Prod', 'beta', 'deprecated', 'draft', 'approved', 'archived',
  'medium', 'high', 'gold', 'alice', 'search', 'gdpr', 'AC-2', 'pii', 's1', 's2', 'fast', 'platform', 'ml', 'active', '', 'é'];

function literal(type: FieldType, random: Random): string {
  switch (type) {
    case 'string':
      return quote(pick(random, STRING_POOL), random);
    case 'number': {
      const value = random() < 0.5 ? integer(random, -5, 30) : integer(random, -40, 40) / 4;
      return random() < 0.2 ? `'${value}'` : String(value);
    }
    case 'boolean':
      return pick(random, ['TRUE', 'false', "'true'", "'false'"]);
    case 'date':
      return pick(random, [
        String(1_700_000_000_000 + integer(random, 0, 1000) * 1000), `'${1_700_000_000_000 + integer(random, 0, 1000) * 1000}'`,
        `'202${integer(random, 0, 6)}-0${integer(random, 1, 9)}-1${integer(random, 0, 9)}'`,
        `'2023-0${integer(random, 1, 9)}-1${integer(random, 0, 9)}T0${integer(random, 0, 9)}:30:00${pick(random, ['Z', '.5Z', '+02:00'])}'`,
      ]);
    case 'any':
      return literal(pick(random, ['string', 'number', 'boolean'] as const), random);
  }
}

function likePattern(random: Random): string {
  const pieces = Array.from({ length: integer(random, 1, 3) }, () =>
    pick(random, ['%', '_', '%a%', 'al', 'x\\_y', '100\\%', 'a\\\\b', "O''b", 'Be', 'k', '']),
  );
  return `'${pieces.join('')}'`;
}

function comparison(random: Random): string {
  const [field, type] = pick(random, FIELD_SPECS);
  const literalType = type === 'any' ? pick(random, ['string', 'number', 'boolean'] as const) : type;
  const ordered = literalType !== 'boolean';
  const textual = type === 'string' || type === 'date' || type === 'any';
  const forms = ['=', '!=', '<>', ...(ordered ? ['<', '>', '<=', '>='] : []), ...(textual ? ['LIKE', 'ILIKE', 'NOT LIKE', 'not ilike'] : []), 'IN', 'NOT IN'];
  const form = pick(random, forms);
  if (/like/i.test(form)) return `${field} ${form} ${likePattern(random)}`;
  if (/in/i.test(form)) {
    const values = Array.from({ length: integer(random, 0, 4) }, () => literal(type === 'any' ? 'any' : literalType, random));
    return `${field} ${form} (${values.join(', ')})`;
  }
  return `${field} ${form} ${literal(literalType, random)}`;
}

function validQuery(random: Random, depth = 0): string {
  if (depth >= 3 || random() < 0.45) return comparison(random);
  const operands = Array.from({ length: integer(random, 2, 3) }, () => validQuery(random, depth + 1));
  const joined = operands.join(random() < 0.5 ? ' AND ' : ' or ');
  return depth > 0 || random() < 0.3 ? `(${joined})` : joined;
}

describeEachDatabase('filterQuery fuzzing', (kind) => {
  let database: TestDatabase;
  let entities: GeneratedEntity[];

  before(async () => {
    database = await createTestDatabase(kind);
    entities = generateEntities(7, 120);
    entities.push({
      id: '',
      name: 'weird-keys',
      sourceId: 's1',
      doc: { customProperties: { weird: 'x', 'it\'s "q"': 'alpha', é: 1, 'a"b\\c$.*[0] ? (@ == 1)': 'alpha' }, anything: [[1, 2], { a: 1 }] },
      createdAt: new Date(1_700_000_000_000),
      updatedAt: new Date(1_700_000_000_000),
    });
    await insertEntities(database.db, entities);
  });
  after(() => database.close());

  test(`${VALID_QUERIES} random valid queries: SQL equals the reference evaluator`, async () => {
    const random = seededRandom(42);
    for (let i = 0; i < VALID_QUERIES; i++) {
      const query = validQuery(random);
      bindFilter(parseFilterQuery(query), fields);
      assert.deepEqual(await matchingIds(database.db, query), evaluatedIds(entities, query), query);
    }
  });

  test(`${HOSTILE_QUERIES} hostile queries: FilterQueryError or a clean run that agrees with the evaluator`, async () => {
    const random = seededRandom(HOSTILE_SEEDS[kind]);
    let rejected = 0;
    for (let i = 0; i < HOSTILE_QUERIES; i++) {
      const query = hostileQuery(random, () => validQuery(random));
      try {
        bindFilter(parseFilterQuery(query), fields);
      } catch (error) {
        assert.ok(error instanceof FilterQueryError, `${JSON.stringify(query)}: ${String(error)}`);
        assert.ok(error.position >= 1 && error.position <= Math.max(query.length + 1, 4097), JSON.stringify(query));
        rejected++;
        continue;
      }
      let actual: string[];
      try {
        actual = await matchingIds(database.db, query);
      } catch (error) {
        assert.fail(`${JSON.stringify(query)} raised ${String(error)}`);
      }
      assert.deepEqual(actual, evaluatedIds(entities, query), JSON.stringify(query));
    }
    // Both outcomes must be well represented, or the generator has drifted.
    assert.ok(rejected > HOSTILE_QUERIES * 0.3 && rejected < HOSTILE_QUERIES * 0.95, `rejected ${rejected}`);
  });
});
