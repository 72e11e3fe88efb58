import type { Kysely } from 'kysely';
import type { SystemAuditEvent } from '../audit/AuditRecorder.js';
import type { DataVersions } from '../cache/DataVersions.js';
import type { Database } from '../db/schema.js';
import type { PluginRegistry } from '../framework/PluginRegistry.js';
import type { SourceCatalog } from '../sources/SourceCatalog.js';
import type { GovernanceMetrics } from './GovernanceMetrics.js';
import type { GovernanceSettings } from './GovernanceSettings.js';

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
