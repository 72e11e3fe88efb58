import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuditEventTable, Database } from '../db/schema.js';
import type { AuditOutcome } from './RequestAudit.js';

/** An audit event as the API serves it (spec 05 §4.2); optional fields are omitted when empty. */
export interface AuditEvent {
  id: string;
  namespace: string;
  correlationId?: string;
  eventType: string;
  actor: string;
  requestId?: string;
  plugin?: string;
  resourceType?: string;
  resourceIds?: string[];
  assetUid?: string;
  versionId?: string;
  action: string;
  actionVerb?: string;
  outcome: AuditOutcome;
  statusCode?: number;
  reason?: string;
  oldValue?: unknown;
  newValue?: unknown;
  metadata?: Record<string, unknown>;
  createdAt: string;
}

/** The filters of `GET /api/audit/v1alpha1/events` (05 §4.8), already validated. */
export interface AuditFilters {
  actor?: string;
  plugin?: string;
  eventType?: string;
  assetUid?: string;
  requestId?: string;
  /** Matches `action` or `actionVerb`. */
  action?: string;
  outcome?: AuditOutcome;
  /** RFC 3339, inclusive. */
  since?: string;
  /** RFC 3339, exclusive. */
  until?: string;
}

export interface AuditPageRequest {
  filters: AuditFilters;
  pageSize: number;
  /** Keyset position: the last event of the previous page. */
  after?: { createdAt: string; id: string };
}

export interface AuditPage {
  events: AuditEvent[];
  totalSize: number;
  /** Present when another page follows. */
  last?: AuditEvent;
}

/**
 * Whose events a query reads. Only `acrossNamespaces` (cluster-scope reads, built in
 * db/acrossNamespaces.ts) spans namespaces; every request handler passes its namespace.
 */
export type AuditScope = { namespace: string } | { acrossNamespaces: readonly string[] | 'all' };

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Inserts one event. `ignore` leaves an existing row with the same id alone: the request's event
 * was already committed in the handler's transaction, which then describes the committed change.
 * `replace` lets a retried transaction commit the request's event again with its final content.
 */
export async function insertAuditEvent(db: Kysely<Database>, event: AuditEvent, onConflict: 'ignore' | 'replace'): Promise<void> {
  const row = toRow(event);
  await db
    .insertInto('audit_events')
    .values(row)
    .onConflict((oc) => {
      const id = oc.column('id');
      if (onConflict === 'ignore') return id.doNothing();
      const { id: _id, ...rest } = row;
      return id.doUpdateSet(rest);
    })
    .execute();
}

/** One event of the namespace; unknown, malformed and foreign ids are all `undefined`. */
export function getAuditEvent(db: Kysely<Database>, namespace: string, id: string): Promise<AuditEvent | undefined> {
  return findAuditEvent(db, { namespace }, id);
}

export async function findAuditEvent(db: Kysely<Database>, scope: AuditScope, id: string): Promise<AuditEvent | undefined> {
  if (!UUID.test(id)) return undefined;
  const row = await scoped(db, scope).selectAll().where('id', '=', id.toLowerCase()).executeTakeFirst();
  return row ? auditEventFromRow(row) : undefined;
}

function scoped(db: Kysely<Database>, scope: AuditScope) {
  const query = db.selectFrom('audit_events');
  if ('namespace' in scope) return query.where('namespace', '=', scope.namespace);
  if (scope.acrossNamespaces === 'all') return query;
  return query.where('namespace', 'in', scope.acrossNamespaces.length > 0 ? [...scope.acrossNamespaces] : ['']);
}

/** A page of the namespace's events, newest first. */
export function listAuditEvents(db: Kysely<Database>, namespace: string, request: AuditPageRequest): Promise<AuditPage> {
  return queryAuditEvents(db, { namespace }, request);
}

