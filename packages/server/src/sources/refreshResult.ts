import type { IngestError } from '../ingest/validateEntries.js';
import type { RefreshOutcome } from './SourceRefresher.js';

/** The `RefreshResult` of spec 04 §4.4. */
export interface RefreshResult {
  sourceId?: string;
  entitiesLoaded: number;
  entitiesAdded: number;
  entitiesUpdated: number;
  entitiesRemoved: number;
  unchanged: boolean;
  /** Nanoseconds (compatibility with the Kubeflow design). */
  duration: number;
  durationMs: number;
  error?: string;
  rejectedCount?: number;
  ingestErrors?: IngestError[];
  itemErrors?: string[];
  sources?: RefreshResult[];
}

const MAX_ITEM_ERRORS = 20;

export function toRefreshResult(outcome: RefreshOutcome): RefreshResult {
  return {
    sourceId: outcome.sourceId,
    entitiesLoaded: outcome.entityCount,
    entitiesAdded: outcome.added,
    entitiesUpdated: outcome.updated,
    entitiesRemoved: outcome.removed,
    unchanged: outcome.status === 'unchanged',
    duration: outcome.durationNs,
    durationMs: Math.round(outcome.durationNs / 1e6),
    ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    ...(outcome.rejectedCount > 0
      ? {
          rejectedCount: outcome.rejectedCount,
          ingestErrors: outcome.ingestErrors,
          itemErrors: outcome.ingestErrors.slice(0, MAX_ITEM_ERRORS).map(describeIngestError),
        }
      : {}),
  };
}

/** Refresh-all: sums of the per-source results, which are listed in source order. */
export function combineRefreshResults(results: readonly RefreshResult[], durationNs: number): RefreshResult {
  const sum = (field: 'entitiesLoaded' | 'entitiesAdded' | 'entitiesUpdated' | 'entitiesRemoved') => results.reduce((n, r) => n + r[field], 0);
  const failed = results.filter((r) => r.error !== undefined).length;
  const rejected = results.reduce((n, r) => n + (r.rejectedCount ?? 0), 0);
  return {
    entitiesLoaded: sum('entitiesLoaded'),
    entitiesAdded: sum('entitiesAdded'),
    entitiesUpdated: sum('entitiesUpdated'),
    entitiesRemoved: sum('entitiesRemoved'),
    unchanged: results.length > 0 && results.every((r) => r.unchanged),
    duration: durationNs,
    durationMs: Math.round(durationNs / 1e6),
    ...(failed > 0 ? { error: `${failed} of ${results.length} sources failed` } : {}),
    ...(rejected > 0 ? { rejectedCount: rejected } : {}),
    sources: [...results],
  };
}

function describeIngestError(item: IngestError): string {
  return `${item.file}:${item.line}:${item.column}: ${item.path ? `${item.path}: ` : ''}${item.message}`;
}
