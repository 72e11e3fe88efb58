import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, BadRequestError, NotFoundError } from '../errors.js';
import { ErrorResponse } from '../http/errorSchema.js';
import type { RefreshRouteDependencies } from '../sources/refreshRoutes.js';
import { toRefreshResult } from '../sources/refreshResult.js';
import type { EntityRouteDependencies } from './entityRoutes.js';
import { actionDefinitions } from './capabilities.js';
import { runBuiltinAssetAction } from './builtinAssetActions.js';
import { findEntityByName } from './findEntityByName.js';
import type { RegisteredPlugin } from './PluginRegistry.js';
import { resolveLinks } from './resolveLinks.js';
import { serializeEntity } from './serializeEntity.js';

const BUILTIN_ASSET_ACTIONS = new Set(['tag', 'annotate', 'deprecate']);
const RESERVED_REQUEST_FIELDS = new Set(['action', 'actionId', 'dryRun', 'targetName', 'kind', 'params']);
const ACTION_SUFFIX = ':action';

const ActionResult = Type.Object({
  action: Type.String(),
  actionId: Type.String(),
  status: Type.String(),
  dryRun: Type.Boolean(),
  message: Type.Optional(Type.String()),
  data: Type.Optional(Type.Unknown()),
});

export type ActionRouteDependencies = EntityRouteDependencies & Pick<RefreshRouteDependencies, 'refreshes' | 'rateLimiter'>;

/**
 * Source and asset actions and their discovery under `{base}/management` (spec 04 §5.12–§5.15, §16):
 * the builtin source action `refresh`, the builtin tag/annotate/deprecate overlays and the plugin's
 * own actions, dispatched in the order of §16.2 so bad requests get precise 400s and missing targets
 * 404 before anything runs.
 */
