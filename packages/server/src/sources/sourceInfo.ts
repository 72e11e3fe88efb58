import type { Kysely, Selectable } from 'kysely';
import type { Database, RefreshStatusTable } from '../db/schema.js';
import { redactProperties } from './redactProperties.js';
import { dataConfigDigest, sourceVersion, type SourceSnapshot } from './sourceDigests.js';
import type { SourceManager } from './SourceManager.js';

export type StatusRow = Selectable<RefreshStatusTable>;

export interface SourceInfoDependencies {
  database: { readonly db: Kysely<Database> };
  sources: SourceManager;
}

/** The refresh records and stored entity counts of a plugin's sources (or of one), keyed by source id. */
export async function loadStatuses(db: Kysely<Database>, namespace: string, plugin: string, sourceId?: string) {
  let statuses = db.selectFrom('catalog_refresh_status').selectAll().where('namespace', '=', namespace).where('plugin', '=', plugin);
  let counts = db
    .selectFrom('catalog_entities')
    .select(['source_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('namespace', '=', namespace)
    .where('plugin', '=', plugin);
  if (sourceId !== undefined) {
    statuses = statuses.where('source_id', '=', sourceId);
    counts = counts.where('source_id', '=', sourceId);
  }
  const [statusRows, countRows] = await Promise.all([statuses.execute(), counts.groupBy('source_id').execute()]);
  return {
    statusOf: new Map<string, StatusRow>(statusRows.map((row) => [row.source_id, row])),
    countOf: new Map(countRows.map((row) => [row.source_id, Number(row.n)])),
  };
}

/** The state of spec 04 §13.12, derived on read, and the fields of the last refresh attempt. */
export function sourceStatus(source: SourceSnapshot, row: StatusRow | undefined, entityCount: number): Record<string, unknown> {
  const attempted = row !== undefined && row.config_digest === dataConfigDigest(source);
  let state: string;
  if (!source.enabled) state = 'disabled';
  else if (!attempted) state = 'loading';
  else if (row.last_refresh_status === 'error') state = entityCount > 0 ? 'partially_available' : 'error';
  else state = row.rejected_count > 0 ? 'partially_available' : 'available';

  const status: Record<string, unknown> = { state, entityCount };
  if (row?.last_refresh_at) {
    status.lastRefreshTime = new Date(row.last_refresh_at).toISOString();
    status.lastRefreshStatus = row.last_refresh_status;
    status.lastRefreshSummary = row.last_refresh_summary;
    status.lastRefreshDurationMs = Math.round(Number(row.duration_ns) / 1e6);
  }
  if (row && (state === 'error' || state === 'partially_available')) {
    status.error = row.last_error ?? `${row.rejected_count} entries were rejected`;
  }
  if (row && row.rejected_count > 0) {
    status.rejectedCount = row.rejected_count;
    status.ingestErrors = row.ingest_errors;
  }
  return status;
}

/**
 * `SourceInfo` (spec 04 §4.1) of each source, in the given order: redacted properties, `content` of
 * yaml sources when asked for (§7), the configuration `version` and the derived status.
 */
export async function sourceInfos(
  deps: SourceInfoDependencies,
  namespace: string,
  plugin: string,
  sources: readonly SourceSnapshot[],
  options: { includeContent: boolean; only?: string },
): Promise<Record<string, unknown>[]> {
  const { statusOf, countOf } = await loadStatuses(deps.database.db, namespace, plugin, options.only);
  return Promise.all(
    sources.map(async (source) => {
      const content = options.includeContent ? await deps.sources.currentContent(namespace, plugin, source) : undefined;
      const { content: _stored, ...properties } = source.properties;
      return {
        id: source.id,
        name: source.name,
        type: source.type,
        enabled: source.enabled,
        labels: source.labels,
        properties: redactProperties(content !== undefined ? { ...properties, content } : properties),
        includedItems: source.includedItems,
        excludedItems: source.excludedItems,
        namespace,
        plugin,
        version: sourceVersion(source),
        status: sourceStatus(source, statusOf.get(source.id), countOf.get(source.id) ?? 0),
      };
    }),
  );
}

export async function sourceInfo(deps: SourceInfoDependencies, namespace: string, plugin: string, source: SourceSnapshot): Promise<Record<string, unknown>> {
  const [info] = await sourceInfos(deps, namespace, plugin, [source], { includeContent: true, only: source.id });
  return info;
}
