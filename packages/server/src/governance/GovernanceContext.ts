import type { Kysely } from 'kysely';
import type { DataVersions } from '../cache/DataVersions.js';
import type { Database } from '../db/schema.js';
import type { PluginRegistry } from '../framework/PluginRegistry.js';
import type { SourceCatalog } from '../sources/SourceCatalog.js';
import type { GovernanceMetrics } from './GovernanceMetrics.js';
import type { GovernanceSettings } from './GovernanceSettings.js';

/** A system audit event (05 §4.3): no request, actor `system`. */
export interface SystemAuditEvent {
  namespace: string;
  eventType: string;
  action: string;
  plugin?: string;
  assetUid?: string;
  reason?: string;
  oldValue?: unknown;
  newValue?: unknown;
  metadata?: Record<string, unknown>;
}

/**
 * Writes a system audit event inside the given transaction. Provided by the audit recorder (05 §4);
 * governance only calls it, for `governance.approval.expired`.
 */
export type WriteSystemEvent = (db: Kysely<Database>, event: SystemAuditEvent) => Promise<void>;

/** Everything the governance services read and write, passed explicitly. */
export interface GovernanceContext {
  /** Read at call time: the database opens after the routes are registered. */
  database: { readonly db: Kysely<Database> };
  registry: PluginRegistry;
  catalog: SourceCatalog;
  settings: GovernanceSettings;
  metrics: GovernanceMetrics;
  /** Bumped after governance writes: lists and cached counts filter on governance fields. */
  versions: DataVersions;
  writeSystemEvent: WriteSystemEvent;
  now(): Date;
}
