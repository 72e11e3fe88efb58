import type { EntityLink } from './links.js';
import type { ResolvedLink } from './resolveLinks.js';

/** An entity row joined with its overlay and governance record, as the read queries return it. */
export interface EntityRow {
  id: string;
  name: string;
  source_id: string;
  doc: Record<string, unknown>;
  digest: string;
  provenance?: Record<string, unknown>;
  links?: EntityLink[];
  created_at: Date;
  updated_at: Date;
  tags: string[] | null;
  annotations: Record<string, string> | null;
  lifecycle: string | null;
  governance_state: string | null;
}

/**
 * The served entity (spec 01 §10.2): the native document plus the framework fields. Optional values
 * are omitted rather than null; timestamps come from the source when it gave them.
 */
export function serializeEntity(
  row: EntityRow,
  defaultLifecycleState: string,
  options: { withProvenance?: boolean; links?: readonly ResolvedLink[] } = {},
): Record<string, unknown> {
  const { doc } = row;
  const entity: Record<string, unknown> = {
    id: String(row.id),
    ...doc,
    name: row.name,
    sourceId: row.source_id,
    createTimeSinceEpoch: epochString(doc.createTimeSinceEpoch, row.created_at),
    lastUpdateTimeSinceEpoch: epochString(doc.lastUpdateTimeSinceEpoch, row.updated_at),
    governance: { lifecycle: { state: row.governance_state ?? defaultLifecycleState } },
  };
  if (isEmptyObject(doc.customProperties)) delete entity.customProperties;
  if (row.tags && row.tags.length > 0) entity.tags = row.tags;
  if (row.annotations && Object.keys(row.annotations).length > 0) entity.annotations = row.annotations;
  if (row.lifecycle) entity.lifecycle = row.lifecycle;
  if (options.links && options.links.length > 0) entity.links = { related: options.links };
  if (options.withProvenance) entity.provenance = { ...(row.provenance ?? {}), entityDigest: row.digest };
  return entity;
}

function epochString(given: unknown, fallback: Date): string {
  if (typeof given === 'string' && given !== '') return given;
  if (typeof given === 'number') return String(given);
  return String(new Date(fallback).getTime());
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}
