// Category H (spec 07 §4.3): the audit API, and one event per write request of this run with the
// right outcome and actor (found by the X-Request-Id every mutating harness request carries).
import type { CategoryRunner, CheckHandle, MutationRecord, RunContext } from '../run/RunContext.js';
import { AUDIT_EVENTS, isObject, json, missingName, REQUIRES_MUTATE, type Json } from './categorySupport.js';
import { expectEnvelope, expectStatus } from './expect.js';

const REQUIRED_FIELDS = ['id', 'namespace', 'eventType', 'actor', 'outcome', 'createdAt'];
const PAGES = 3;

/** The outcome an audit event must carry for an HTTP status (05 §4.3). */
function expectedOutcomes(status: number): string[] {
  if (status === 403) return ['denied'];
  if (status === 202) return ['success', 'pending'];
  if (status >= 200 && status < 300) return ['success'];
  return ['failure'];
}

async function eventsOf(ctx: RunContext, t: CheckHandle, requestId: string, namespace: string | null): Promise<Json[]> {
  const result = await ctx.request({ path: AUDIT_EVENTS, query: { requestId, pageSize: 100 }, namespace });
  expectStatus(t, result, 200);
  const events = json(result).events;
  if (!Array.isArray(events)) t.fail('no events array');
  return events.filter(isObject);
}

/** Problems of one mutation's events: not exactly one, wrong outcome, wrong actor. */
async function mutationProblem(ctx: RunContext, t: CheckHandle, m: MutationRecord): Promise<string | undefined> {
  const events = await eventsOf(ctx, t, m.requestId, m.namespace);
  const what = `${m.method} ${m.path} (${m.requestId}, ${m.status})`;
  if (events.length === 0 && m.status === 403) return `${what}: no event (CATALOG_AUDIT_LOG_DENIED=false would explain it)`;
  if (events.length !== 1) return `${what}: ${events.length} events`;
  const [event] = events;
  if (!expectedOutcomes(m.status).includes(event.outcome)) return `${what}: outcome ${event.outcome}`;
  if (m.actor && event.actor !== m.actor) return `${what}: actor ${event.actor}, expected ${m.actor}`;
  return undefined;
}

export const runAuditChecks: CategoryRunner = async (ctx) => {
  const category = ctx.category('H', 'audit');
  let first: Json | undefined;
  const requestNamespace = ctx.namespace ?? 'default';

  await category.check('audit.list', async (t: CheckHandle) => {
    const result = await ctx.request({ path: AUDIT_EVENTS });
    expectStatus(t, result, 200);
    const events = json(result).events;
    if (!Array.isArray(events)) t.fail('no events array');
    for (const event of events) {
      const absent = REQUIRED_FIELDS.filter((f) => !isObject(event) || event[f] === undefined || event[f] === null || event[f] === '');
      if (absent.length > 0) t.fail(`event ${isObject(event) ? event.id : '?'} lacks ${absent.join(', ')}`);
    }
    first = events[0];
    return `${events.length} events`;
  });

  await category.check('audit.get', async (t: CheckHandle) => {
    if (!first) t.skip('no audit event');
    const result = await ctx.request({ path: `${AUDIT_EVENTS}/${encodeURIComponent(first.id)}` });
    expectStatus(t, result, 200);
    if (json(result).id !== first.id) t.fail(`id ${json(result).id}, expected ${first.id}`);
    return String(first.id);
  });

  await category.check('audit.not_found', async (t: CheckHandle) => {
    expectEnvelope(t, await ctx.request({ path: `${AUDIT_EVENTS}/${missingName(ctx)}` }), 404, 'not_found');
  });

  await category.check('audit.pagination', async (t: CheckHandle) => {
    const seen = new Set<string>();
    let token = '';
    for (let page = 0; page < PAGES; page++) {
      const result = await ctx.request({ path: AUDIT_EVENTS, query: { pageSize: 1, ...(token ? { pageToken: token } : {}) } });
      expectStatus(t, result, 200);
      const events: Json[] = Array.isArray(json(result).events) ? json(result).events : [];
      if (events.length > 1) t.fail(`page ${page + 1} holds ${events.length} events`);
      for (const event of events) {
        if (seen.has(event.id)) t.fail(`event ${event.id} on two pages`);
        seen.add(event.id);
      }
      token = typeof json(result).nextPageToken === 'string' ? json(result).nextPageToken : '';
      if (!token) break;
    }
    return `${seen.size} distinct events`;
  });

  await category.check('audit.namespace_scoped', async (t: CheckHandle) => {
    const result = await ctx.request({ path: AUDIT_EVENTS, query: { pageSize: 100 } });
    expectStatus(t, result, 200);
    const events: Json[] = Array.isArray(json(result).events) ? json(result).events : [];
    const foreign = events.filter((e) => e.namespace !== requestNamespace);
    if (foreign.length > 0) t.fail(`events of ${[...new Set(foreign.map((e) => e.namespace))].join(', ')} in the ${requestNamespace} list`);
    return `${events.length} events of ${requestNamespace}`;
  });

  if (!ctx.options.mutate) category.skipAll(REQUIRES_MUTATE, ['audit.one_event_per_request', 'audit.failure_outcome']);
  else {
    await category.check('audit.one_event_per_request', async (t: CheckHandle) => {
      const mutations = [...ctx.mutations];
      if (mutations.length === 0) t.skip('no write request was sent');
      const problems: string[] = [];
      for (const m of mutations) {
        const problem = await mutationProblem(ctx, t, m);
        if (problem) problems.push(problem);
      }
      if (problems.length > 0) t.fail(problems.slice(0, 5).join('; ') + (problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''));
      return `${mutations.length} requests, one event each`;
    });

    await category.check('audit.failure_outcome', async (t: CheckHandle) => {
      const action = await ctx.request({
        method: 'POST', path: `${ctx.plugins[0].basePath}/management/entities/${missingName(ctx)}:action`, body: { action: 'tag', params: { tags: ['conformance'] } },
      });
      expectStatus(t, action, 404);
      const requestId = ctx.mutations.at(-1)?.requestId;
      if (!requestId) t.fail('the action was not recorded as a write request');
      const events = await eventsOf(ctx, t, requestId, ctx.namespace);
      if (events.length !== 1) t.fail(`${events.length} events for ${requestId}`);
      if (events[0].outcome !== 'failure' || events[0].statusCode !== 404) t.fail(`outcome ${events[0].outcome}, statusCode ${events[0].statusCode}`);
      return `failure 404 (${requestId})`;
    });
  }

  const denied = ctx.options.deniedIdentity;
  if (!denied) category.skipAll('no denied identity (--denied-user, --denied-groups, --denied-token)', ['audit.denied_outcome']);
  else {
    await category.check('audit.denied_outcome', async (t: CheckHandle) => {
      const refused = ctx.mutations.filter((m) => m.status === 403 && (denied.user === undefined || m.actor === denied.user));
      if (refused.length === 0) t.skip('the denied identity sent no refused write request (category D skipped?)');
      const misses: string[] = [];
      for (const m of refused) {
        const events = await eventsOf(ctx, t, m.requestId, m.namespace);
        if (events.length !== 1 || events[0].outcome !== 'denied') misses.push(`${m.method} ${m.path}: ${events.map((e) => e.outcome).join(',') || 'no event'}`);
      }
      if (misses.length > 0) t.fail(`${misses.join('; ')} (a server with CATALOG_AUDIT_LOG_DENIED=false would explain a miss)`);
      return `${refused.length} denied events`;
    });
  }
};
