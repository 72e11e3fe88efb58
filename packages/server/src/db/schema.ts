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

/** Governance record of an asset (spec 06 §3); `metadata` holds the overlay groups of 06 §5.1 except `lifecycle`. */
export interface AssetGovernanceTable {
  id: string;
  namespace: ColumnType<string, string | undefined, string>;
  plugin: string;
  kind: string;
  name: string;
  asset_uid: string;
  lifecycle_state: ColumnType<string, string | undefined, string>;
  lifecycle_reason: ColumnType<string, string | undefined, string>;
  lifecycle_changed_by: ColumnType<string, string | undefined, string>;
  lifecycle_changed_at: Timestamp | null;
  lifecycle_replacement_ref: string | null;
  metadata: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
  updated_by: ColumnType<string, string | undefined, string>;
}

/** An immutable version of an asset (06 §7); the table rejects UPDATE and DELETE. */
export interface AssetVersionTable {
  id: string;
  namespace: string;
  asset_uid: string;
  plugin: string;
  asset_kind: string;
  asset_name: string;
  version_id: string;
  version_label: string;
  reason: string | null;
  created_at: Timestamp;
  created_by: string;
  source_id: string | null;
  content_digest: string;
  provenance_source_type: string | null;
  provenance_source_uri: string | null;
  provenance_source_id: string | null;
  provenance_revision_id: string | null;
  provenance_revision_observed_at: Timestamp | null;
  provenance_integrity_verified: boolean | null;
  provenance_integrity_method: string | null;
  provenance_integrity_details: string | null;
  governance_snapshot: ColumnType<Record<string, unknown>, string, string>;
  asset_snapshot: ColumnType<Record<string, unknown>, string, string>;
}

/** The version bound in one environment (06 §8). */
export interface EnvBindingTable {
  id: string;
  namespace: string;
  plugin: string;
  asset_kind: string;
  asset_name: string;
  asset_uid: string;
  environment: string;
  version_id: string;
  previous_version_id: string | null;
  bound_at: Timestamp;
  bound_by: string;
}

/** An approval request (06 §9); the gate is copied from the policy at request time. */
export interface ApprovalRequestTable {
  id: string;
  namespace: string;
  asset_uid: string;
  plugin: string;
  asset_kind: string;
  asset_name: string;
  action: string;
  action_params: ColumnType<Record<string, unknown>, string, string>;
  gate_key: string;
  expected_from_state: string | null;
  environment: string | null;
  expected_version_id: string | null;
  policy_id: string;
  policy_display_name: string | null;
  required_count: number;
  allowed_roles: ColumnType<string[], string, string>;
  deny_on_first: boolean;
  status: ColumnType<string, string | undefined, string>;
  requester: string;
  reason: string | null;
  expires_at: Timestamp | null;
  resolved_at: Timestamp | null;
  resolved_by: string | null;
  resolution_note: string | null;
  result: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ApprovalDecisionTable {
  id: string;
  namespace: string;
  request_id: string;
  reviewer: string;
  verdict: string;
  comment: string | null;
  created_at: Timestamp;
}

/** The sources.yaml document of one namespace, as held by the `db` config store. */
export interface ConfigSectionTable {
  namespace: ColumnType<string, string | undefined, string>;
  document: string;
  seeded_from: string | null;
  revision: Generated<number>;
  updated_at: Timestamp;
}

/** One recorded configuration of one source (spec 04 §10), newest read first. */
export interface SourceRevisionTable {
  id: Generated<string>;
  namespace: ColumnType<string, string | undefined, string>;
  /** Plugin name. */
  plugin: string;
  source_id: string;
  digest: string;
  /** `import`, `apply`, `enable`, `disable`, `rollback` or `external`. */
  action: string;
  actor: string;
  snapshot: Json<Record<string, unknown>>;
  size: number;
  created_at: Timestamp;
}

/** Text stored by apply for a yaml source (`properties.managedContent`), content-addressed (spec 04 §7). */
export interface SourceContentTable {
  namespace: ColumnType<string, string | undefined, string>;
  plugin: string;
  source_id: string;
  digest: string;
  content: string;
  size: number;
  created_at: Timestamp;
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

/** One audit event (spec 05 §4.2); request columns are null on system events. */
export interface AuditEventTable {
  id: string;
  namespace: string;
  correlation_id: string | null;
  event_type: string;
  actor: string;
  request_id: string | null;
  plugin: string | null;
  resource_type: string | null;
  resource_ids: Json<string[]> | null;
  asset_uid: string | null;
  version_id: string | null;
  action: string;
  action_verb: string | null;
  outcome: string;
  status_code: number | null;
  reason: string | null;
  old_value: ColumnType<unknown, string | null, string | null>;
  new_value: ColumnType<unknown, string | null, string | null>;
  metadata: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

/** One async refresh job (spec 05 §5.1). */
export interface RefreshJobTable {
  id: string;
  namespace: ColumnType<string, string | undefined, string>;
  plugin: string;
  /** A source id, or `_all` for refresh-all. */
  source_id: string;
  force: ColumnType<boolean, boolean | undefined, boolean>;
  requested_by: string;
  request_id: string | null;
  requested_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** `queued`, `running`, `succeeded`, `failed` or `canceled`. */
  state: string;
  attempt_count: ColumnType<number, number | undefined, number>;
  max_attempts: number;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  claimed_by: string | null;
  started_at: Timestamp | null;
  heartbeat_at: Timestamp | null;
  finished_at: Timestamp | null;
  progress: Json<Record<string, unknown>> | null;
  message: string | null;
  last_error: string | null;
  entities_loaded: number | null;
  entities_added: number | null;
  entities_updated: number | null;
  entities_removed: number | null;
  /** bigint: a string from both drivers. */
  duration_ms: ColumnType<string | null, number | undefined | null, number | null>;
  result: Json<Record<string, unknown>> | null;
  /** `<namespace>:<plugin>:<sourceId or _all>`; unique among queued and running jobs. */
  idempotency_key: string;
}

/** Start of the current rate-limit window of one refresh key (spec 04 §13.8). */
export interface RefreshRateLimitTable {
  namespace: string;
  plugin: string;
  /** A source id, or `*` for refresh-all. */
  key: string;
  last_allowed_at: Timestamp;
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
  asset_versions: AssetVersionTable;
  env_bindings: EnvBindingTable;
  approval_requests: ApprovalRequestTable;
  approval_decisions: ApprovalDecisionTable;
  catalog_config_sections: ConfigSectionTable;
  catalog_refresh_status: RefreshStatusTable;
  catalog_source_revisions: SourceRevisionTable;
  catalog_source_contents: SourceContentTable;
  audit_events: AuditEventTable;
  refresh_jobs: RefreshJobTable;
  catalog_refresh_rate_limits: RefreshRateLimitTable;
  migration_lock: MigrationLockTable;
  catalog_entity_children: EntityChildTable;
  model_filter_options: ModelFilterOptionsTable;
}
