import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Authorizer } from '../../authz/Authorizer.js';
import { BadRequestError, NotFoundError } from '../../errors.js';
import { ErrorResponse } from '../../http/errorSchema.js';
import { APPROVAL_STATUSES, approvalJson, decisionsOf, expireOverdue, statusCondition } from '../approvals/ApprovalStore.js';
import { cancelRequest, parseCancel } from '../approvals/cancel.js';
import { decide, parseDecision } from '../approvals/decide.js';
import type { GovernanceContext } from '../GovernanceContext.js';
import { GOVERNANCE_BASE } from './assetRoutes.js';
import { CREATED_MICROS, pageOf, parsePage, type PageQuery } from './paging.js';
import { bodyObject, runOperation } from './runOperation.js';

const Json = Type.Record(Type.String(), Type.Unknown());
const IdParams = Type.Object({ id: Type.String() });
const responses = (success: Record<number, unknown>) => ({ ...success, '4xx': ErrorResponse, '5xx': ErrorResponse });

interface ApprovalListQuery extends PageQuery {
  status?: string;
  assetUid?: string;
  plugin?: string;
  kind?: string;
  requester?: string;
  includeDecisions?: string;
}

/** Approval requests, decisions, cancel and policies (spec 06 §9), authorized per 05 §3.7. */
export function registerApprovalRoutes(app: FastifyInstance, ctx: GovernanceContext, authorizer: Authorizer): void {
  app.get(`${GOVERNANCE_BASE}/approvals`, {
    config: { authz: { resource: 'approvals', verb: 'list' } },
    schema: {
      operationId: 'listApprovalRequests', tags: ['governance'], summary: 'Approval requests of the namespace, newest first',
      querystring: Type.Object({
        pageSize: Type.Optional(Type.String()), pageToken: Type.Optional(Type.String()), nextPageToken: Type.Optional(Type.String()),
        status: Type.Optional(Type.String()), assetUid: Type.Optional(Type.String()), plugin: Type.Optional(Type.String()),
        kind: Type.Optional(Type.String()), requester: Type.Optional(Type.String()), includeDecisions: Type.Optional(Type.String()),
      }, { additionalProperties: true }),
      response: responses({ 200: Json }),
    },
    handler: async (request) => {
      const namespace = request.namespace!;
      const query = request.query as ApprovalListQuery;
      const statuses = (query.status ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      for (const status of statuses) {
        if (!(APPROVAL_STATUSES as readonly string[]).includes(status)) throw new BadRequestError(`invalid status "${status}"`);
      }
      const kinds = query.kind ? kindsNamed(ctx, query.kind, query.plugin) : undefined;
      const now = ctx.now();
      const page = parsePage(query, ['approvals', namespace, statuses, query.assetUid ?? null, query.plugin ?? null, kinds ?? null, query.requester ?? null]);
      let base = ctx.database.db.selectFrom('approval_requests as r').where('r.namespace', '=', namespace);
      if (statuses.length > 0) base = base.where(statusCondition(statuses, now));
      if (query.assetUid) base = base.where('r.asset_uid', '=', query.assetUid);
      if (query.plugin) base = base.where('r.plugin', '=', query.plugin);
      if (kinds) base = kinds.length === 0 ? base.where(sql<boolean>`false`) : base.where('r.asset_kind', 'in', kinds);
      if (query.requester) base = base.where('r.requester', '=', query.requester);
      const after = page.after('r');
      const [rows, total] = await Promise.all([
        (after ? base.where(after) : base).selectAll('r').select(CREATED_MICROS('r'))
          .orderBy('r.created_at', 'desc').orderBy('r.id', 'desc').limit(page.pageSize + 1).execute(),
        base.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
      ]);
      const { items, nextPageToken } = pageOf(rows, page);
      const decisions = await decisionsOf(ctx.database.db, items.map((r) => r.id));
      const withDecisions = query.includeDecisions === 'true';
      return {
        requests: items.map((row) => approvalJson(row, decisions, now, withDecisions)),
        size: items.length, pageSize: page.pageSize, totalSize: Number(total.total), nextPageToken,
      };
    },
  });

  app.get(`${GOVERNANCE_BASE}/approvals/:id`, {
    config: { authz: { resource: 'approvals', verb: 'get' } },
    schema: { operationId: 'getApprovalRequest', tags: ['governance'], summary: 'One approval request with its decisions', params: IdParams, response: responses({ 200: Json }) },
    handler: async (request) => {
      const { id } = request.params as { id: string };
      const row = await ctx.database.db.selectFrom('approval_requests').selectAll().where('namespace', '=', request.namespace!).where('id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError('approval request not found');
      return approvalJson(row, await decisionsOf(ctx.database.db, [id]), ctx.now(), true);
    },
  });

  app.post(`${GOVERNANCE_BASE}/approvals/:id/decisions`, {
    config: { authz: { resource: 'approvals', verb: 'approve' }, audit: { action: 'approval.approve', actionVerb: 'decide', eventType: 'governance.approval.decision' } },
    schema: { operationId: 'decideApprovalRequest', tags: ['governance'], summary: 'Approve or deny a pending request', params: IdParams, response: responses({ 200: Json }) },
    handler: async (request, reply) => {
      const { id } = request.params as { id: string };
      const namespace = request.namespace!;
      request.audit.enrich({ eventType: 'governance.approval.decision', action: 'approval.approve', actionVerb: 'decide', resourceIds: [id], metadata: { approvalId: id } });
      const input = parseDecision(bodyObject(request.body));
      request.audit.enrich({ action: `approval.${input.verdict}`, reason: input.comment });
      const target = await auditTarget(ctx, namespace, id, request.audit.enrich.bind(request.audit));
      return runOperation(ctx, request, reply, (trx) => decide(trx, ctx, namespace, id, request.identity, input), () => target);
    },
  });

  app.post(`${GOVERNANCE_BASE}/approvals/:id/cancel`, {
    config: { authz: { resource: 'actions', verb: 'execute' }, audit: { action: 'approval.cancel', actionVerb: 'cancel', eventType: 'governance.approval.canceled' } },
    schema: { operationId: 'cancelApprovalRequest', tags: ['governance'], summary: 'Withdraw a pending request', params: IdParams, response: responses({ 200: Json }) },
    handler: async (request, reply) => {
      const { id } = request.params as { id: string };
      const namespace = request.namespace!;
      request.audit.enrich({ eventType: 'governance.approval.canceled', action: 'approval.cancel', actionVerb: 'cancel', resourceIds: [id], metadata: { approvalId: id } });
      const { reason } = parseCancel(bodyObject(request.body));
      await auditTarget(ctx, namespace, id, request.audit.enrich.bind(request.audit));
      return runOperation(ctx, request, reply, (trx) => cancelRequest(trx, ctx, namespace, id, request.identity, reason, (check) => authorizer.allows(request.identity, check)));
    },
  });

  app.get(`${GOVERNANCE_BASE}/policies`, {
    config: { authz: { resource: 'approvals', verb: 'list' } },
    schema: { operationId: 'listApprovalPolicies', tags: ['governance'], summary: 'The approval policies in file order', response: responses({ 200: Json }) },
    handler: async () => ({ policies: ctx.settings.policies }),
  });
}

/**
 * Expires the request first when overdue (committed on its own, 06 §9.9) and names its asset on the
 * audit event, so decisions and cancels appear in the asset's history.
 */
async function auditTarget(ctx: GovernanceContext, namespace: string, id: string, enrich: (details: { plugin: string; assetUid: string }) => void) {
  await ctx.database.db.transaction().execute((trx) => expireOverdue(trx, ctx, { namespace, id }));
  const row = await ctx.database.db.selectFrom('approval_requests').select(['plugin', 'asset_uid']).where('namespace', '=', namespace).where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  enrich({ plugin: row.plugin, assetUid: row.asset_uid });
  return { namespace, plugin: row.plugin };
}

/** Canonical kind names a `kind` filter means: the kind or plural, case-insensitively, in the plugin when given. */
function kindsNamed(ctx: GovernanceContext, kind: string, plugin: string | undefined): string[] {
  const wanted = kind.toLowerCase();
  const plugins = plugin ? [ctx.registry.get(plugin)].filter((p) => p !== undefined) : ctx.registry.list();
  return [...new Set(plugins.flatMap((p) => p.kinds.map((k) => k.decl)).filter((d) => d.kind.toLowerCase() === wanted || d.plural.toLowerCase() === wanted).map((d) => d.kind))];
}
