import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/**
 * Kysely types of the tables the server reads and writes. The DDL lives in `migrations/`;
 * every tenant table carries `namespace` (spec 05 §1.8), leading every key and request index.
 */

export interface EntityLinkRow {
  kind: string;
  plugin: string;
  name: string;
  field: string;
}

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** JSON columns are written as JSON text (pg would turn a JS array parameter into a PostgreSQL array). */
type Json<T extends object | null = Record<string, unknown>> = JSONColumnType<T, string, string>;

export interface EntityTable {
  /** bigint identity; returned as a string by both drivers. */
  id: Generated<string>;
  namespace: ColumnType<string, string | undefined, string>;
  plugin: string;
  kind: string;
  source_id: string;
  name: string;
  /** The validated source entry as served, without framework fields. */
  doc: Json<Record<string, unknown>>;
  /** SHA-256 of the canonical JSON of `doc`, 64 lowercase hex. */
  digest: string;
  provenance: Json<Record<string, unknown>>;
  /** Cross-asset references extracted at ingest (`EntityLink[]`), resolved at read time. */
  links: ColumnType<EntityLinkRow[], string | undefined, string>;
  /** `Kind:name` of every link target: the GIN-indexed reverse-lookup keys. */
  link_keys: ColumnType<string[], string[] | undefined, string[]>;
  /** Lower-cased `name`, the default sort key (kept as a column so the keyset index can use it). */
  name_lower: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Catalog-owned overlay set by the builtin actions (tag, annotate, deprecate), keyed without the source. */
export interface OverlayTable {
  namespace: ColumnType<string, string | undefined, string>;
  plugin: string;
  kind: string;
  name: string;
  tags: Json<string[]> | null;
  annotations: Json<Record<string, string>> | null;
  lifecycle: string | null;
  updated_at: Timestamp;
}

/** Governance record of an asset (spec 06); `metadata` holds risk, sla, owner, team, compliance. */
export interface AssetGovernanceTable {
  namespace: ColumnType<string, string | undefined, string>;
  plugin: string;
  kind: string;
  name: string;
  lifecycle_state: string;
  metadata: Json<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** The sources.yaml document of one namespace, as held by the `db` config store. */
export interface ConfigSectionTable {
  namespace: ColumnType<string, string | undefined, string>;
  document: string;
  seeded_from: string | null;
  revision: Generated<number>;
  updated_at: Timestamp;
}

/** Outcome of the last refresh of one source. */
export interface RefreshStatusTable {
  namespace: ColumnType<string, string | undefined, string>;
  plugin: string;
  source_id: string;
  state: string;
  /** `success` or `error` (spec 04 §13.11). */
  last_refresh_status: string | null;
  /** `Loaded <n> entities`, `Loaded <n> entities, removed <m>`, `Unchanged: <n> entities` or `Refresh failed`. */
  last_refresh_summary: string | null;
  entity_count: number;
  rejected_count: ColumnType<number, number | undefined, number>;
  ingest_errors: ColumnType<unknown[], string | undefined, string>;
  last_error: string | null;
  /** Digest of the fetched document(s) the last successful refresh applied. */
  content_digest: string | null;
  /** Digest of the source configuration the last attempt ran with (spec 04 §13.12 `loading`). */
  config_digest: string | null;
  /** What the provider returned as `state` on the last successful fetch (ETag, commit), for conditional fetches. */
  provider_state: Json<Record<string, unknown>> | null;
  last_refresh_at: Timestamp | null;
  last_success_at: Timestamp | null;
  duration_ns: ColumnType<string, string | number, string | number>;
  updated_at: Timestamp;
}

export interface AuditEventTable {
  id: string;
  namespace: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
  request_id: string;
  correlation_id: string | null;
  actor: string;
  groups: Json<string[]>;
  event_type: string;
  action: string;
  method: string;
  path: string;
  plugin: string | null;
  resource: string | null;
  verb: string | null;
  asset_uid: string | null;
  source_id: string | null;
  outcome: string;
  status_code: number;
  metadata: Json<Record<string, unknown>>;
}

export interface RefreshJobTable {
  id: string;
  namespace: ColumnType<string, string | undefined, string>;
  plugin: string;
  source_id: string | null;
  state: string;
  idempotency_key: string;
  requested_by: string;
  request_id: string | null;
  attempt_count: number;
  max_attempts: number;
  not_before: Timestamp;
  claimed_by: string | null;
  claimed_at: Timestamp | null;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  result: Json<Record<string, unknown>> | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A child record of an entity (spec 03 §3.3 artifacts), replaced with its parent in the refresh transaction. */
export interface EntityChildTable {
  id: Generated<string>;
  namespace: ColumnType<string, string | undefined, string>;
  entity_id: string;
  /** The declaring kind's `children.field`, e.g. `artifacts`. */
  collection: string;
  /** What keeps the row id across refreshes: the item's identity field, else `#<position>`. */
  identity: string;
  /** The identity field's value, when the item has one. */
  name: string | null;
  position: number;
  doc: Json<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** The model plugin's filter options of one namespace, recomputed at the end of every model write (spec 03 §9.2). */
export interface ModelFilterOptionsTable {
  namespace: string;
  options: Json<Record<string, unknown>>;
  computed_at: Timestamp;
}

export interface MigrationLockTable {
  id: string;
  locked_at: Timestamp;
  locked_by: string;
}

export interface Database {
  catalog_entities: EntityTable;
  catalog_overlays: OverlayTable;
  asset_governance: AssetGovernanceTable;
  catalog_config_sections: ConfigSectionTable;
  catalog_refresh_status: RefreshStatusTable;
  audit_events: AuditEventTable;
  refresh_jobs: RefreshJobTable;
  migration_lock: MigrationLockTable;
  catalog_entity_children: EntityChildTable;
  model_filter_options: ModelFilterOptionsTable;
}
