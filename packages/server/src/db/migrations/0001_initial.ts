import { sql, type Kysely } from 'kysely';
import { adoptSingleTenantTables } from './adoptSingleTenantTables.js';

/**
 * The initial schema. Every tenant table carries `namespace VARCHAR(63) NOT NULL DEFAULT 'default'`
 * and every key and request index leads with it (spec 05 §1.8). Written with IF NOT EXISTS forms so
 * re-running is harmless. Tables an earlier, single-tenant release created are adopted first
 * (namespace column backfilled with `default`, keys led by the namespace), since `CREATE … IF NOT
 * EXISTS` would keep their single-tenant keys and index names.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Index builds on large tables may take minutes; the pool's statement timeout is for requests.
  await sql`SET LOCAL statement_timeout = 0`.execute(db);
  await adoptSingleTenantTables(db);
  await sql`
    CREATE TABLE IF NOT EXISTS catalog_entities (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      plugin VARCHAR(63) NOT NULL,
      kind VARCHAR(63) NOT NULL,
      source_id VARCHAR(63) COLLATE "C" NOT NULL,
      name VARCHAR(255) COLLATE "C" NOT NULL,
      name_lower VARCHAR(255) COLLATE "C" NOT NULL,
      doc JSONB NOT NULL,
      digest CHAR(64) NOT NULL,
      provenance JSONB NOT NULL DEFAULT '{}'::jsonb,
      links JSONB NOT NULL DEFAULT '[]'::jsonb,
      link_keys TEXT[] NOT NULL DEFAULT '{}',
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(db);
  await addNamespace(db, 'catalog_entities');
  // Reverse lookup of cross-asset references (`references=Kind:name`, spec 02 §2.6).
  await sql`CREATE INDEX IF NOT EXISTS catalog_entities_link_keys ON catalog_entities USING GIN (link_keys)`.execute(db);
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS catalog_entities_identity
    ON catalog_entities (namespace, plugin, kind, source_id, name)`.execute(db);
  // The name orders (case-insensitive, then exact, then source and row id ascending) as indexes, so a
  // page of a large list is an index walk. Code-point (C) collation: the same order on every server.
  await sql`CREATE INDEX IF NOT EXISTS catalog_entities_by_name
    ON catalog_entities (namespace, plugin, kind, name_lower, name, source_id, id)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS catalog_entities_by_name_desc
    ON catalog_entities (namespace, plugin, kind, name_lower DESC, name DESC, source_id, id)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS catalog_entities_by_exact_name
    ON catalog_entities (namespace, plugin, kind, name)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS catalog_entities_doc ON catalog_entities USING GIN (doc jsonb_path_ops)`.execute(db);

  await sql`
    CREATE TABLE IF NOT EXISTS catalog_overlays (
      plugin VARCHAR(63) NOT NULL,
      kind VARCHAR(63) NOT NULL,
      name VARCHAR(255) NOT NULL,
      tags JSONB,
      annotations JSONB,
      lifecycle VARCHAR(255),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(db);
  await addNamespace(db, 'catalog_overlays');
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS catalog_overlays_key
    ON catalog_overlays (namespace, plugin, kind, name)`.execute(db);

  // Governance record of an asset (spec 06 §3, §15). Keyed like the overlays (no source) so the
  // entity lists join it on (namespace, plugin, kind, name); the metadata groups live in one JSONB
  // document that the filter compiler reads (06 §6).
  await sql`
    CREATE TABLE IF NOT EXISTS asset_governance (
      id VARCHAR(64) PRIMARY KEY,
      plugin VARCHAR(63) NOT NULL,
      kind VARCHAR(63) NOT NULL,
      name VARCHAR(255) NOT NULL,
      asset_uid TEXT NOT NULL,
      lifecycle_state VARCHAR(32) NOT NULL DEFAULT 'draft'
        CHECK (lifecycle_state IN ('draft', 'approved', 'deprecated', 'archived')),
      lifecycle_reason TEXT NOT NULL DEFAULT '',
      lifecycle_changed_by VARCHAR(255) NOT NULL DEFAULT 'system',
      lifecycle_changed_at TIMESTAMPTZ,
      lifecycle_replacement_ref TEXT,
      metadata JSONB NOT NULL DEFAULT '{}'::jsonb,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_by VARCHAR(255) NOT NULL DEFAULT 'system'
    )`.execute(db);
  await addNamespace(db, 'asset_governance');
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS asset_governance_key
    ON asset_governance (namespace, plugin, kind, name)`.execute(db);
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS asset_governance_uid ON asset_governance (namespace, asset_uid)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS asset_governance_metadata ON asset_governance USING GIN (metadata jsonb_path_ops)`.execute(db);

  await sql`
    CREATE TABLE IF NOT EXISTS catalog_config_sections (
      document TEXT NOT NULL,
      seeded_from TEXT,
      revision INTEGER NOT NULL DEFAULT 1,
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(db);
  await addNamespace(db, 'catalog_config_sections');
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS catalog_config_sections_key
    ON catalog_config_sections (namespace)`.execute(db);

  await sql`
    CREATE TABLE IF NOT EXISTS catalog_refresh_status (
      plugin VARCHAR(63) NOT NULL,
      source_id VARCHAR(63) NOT NULL,
      state VARCHAR(32) NOT NULL,
      last_refresh_status VARCHAR(16),
      last_refresh_summary TEXT,
      entity_count INTEGER NOT NULL DEFAULT 0,
      rejected_count INTEGER NOT NULL DEFAULT 0,
      ingest_errors JSONB NOT NULL DEFAULT '[]'::jsonb,
      last_error TEXT,
      content_digest CHAR(64),
      config_digest CHAR(64),
      provider_state JSONB,
      last_refresh_at TIMESTAMPTZ,
      last_success_at TIMESTAMPTZ,
      duration_ns BIGINT NOT NULL DEFAULT 0,
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(db);
  await addNamespace(db, 'catalog_refresh_status');
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS catalog_refresh_status_key
    ON catalog_refresh_status (namespace, plugin, source_id)`.execute(db);

  // Append-only (spec 05 §4.2); only retention deletes rows. Request columns are nullable because
  // system events have no request.
  await sql`
    CREATE TABLE IF NOT EXISTS audit_events (
      id UUID PRIMARY KEY,
      correlation_id VARCHAR(128),
      event_type VARCHAR(64) NOT NULL,
      actor VARCHAR(255) NOT NULL,
      request_id VARCHAR(128),
      plugin VARCHAR(63),
      resource_type VARCHAR(63),
      resource_ids JSONB,
      asset_uid TEXT,
      version_id VARCHAR(255),
      action VARCHAR(255) NOT NULL,
      action_verb VARCHAR(64),
      outcome VARCHAR(16) NOT NULL,
      status_code INTEGER,
      reason TEXT,
      old_value JSONB,
      new_value JSONB,
      metadata JSONB NOT NULL DEFAULT '{}'::jsonb,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(db);
  await addNamespace(db, 'audit_events');
  // The API's orders and filters, each leading with the namespace; request and correlation ids for support lookups.
  await sql`CREATE INDEX IF NOT EXISTS audit_events_by_time ON audit_events (namespace, created_at DESC, id DESC)`.execute(db);
  for (const column of ['actor', 'event_type', 'plugin', 'asset_uid', 'outcome']) {
    await sql`CREATE INDEX IF NOT EXISTS ${sql.id(`audit_events_by_${column}`)}
      ON audit_events (namespace, ${sql.id(column)}, created_at DESC)`.execute(db);
  }
  await sql`CREATE INDEX IF NOT EXISTS audit_events_by_request_id ON audit_events (request_id)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS audit_events_by_correlation_id ON audit_events (correlation_id)`.execute(db);
  // Retention and cluster-scope reads (spec 05 §1.7, §4.9) are the only cross-namespace readers.
  await sql`CREATE INDEX IF NOT EXISTS audit_events_by_time_across_namespaces ON audit_events (created_at DESC, id DESC)`.execute(db);

  await sql`
    CREATE TABLE IF NOT EXISTS refresh_jobs (
      id UUID PRIMARY KEY,
      plugin VARCHAR(63) NOT NULL,
      source_id VARCHAR(63) NOT NULL,
      force BOOLEAN NOT NULL DEFAULT false,
      requested_by VARCHAR(255) NOT NULL,
      request_id VARCHAR(128),
      requested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      state VARCHAR(16) NOT NULL,
      attempt_count INTEGER NOT NULL DEFAULT 0,
      max_attempts INTEGER NOT NULL,
      next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      claimed_by VARCHAR(255),
      started_at TIMESTAMPTZ,
      heartbeat_at TIMESTAMPTZ,
      finished_at TIMESTAMPTZ,
      progress JSONB,
      message TEXT,
      last_error TEXT,
      entities_loaded INTEGER,
      entities_added INTEGER,
      entities_updated INTEGER,
      entities_removed INTEGER,
      duration_ms BIGINT,
      result JSONB,
      idempotency_key TEXT NOT NULL
    )`.execute(db);
  await addNamespace(db, 'refresh_jobs');
  // Idempotency only among active jobs (spec 05 §5.1): a finished job never blocks the next refresh
  // of its source. The key starts with the namespace, so it is namespace-scoped.
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS refresh_jobs_active_key
    ON refresh_jobs (idempotency_key) WHERE state IN ('queued', 'running')`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS refresh_jobs_claim ON refresh_jobs (state, next_attempt_at, requested_at)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS refresh_jobs_by_time ON refresh_jobs (namespace, requested_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS refresh_jobs_by_state ON refresh_jobs (namespace, state)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS refresh_jobs_finished ON refresh_jobs (finished_at)`.execute(db);

  // Global by design: the lock row guards the schema of every namespace.
  await sql`
    CREATE TABLE IF NOT EXISTS migration_lock (
      id TEXT PRIMARY KEY,
      locked_at TIMESTAMPTZ NOT NULL,
      locked_by TEXT NOT NULL
    )`.execute(db);

  // Trigram search for `q` where the extension is available; the server works without it.
  await sql`
    DO $$
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pg_trgm not available: %', SQLERRM;
    END
    $$`.execute(db);
  await sql`
    DO $$
    BEGIN
      IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS catalog_entities_name_trgm ON catalog_entities USING GIN (name_lower gin_trgm_ops);
      END IF;
    END
    $$`.execute(db);
}

async function addNamespace(db: Kysely<any>, table: string): Promise<void> {
  await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN IF NOT EXISTS namespace VARCHAR(63) NOT NULL DEFAULT 'default'`.execute(db);
}

export async function down(): Promise<void> {
  // Expand/contract (spec 05 §7.2): a release never drops what the previous release reads.
}
