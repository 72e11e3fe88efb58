import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequestError } from '../../errors.js';
import { ErrorResponse } from '../../http/errorSchema.js';
import { assetRefJson, requireKnownAsset, resolveAsset, type AssetRef } from '../assets/resolveAsset.js';
import { bindingJson, bindingsOf, orderBindings, parseBindingParams, PROMOTION_ACTIONS, runBinding, type PromotionAction } from '../bindings/bindVersion.js';
import type { GovernanceContext } from '../GovernanceContext.js';
import { readHistory } from '../history/readHistory.js';
import { LIFECYCLE_ACTIONS, parseLifecycleParams, transition } from '../lifecycle/transition.js';
import type { ActionResult, Outcome } from '../outcome.js';
import { applyMetadataPatch, parseMetadataPatch, pickGroups } from '../records/metadata.js';
import { ensureRecord, governanceJson, readRecord, storedMetadata, writeMetadata } from '../records/RecordStore.js';
import { createVersion, parseVersionInput } from '../versions/createVersion.js';
import { findVersion, versionJson } from '../versions/VersionStore.js';
import { CREATED_MICROS, pageOf, parsePage, type PageQuery } from './paging.js';
import { assetAudit, bodyObject, runOperation } from './runOperation.js';

export const GOVERNANCE_BASE = '/api/governance/v1alpha1';
const ASSET = `${GOVERNANCE_BASE}/assets/:plugin/:kind/:name`;

const AssetParams = Type.Object({ plugin: Type.String(), kind: Type.String(), name: Type.String() });
const Json = Type.Record(Type.String(), Type.Unknown());
const PageParams = {
  pageSize: Type.Optional(Type.String()),
  pageToken: Type.Optional(Type.String()),
  nextPageToken: Type.Optional(Type.String()),
};
const responses = (success: Record<number, unknown>) => ({ ...success, '4xx': ErrorResponse, '5xx': ErrorResponse });

type AssetParamsT = { plugin: string; kind: string; name: string };

