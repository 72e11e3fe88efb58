import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
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
  const { items, nextPageToken } = pageOf(rows as unknown as (Record<string, unknown> & { id: string; created_micros: string })[], page);
  return { events: items.map(auditEventJson), size: items.length, pageSize: page.pageSize, totalSize: total.total, nextPageToken };
}

const RENAMED: Record<string, string> = { resource: 'resourceType', verb: 'actionVerb' };
const HIDDEN = new Set(['created_micros', 'groups', 'method', 'path']);

/**
 * An audit row as the audit API serves it: camelCase, empty values omitted, timestamps in RFC 3339.
 * Column-driven, so it follows the audit table as its owner (05 §4) defines it.
 */
export function auditEventJson(row: Record<string, unknown>): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (HIDDEN.has(column) || value === null || value === undefined || value === '') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    const key = RENAMED[column] ?? column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    event[key] = value instanceof Date ? value.toISOString() : value;
  }
  return event;
}
