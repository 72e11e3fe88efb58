import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { CommonEntityFields, OpenCustomProperties, type KindDeclaration } from '@catalog/framework';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { bindFilter } from '../query/bindFilter.js';
import { fieldMapFor } from '../query/fieldMap.js';
import { listEntities } from '../query/listEntities.js';
import type { ListParams } from '../query/listParams.js';
import { parseFilterQuery } from '../query/parser.js';
import { seededRandom } from './seededRandom.js';
import { evaluateFilter, type EvaluatedEntity } from './referenceEvaluator.js';

/**
 * Test support for the query engine: a kind whose schema has every field shape the field map knows,
 * and a seeded generator of entities (with overlays and governance records) that are inserted into a
 * database and handed to the reference evaluator alike.
 */

export const widgetSchema = Type.Object({
  ...CommonEntityFields,
  category: Type.Optional(Type.String()),
  status: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: ['active', 'indexing', 'retired'] })),
  toolCount: Type.Optional(Type.Integer()),
  score: Type.Optional(Type.Number()),
  verified: Type.Optional(Type.Boolean()),
  releasedAt: Type.Optional(Type.String({ format: 'date-time' })),
  labels: Type.Optional(Type.Array(Type.String())),
  sizes: Type.Optional(Type.Array(Type.Number())),
  modelConfig: Type.Optional(Type.Object({ temperature: Type.Optional(Type.Number()), mode: Type.Optional(Type.String()) })),
  tools: Type.Optional(Type.Array(Type.Object({ skillRef: Type.String(), weight: Type.Optional(Type.Number()) }))),
  safety: Type.Optional(Type.Object({ riskLevel: Type.Optional(Type.String()) })),
  readme: Type.Optional(Type.String()),
  anything: Type.Optional(Type.Unknown()),
  customProperties: OpenCustomProperties,
});

export const widgetKind: KindDeclaration = {
  kind: 'Widget',
  plural: 'widgets',
  displayName: 'Widget',
  description: 'Test kind',
  notFoundPhrase: 'widget',
  schema: widgetSchema,
  fields: { columns: [], filterFields: [], detailFields: [] },
  aliases: { riskLevel: 'safety.riskLevel', source_id: 'sourceId', temp: 'modelConfig.temperature' },
  searchFields: ['name', 'description', 'category', 'labels', 'readme'],
  notFilterable: ['readme'],
  uiHints: {},
  cliDefaultColumns: ['name'],
};

/** The same schema under another kind name, so two data sets can share one database. */
export const generatedKind: KindDeclaration = { ...widgetKind, kind: 'Generated' };

export const TEST_PLUGIN = 'widgets';
export const TEST_NAMESPACE = 'default';
export const DEFAULT_STATE = 'draft';


export function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)];
}

export const WORDS = ['alpha', 'Beta', 'gamma', 'delta', 'Epsilon', 'kube', 'ticket-create', 'x_y', '100%', 'a\\b', "O'Brien", 'zeta'];
export const CATEGORIES = ['DevOps', 'Database', 'devops', 'Search', 'ML'];
export const SKILLS = ['ticket-create', 'ticket-close', 'deploy', 'search'];
export const SOURCES = ['s1', 's2', 's3'];

export interface GeneratedEntity extends EvaluatedEntity {
  /** Set when the entity's governance record is stored. */
  governanceRecord?: { state: string; metadata: Record<string, unknown> };
}

/** Sometimes the value, sometimes absent, sometimes JSON null or a value of another type. */
function maybe(random: () => number, value: () => unknown, wrongType: () => unknown = () => 'not-a-value'): unknown {
  const roll = random();
  if (roll < 0.2) return undefined;
  if (roll < 0.25) return null;
  if (roll < 0.3) return wrongType();
  return value();
}