export function registerActionRoutes(app: FastifyInstance, plugin: RegisteredPlugin, deps: ActionRouteDependencies): void {
  const base = `${plugin.basePath}/management`;
  const defaultState = deps.governance.defaultState;

  app.get(`${base}/actions/:scope`, {
    config: { authz: { resource: 'actions', verb: 'list' }, plugin: plugin.name },
    schema: {
      operationId: `list_${plugin.name}_actions`,
      tags: ['management'],
      summary: 'Actions of one scope (source or asset): builtins first, then the plugin\'s own',
      params: Type.Object({ scope: Type.Union([Type.Literal('source'), Type.Literal('asset')]) }),
      response: { 200: Type.Object({ actions: Type.Array(Type.Record(Type.String(), Type.Unknown())), count: Type.Integer() }), '4xx': ErrorResponse },
    },
    handler: async (request) => {
      const { scope } = request.params as { scope: 'source' | 'asset' };
      const actions = actionDefinitions(plugin).filter((a) => a.scope === scope);
      return { actions, count: actions.length };
    },
  });

  app.get(`${base}/entities/*`, {
    config: { authz: { resource: 'assets', verb: 'get' }, plugin: plugin.name },
    schema: {
      operationId: `get_${plugin.name}_management_entity`,
      tags: ['management'],
      summary: 'One entity by name (any kind of the plugin: `?kind=`)',
      querystring: Type.Object({ kind: Type.Optional(Type.String()), sourceId: Type.Optional(Type.String()) }, { additionalProperties: true }),
      response: { 200: Type.Record(Type.String(), Type.Unknown()), '4xx': ErrorResponse },
    },
    handler: async (request) => {
      const namespace = request.namespace!;
      const name = (request.params as { '*': string })['*'];
      const { kind: kindName, sourceId } = request.query as { kind?: string; sourceId?: string };
      const kind = kindOf(plugin, kindName);
      const order = deps.catalog.enabledSourceIds(namespace, plugin.name);
      const row = await findEntityByName(deps.database.db, { namespace, plugin: plugin.name, kind: kind.kind, name }, sourceId ? order.filter((s) => s === sourceId) : order);
      if (!row) throw new NotFoundError(`${kind.notFoundPhrase} "${name}" not found${sourceId ? ` in source "${sourceId}"` : ''}`);
      const [links] = await resolveLinks(deps.database.db, namespace, [row.links ?? []], deps);
      return serializeEntity(row, defaultState, { withProvenance: true, links });
    },
  });

  // `{id}:action`: a regex parameter with a literal suffix, so `sources/{id}:validate` and
  // `sources/{id}:rollback` can be registered beside it the same way.
  app.post(`${base}/sources/:id(^[^:/]+)::action`, {
    config: { authz: { resource: 'actions', verb: 'execute' }, audit: { action: 'execute-action' }, plugin: plugin.name },
    schema: {
      operationId: `execute_${plugin.name}_source_action`,
      tags: ['management'],
      summary: 'Run a source action (builtin: refresh) on a source: POST …/sources/{id}:action',
      params: Type.Object({ id: Type.String() }),
      response: { 200: ActionResult, '4xx': ErrorResponse, '5xx': ErrorResponse },
    },
    handler: async (request) => {
      const namespace = request.namespace!;
      const { id: sourceId } = request.params as { id: string };
      const { id, fields, dryRun } = parseActionRequest(plugin, 'source', request.body);
      request.audit.enrich({ action: 'execute-action', plugin: plugin.name, resourceIds: [sourceId], metadata: { actionId: id, dryRun } });
      const source = deps.catalog.sources(namespace, plugin.name).find((s) => s.id === sourceId);
      if (!source) throw new NotFoundError(`source "${sourceId}" not found`);
      const params = actionParams(fields);
      request.audit.enrich({ metadata: { params } });
      if (id === 'refresh') {
        // Synchronous through the shared refresh function, never a job (04 §16.4, §13.7).
        deps.refreshes.source(namespace, plugin.name, sourceId);
        await deps.rateLimiter.take(namespace, plugin.name, sourceId);
        const result = toRefreshResult(await deps.refreshes.refreshOne(namespace, plugin, source));
        if (result.error !== undefined) request.audit.enrich({ reason: result.error });
        return {
          action: id, actionId: id, dryRun: false, data: result,
          ...(result.error === undefined
            ? { status: 'completed', message: `Refreshed source ${sourceId}` }
            : { status: 'error', message: `Refresh of source ${sourceId} failed: ${result.error}` }),
        };
      }
      const outcome = await runPluginAction(plugin, id, { namespace, plugin: plugin.name, kind: plugin.kinds[0].decl.kind, target: sourceId, dryRun }, params);
      return actionResponse(id, dryRun, outcome);
    },
  });

  app.post(`${base}/entities/*`, {
    config: { authz: { resource: 'actions', verb: 'execute' }, audit: { action: 'execute-action' }, plugin: plugin.name },
    schema: {
      operationId: `execute_${plugin.name}_entity_action`,
      tags: ['management'],
      summary: 'Run an asset action on an entity: POST …/entities/{name}:action',
      querystring: Type.Object({ kind: Type.Optional(Type.String()) }, { additionalProperties: true }),
      response: { 200: ActionResult, '4xx': ErrorResponse, '5xx': ErrorResponse },
    },
    handler: async (request) => {
      const namespace = request.namespace!;
      const path = (request.params as { '*': string })['*'];
      if (!path.endsWith(ACTION_SUFFIX) || path.length === ACTION_SUFFIX.length) {
        throw new NotFoundError(`route POST ${request.url.split('?')[0]} not found`);
      }
      const name = path.slice(0, -ACTION_SUFFIX.length);
      request.audit.enrich({ resourceIds: [name] });
      const { id, fields, dryRun } = parseActionRequest(plugin, 'asset', request.body);
      const kind = kindOf(plugin, (request.query as { kind?: string }).kind ?? (typeof fields.kind === 'string' ? fields.kind : undefined));

      request.audit.enrich({ assetUid: `${plugin.name}:${kind.kind}:${name}`, metadata: { actionId: id, ...(dryRun ? { dryRun } : {}) } });
      const entity = await findEntityByName(deps.database.db, { namespace, plugin: plugin.name, kind: kind.kind, name }, deps.catalog.enabledSourceIds(namespace, plugin.name));
      if (!entity) throw new NotFoundError(`entity "${name}" not found`);

      const params = actionParams(fields);
      request.audit.enrich({ metadata: { params } });
      const asset = { namespace, plugin: plugin.name, kind: kind.kind, name };
      let outcome: { message?: string; data?: unknown; status?: string };
      if (BUILTIN_ASSET_ACTIONS.has(id)) {
        outcome = await runBuiltinAssetAction(deps.database.db, id as 'tag' | 'annotate' | 'deprecate', asset, params, dryRun, request.audit);
        if (!dryRun) deps.versions.bump(namespace, plugin.name);
      } else {
        outcome = await runPluginAction(plugin, id, { ...asset, target: name, entity: serializeEntity(entity, defaultState), dryRun }, params);
      }
      return actionResponse(id, dryRun, outcome);
    },
  });
}

