import { sql, type Kysely } from 'kysely';

/**
 * A database as the single-tenant release left it (spec 05 §7.2, upgrade guide "Data Migration"):
 * the catalog, overlay, governance-record and source-management tables without a `namespace` column,
 * with their single-tenant keys (some under the names this release gives its namespace-leading ones),
 * holding rows, and no migrator bookkeeping.
 *
 * Tenant tables it deliberately lacks: `audit_events` and `refresh_jobs` (the upgrade creates them,
 * 05 §7.2 and §11 #8); `model_filter_options`, which was created namespace-keyed from the start
 * (`namespace PRIMARY KEY`, one snapshot per namespace; no single-tenant form of it ever existed);
 * and `catalog_source_configs`, which no migration of this server creates (the db config store keeps
 * a namespace's sources in `catalog_config_sections`).
 */
export const PRE_ENTERPRISE_TABLES = [
  'catalog_entities', 'catalog_entity_children', 'catalog_overlays', 'asset_governance', 'catalog_config_sections',
  'catalog_refresh_status', 'catalog_source_revisions', 'catalog_source_contents', 'catalog_refresh_rate_limits',
  'asset_versions', 'env_bindings', 'approval_requests', 'approval_decisions',
] as const;

export async function createPreEnterpriseSchema(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE catalog_entities (
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
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      CONSTRAINT catalog_entities_identity UNIQUE (plugin, kind, source_id, name)
    )`.execute(db);
  await sql`CREATE INDEX catalog_entities_by_name ON catalog_entities (plugin, kind, name_lower, name, source_id, id)`.execute(db);
  await sql`
    CREATE TABLE catalog_entity_children (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      entity_id BIGINT NOT NULL REFERENCES catalog_entities (id) ON DELETE CASCADE,
      collection VARCHAR(63) NOT NULL,
      identity TEXT COLLATE "C" NOT NULL,
      name TEXT COLLATE "C",
      position INTEGER NOT NULL,
      doc JSONB NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX catalog_entity_children_identity ON catalog_entity_children (entity_id, collection, identity)`.execute(db);
  await sql`
    CREATE TABLE catalog_overlays (
      plugin VARCHAR(63) NOT NULL,
      kind VARCHAR(63) NOT NULL,
      name VARCHAR(255) NOT NULL,
      tags JSONB,
      annotations JSONB,
      lifecycle VARCHAR(255),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      UNIQUE (plugin, kind, name)
    )`.execute(db);
  await sql`
    CREATE TABLE asset_governance (
      id VARCHAR(64) PRIMARY KEY,
      plugin VARCHAR(63) NOT NULL,
      kind VARCHAR(63) NOT NULL,
      name VARCHAR(255) NOT NULL,
      asset_uid TEXT NOT NULL UNIQUE,
      lifecycle_state VARCHAR(32) NOT NULL DEFAULT 'draft',
      lifecycle_reason TEXT NOT NULL DEFAULT '',
      lifecycle_changed_by VARCHAR(255) NOT NULL DEFAULT 'system',
      lifecycle_changed_at TIMESTAMPTZ,
      lifecycle_replacement_ref TEXT,
      metadata JSONB NOT NULL DEFAULT '{}'::jsonb,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_by VARCHAR(255) NOT NULL DEFAULT 'system'
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX asset_governance_key ON asset_governance (plugin, kind, name)`.execute(db);
  await sql`
    CREATE TABLE catalog_config_sections (
      document TEXT NOT NULL,
      seeded_from TEXT,
      revision INTEGER NOT NULL DEFAULT 1,
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE catalog_refresh_status (
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
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (plugin, source_id)
    )`.execute(db);
  await sql`
    CREATE TABLE catalog_source_revisions (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      plugin VARCHAR(63) NOT NULL,
      source_id VARCHAR(63) COLLATE "C" NOT NULL,
      digest CHAR(64) NOT NULL,
      action VARCHAR(16) NOT NULL,
      actor VARCHAR(255) NOT NULL,
      snapshot JSONB NOT NULL,
      size INTEGER NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX catalog_source_revisions_by_source ON catalog_source_revisions (plugin, source_id, created_at DESC, id DESC)`.execute(db);
  await sql`
    CREATE TABLE catalog_source_contents (
      plugin VARCHAR(63) NOT NULL,
      source_id VARCHAR(63) COLLATE "C" NOT NULL,
      digest CHAR(64) NOT NULL,
      content TEXT NOT NULL,
      size INTEGER NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (plugin, source_id, digest)
    )`.execute(db);
  await sql`
    CREATE TABLE catalog_refresh_rate_limits (
      plugin VARCHAR(63) NOT NULL,
      key VARCHAR(63) NOT NULL,
      last_allowed_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (plugin, key)
    )`.execute(db);
  await sql`
    CREATE TABLE asset_versions (
      id VARCHAR(64) PRIMARY KEY,
      asset_uid TEXT NOT NULL,
      plugin VARCHAR(63) NOT NULL,
      asset_kind VARCHAR(63) NOT NULL,
      asset_name VARCHAR(255) NOT NULL,
      version_id VARCHAR(80) NOT NULL UNIQUE,
      version_label VARCHAR(63) NOT NULL,
      reason TEXT,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      created_by VARCHAR(255) NOT NULL,
      source_id VARCHAR(63),
      content_digest CHAR(64) NOT NULL,
      provenance_source_type VARCHAR(16),
      provenance_source_uri TEXT,
      provenance_source_id VARCHAR(63),
      provenance_revision_id TEXT,
      provenance_revision_observed_at TIMESTAMPTZ,
      provenance_integrity_verified BOOLEAN,
      provenance_integrity_method VARCHAR(64),
      provenance_integrity_details TEXT,
      governance_snapshot JSONB NOT NULL,
      asset_snapshot JSONB NOT NULL,
      UNIQUE (asset_uid, version_label)
    )`.execute(db);
  await sql`
    CREATE TABLE env_bindings (
      id VARCHAR(64) PRIMARY KEY,
      plugin VARCHAR(63) NOT NULL,
      asset_kind VARCHAR(63) NOT NULL,
      asset_name VARCHAR(255) NOT NULL,
      asset_uid TEXT NOT NULL,
      environment VARCHAR(63) NOT NULL,
      version_id VARCHAR(80) NOT NULL REFERENCES asset_versions (version_id),
      previous_version_id VARCHAR(80) REFERENCES asset_versions (version_id),
      bound_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      bound_by VARCHAR(255) NOT NULL,
      UNIQUE (plugin, asset_kind, asset_name, environment)
    )`.execute(db);
  await sql`
    CREATE TABLE approval_requests (
      id VARCHAR(64) PRIMARY KEY,
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
      status VARCHAR(16) NOT NULL DEFAULT 'pending',
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
  await sql`CREATE UNIQUE INDEX idx_approval_pending_gate ON approval_requests (asset_uid, gate_key) WHERE status = 'pending'`.execute(db);
  await sql`
    CREATE TABLE approval_decisions (
      id VARCHAR(64) PRIMARY KEY,
      request_id VARCHAR(64) NOT NULL REFERENCES approval_requests (id),
      reviewer VARCHAR(255) NOT NULL,
      verdict VARCHAR(16) NOT NULL,
      comment TEXT,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(db);

  const digest = 'a'.repeat(64);
  await sql`INSERT INTO catalog_entities (plugin, kind, source_id, name, name_lower, doc, digest)
    VALUES ('mcp', 'McpServer', 'legacy', 'Alpha', 'alpha', '{"name": "Alpha"}', ${digest}),
           ('mcp', 'McpServer', 'legacy', 'beta', 'beta', '{"name": "beta"}', ${digest})`.execute(db);
  await sql`INSERT INTO catalog_entity_children (entity_id, collection, identity, name, position, doc)
    SELECT id, 'artifacts', 'a1', 'a1', 0, '{}'::jsonb FROM catalog_entities WHERE name = 'Alpha'`.execute(db);
  await sql`INSERT INTO catalog_overlays (plugin, kind, name, tags) VALUES ('mcp', 'McpServer', 'Alpha', '["legacy"]')`.execute(db);
  await sql`INSERT INTO asset_governance (id, plugin, kind, name, asset_uid, lifecycle_state)
    VALUES ('g1', 'mcp', 'McpServer', 'Alpha', 'mcp:McpServer:Alpha', 'approved')`.execute(db);
  await sql`INSERT INTO catalog_config_sections (document) VALUES ('catalogs: {}\n')`.execute(db);
  await sql`INSERT INTO catalog_refresh_status (plugin, source_id, state) VALUES ('mcp', 'legacy', 'ready')`.execute(db);
  await sql`INSERT INTO catalog_source_revisions (plugin, source_id, digest, action, actor, snapshot, size)
    VALUES ('mcp', 'legacy', ${digest}, 'apply', 'alice', '{}', 2)`.execute(db);
  await sql`INSERT INTO catalog_source_contents (plugin, source_id, digest, content, size) VALUES ('mcp', 'legacy', ${digest}, 'x', 1)`.execute(db);
  await sql`INSERT INTO catalog_refresh_rate_limits (plugin, key, last_allowed_at) VALUES ('mcp', '*', now())`.execute(db);
  await sql`INSERT INTO asset_versions (id, asset_uid, plugin, asset_kind, asset_name, version_id, version_label, created_by, content_digest, governance_snapshot, asset_snapshot)
    VALUES ('v-row-1', 'mcp:McpServer:Alpha', 'mcp', 'McpServer', 'Alpha', 'v1', '1.0.0', 'alice', ${digest}, '{}', '{}')`.execute(db);
  await sql`INSERT INTO env_bindings (id, plugin, asset_kind, asset_name, asset_uid, environment, version_id, bound_by)
    VALUES ('b1', 'mcp', 'McpServer', 'Alpha', 'mcp:McpServer:Alpha', 'dev', 'v1', 'alice')`.execute(db);
  await sql`INSERT INTO approval_requests (id, asset_uid, plugin, asset_kind, asset_name, action, gate_key, policy_id, requester)
    VALUES ('r1', 'mcp:McpServer:Alpha', 'mcp', 'McpServer', 'Alpha', 'lifecycle.setState', 'lifecycle', 'gate', 'alice')`.execute(db);
  await sql`INSERT INTO approval_decisions (id, request_id, reviewer, verdict) VALUES ('d1', 'r1', 'bob', 'approve')`.execute(db);
}

/**
 * Inserts, for every fixture table, a row that repeats a fixture row's single-tenant key in
 * namespace `team-a` (allowed once uniqueness includes the namespace) and, with `namespace`
 * `default`, the same key again (still refused).
 */
export const NATURAL_KEY_REPEATS: Partial<Record<(typeof PRE_ENTERPRISE_TABLES)[number], (namespace: string) => ReturnType<typeof sql>>> = {
  catalog_entities: (ns) => sql`INSERT INTO catalog_entities (namespace, plugin, kind, source_id, name, name_lower, doc, digest)
    VALUES (${ns}, 'mcp', 'McpServer', 'legacy', 'Alpha', 'alpha', '{}', ${'b'.repeat(64)})`,
  catalog_entity_children: (ns) => sql`INSERT INTO catalog_entity_children (namespace, entity_id, collection, identity, position, doc)
    SELECT ${ns}, id, 'artifacts', 'a1', 0, '{}'::jsonb FROM catalog_entities WHERE name = 'Alpha' AND namespace = 'default'`,
  catalog_overlays: (ns) => sql`INSERT INTO catalog_overlays (namespace, plugin, kind, name) VALUES (${ns}, 'mcp', 'McpServer', 'Alpha')`,
  asset_governance: (ns) => sql`INSERT INTO asset_governance (id, namespace, plugin, kind, name, asset_uid)
    VALUES (${`g-${ns}-${Math.random()}`}, ${ns}, 'mcp', 'McpServer', 'Alpha', 'mcp:McpServer:Alpha')`,
  catalog_config_sections: (ns) => sql`INSERT INTO catalog_config_sections (namespace, document) VALUES (${ns}, 'catalogs: {}\n')`,
  catalog_refresh_status: (ns) => sql`INSERT INTO catalog_refresh_status (namespace, plugin, source_id, state) VALUES (${ns}, 'mcp', 'legacy', 'ready')`,
  // Revisions have no natural key (a history); repeating a row is always allowed.
  catalog_source_revisions: (ns) => sql`INSERT INTO catalog_source_revisions (namespace, plugin, source_id, digest, action, actor, snapshot, size)
    VALUES (${ns}, 'mcp', 'legacy', ${'a'.repeat(64)}, 'apply', 'alice', '{}', 2)`,
  catalog_source_contents: (ns) => sql`INSERT INTO catalog_source_contents (namespace, plugin, source_id, digest, content, size)
    VALUES (${ns}, 'mcp', 'legacy', ${'a'.repeat(64)}, 'x', 1)`,
  catalog_refresh_rate_limits: (ns) => sql`INSERT INTO catalog_refresh_rate_limits (namespace, plugin, key, last_allowed_at) VALUES (${ns}, 'mcp', '*', now())`,
  asset_versions: (ns) => sql`INSERT INTO asset_versions (id, namespace, asset_uid, plugin, asset_kind, asset_name, version_id, version_label, created_by, content_digest, governance_snapshot, asset_snapshot)
    VALUES (${`v-row-${ns}-${Math.random()}`}, ${ns}, 'mcp:McpServer:Alpha', 'mcp', 'McpServer', 'Alpha', 'v1', '1.0.0', 'alice', ${'a'.repeat(64)}, '{}', '{}')`,
  // References the version of its own namespace (the foreign key now includes the namespace).
  env_bindings: (ns) => sql`INSERT INTO env_bindings (id, namespace, plugin, asset_kind, asset_name, asset_uid, environment, version_id, bound_by)
    VALUES (${`b-${ns}-${Math.random()}`}, ${ns}, 'mcp', 'McpServer', 'Alpha', 'mcp:McpServer:Alpha', 'dev', 'v1', 'alice')`,
  approval_requests: (ns) => sql`INSERT INTO approval_requests (id, namespace, asset_uid, plugin, asset_kind, asset_name, action, gate_key, policy_id, requester)
    VALUES (${`r-${ns}-${Math.random()}`}, ${ns}, 'mcp:McpServer:Alpha', 'mcp', 'McpServer', 'Alpha', 'lifecycle.setState', 'lifecycle', 'gate', 'alice')`,
  // approval_decisions has none: its key is (request id, reviewer), and request ids are globally unique.
};