function integer(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function customValue(random: () => number): unknown {
  switch (integer(random, 0, 8)) {
    case 0:
      return pick(random, WORDS);
    case 1:
      return integer(random, -5, 20);
    case 2:
      return random() < 0.5;
    case 3:
      return { metadataType: 'MetadataIntValue', int_value: String(integer(random, 0, 5000)) };
    case 4:
      return { metadataType: 'MetadataStringValue', string_value: pick(random, WORDS) };
    case 5:
      return { metadataType: 'MetadataDoubleValue', double_value: integer(random, 0, 100) / 4 };
    case 6:
      return { metadataType: 'MetadataBoolValue', bool_value: random() < 0.5 };
    case 7:
      return [pick(random, WORDS), integer(random, 0, 9)];
    default:
      return String(integer(random, 0, 30));
  }
}

function compact(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

export function generateEntities(seed: number, count: number): GeneratedEntity[] {
  const random = seededRandom(seed);
  const entities: GeneratedEntity[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${pick(random, WORDS)}-${i}`;
    const doc = compact({
      description: maybe(random, () => `${pick(random, WORDS)} ${pick(random, WORDS)} tool`),
      category: maybe(random, () => pick(random, CATEGORIES), () => 7),
      status: maybe(random, () => pick(random, ['active', 'indexing', 'retired'])),
      toolCount: maybe(random, () => integer(random, 0, 30), () => '12'),
      score: maybe(random, () => integer(random, -20, 20) / 4),
      verified: maybe(random, () => random() < 0.5, () => 'true'),
      releasedAt: maybe(random, () => `202${integer(random, 0, 6)}-0${integer(random, 1, 9)}-1${integer(random, 0, 9)}T0${integer(random, 0, 9)}:30:00${pick(random, ['Z', '.5Z', '+02:00', '-05:30'])}`, () => '2024-02-30'),
      labels: maybe(random, () => Array.from({ length: integer(random, 0, 3) }, () => pick(random, WORDS)), () => 'alpha'),
      sizes: maybe(random, () => Array.from({ length: integer(random, 0, 3) }, () => integer(random, 0, 9))),
      modelConfig: maybe(random, () => compact({
        temperature: maybe(random, () => integer(random, 0, 10) / 10, () => '0.5'),
        mode: maybe(random, () => pick(random, ['fast', 'slow'])),
        nested: maybe(random, () => ({ depth: integer(random, 0, 3) })),
      })),
      tools: maybe(random, () => Array.from({ length: integer(random, 0, 3) }, () => compact({
        skillRef: pick(random, SKILLS),
        weight: maybe(random, () => integer(random, 0, 5)),
      }))),
      safety: maybe(random, () => compact({ riskLevel: maybe(random, () => pick(random, ['low', 'high'])) })),
      readme: maybe(random, () => `readme ${pick(random, WORDS)}`),
      anything: maybe(random, () => customValue(random)),
      createTimeSinceEpoch: maybe(random, () => String(1_700_000_000_000 + integer(random, 0, 1000) * 1000), () => 1_700_000_500_000),
      customProperties: maybe(random, () => compact(Object.fromEntries(
        ['size', 'flavor', 'mlflow.source.type', 'param_count', 'enabled'].map((key) => [key, maybe(random, () => customValue(random))]),
      ))),
    });
    const createdAt = new Date(1_690_000_000_000 + integer(random, 0, 100_000) * 1000);
    const overlayRoll = random();
    const overlay = overlayRoll < 0.5
      ? undefined
      : {
          tags: random() < 0.8 ? Array.from({ length: integer(random, 0, 3) }, () => pick(random, ['production', 'verified', 'beta', 'Prod'])) : null,
          annotations: random() < 0.7 ? compact({ owner: maybe(random, () => pick(random, ['platform', 'ml'])), tier: maybe(random, () => 'gold') }) as Record<string, string> : null,
          lifecycle: random() < 0.5 ? pick(random, ['deprecated', 'experimental']) : null,
        };
    const governanceRecord = random() < 0.5
      ? undefined
      : {
          state: pick(random, ['draft', 'approved', 'deprecated', 'archived']),
          metadata: compact({
            risk: maybe(random, () => compact({
              level: maybe(random, () => pick(random, ['low', 'medium', 'high', 'critical', ''])),
              categories: maybe(random, () => Array.from({ length: integer(random, 0, 2) }, () => pick(random, ['pii', 'external-data']))),
            })),
            sla: maybe(random, () => ({ tier: pick(random, ['gold', 'silver', '']) })),
            owner: maybe(random, () => ({ principal: pick(random, ['alice', 'bob']) })),
            team: maybe(random, () => ({ name: pick(random, ['ml-platform', 'search']) })),
            compliance: maybe(random, () => ({ tags: [pick(random, ['gdpr', 'sox'])], controls: random() < 0.5 ? ['AC-2'] : [] })),
          }),
        };
    entities.push({
      id: '',
      name,
      sourceId: pick(random, SOURCES),
      doc,
      createdAt,
      updatedAt: new Date(createdAt.getTime() + integer(random, 0, 5000) * 1000),
      overlay,
      governance: governanceRecord,
      governanceRecord,
    });
  }
  return entities;
}

/**
 * Inserts the entities of `kind` and their overlays and governance records; fills in the row ids.
 * Overlays and governance are keyed by name, so names are unique within one generated set.
 */
export async function insertEntities(db: Kysely<Database>, entities: GeneratedEntity[], kind = widgetKind.kind): Promise<void> {
  for (const entity of entities) {
    const row = await db
      .insertInto('catalog_entities')
      .values({
        namespace: TEST_NAMESPACE,
        plugin: TEST_PLUGIN,
        kind,
        source_id: entity.sourceId,
        name: entity.name,
        name_lower: entity.name.toLowerCase(),
        doc: JSON.stringify(entity.doc),
        digest: '0'.repeat(64),
        provenance: '{}',
        created_at: entity.createdAt,
        updated_at: entity.updatedAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    entity.id = String(row.id);
    if (entity.overlay) {
      await db
        .insertInto('catalog_overlays')
        .values({
          namespace: TEST_NAMESPACE,
          plugin: TEST_PLUGIN,
          kind,
          name: entity.name,
          tags: entity.overlay.tags === null ? null : JSON.stringify(entity.overlay.tags),
          annotations: entity.overlay.annotations === null ? null : JSON.stringify(entity.overlay.annotations),
          lifecycle: entity.overlay.lifecycle ?? null,
        })
        .onConflict((conflict) => conflict.doNothing())
        .execute();
    }
    if (entity.governanceRecord) {
      await db
        .insertInto('asset_governance')
        .values({
          id: randomUUID(),
          asset_uid: `${TEST_PLUGIN}:${kind}:${entity.name}`,
          namespace: TEST_NAMESPACE,
          plugin: TEST_PLUGIN,
          kind,
          name: entity.name,
          lifecycle_state: entity.governanceRecord.state,
          metadata: JSON.stringify(entity.governanceRecord.metadata),
        })
        .onConflict((conflict) => conflict.doNothing())
        .execute();
    }
  }
}

/** Ids of the entities a filter matches, through the whole list pipeline, archived ones included. */
export async function matchingIds(
  db: Kysely<Database>,
  filterQuery: string,
  extra: ListParams = {},
  kind: KindDeclaration = widgetKind,
): Promise<string[]> {
  const page = await listEntities(db, {
    namespace: TEST_NAMESPACE,
    plugin: TEST_PLUGIN,
    kind,
    enabledSourceIds: SOURCES,
    defaultLifecycleState: DEFAULT_STATE,
    params: { filterQuery, includeArchived: 'true', pageSize: '1000', ...extra },
  });
  assert.equal(page.nextPageToken, '', 'test data sets fit in one page');
  assert.equal(page.totalSize, page.rows.length);
  return page.rows.map((row) => String(row.id)).sort();
}

/** Ids of the entities the reference evaluator says a filter matches. */
export function evaluatedIds(entities: readonly EvaluatedEntity[], filterQuery: string): string[] {
  const bound = bindFilter(parseFilterQuery(filterQuery), fieldMapFor(widgetKind));
  return entities
    .filter((entity) => evaluateFilter(bound, entity, { defaultLifecycleState: DEFAULT_STATE }))
    .map((entity) => entity.id)
    .sort();
}

export { seededRandom };
