import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { getAuditEventAcrossNamespaces, listAuditEventsAcrossNamespaces } from '../db/acrossNamespaces.js';
import type { Database } from '../db/schema.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import { ErrorResponse } from '../http/errorSchema.js';
import { decodeCursor, encodeCursor, INVALID_PAGE_TOKEN, queryHash } from '../query/cursor.js';
import type { TenancySettings } from '../tenancy/resolveNamespace.js';
import { getAuditEvent, listAuditEvents, UUID, type AuditFilters, type AuditPageRequest } from './auditRepository.js';
import type { AuditOutcome } from './RequestAudit.js';

const BASE = '/api/audit/v1alpha1';
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
const OUTCOMES: readonly AuditOutcome[] = ['success', 'failure', 'denied', 'pending', 'canceled'];
const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;
const EXACT_FILTERS = ['actor', 'plugin', 'eventType', 'assetUid', 'requestId', 'action'] as const;

const AuditEventSchema = Type.Object(
  {
    id: Type.String(),
    namespace: Type.String(),
    correlationId: Type.Optional(Type.String()),
    eventType: Type.String(),
    actor: Type.String(),
    requestId: Type.Optional(Type.String()),
    plugin: Type.Optional(Type.String()),
    resourceType: Type.Optional(Type.String()),
    resourceIds: Type.Optional(Type.Array(Type.String())),
    assetUid: Type.Optional(Type.String()),
    versionId: Type.Optional(Type.String()),
    action: Type.String(),
    actionVerb: Type.Optional(Type.String()),
    outcome: Type.String(),
    statusCode: Type.Optional(Type.Integer()),
    reason: Type.Optional(Type.String()),
    oldValue: Type.Optional(Type.Unknown()),
    newValue: Type.Optional(Type.Unknown()),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    createdAt: Type.String(),
  },
  { title: 'AuditEvent' },
);

const Optional = Type.Optional(Type.String());
const ListQuery = Type.Object(
  {
    actor: Optional, plugin: Optional, eventType: Optional, assetUid: Optional, requestId: Optional,
    action: Type.Optional(Type.String({ description: 'matches action or actionVerb' })),
    outcome: Optional, since: Optional, until: Optional, pageSize: Optional, pageToken: Optional, nextPageToken: Optional,
  },
  { additionalProperties: true },
);
type ListQueryValues = Partial<Record<(typeof EXACT_FILTERS)[number] | 'outcome' | 'since' | 'until' | 'pageSize' | 'pageToken' | 'nextPageToken', string>>;

export interface AuditRouteDependencies {
  database: { readonly db: Kysely<Database> };
  tenancy: TenancySettings;
}

/**
 * The audit API (spec 05 §4.8): events of the request namespace, or of every namespace at cluster
 * scope (namespace mode without a namespace, §1.7), newest first, keyset-paged.
 */
export function registerAuditRoutes(app: FastifyInstance, deps: AuditRouteDependencies): void {
  app.get(`${BASE}/events`, {
    config: { authz: { resource: 'audit', verb: 'list' }, namespace: 'optional' },
    schema: {
      operationId: 'listAuditEvents',
      tags: ['audit'],
      summary: 'Audit events, newest first',
      querystring: ListQuery,
      response: {
        200: Type.Object({
          events: Type.Array(AuditEventSchema),
          size: Type.Integer(),
          pageSize: Type.Integer(),
          nextPageToken: Type.String(),
          totalSize: Type.Integer(),
        }),
        '4xx': ErrorResponse,
        '5xx': ErrorResponse,
      },
    },
    handler: async (request) => {
      const namespace = request.namespace;
      const { filters, pageSize, pageToken } = parseListQuery(request.query as ListQueryValues);
      const hash = queryHash({ scope: namespace ?? '*', ...filters });
      const page: AuditPageRequest = { filters, pageSize, ...(pageToken !== undefined ? { after: decodePosition(pageToken, hash) } : {}) };
      const db = deps.database.db;
      const result = namespace === null ? await listAuditEventsAcrossNamespaces(db, deps.tenancy.allowList, page) : await listAuditEvents(db, namespace, page);
      return {
        events: result.events,
        size: result.events.length,
        pageSize,
        nextPageToken: result.last ? encodeCursor([result.last.createdAt, result.last.id], hash) : '',
        totalSize: result.totalSize,
      };
    },
  });

  app.get(`${BASE}/events/:id`, {
    config: { authz: { resource: 'audit', verb: 'get' }, namespace: 'optional' },
    schema: {
      operationId: 'getAuditEvent',
      tags: ['audit'],
      summary: 'One audit event',
      params: Type.Object({ id: Type.String() }),
      response: { 200: AuditEventSchema, '4xx': ErrorResponse, '5xx': ErrorResponse },
    },
    handler: async (request) => {
      const { id } = request.params as { id: string };
      const namespace = request.namespace;
      const event = namespace === null
        ? await getAuditEventAcrossNamespaces(deps.database.db, deps.tenancy.allowList, id)
        : await getAuditEvent(deps.database.db, namespace, id);
      if (!event) throw new NotFoundError(`audit event "${id}" not found`);
      return event;
    },
  });
}

function parseListQuery(query: ListQueryValues): { filters: AuditFilters; pageSize: number; pageToken?: string } {
  const given = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
  const filters: AuditFilters = {};
  for (const name of EXACT_FILTERS) {
    const value = given(query[name]);
    if (value !== undefined) filters[name] = value;
  }
  const outcome = given(query.outcome);
  if (outcome !== undefined) {
    if (!OUTCOMES.includes(outcome as AuditOutcome)) throw new BadRequestError(`outcome must be one of ${OUTCOMES.join(', ')}`);
    filters.outcome = outcome as AuditOutcome;
  }
  for (const name of ['since', 'until'] as const) {
    const value = given(query[name]);
    if (value === undefined) continue;
    if (!isRfc3339(value)) throw new BadRequestError(`${name} must be an RFC 3339 timestamp`);
    filters[name] = value;
  }
  let pageSize = DEFAULT_PAGE_SIZE;
  const pageSizeText = given(query.pageSize);
  if (pageSizeText !== undefined) {
    if (!/^[0-9]+$/.test(pageSizeText) || /^0+$/.test(pageSizeText)) throw new BadRequestError(`pageSize must be an integer between 1 and ${MAX_PAGE_SIZE}`);
    pageSize = Math.min(Number(pageSizeText), MAX_PAGE_SIZE);
  }
  const pageToken = given(query.pageToken);
  const nextPageToken = given(query.nextPageToken);
  if (pageToken !== undefined && nextPageToken !== undefined && pageToken !== nextPageToken) throw new BadRequestError('pageToken and nextPageToken differ');
  const token = pageToken ?? nextPageToken;
  return { filters, pageSize, ...(token !== undefined ? { pageToken: token } : {}) };
}

/** A real instant: the syntax of RFC 3339 and a day that exists in its month. */
function isRfc3339(value: string): boolean {
  const match = RFC_3339.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = match[9] === undefined || (Number(match[9]) <= 23 && Number(match[10]) <= 59);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetOk;
}

function decodePosition(token: string, hash: string): { createdAt: string; id: string } {
  const keys = decodeCursor(token, hash);
  const [createdAt, id] = keys;
  if (keys.length !== 2 || typeof createdAt !== 'string' || typeof id !== 'string' || !UUID.test(id) || Number.isNaN(Date.parse(createdAt)) || !RFC_3339.test(createdAt)) {
    throw new BadRequestError(INVALID_PAGE_TOKEN);
  }
  return { createdAt, id };
}
