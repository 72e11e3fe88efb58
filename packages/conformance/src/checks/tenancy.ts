// Category G (spec 07 §4.3): namespace resolution and, with --mutate and a second namespace, the
// isolation of sources, entities, audit events, jobs and governance between the two tenants.
import type { Category, CategoryRunner, CheckHandle, HttpResult, RunContext } from '../run/RunContext.js';
import {
  applyFixture, assetPath, AUDIT_EVENTS, entityKinds, entityPath, fixturePlugin, governanceSupported, isObject, JOBS, json, listed,
  REQUIRES_MUTATE, type Json,
} from './categorySupport.js';
import { expectEnvelope, expectStatus } from './expect.js';

const ISOLATION = ['tenancy.isolation.sources', 'tenancy.isolation.entities', 'tenancy.isolation.audit', 'tenancy.isolation.jobs', 'tenancy.isolation.governance'];
const NAMESPACE_ONLY = ['tenancy.required', 'tenancy.invalid', 'tenancy.query_wins'];
/** Upper bound of list pages read when looking for this run's ids in the other namespace. */
const MAX_PAGES = 20;

/** Fails with a hint when the caller may not read the other namespace: isolation is then not observable. */
function readable(t: CheckHandle, result: HttpResult, other: string, what: string): Json {
  if (result.status === 403 || result.status === 401) t.skip(`the identity may not read ${what} in ${other} (${result.status}); pass an identity that can read both namespaces`);
  expectStatus(t, result, 200);
  return json(result);
}

/** Every item of a paged list (`key` array, nextPageToken) in `namespace`, up to MAX_PAGES pages. */
async function readAll(ctx: RunContext, t: CheckHandle, path: string, key: string, namespace: string, what: string): Promise<Json[]> {
  const items: Json[] = [];
  let token = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const body = readable(t, await ctx.request({ path, query: { pageSize: 100, ...(token ? { pageToken: token } : {}) }, namespace }), namespace, what);
    if (!Array.isArray(body[key])) t.fail(`no ${key} array`);
    items.push(...body[key].filter(isObject));
    token = typeof body.nextPageToken === 'string' ? body.nextPageToken : '';
    if (!token) break;
  }
  return items;
}

async function isolationChecks(ctx: RunContext, category: Category, ns: string, other: string): Promise<void> {
  const runPrefix = `conformance-${ctx.runId}`;
  const fixture = await fixturePlugin(ctx, '-g', true);
  if (!fixture) {
    category.skipAll('no fixture; pass --fixture <plugin>=FILE', ISOLATION);
    return;
  }
  const { plugin, kind, entityName } = fixture;
  const sourceId = String(fixture.source.id);
  let applied = false;
  let jobId: string | undefined;

  await category.check('tenancy.isolation.sources', async (t: CheckHandle) => {
    const apply = await applyFixture(ctx, plugin, fixture.source);
    expectStatus(t, apply, 200);
    applied = true;
    const sources = readable(t, await ctx.request({ path: `${plugin.basePath}/management/sources`, namespace: other }), other, 'sources');
    if (!Array.isArray(sources.sources)) t.fail('no sources array');
    const leaked = sources.sources.filter((s: unknown) => isObject(s) && typeof s.id === 'string' && s.id.startsWith(runPrefix));
    if (leaked.length > 0) t.fail(`${other} lists ${leaked.map((s: Json) => s.id).join(', ')}`);
    return `${sourceId} absent from ${other}`;
  });

  await category.check('tenancy.isolation.entities', async (t: CheckHandle) => {
    if (!applied) t.skip('the fixture source was not applied');
    if (!(await ctx.waitFor(() => listed(ctx, kind, entityName), 30_000))) t.fail(`${entityName} never appeared in ${ns}`);
    const list = await ctx.request({ path: kind.list, query: { q: entityName, pageSize: 100 }, namespace: other });
    const items: unknown[] = readable(t, list, other, 'entities').items;
    if (!Array.isArray(items)) t.fail('no items array');
    if (items.some((item) => isObject(item) && item.name === entityName)) t.fail(`${entityName} is listed in ${other}`);
    const get = await ctx.request({ path: entityPath(kind, entityName), namespace: other });
    expectEnvelope(t, get, 404, 'not_found');
    return `${entityName} absent and 404 in ${other}`;
  });

  await category.check('tenancy.isolation.audit', async (t: CheckHandle) => {
    const ours = new Set(ctx.mutations.filter((m) => m.namespace === ns).map((m) => m.requestId));
    if (ours.size === 0) t.skip(`no write request was sent in ${ns}`);
    const events = await readAll(ctx, t, AUDIT_EVENTS, 'events', other, 'audit events');
    const leaked = events.filter((e) => typeof e.requestId === 'string' && ours.has(e.requestId));
    if (leaked.length > 0) t.fail(`${other} shows events of ${leaked.map((e) => e.requestId).join(', ')}`);
    // One of this run's events, read by id from the other namespace, must be unknown there too.
    const own = json(await ctx.request({ path: AUDIT_EVENTS, query: { requestId: [...ours].at(-1) } })).events;
    const eventId = Array.isArray(own) && isObject(own[0]) ? String(own[0].id) : undefined;
    if (eventId) expectEnvelope(t, await ctx.request({ path: `${AUDIT_EVENTS}/${encodeURIComponent(eventId)}`, namespace: other }), 404, 'not_found');
    return `${ours.size} request ids absent from ${events.length} events of ${other}${eventId ? `; event ${eventId} is 404 there` : ''}`;
  });

  await category.check('tenancy.isolation.jobs', async (t: CheckHandle) => {
    if (!applied) t.skip('the fixture source was not applied');
    const jobs = await ctx.request({ path: JOBS, namespace: ns, query: { pageSize: 1 } });
    if (jobs.status === 404) t.skip('jobs API not available');
    const refresh = await ctx.request({ method: 'POST', path: `${plugin.basePath}/management/refresh/${encodeURIComponent(sourceId)}` });
    if (refresh.status !== 202 || typeof json(refresh).jobId !== 'string') t.fail(`refresh of ${sourceId}: expected 202 with jobId, got ${refresh.status}`);
    jobId = json(refresh).jobId as string;
    const ids = new Set([jobId, ...((ctx.shared.get('jobIds') as string[] | undefined) ?? [])]);
    const listedJobs = await readAll(ctx, t, JOBS, 'jobs', other, 'jobs');
    const leaked = listedJobs.filter((j) => ids.has(j.id));
    if (leaked.length > 0) t.fail(`${other} lists jobs ${leaked.map((j) => j.id).join(', ')}`);
    expectStatus(t, await ctx.request({ path: `${JOBS}/${encodeURIComponent(jobId)}`, namespace: other }), 404);
    return `${ids.size} job ids absent from ${other}; ${jobId} is 404 there`;
  });

  await category.check('tenancy.isolation.governance', async (t: CheckHandle) => {
    if (!applied) t.skip('the fixture source was not applied');
    if (!governanceSupported(kind)) t.skip(`${plugin.name} ${kind.kind} does not support governance`);
    const asset = assetPath(kind, entityName);
    const owner = { principal: runPrefix };
    const patch = await ctx.request({ method: 'PATCH', path: asset, body: { owner } });
    expectStatus(t, patch, 200);
    const absent = await ctx.request({ path: asset, namespace: other });
    expectEnvelope(t, absent, 404, 'not_found');
    // The same entity in the other namespace (where the identity may write) must carry its own, default record.
    if ((await applyFixture(ctx, plugin, fixture.source, other)).status !== 200) return `${asset} is 404 in ${other}`;
    const record = readable(t, await ctx.request({ path: asset, namespace: other }), other, 'governance');
    if (JSON.stringify(record.governance?.owner ?? null).includes(runPrefix)) t.fail(`the owner set in ${ns} is visible in ${other}`);
    return `404 in ${other}; once applied there too, its record does not show the change made in ${ns}`;
  });
  if (jobId) ctx.shared.set('jobIds', [...((ctx.shared.get('jobIds') as string[] | undefined) ?? []), jobId]);
}