/** The governance routes of one asset (spec 06 §5, §4.4, §7, §8, §10), authorized per 05 §3.7. */
export function registerAssetRoutes(app: FastifyInstance, ctx: GovernanceContext): void {
  const assetOf = (request: FastifyRequest): AssetRef => {
    const { plugin, kind, name } = request.params as AssetParamsT;
    return resolveAsset(ctx, request.namespace!, plugin, kind, name);
  };
  const knownAsset = async (request: FastifyRequest): Promise<AssetRef> => {
    const asset = assetOf(request);
    await requireKnownAsset(ctx, ctx.database.db, asset);
    return asset;
  };
  /** Audits with the canonical uid once the path resolved. */
  const enrichAsset = (request: FastifyRequest, asset: AssetRef) => request.audit.enrich({ plugin: asset.plugin, assetUid: asset.uid });
  const changed = (asset: AssetRef) => () => ({ namespace: asset.namespace, plugin: asset.plugin });

  app.get(ASSET, {
    config: { authz: { resource: 'assets', verb: 'get' } },
    schema: { operationId: 'getGovernance', tags: ['governance'], summary: 'The governance record of an asset (the default record when none is stored)', params: AssetParams, response: responses({ 200: Json }) },
    handler: async (request) => {
      const asset = await knownAsset(request);
      return recordResponse(asset, governanceJson(await readRecord(ctx.database.db, asset)));
    },
  });

  app.patch(ASSET, {
    config: { authz: { resource: 'assets', verb: 'update' }, audit: { action: 'patch', eventType: 'governance.metadata.changed' } },
    schema: { operationId: 'patchGovernance', tags: ['governance'], summary: 'Change governance metadata groups (lifecycle through the lifecycle actions only)', params: AssetParams, response: responses({ 200: Json }) },
    handler: async (request, reply) => {
      request.audit.enrich(assetAudit(request.params as AssetParamsT, { eventType: 'governance.metadata.changed', action: 'patch', actionVerb: 'patch' }));
      const body = bodyObject(request.body);
      const changes = parseMetadataPatch(body, ctx.settings.environments);
      const asset = await knownAsset(request);
      enrichAsset(request, asset);
      const groups = Object.keys(changes);
      if (groups.length === 0) {
        const record = await ctx.database.db.transaction().execute(async (trx) => {
          await request.audit.commitWith(trx, 200);
          return readRecord(trx, asset);
        });
        return recordResponse(asset, governanceJson(record));
      }
      return runOperation(ctx, request, reply, async (trx) => {
        const before = storedMetadata(await ensureRecord(trx, asset));
        const after = applyMetadataPatch(before, changes);
        await writeMetadata(trx, asset, after, request.identity.user, ctx.now());
        return {
          statusCode: 200,
          body: recordResponse(asset, governanceJson(await readRecord(trx, asset))),
          audit: { oldValue: pickGroups(before, groups), newValue: pickGroups(after, groups) },
        };
      }, changed(asset));
    },
  });

  app.get(`${ASSET}/history`, {
    config: { authz: { resource: 'audit', verb: 'list' } },
    schema: {
      operationId: 'getGovernanceHistory', tags: ['governance'], summary: 'Audit events of the asset, newest first', params: AssetParams,
      querystring: Type.Object({ ...PageParams, eventType: Type.Optional(Type.String()) }, { additionalProperties: true }),
      response: responses({ 200: Json }),
    },
    handler: async (request) => readHistory(ctx.database.db, await knownAsset(request), request.query as PageQuery & { eventType?: string }),
  });

  app.post(`${ASSET}/actions/:action`, {
    config: { authz: { resource: 'actions', verb: 'execute' }, audit: { action: ':action', actionVerb: 'execute-action', eventType: 'governance.action' } },
    schema: {
      operationId: 'executeGovernanceAction', tags: ['governance'], summary: 'Run a lifecycle, version or promotion action',
      params: Type.Object({ ...AssetParams.properties, action: Type.String() }),
      response: responses({ 200: Json, 202: Json }),
    },
    handler: async (request, reply) => {
      const { action } = request.params as AssetParamsT & { action: string };
      const isLifecycle = (LIFECYCLE_ACTIONS as readonly string[]).includes(action);
      const isPromotion = (PROMOTION_ACTIONS as readonly string[]).includes(action);
      const eventType = isLifecycle ? 'governance.lifecycle.changed'
        : isPromotion ? { 'promotion.bind': 'governance.promotion.bound', 'promotion.promote': 'governance.promotion.promoted', 'promotion.rollback': 'governance.promotion.rollback' }[action]
          : action === 'version.create' ? 'governance.version.created' : 'governance.action';
      request.audit.enrich(assetAudit(request.params as AssetParamsT, { eventType, action, actionVerb: 'execute-action' }));
      const body = bodyObject(request.body);
      if (body.dryRun !== undefined && typeof body.dryRun !== 'boolean') throw new BadRequestError('invalid request body: dryRun must be a boolean');
      if (body.params !== undefined && (typeof body.params !== 'object' || body.params === null || Array.isArray(body.params))) {
        throw new BadRequestError('invalid request body: params must be an object');
      }
      if (!isLifecycle && !isPromotion && action !== 'version.create') throw new BadRequestError(`unknown action: ${action}`);
      const dryRun = body.dryRun === true;
      if (dryRun) request.audit.enrich({ metadata: { dryRun: true } });
      const params = (body.params ?? {}) as Record<string, unknown>;
      const actor = request.identity.user;
      const asset = await knownAsset(request);
      enrichAsset(request, asset);

      if (isLifecycle) {
        const transitionRequest = parseLifecycleParams(action, params);
        return runOperation(ctx, request, reply, (trx) => transition(trx, ctx, asset, transitionRequest, { actor, dryRun, gated: true }), changed(asset));
      }
      if (isPromotion) {
        const bindingRequest = parseBindingParams(action as PromotionAction, params);
        return runOperation(ctx, request, reply, async (trx) => {
          const outcome = await runBinding(trx, ctx, asset, bindingRequest, { actor, dryRun, gated: true });
          return { ...outcome, body: outcome.body.result };
        });
      }
      const input = parseVersionInput(params, 'action');
      return runOperation(ctx, request, reply, async (trx): Promise<Outcome<ActionResult>> => {
        const outcome = await createVersion(trx, ctx, asset, input, { actor, dryRun });
        const { row, versionLabel, lifecycleState, contentDigest } = outcome.body;
        return {
          statusCode: 200,
          audit: outcome.audit,
          body: row
            ? { action, status: 'completed', message: `created version ${versionLabel} for ${asset.name}`, data: { versionId: row.version_id, versionLabel, contentDigest } }
            : { action, status: 'dry-run', message: `would create version ${versionLabel} for ${asset.name}`, data: { versionLabel, lifecycleState, contentDigest } },
        };
      });
    },
  });

  app.get(`${ASSET}/versions`, {
    config: { authz: { resource: 'assets', verb: 'get' } },
    schema: {
      operationId: 'listGovernanceVersions', tags: ['governance'], summary: 'Versions of the asset, newest first', params: AssetParams,
      querystring: Type.Object(PageParams, { additionalProperties: true }), response: responses({ 200: Json }),
    },
    handler: async (request) => {
      const asset = await knownAsset(request);
      const page = parsePage(request.query as PageQuery, ['versions', asset.namespace, asset.uid]);
      const base = ctx.database.db.selectFrom('asset_versions as v').where('v.namespace', '=', asset.namespace).where('v.asset_uid', '=', asset.uid);
      const after = page.after('v');
      const [rows, total] = await Promise.all([
        (after ? base.where(after) : base).selectAll('v').select(CREATED_MICROS('v'))
          .orderBy('v.created_at', 'desc').orderBy('v.id', 'desc').limit(page.pageSize + 1).execute(),
        base.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
      ]);
      const { items, nextPageToken } = pageOf(rows, page);
      return { versions: items.map((row) => versionJson(row, false)), size: items.length, pageSize: page.pageSize, totalSize: Number(total.total), nextPageToken };
    },
  });

  app.get(`${ASSET}/versions/:versionId`, {
    config: { authz: { resource: 'assets', verb: 'get' } },
    schema: {
      operationId: 'getGovernanceVersion', tags: ['governance'], summary: 'One version with its snapshots',
      params: Type.Object({ ...AssetParams.properties, versionId: Type.String() }), response: responses({ 200: Json }),
    },
    handler: async (request) => {
      const asset = await knownAsset(request);
      return versionJson(await findVersion(ctx.database.db, asset, (request.params as { versionId: string }).versionId), true);
    },
  });

  app.post(`${ASSET}/versions`, {
    config: { authz: { resource: 'actions', verb: 'execute' }, audit: { action: 'version.create', actionVerb: 'create', eventType: 'governance.version.created' } },
    schema: { operationId: 'createGovernanceVersion', tags: ['governance'], summary: 'Snapshot the asset as a new immutable version', params: AssetParams, response: responses({ 201: Json }) },
    handler: async (request, reply) => {
      request.audit.enrich(assetAudit(request.params as AssetParamsT, { eventType: 'governance.version.created', action: 'version.create', actionVerb: 'create' }));
      const input = parseVersionInput(bodyObject(request.body), 'post');
      const asset = await knownAsset(request);
      enrichAsset(request, asset);
      return runOperation(ctx, request, reply, async (trx) => {
        const outcome = await createVersion(trx, ctx, asset, input, { actor: request.identity.user, dryRun: false });
        const row = outcome.body.row!;
        reply.header('Location', `${GOVERNANCE_BASE}/assets/${encodeURIComponent(asset.plugin)}/${encodeURIComponent(asset.kind)}/${encodeURIComponent(asset.name)}/versions/${encodeURIComponent(row.version_id)}`);
        return { ...outcome, body: versionJson(row, false) };
      });
    },
  });

  app.get(`${ASSET}/bindings`, {
    config: { authz: { resource: 'assets', verb: 'get' } },
    schema: { operationId: 'listGovernanceBindings', tags: ['governance'], summary: 'The version bound in each environment', params: AssetParams, response: responses({ 200: Json }) },
    handler: async (request) => {
      const asset = await knownAsset(request);
      const rows = orderBindings(await bindingsOf(ctx.database.db, asset), ctx.settings.environments);
      const labels = rows.length === 0 ? [] : await ctx.database.db.selectFrom('asset_versions').select(['version_id', 'version_label'])
        .where('namespace', '=', asset.namespace).where('version_id', 'in', rows.map((r) => r.version_id)).execute();
      const labelOf = new Map(labels.map((l) => [l.version_id, l.version_label]));
      return { bindings: rows.map((row) => bindingJson(row, labelOf.get(row.version_id))) };
    },
  });

  for (const method of ['put', 'patch'] as const) {
    app[method](`${ASSET}/bindings/:environment`, {
      config: { authz: { resource: 'actions', verb: 'execute' }, audit: { action: 'promotion.bind', actionVerb: 'update', eventType: 'governance.promotion.bound' } },
      schema: {
        operationId: method === 'put' ? 'putGovernanceBinding' : 'patchGovernanceBinding', tags: ['governance'],
        summary: 'Bind a version of the asset to an environment',
        params: Type.Object({ ...AssetParams.properties, environment: Type.String() }), response: responses({ 200: Json, 202: Json }),
      },
      handler: async (request, reply) => {
        request.audit.enrich(assetAudit(request.params as AssetParamsT, { eventType: 'governance.promotion.bound', action: 'promotion.bind', actionVerb: 'update' }));
        const { environment } = request.params as { environment: string };
        const body = bodyObject(request.body);
        if (typeof body.versionId !== 'string' || body.versionId === '') throw new BadRequestError('versionId is required');
        const versionId = body.versionId;
        const asset = await knownAsset(request);
        enrichAsset(request, asset);
        return runOperation(ctx, request, reply, async (trx) => {
          const outcome = await runBinding(trx, ctx, asset, { action: 'promotion.bind', environment, versionId }, { actor: request.identity.user, dryRun: false, gated: true });
          const { result, binding, warnings } = outcome.body;
          return { ...outcome, body: binding ? { ...binding, ...(warnings.length > 0 ? { warnings } : {}) } : result };
        });
      },
    });
  }
}

function recordResponse(asset: AssetRef, governance: Record<string, unknown>) {
  return { assetRef: assetRefJson(asset), assetUid: asset.uid, governance };
}
