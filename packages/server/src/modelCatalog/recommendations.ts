import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { compileFilter } from '../query/compileFilter.js';
import type { FieldSqlContext } from '../query/fieldSql.js';
import { ARTIFACTS } from './artifactFields.js';
import { topLevelArtifactFilter } from './modelFilter.js';
import { compareIds, performancePoint, recommendedLatency, type PerformancePoint, type PerformanceProperties } from './pareto.js';

export interface RankedModel {
  id: string;
  name: string;
  latency: number | undefined;
}

/**
 * Recommendations mode of `GET /models` (spec 03 §5.4): each candidate's recommended latency over its
 * performance artifacts satisfying **A**, read for all candidates with one statement that projects
 * only the four properties; ordered by latency (none last), then name, then id.
 */
export async function rankByRecommendedLatency(
  db: Kysely<Database>,
  input: {
    namespace: string;
    candidates: readonly { id: string; name: string }[];
    filterQuery: string | undefined;
    properties: PerformanceProperties;
    targetRPS: number;
    context: FieldSqlContext;
  },
): Promise<RankedModel[]> {
  const points = new Map<string, PerformancePoint[]>();
  if (input.candidates.length > 0) {
    const artifactFilter = topLevelArtifactFilter(input.filterQuery);
    const p = input.properties;
    const { rows } = await sql<{ id: string; entity_id: string; props: Record<string, unknown> }>`
      SELECT e.id, e.entity_id, jsonb_build_object(
          ${p.latencyProperty}::text, e.doc->'customProperties'->${p.latencyProperty}::text,
          ${p.rpsProperty}::text, e.doc->'customProperties'->${p.rpsProperty}::text,
          ${p.hardwareCountProperty}::text, e.doc->'customProperties'->${p.hardwareCountProperty}::text,
          ${p.hardwareTypeProperty}::text, e.doc->'customProperties'->${p.hardwareTypeProperty}::text) AS props
      FROM catalog_entity_children AS e
      WHERE e.namespace = ${input.namespace}::text AND e.collection = ${ARTIFACTS}::text
        AND e.entity_id = ANY(${`{${input.candidates.map((c) => c.id).join(',')}}`}::bigint[])
        AND e.doc->>'metricsType' = 'performance-metrics'
        ${artifactFilter ? sql`AND ${compileFilter(artifactFilter, input.context)}` : sql``}`.execute(db);
    for (const row of rows) {
      const entityId = String(row.entity_id);
      points.set(entityId, [...(points.get(entityId) ?? []), performancePoint(String(row.id), row.props, p)]);
    }
  }
  const ranked = input.candidates.map((candidate) => ({
    id: String(candidate.id),
    name: candidate.name,
    latency: recommendedLatency(points.get(String(candidate.id)) ?? [], input.targetRPS),
  }));
  return ranked.sort(compareRanked);
}

export function compareRanked(a: RankedModel, b: RankedModel): number {
  if (a.latency !== b.latency) {
    if (a.latency === undefined) return 1;
    if (b.latency === undefined) return -1;
    return a.latency - b.latency;
  }
  return (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || compareIds(a.id, b.id);
}
