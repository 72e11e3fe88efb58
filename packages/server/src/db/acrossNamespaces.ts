import { sql, type Kysely } from 'kysely';
import { findAuditEvent, queryAuditEvents, type AuditEvent, type AuditPage, type AuditPageRequest } from '../audit/auditRepository.js';
import type { Database } from './schema.js';

/**
 * The only repository functions that read or write across namespaces (spec 05 §1.8): cluster-scope
 * reads (§1.7), retention (§4.9), the initial load of every namespace's configuration (04) and the
 * namespace candidates of §1.6. Request handlers other than
 * those routes must not import this module; `acrossNamespaces.test.ts` enforces it.
 */

/** Cluster-scope audit read: every namespace, or only the `CATALOG_NAMESPACES` allow-list when set. */
export function listAuditEventsAcrossNamespaces(db: Kysely<Database>, allowList: readonly string[], request: AuditPageRequest): Promise<AuditPage> {
  return queryAuditEvents(db, { acrossNamespaces: allowList.length > 0 ? allowList : 'all' }, request);
}

/** Cluster-scope audit get: the event of any (allowed) namespace. */
export function getAuditEventAcrossNamespaces(db: Kysely<Database>, allowList: readonly string[], id: string): Promise<AuditEvent | undefined> {
  return findAuditEvent(db, { acrossNamespaces: allowList.length > 0 ? allowList : 'all' }, id);
}

/** Retention: deletes at most `batchSize` events created before `cutoff`, in any namespace; returns how many. */
export async function deleteAuditEventsAcrossNamespaces(db: Kysely<Database>, cutoff: Date, batchSize: number): Promise<number> {
  const result = await db
    .deleteFrom('audit_events')
    .where('id', 'in', (eb) => eb.selectFrom('audit_events').select('id').where('created_at', '<', cutoff).limit(batchSize))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Every namespace holding configuration, entities or governance records (the candidates of §1.6). */
export async function knownNamespacesAcrossNamespaces(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ namespace: string }>`
    SELECT DISTINCT namespace FROM catalog_entities
    UNION SELECT namespace FROM catalog_config_sections
    UNION SELECT namespace FROM asset_governance`.execute(db);
  return rows.map((row) => row.namespace);
}

/** The `db` config store's document of every namespace, for the initial load. */
export function configSectionsAcrossNamespaces(db: Kysely<Database>): Promise<{ namespace: string; document: string }[]> {
  return db.selectFrom('catalog_config_sections').select(['namespace', 'document']).orderBy('namespace').execute();
}
