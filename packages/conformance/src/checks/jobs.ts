// Category I (spec 07 §4.3): the refresh jobs API; with --mutate one job on a fixture source of its
// own (`conformance-<runId>-j`, so no refresh rate-limit window of category C is open for it).
import type { CategoryRunner, CheckHandle, PluginSummary } from '../run/RunContext.js';
import { applyFixture, fixturePlugin, isObject, JOBS, json, missingName, REQUIRES_MUTATE, type Json } from './categorySupport.js';
import { expectEnvelope, expectStatus } from './expect.js';

const STATES = ['queued', 'running', 'succeeded', 'failed', 'canceled'];
const TERMINAL = ['succeeded', 'failed', 'canceled'];
const ALL = ['jobs.list', 'jobs.not_found', 'jobs.cancel.not_found', 'jobs.enqueue', 'jobs.get', 'jobs.completes', 'jobs.repeat', 'jobs.cancel.terminal'];
const MUTATING = ['jobs.enqueue', 'jobs.get', 'jobs.repeat', 'jobs.completes', 'jobs.cancel.terminal'];

export const runJobsChecks: CategoryRunner = async (ctx) => {
  const category = ctx.category('I', 'jobs');
  const list = await ctx.request({ path: JOBS });
  if (list.status === 404) {
    category.skipAll('jobs API not available', ALL);
    return;
  }

  await category.check('jobs.list', async (t: CheckHandle) => {
    expectStatus(t, list, 200);
    const jobs = json(list).jobs;
    if (!Array.isArray(jobs)) t.fail('no jobs array');
    const bad = jobs.filter((j: unknown) => !isObject(j) || !STATES.includes(j.state));
    if (bad.length > 0) t.fail(`states ${bad.map((j: Json) => j?.state).join(', ')}`);
    return `${jobs.length} jobs`;
  });
  await category.check('jobs.not_found', async (t: CheckHandle) => {
    expectEnvelope(t, await ctx.request({ path: `${JOBS}/${missingName(ctx)}` }), 404, 'not_found');
  });
  await category.check('jobs.cancel.not_found', async (t: CheckHandle) => {
    expectEnvelope(t, await ctx.request({ method: 'POST', path: `${JOBS}/${missingName(ctx)}:cancel` }), 404, 'not_found');
  });

  if (!ctx.options.mutate) {
    category.skipAll(REQUIRES_MUTATE, MUTATING);
    return;
  }
  const fixture = await fixturePlugin(ctx, '-j', false);
  if (!fixture) {
    category.skipAll('no fixture; pass --fixture <plugin>=FILE', MUTATING);
    return;
  }
  const plugin: PluginSummary = fixture.plugin;
  const sourceId = String(fixture.source.id);
  const refreshPath = `${plugin.basePath}/management/refresh/${encodeURIComponent(sourceId)}`;
  let jobId: string | undefined;
  let finalState: string | undefined;

  await category.check('jobs.enqueue', async (t: CheckHandle) => {
    const apply = await applyFixture(ctx, plugin, fixture.source);
    if (apply.status !== 200) t.fail(`apply-source of ${sourceId}: ${apply.status} ${json(apply).message ?? ''}`);
    const result = await ctx.request({ method: 'POST', path: refreshPath });
    expectStatus(t, result, 202);
    if (typeof json(result).jobId !== 'string' || json(result).jobId === '') t.fail('no jobId');
    if (!result.headers.get('location')) t.fail('no Location header');
    jobId = json(result).jobId;
    ctx.shared.set('jobIds', [...((ctx.shared.get('jobIds') as string[] | undefined) ?? []), jobId]);
    return `job ${jobId}`;
  });

  // Sent right after the first enqueue, while its rate-limit window is open (or its job still active).
  await category.check('jobs.repeat', async (t: CheckHandle) => {
    if (!jobId) t.skip('no job was enqueued');
    const result = await ctx.request({ method: 'POST', path: refreshPath });
    if (result.status === 429) {
      const body = json(result);
      if (!result.headers.get('retry-after')) t.fail('429 without Retry-After');
      if (typeof body.retryAfterSeconds !== 'number') t.fail('429 without retryAfterSeconds');
      return `429, retry after ${body.retryAfterSeconds} s`;
    }
    expectStatus(t, result, 202);
    if (json(result).jobId === jobId) return `202 with the same job ${jobId}`;
    const first = json(await ctx.request({ path: `${JOBS}/${encodeURIComponent(jobId)}` }));
    if (TERMINAL.includes(first.state)) t.skip(`the first job was already ${first.state}: reuse is not observable (rate limit disabled)`);
    t.fail(`202 with a new job ${json(result).jobId} while ${jobId} is ${first.state}`);
  });

  await category.check('jobs.get', async (t: CheckHandle) => {
    if (!jobId) t.skip('no job was enqueued');
    const result = await ctx.request({ path: `${JOBS}/${encodeURIComponent(jobId)}` });
    expectStatus(t, result, 200);
    const job = json(result);
    if (job.id !== jobId || job.plugin !== plugin.name || job.sourceId !== sourceId) t.fail(`id ${job.id}, plugin ${job.plugin}, sourceId ${job.sourceId}`);
    return `${plugin.name}/${sourceId}: ${job.state}`;
  });

  await category.check('jobs.completes', async (t: CheckHandle) => {
    if (!jobId) t.skip('no job was enqueued');
    const done = await ctx.waitFor(async () => {
      finalState = json(await ctx.request({ path: `${JOBS}/${encodeURIComponent(jobId!)}` })).state;
      return TERMINAL.includes(finalState ?? '');
    }, ctx.options.jobTimeoutMs);
    if (!done) t.fail(`still ${finalState} after ${ctx.options.jobTimeoutMs} ms`);
    if (finalState !== 'succeeded') t.fail(`job ${jobId} ended ${finalState}`);
    return 'succeeded';
  });

  await category.check('jobs.cancel.terminal', async (t: CheckHandle) => {
    if (!jobId || finalState !== 'succeeded') t.skip('no succeeded job');
    expectEnvelope(t, await ctx.request({ method: 'POST', path: `${JOBS}/${encodeURIComponent(jobId)}:cancel` }), 409);
    return '409';
  });
};
