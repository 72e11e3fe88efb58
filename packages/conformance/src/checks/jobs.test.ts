import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_BASE, error, runOnStub, type StubReply, type StubRequest } from '../testing/stubServer.js';
import { runJobsChecks } from './jobs.js';

const JOBS = '/api/jobs/v1alpha1/refresh';
const SAMPLE = { id: 'demo-samples', name: 'Samples', type: 'yaml', enabled: true, properties: { content: 'widgets:\n  - name: w1\n' } };
type Fault = 'disabled' | 'no-location' | 'new-job-on-repeat' | 'no-retry-after' | 'job-fails' | 'cancel-finished';

/** A server with jobs enabled and a 30 s rate limit; a job runs for two reads, then ends. */
function jobsServer(fault?: Fault) {
  const jobs: { id: string; plugin: string; sourceId: string; state: string; reads: number }[] = [];
  const limited = new Set<string>();
  return (r: StubRequest): StubReply | undefined => {
    if (r.path.startsWith('/api/jobs') && fault === 'disabled') return error(404, 'not_found');
    if (r.path === `${DEMO_BASE}/management/sources`) return { status: 200, body: { sources: [SAMPLE], count: 1 } };
    if (r.path === `${DEMO_BASE}/management/apply-source`) return { status: 200, body: r.body };
    if (r.path.startsWith(`${DEMO_BASE}/management/refresh/`)) {
      const sourceId = decodeURIComponent(r.path.split('/').pop()!);
      if (limited.has(sourceId) && fault !== 'new-job-on-repeat') {
        return { status: 429, body: { error: 'too_many_requests', message: 'rate limited', retryAfterSeconds: 30 }, headers: fault === 'no-retry-after' ? {} : { 'retry-after': '30' } };
      }
      limited.add(sourceId);
      const job = { id: `job-${jobs.length}`, plugin: 'demo', sourceId, state: 'running', reads: 0 };
      jobs.push(job);
      return { status: 202, body: { status: 'queued', jobId: job.id }, headers: fault === 'no-location' ? {} : { location: `${JOBS}/${job.id}` } };
    }
    if (r.path === JOBS) return { status: 200, body: { jobs: jobs.map(({ reads: _reads, ...job }) => job) } };
    const job = jobs.find((j) => r.path === `${JOBS}/${j.id}` || r.path === `${JOBS}/${j.id}:cancel`);
    if (!job) return r.path.startsWith(JOBS) ? error(404, 'not_found') : undefined;
    if (r.path.endsWith(':cancel')) {
      return job.state === 'running' || fault === 'cancel-finished' ? { status: 200, body: { status: 'canceled', jobId: job.id } } : error(409, 'conflict', `job is already ${job.state}`);
    }
    if (job.state === 'running' && ++job.reads > 2) job.state = fault === 'job-fails' ? 'failed' : 'succeeded';
    const { reads: _reads, ...body } = job;
    return { status: 200, body };
  };
}

const run = (fault?: Fault) => runOnStub(jobsServer(fault), runJobsChecks, { namespace: 'team-a', mutate: true, jobTimeoutMs: 5_000 });

test('a jobs API that queues, rate-limits, completes and refuses to cancel a finished job passes every check', async () => {
  const records = await run();
  assert.deepEqual([...records.values()].filter((r) => r.status !== 'passed'), []);
  assert.equal(records.get('jobs.repeat')?.message, '429, retry after 30 s');
});

test('each wrong answer fails its check', async () => {
  assert.equal((await run('no-location')).get('jobs.enqueue')?.status, 'failed');
  assert.equal((await run('no-retry-after')).get('jobs.repeat')?.status, 'failed');
  const repeat = (await run('new-job-on-repeat')).get('jobs.repeat');
  assert.equal(repeat?.status, 'failed');
  assert.match(repeat?.message ?? '', /new job job-1 while job-0 is running/);
  assert.equal((await run('job-fails')).get('jobs.completes')?.status, 'failed');
  assert.equal((await run('cancel-finished')).get('jobs.cancel.terminal')?.status, 'failed');
});

test('a server without the jobs API skips the category', async () => {
  const records = await run('disabled');
  assert.equal(records.size, 8);
  for (const record of records.values()) assert.deepEqual([record.status, record.message], ['skipped', 'jobs API not available']);
});
