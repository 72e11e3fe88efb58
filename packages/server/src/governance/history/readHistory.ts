import { sql, type Kysely, type Selectable } from 'kysely';
import { auditEventFromRow } from '../../audit/auditRepository.js';
import type { AuditEventTable, Database } from '../../db/schema.js';
import type { AssetRef } from '../assets/resolveAsset.js';
import { CREATED_MICROS, pageOf, parsePage, type PageQuery } from '../http/paging.js';

/**
 * The history of an asset (06 §10): the audit events of the namespace carrying its uid, newest
 * first, in the representation of the audit API (05 §4.2).
 */
export async function readHistory(db: Kysely<Database>, asset: AssetRef, query: PageQuery & { eventType?: string }) {
  const eventTypes = (query.eventType ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  const page = parsePage(query, ['history', asset.namespace, asset.uid, eventTypes]);
  let base = db.selectFrom('audit_events as a').where('a.namespace', '=', asset.namespace).where('a.asset_uid', '=', asset.uid);
  if (eventTypes.length > 0) base = base.where('a.event_type', 'in', eventTypes);
  const after = page.after('a');
  const [rows, total] = await Promise.all([
    (after ? base.where(after) : base).selectAll('a').select(CREATED_MICROS('a'))
      .orderBy('a.created_at', 'desc').orderBy('a.id', 'desc').limit(page.pageSize + 1).execute(),
    base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
  ]);
  const { items, nextPageToken } = pageOf(rows as (Selectable<AuditEventTable> & { created_micros: string })[], page);
  return { events: items.map(auditEventFromRow), size: items.length, pageSize: page.pageSize, totalSize: total.total, nextPageToken };
}
