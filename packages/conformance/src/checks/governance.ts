// Category J (spec 07 §4.3): read-only governance checks on the first governed entity, then with
// --mutate the metadata, version, binding, lifecycle/approval and promotion flow on a fixture entity.
import type { Category, CategoryRunner, CheckHandle, RunContext } from '../run/RunContext.js';
import {
  applyFixture, assetPath, firstEntity, fixturePlugin, GOVERNANCE_BASE, governanceSupported, isObject, json, listed, missingName,
  REQUIRES_MUTATE, type EntityInfo, type Json,
} from './categorySupport.js';
import { expectEnvelope, expectStatus } from './expect.js';

const READ_ONLY = [
  'governance.get', 'governance.get.not_found', 'governance.history', 'governance.versions', 'governance.bindings', 'governance.approvals',
  'governance.policies', 'governance.dry_run.allowed', 'governance.dry_run.denied', 'governance.unknown_action', 'governance.patch_lifecycle_rejected',
];
const MUTATING = [
  'governance.patch', 'governance.version.create', 'governance.bind', 'governance.transition', 'governance.self_approval', 'governance.approval',
  'governance.promote', 'governance.rollback',
];
/** The lifecycle matrix of spec 06 §4.2, used when capabilities publish no transitions. */
const DEFAULT_ALLOWED: Record<string, string> = { draft: 'approved', approved: 'deprecated', deprecated: 'approved', archived: 'deprecated' };
const DENIED: Record<string, string> = { draft: 'deprecated', archived: 'approved' };

function lifecycleOf(kind: EntityInfo): { states: string[]; transitions: Json[] } {
  const lifecycle = isObject(kind.governance?.lifecycle) ? kind.governance.lifecycle : {};
  return {
    states: Array.isArray(lifecycle.states) ? lifecycle.states : [],
    transitions: Array.isArray(lifecycle.transitions) ? lifecycle.transitions.filter(isObject) : [],
  };
}

async function stateOf(ctx: RunContext, t: CheckHandle, asset: string): Promise<string> {
  const result = await ctx.request({ path: asset });
  expectStatus(t, result, 200);
  return String(json(result).governance?.lifecycle?.state);
}

const setState = (state: string, dryRun: boolean) => ({ ...(dryRun ? { dryRun: true } : {}), params: { state, reason: 'conformance' } });

async function readOnlyChecks(ctx: RunContext, category: Category, kind: EntityInfo, name: string): Promise<void> {
  const asset = assetPath(kind, name);
  const { states, transitions } = lifecycleOf(kind);
  let state: string | undefined;

  await category.check('governance.get', async (t: CheckHandle) => {
    const result = await ctx.request({ path: asset });
    expectStatus(t, result, 200);
    const body = json(result);
    const ref = isObject(body.assetRef) ? body.assetRef : {};
    if (ref.plugin !== kind.plugin.name || ref.kind !== kind.kind || ref.name !== name) t.fail(`assetRef ${JSON.stringify(body.assetRef)}`);
    state = body.governance?.lifecycle?.state;
    if (!states.includes(String(state))) t.fail(`state "${state}" is not among ${states.join(', ')}`);
    return `${kind.plugin.name}/${kind.kind}/${name}: ${state}`;
  });
  await category.check('governance.get.not_found', async (t: CheckHandle) => {
    expectEnvelope(t, await ctx.request({ path: assetPath(kind, missingName(ctx)) }), 404, 'not_found');
  });
  const arrays: [string, string, string][] = [
    ['governance.history', `${asset}/history`, 'events'],
    ['governance.versions', `${asset}/versions`, 'versions'],
    ['governance.bindings', `${asset}/bindings`, 'bindings'],
    ['governance.approvals', `${GOVERNANCE_BASE}/approvals`, 'requests'],
    ['governance.policies', `${GOVERNANCE_BASE}/policies`, 'policies'],
  ];
  for (const [check, path, key] of arrays) {
    await category.check(check, async (t: CheckHandle) => {
      const result = await ctx.request({ path });
      expectStatus(t, result, 200);
      if (!Array.isArray(json(result)[key])) t.fail(`${key} is not an array`);
      return `${json(result)[key].length} ${key}`;
    });
  }

  await category.check('governance.dry_run.allowed', async (t: CheckHandle) => {
    if (!state) t.skip('state unknown');
    const target = transitions.find((tr) => tr.from === state && tr.to !== state)?.to ?? DEFAULT_ALLOWED[state];
    const result = await ctx.request({ method: 'POST', path: `${asset}/actions/lifecycle.setState`, body: setState(target, true) });
    expectStatus(t, result, 200);
    if (json(result).status !== 'dry-run') t.fail(`status "${json(result).status}"`);
    return `${state} → ${target}`;
  });
  await category.check('governance.dry_run.denied', async (t: CheckHandle) => {
    if (!state) t.skip('state unknown');
    const target = DENIED[state];
    if (!target) t.skip(`no denied transition from ${state}`);
    const result = await ctx.request({ method: 'POST', path: `${asset}/actions/lifecycle.setState`, body: setState(target, true) });
    expectEnvelope(t, result, 400, 'LIFECYCLE_TRANSITION_DENIED');
    const body = json(result);
    if (body.from !== state || body.to !== target) t.fail(`from "${body.from}" to "${body.to}", expected ${state} → ${target}`);
    return `${state} → ${target} denied`;
  });
  await category.check('governance.unknown_action', async (t: CheckHandle) => {
    expectEnvelope(t, await ctx.request({ method: 'POST', path: `${asset}/actions/lifecycle.conformance`, body: {} }), 400);
  });
  await category.check('governance.patch_lifecycle_rejected', async (t: CheckHandle) => {
    if (!state) t.skip('state unknown');
    // Without --mutate the request must be harmless even if the server wrongly accepts it (4.2 item 5).
    const sent = ctx.options.mutate ? (states.find((s) => s !== state) ?? 'archived') : state;
    const result = await ctx.request({ method: 'PATCH', path: asset, body: { lifecycle: { state: sent } } });
    if (result.status < 400 || result.status >= 500) t.fail(`expected a 4xx, got ${result.status}`);
    const after = await stateOf(ctx, t, asset);
    if (after !== state) t.fail(`the state changed from ${state} to ${after}`);
    return `${result.status} for lifecycle ${sent}, state still ${state}`;
  });
}