export async function queryAuditEvents(db: Kysely<Database>, scope: AuditScope, request: AuditPageRequest): Promise<AuditPage> {
  const { filters } = request;
  let query = scoped(db, scope);
  if (filters.actor !== undefined) query = query.where('actor', '=', filters.actor);
  if (filters.plugin !== undefined) query = query.where('plugin', '=', filters.plugin);
  if (filters.eventType !== undefined) query = query.where('event_type', '=', filters.eventType);
  if (filters.assetUid !== undefined) query = query.where('asset_uid', '=', filters.assetUid);
  if (filters.requestId !== undefined) query = query.where('request_id', '=', filters.requestId);
  if (filters.outcome !== undefined) query = query.where('outcome', '=', filters.outcome);
  if (filters.action !== undefined) {
    const action = filters.action;
    query = query.where((eb) => eb.or([eb('action', '=', action), eb('action_verb', '=', action)]));
  }
  if (filters.since !== undefined) query = query.where('created_at', '>=', sql<Date>`${filters.since}::timestamptz`);
  if (filters.until !== undefined) query = query.where('created_at', '<', sql<Date>`${filters.until}::timestamptz`);

  let page = query.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(request.pageSize + 1);
  if (request.after) page = page.where(sql<boolean>`(created_at, id) < (${request.after.createdAt}::timestamptz, ${request.after.id}::uuid)`);
  const [rows, count] = await Promise.all([
    page.execute(),
    query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const events = rows.slice(0, request.pageSize).map(auditEventFromRow);
  return { events, totalSize: Number(count.n), ...(rows.length > request.pageSize ? { last: events.at(-1) } : {}) };
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function toRow(event: AuditEvent) {
  return {
    id: event.id,
    namespace: event.namespace,
    correlation_id: event.correlationId ?? null,
    event_type: event.eventType,
    actor: event.actor,
    request_id: event.requestId ?? null,
    plugin: event.plugin ?? null,
    resource_type: event.resourceType ?? null,
    resource_ids: event.resourceIds && event.resourceIds.length > 0 ? JSON.stringify(event.resourceIds) : null,
    asset_uid: event.assetUid ?? null,
    version_id: event.versionId ?? null,
    action: event.action,
    action_verb: event.actionVerb ?? null,
    outcome: event.outcome,
    status_code: event.statusCode ?? null,
    reason: event.reason ?? null,
    old_value: json(event.oldValue),
    new_value: json(event.newValue),
    metadata: JSON.stringify(event.metadata ?? {}),
    created_at: event.createdAt,
  };
}

/** A stored row as the audit API serves it (05 §4.2); governance history serves the same shape. */
export function auditEventFromRow(row: Selectable<AuditEventTable>): AuditEvent {
  const present = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined && value !== '';
  const event: AuditEvent = {
    id: row.id,
    namespace: row.namespace,
    eventType: row.event_type,
    actor: row.actor,
    action: row.action,
    outcome: row.outcome as AuditOutcome,
    createdAt: new Date(row.created_at).toISOString(),
  };
  if (present(row.correlation_id)) event.correlationId = row.correlation_id;
  if (present(row.request_id)) event.requestId = row.request_id;
  if (present(row.plugin)) event.plugin = row.plugin;
  if (present(row.resource_type)) event.resourceType = row.resource_type;
  if (row.resource_ids && row.resource_ids.length > 0) event.resourceIds = row.resource_ids;
  if (present(row.asset_uid)) event.assetUid = row.asset_uid;
  if (present(row.version_id)) event.versionId = row.version_id;
  if (present(row.action_verb)) event.actionVerb = row.action_verb;
  if (present(row.status_code)) event.statusCode = row.status_code;
  if (present(row.reason)) event.reason = row.reason;
  if (present(row.old_value)) event.oldValue = row.old_value;
  if (present(row.new_value)) event.newValue = row.new_value;
  if (row.metadata && Object.keys(row.metadata).length > 0) event.metadata = row.metadata;
  return event;
}