/** Steps 1–4 of spec 04 §16.2: a JSON object naming an action of the scope, dry run only where supported. */
function parseActionRequest(plugin: RegisteredPlugin, scope: 'source' | 'asset', body: unknown) {
  const raw = body ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw) || raw === null) {
    throw new BadRequestError(`invalid action request: body must be a JSON object, got ${Array.isArray(raw) ? 'array' : typeof raw}`);
  }
  const fields = raw as Record<string, unknown>;
  const { action, actionId } = fields;
  if (action !== undefined && actionId !== undefined && action !== actionId) throw new BadRequestError('action and actionId differ');
  const id = action ?? actionId;
  if (typeof id !== 'string' || id === '') throw new BadRequestError('action field is required');
  const definition = actionDefinitions(plugin).find((a) => a.id === id && a.scope === scope);
  if (!definition) throw new BadRequestError(`unknown action "${id}" for scope "${scope}"`);
  if (fields.dryRun !== undefined && typeof fields.dryRun !== 'boolean') throw new BadRequestError('invalid action request: dryRun must be a boolean');
  const dryRun = fields.dryRun === true;
  if (dryRun && !definition.supportsDryRun) throw new BadRequestError(`action "${id}" does not support dry-run`);
  return { id, fields, dryRun };
}

function kindOf(plugin: RegisteredPlugin, name: string | undefined) {
  if (name === undefined || name === '') return plugin.kinds[0].decl;
  const kind = plugin.kindByName(name);
  if (!kind) throw new BadRequestError(`unknown kind "${name}" for plugin "${plugin.name}"`);
  return kind.decl;
}

/** `params`, or (compatibility with the UI) the other top-level fields of the request. */
function actionParams(fields: Record<string, unknown>): Record<string, unknown> {
  if (fields.params !== undefined) {
    if (typeof fields.params !== 'object' || fields.params === null || Array.isArray(fields.params)) {
      throw new BadRequestError('invalid action request: params must be an object');
    }
    return fields.params as Record<string, unknown>;
  }
  return Object.fromEntries(Object.entries(fields).filter(([key]) => !RESERVED_REQUEST_FIELDS.has(key)));
}

/**
 * A plugin's own asset action. The framework validated the request; the handler computes the
 * result. Errors it marks as client errors (`statusCode` 4xx, with an optional `code` and `details`)
 * keep their status and code; anything else is a 500.
 */
async function runPluginAction(
  plugin: RegisteredPlugin,
  id: string,
  ctx: { namespace: string; plugin: string; kind: string; target: string; entity?: Record<string, unknown>; dryRun: boolean },
  params: Record<string, unknown>,
) {
  const action = plugin.decl.actions!.find((a) => a.id === id)!;
  try {
    return await action.handler(ctx, params);
  } catch (error) {
    const e = error as { statusCode?: unknown; code?: unknown; details?: unknown; message?: string };
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      const code = typeof e.code === 'string' ? e.code : 'bad_request';
      throw new AppError(e.statusCode, code, e.message ?? 'invalid request', e.details !== undefined ? { details: e.details } : {});
    }
    throw error;
  }
}

/** The ActionResult body of an executed (or dry-run) action, for both scopes (04 §4.7). */
function actionResponse(id: string, dryRun: boolean, outcome: { status?: string; message?: string; data?: unknown }) {
  return {
    action: id,
    actionId: id,
    status: dryRun ? 'dry-run' : (outcome.status ?? 'completed'),
    dryRun,
    ...(outcome.message ? { message: outcome.message } : {}),
    ...(outcome.data !== undefined ? { data: outcome.data } : {}),
  };
}