async function mutatingChecks(ctx: RunContext, category: Category): Promise<void> {
  const fixture = await fixturePlugin(ctx, '-gov', true);
  if (!fixture || !governanceSupported(fixture.kind)) {
    category.skipAll(fixture ? `${fixture.plugin.name} ${fixture.kind.kind} does not support governance` : 'no fixture; pass --fixture <plugin>=FILE', MUTATING);
    return;
  }
  const { plugin, kind, entityName } = fixture;
  const asset = assetPath(kind, entityName);
  const environments: string[] = Array.isArray(kind.governance?.versioning?.environments) ? kind.governance.versioning.environments : [];
  const first = environments.includes('dev') ? 'dev' : environments[0];
  const second = environments[environments.indexOf(first) + 1];
  let ready = false;
  let versionId: string | undefined;
  let bound = false;
  let pending: string | undefined;
  let approved = false;
  const prepared = (t: CheckHandle) => ready || t.skip(`the fixture entity ${entityName} is not available`);

  await category.check('governance.patch', async (t: CheckHandle) => {
    const apply = await applyFixture(ctx, plugin, fixture.source);
    if (apply.status !== 200) t.fail(`apply-source of ${fixture.source.id}: ${apply.status} ${json(apply).message ?? ''}`);
    if (!(await ctx.waitFor(() => listed(ctx, kind, entityName), 30_000))) t.fail(`${entityName} never appeared`);
    ready = true;
    const change = { owner: { principal: `conformance-${ctx.runId}` }, team: { name: 'conformance' }, risk: { level: 'low' } };
    const result = await ctx.request({ method: 'PATCH', path: asset, body: change });
    expectStatus(t, result, 200);
    const governance: Json = json(result).governance ?? {};
    if (governance.owner?.principal !== change.owner.principal || governance.team?.name !== change.team.name || governance.risk?.level !== change.risk.level) {
      t.fail(`owner ${JSON.stringify(governance.owner)}, team ${JSON.stringify(governance.team)}, risk ${JSON.stringify(governance.risk)}`);
    }
    return asset;
  });

  await category.check('governance.version.create', async (t: CheckHandle) => {
    prepared(t);
    const result = await ctx.request({ method: 'POST', path: `${asset}/versions`, body: { versionLabel: 'conformance-1', reason: 'conformance' } });
    expectStatus(t, result, 201);
    const body = json(result);
    if (typeof body.versionId !== 'string' || body.versionId === '') t.fail('no versionId');
    if (!/^[0-9a-f]{64}$/.test(String(body.contentDigest))) t.fail(`contentDigest "${body.contentDigest}"`);
    versionId = body.versionId;
    return body.versionId;
  });

  await category.check('governance.bind', async (t: CheckHandle) => {
    if (!versionId) t.skip('no version was created');
    if (!first) t.skip('no environment is configured');
    const result = await ctx.request({ method: 'PUT', path: `${asset}/bindings/${encodeURIComponent(first)}`, body: { versionId } });
    expectStatus(t, result, 200);
    const bindings = json(await ctx.request({ path: `${asset}/bindings` })).bindings;
    if (!Array.isArray(bindings) || !bindings.some((b: unknown) => isObject(b) && b.environment === first && b.versionId === versionId)) t.fail(`${first} → ${versionId} is not listed`);
    bound = true;
    return `${first} → ${versionId}`;
  });

  await category.check('governance.transition', async (t: CheckHandle) => {
    prepared(t);
    const result = await ctx.request({ method: 'POST', path: `${asset}/actions/lifecycle.setState`, body: setState('approved', false) });
    const body = json(result);
    if (result.status === 202) {
      if (body.status !== 'pending-approval' || typeof body.data?.requestId !== 'string') t.fail(`202 with status "${body.status}" and requestId ${body.data?.requestId}`);
      pending = body.data.requestId;
      return `pending approval ${pending}`;
    }
    expectStatus(t, result, 200);
    approved = (await stateOf(ctx, t, asset)) === 'approved';
    if (!approved) t.fail('the state is not approved');
    return 'approved';
  });

  const decide = (identity = ctx.options.identity) =>
    ctx.request({ method: 'POST', path: `${GOVERNANCE_BASE}/approvals/${encodeURIComponent(pending!)}/decisions`, body: { verdict: 'approve', comment: 'conformance' }, identity });
  await category.check('governance.self_approval', async (t: CheckHandle) => {
    if (!pending) t.skip('the transition needed no approval');
    expectEnvelope(t, await decide(), 403, 'forbidden');
    return '403';
  });
  await category.check('governance.approval', async (t: CheckHandle) => {
    if (!pending) t.skip('the transition needed no approval');
    const reviewer = ctx.options.reviewerIdentity;
    if (!reviewer) {
      // Leaves nothing pending behind: the requester withdraws the request.
      await ctx.request({ method: 'POST', path: `${GOVERNANCE_BASE}/approvals/${encodeURIComponent(pending)}/cancel`, body: { reason: 'conformance: no reviewer' } });
      t.skip('no reviewer identity (--reviewer-user, --reviewer-groups, --reviewer-token)');
    }
    const result = await decide(reviewer);
    expectStatus(t, result, 200);
    approved = (await stateOf(ctx, t, asset)) === 'approved';
    if (!approved) t.fail(`decision ${json(result).decision}, but the state is not approved`);
    return `${json(result).decision} by ${reviewer.user ?? 'the reviewer'}`;
  });

  await category.check('governance.promote', async (t: CheckHandle) => {
    if (!bound) t.skip(`no version is bound to ${first}`);
    if (!second) t.skip('fewer than two environments are configured');
    if (!approved) t.skip('the fixture asset is not approved');
    const result = await ctx.request({ method: 'POST', path: `${asset}/actions/promotion.promote`, body: { params: { fromEnv: first, toEnv: second } } });
    expectStatus(t, result, 200);
    return `${first} → ${second}`;
  });
  await category.check('governance.rollback', async (t: CheckHandle) => {
    if (!bound || !second || !approved) t.skip('nothing was promoted');
    const result = await ctx.request({ method: 'POST', path: `${asset}/actions/promotion.rollback`, body: { params: { environment: second, targetVersionId: versionId } } });
    expectStatus(t, result, 200);
    return `${second} → ${versionId}`;
  });
}

export const runGovernanceChecks: CategoryRunner = async (ctx) => {
  const category = ctx.category('J', 'governance');
  const entity = await firstEntity(ctx, governanceSupported);
  if (entity) await readOnlyChecks(ctx, category, entity.kind, entity.name);
  else category.skipAll('no entity of a kind with governance.supported', READ_ONLY);
  if (ctx.options.mutate) await mutatingChecks(ctx, category);
  else category.skipAll(REQUIRES_MUTATE, MUTATING);
};
