import { sql, type Kysely } from 'kysely';

/**
 * Versions, environment bindings and approvals (spec 06 §15). Every table leads its keys with the
 * namespace; enumerations are CHECK constraints as well as API rules.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`SET LOCAL statement_timeout = 0`.execute(db);
  await sql`
    CREATE TABLE IF NOT EXISTS asset_versions (
      id VARCHAR(64) PRIMARY KEY,
      namespace VARCHAR(63) NOT NULL DEFAULT 'default',
      asset_uid TEXT NOT NULL,
      plugin VARCHAR(63) NOT NULL,
      asset_kind VARCHAR(63) NOT NULL,
      asset_name VARCHAR(255) NOT NULL,
      version_id VARCHAR(80) NOT NULL,
      version_label VARCHAR(63) NOT NULL,
      reason TEXT,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      created_by VARCHAR(255) NOT NULL,
      source_id VARCHAR(63),
      content_digest CHAR(64) NOT NULL CHECK (content_digest ~ '^[0-9a-f]{64}$'),
      provenance_source_type VARCHAR(16),
      provenance_source_uri TEXT,
      provenance_source_id VARCHAR(63),
      provenance_revision_id TEXT,
      provenance_revision_observed_at TIMESTAMPTZ,
      provenance_integrity_verified BOOLEAN,
      provenance_integrity_method VARCHAR(64),
      provenance_integrity_details TEXT,
      governance_snapshot JSONB NOT NULL,
      asset_snapshot JSONB NOT NULL
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS idx_version_ns_id ON asset_versions (namespace, version_id)`.execute(db);
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS idx_version_label ON asset_versions (namespace, asset_uid, version_label)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS idx_version_asset_time ON asset_versions (namespace, asset_uid, created_at DESC, id DESC)`.execute(db);
  // Versions are immutable evidence: the database refuses to change them, whatever the caller.
  await sql`
    CREATE OR REPLACE FUNCTION asset_versions_immutable() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'asset_versions rows are immutable';
    END
    $$ LANGUAGE plpgsql`.execute(db);
  await sql`DROP TRIGGER IF EXISTS asset_versions_no_change ON asset_versions`.execute(db);
  await sql`CREATE TRIGGER asset_versions_no_change BEFORE UPDATE OR DELETE ON asset_versions
    FOR EACH ROW EXECUTE FUNCTION asset_versions_immutable()`.execute(db);

  await sql`
    CREATE TABLE IF NOT EXISTS env_bindings (
      id VARCHAR(64) PRIMARY KEY,
      namespace VARCHAR(63) NOT NULL DEFAULT 'default',
      plugin VARCHAR(63) NOT NULL,
      asset_kind VARCHAR(63) NOT NULL,
      asset_name VARCHAR(255) NOT NULL,
      asset_uid TEXT NOT NULL,
      environment VARCHAR(63) NOT NULL,
      version_id VARCHAR(80) NOT NULL,
      previous_version_id VARCHAR(80),
      bound_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      bound_by VARCHAR(255) NOT NULL,
      FOREIGN KEY (namespace, version_id) REFERENCES asset_versions (namespace, version_id),
      FOREIGN KEY (namespace, previous_version_id) REFERENCES asset_versions (namespace, version_id)
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS idx_binding_unique
    ON env_bindings (namespace, plugin, asset_kind, asset_name, environment)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS idx_binding_asset ON env_bindings (namespace, asset_uid)`.execute(db);

  await sql`
    CREATE TABLE IF NOT EXISTS approval_requests (
      id VARCHAR(64) PRIMARY KEY,
      namespace VARCHAR(63) NOT NULL DEFAULT 'default',
      asset_uid TEXT NOT NULL,
      plugin VARCHAR(63) NOT NULL,
      asset_kind VARCHAR(63) NOT NULL,
      asset_name VARCHAR(255) NOT NULL,
      action VARCHAR(64) NOT NULL,
      action_params JSONB NOT NULL DEFAULT '{}'::jsonb,
      gate_key VARCHAR(80) NOT NULL,
      expected_from_state VARCHAR(32),
      environment VARCHAR(63),
      expected_version_id VARCHAR(80),
      policy_id VARCHAR(63) NOT NULL,
      policy_display_name TEXT,
      required_count INTEGER NOT NULL DEFAULT 1,
      allowed_roles JSONB NOT NULL DEFAULT '[]'::jsonb,
      deny_on_first BOOLEAN NOT NULL DEFAULT false,
      status VARCHAR(16) NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'denied', 'canceled', 'expired', 'failed')),
      requester VARCHAR(255) NOT NULL,
      reason TEXT,
      expires_at TIMESTAMPTZ,
      resolved_at TIMESTAMPTZ,
      resolved_by VARCHAR(255),
      resolution_note TEXT,
      result JSONB,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS idx_approval_ns ON approval_requests (namespace, created_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS idx_approval_asset ON approval_requests (namespace, asset_uid)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS idx_approval_status ON approval_requests (namespace, status)`.execute(db);
  // At most one pending request per asset and gate: the database backs the 409 of 06 §9.2.
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS idx_approval_pending_gate
    ON approval_requests (namespace, asset_uid, gate_key) WHERE status = 'pending'`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS idx_approval_expiry ON approval_requests (expires_at) WHERE status = 'pending'`.execute(db);

  await sql`
    CREATE TABLE IF NOT EXISTS approval_decisions (
      id VARCHAR(64) PRIMARY KEY,
      namespace VARCHAR(63) NOT NULL DEFAULT 'default',
      request_id VARCHAR(64) NOT NULL REFERENCES approval_requests (id),
      reviewer VARCHAR(255) NOT NULL,
      verdict VARCHAR(16) NOT NULL CHECK (verdict IN ('approve', 'deny')),
      comment TEXT,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS idx_decision_reviewer ON approval_decisions (request_id, reviewer)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS idx_decision_request ON approval_decisions (request_id, created_at)`.execute(db);
}

export async function down(): Promise<void> {
  // Expand/contract (spec 05 §7.2): a release never drops what the previous release reads.
}
