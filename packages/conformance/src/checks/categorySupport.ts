// Helpers shared by the server-level categories D, G, H, I and J: response shape checks and the
// plugin/entity facts they read from the capabilities documents.
import { isRecord } from '../run/capabilities.js';
import type { CheckHandle, HttpResult, PluginSummary, RunContext } from '../run/RunContext.js';
import { describeBody } from './expect.js';

export type Json = Record<string, any>;

export const GOVERNANCE_BASE = '/api/governance/v1alpha1';
export const AUDIT_EVENTS = '/api/audit/v1alpha1/events';
export const JOBS = '/api/jobs/v1alpha1/refresh';
export const REQUIRES_MUTATE = 'requires --mutate';

export const isObject = isRecord as (value: unknown) => value is Json;

/** The parsed body as an object ({} for anything else), for reading fields without casts. */
export function json(result: HttpResult): Json {
  return isObject(result.body) ? result.body : {};
}

/** A name no server has: `conformance-missing-<runId>`. */
export function missingName(ctx: Pick<RunContext, 'runId'>): string {
  return `conformance-missing-${ctx.runId}`;
}

/** For a caller that is allowed: fails on 401/403 (refused) and on any status but `expected` (what the request gets once authorized). */
export function expectAuthorizedFailure(t: CheckHandle, result: HttpResult, expected: number[]): string {
  if (result.status === 403 || result.status === 401) t.fail(`refused: ${result.status} ${describeBody(result)}`);
  if (!expected.includes(result.status)) t.fail(`expected ${expected.join(' or ')}, got ${result.status}: ${describeBody(result)}`);
  return `${result.status}`;
}

/** One entity kind of a plugin, from its capabilities document. */
export interface EntityInfo {
  plugin: PluginSummary;
  kind: string;
  plural: string;
  list: string;
  get: string;
  /** The kind's `governance` block (06 §13), when declared. */
  governance?: Json;
}

const capabilitiesCache = new WeakMap<PluginSummary, Promise<Json | null>>();

/** The plugin's capabilities: the inline copy of /api/plugins, else the capabilities endpoint. */
export function capabilitiesOf(ctx: RunContext, plugin: PluginSummary): Promise<Json | null> {
  let cached = capabilitiesCache.get(plugin);
  if (!cached) {
    cached = isObject(plugin.capabilitiesV2)
      ? Promise.resolve(plugin.capabilitiesV2)
      : ctx.request({ path: `/api/plugins/${encodeURIComponent(plugin.name)}/capabilities` }).then((r) => (r.status === 200 && isObject(r.body) ? r.body : null));
    capabilitiesCache.set(plugin, cached);
  }
  return cached;
}

export async function entityKinds(ctx: RunContext, plugin: PluginSummary): Promise<EntityInfo[]> {
  const capabilities = await capabilitiesOf(ctx, plugin);
  const entities: unknown[] = Array.isArray(capabilities?.entities) ? capabilities.entities : [];
  return entities.filter(isObject).flatMap((e) => {
    const endpoints = isObject(e.endpoints) ? e.endpoints : {};
    if (typeof e.kind !== 'string' || typeof endpoints.list !== 'string' || typeof endpoints.get !== 'string') return [];
    return [{ plugin, kind: e.kind, plural: String(e.plural ?? ''), list: endpoints.list, get: endpoints.get, governance: isObject(e.governance) ? e.governance : undefined }];
  });
}

/** The first entity of the first kind (of the first plugin matching `accept`) whose list has an item. */
export async function firstEntity(ctx: RunContext, accept: (kind: EntityInfo) => boolean = () => true): Promise<{ kind: EntityInfo; name: string } | null> {
  for (const plugin of ctx.plugins) {
    for (const kind of (await entityKinds(ctx, plugin)).filter(accept)) {
      const list = await ctx.request({ path: kind.list, query: { pageSize: 1 } });
      const first = Array.isArray(json(list).items) ? json(list).items[0] : undefined;
      if (isObject(first) && typeof first.name === 'string') return { kind, name: first.name };
    }
  }
  return null;
}

export function governanceSupported(kind: EntityInfo): boolean {
  return kind.governance?.supported === true;
}

/** `{gov}/assets/{plugin}/{kind}/{name}` (a `/` in the name is sent as %2F). */
export function assetPath(kind: EntityInfo, name: string): string {
  return `${GOVERNANCE_BASE}/assets/${encodeURIComponent(kind.plugin.name)}/${encodeURIComponent(kind.kind)}/${encodeURIComponent(name)}`;
}

/** The entity get path of `name` (other placeholders are not expected on fixture entities). */
export function entityPath(kind: EntityInfo, name: string): string {
  return kind.get.replace('{name}', encodeURIComponent(name));
}

/** Applies a fixture source with `refreshAfterApply: true`, in `namespace` when given (else the run's). */
export async function applyFixture(ctx: RunContext, plugin: PluginSummary, source: Json, namespace?: string): Promise<HttpResult> {
  return ctx.request({
    method: 'POST',
    path: `${plugin.basePath}/management/apply-source`,
    body: { ...source, refreshAfterApply: true },
    ...(namespace === undefined ? {} : { namespace }),
  });
}

/** Whether the list at `kind.list` holds an item named `name`. */
export async function listed(ctx: RunContext, kind: EntityInfo, name: string, namespace?: string | null): Promise<boolean> {
  const result = await ctx.request({ path: kind.list, query: { q: name, pageSize: 100 }, ...(namespace === undefined ? {} : { namespace }) });
  const items: unknown[] = Array.isArray(json(result).items) ? json(result).items : [];
  return items.some((item) => isObject(item) && item.name === name);
}

/** A plugin with a fixture (preferring one whose kind supports governance), its fixture and kind. */
export async function fixturePlugin(ctx: RunContext, idSuffix: string, preferGovernance: boolean): Promise<{ plugin: PluginSummary; kind: EntityInfo; source: Json; entityName: string } | null> {
  let fallback: { plugin: PluginSummary; kind: EntityInfo; source: Json; entityName: string } | null = null;
  for (const plugin of ctx.plugins) {
    const kinds = await entityKinds(ctx, plugin);
    // A malformed --fixture is the sources category's failure to report; here it is just no fixture.
    const fixture = await ctx.fixture(plugin.name, idSuffix).catch(() => null);
    const kind = fixture && kinds.find((k) => k.kind === fixture.kind);
    if (!fixture || !kind) continue;
    const found = { plugin, kind, source: fixture.source, entityName: fixture.entityName };
    if (!preferGovernance || governanceSupported(kind)) return found;
    fallback ??= found;
  }
  return fallback;
}