export const runTenancyChecks: CategoryRunner = async (ctx) => {
  const category = ctx.category('G', 'tenancy');

  await category.check('tenancy.namespaces', async (t: CheckHandle) => {
    const result = await ctx.request({ path: '/api/tenancy/v1alpha1/namespaces', namespace: null });
    expectStatus(t, result, 200);
    const body = json(result);
    if (!Array.isArray(body.namespaces)) t.fail('no namespaces array');
    if (body.mode !== 'single' && body.mode !== 'namespace') t.fail(`mode "${body.mode}"`);
    return `mode ${body.mode}: ${body.namespaces.join(', ')}`;
  });

  const firstKind = (await entityKinds(ctx, ctx.plugins[0]))[0];
  if (ctx.mode === 'single') {
    await category.check('tenancy.single.ignored', async (t: CheckHandle) => {
      if (!firstKind) t.skip(`plugin ${ctx.plugins[0].name} declares no entity kind`);
      const plain = await ctx.request({ path: firstKind.list, namespace: null });
      const other = await ctx.request({ path: firstKind.list, headers: { 'X-Namespace': 'conformance-other' }, namespace: null });
      expectStatus(t, plain, 200);
      expectStatus(t, other, 200);
      if (JSON.stringify(json(plain).items) !== JSON.stringify(json(other).items)) t.fail('the lists differ');
      return `${firstKind.list} identical`;
    });
    category.skipAll('not applicable in single mode', [...NAMESPACE_ONLY, ...ISOLATION]);
    return;
  }
  category.skipAll('not applicable in namespace mode', ['tenancy.single.ignored']);

  await category.check('tenancy.required', async (t: CheckHandle) => {
    if (!firstKind) t.skip(`plugin ${ctx.plugins[0].name} declares no entity kind`);
    const result = await ctx.request({ path: firstKind.list, namespace: null });
    expectEnvelope(t, result, 400, 'bad_request');
    if (!String(json(result).message).startsWith('namespace is required in multi-tenant mode')) t.fail(`message "${json(result).message}"`);
    return json(result).message;
  });

  await category.check('tenancy.invalid', async (t: CheckHandle) => {
    if (!firstKind) t.skip(`plugin ${ctx.plugins[0].name} declares no entity kind`);
    const result = await ctx.request({ path: firstKind.list, headers: { 'X-Namespace': 'Team_A!' }, namespace: null });
    expectEnvelope(t, result, 400, 'bad_request');
    return json(result).message;
  });

  await category.check('tenancy.query_wins', async (t: CheckHandle) => {
    const ns = ctx.namespace;
    if (!ns) t.skip('no namespace');
    const header = ctx.otherNamespace ?? 'conformance-other';
    const result = await ctx.request({ path: '/api/authz/v1alpha1/whoami', query: { namespace: ns }, headers: { 'X-Namespace': header }, namespace: null });
    expectStatus(t, result, 200);
    if (json(result).namespace !== ns) t.fail(`namespace "${json(result).namespace}", expected "${ns}"`);
    return `query ${ns} wins over header ${header}`;
  });

  if (!ctx.namespace || !ctx.otherNamespace) category.skipAll('requires two namespaces (--namespace and --other-namespace)', ISOLATION);
  else if (!ctx.options.mutate) category.skipAll(REQUIRES_MUTATE, ISOLATION);
  else await isolationChecks(ctx, category, ctx.namespace, ctx.otherNamespace);
};
