import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_BASE, DEMO_LIST, error, runOnStub, type StubReply, type StubRequest } from '../testing/stubServer.js';
import { runTenancyChecks } from './tenancy.js';

const ISOLATION = ['sources', 'entities', 'audit', 'jobs', 'governance'].map((c) => `tenancy.isolation.${c}`);
const SAMPLE = { id: 'demo-samples', name: 'Samples', type: 'yaml', enabled: true, properties: { content: 'widgets:\n  - name: w1\n' } };

interface Tenant {
  sources: Record<string, unknown>[];
  events: Record<string, unknown>[];
  jobs: Record<string, unknown>[];
  owners: Map<string, unknown>;
}

/**
 * A namespace-mode server keeping sources, entities (one per applied source, named like it), audit
 * events, jobs and governance owners per namespace; `leaky` serves every read from team-a's data.
 */
function tenancyServer(options: { leaky?: boolean; requireNamespace?: boolean; queryWins?: boolean } = {}) {
  const tenants = new Map<string, Tenant>();
  const tenant = (ns: string | null): Tenant => {
    const key = options.leaky ? 'team-a' : (ns ?? '');
    if (!tenants.has(key)) tenants.set(key, { sources: [SAMPLE], events: [], jobs: [], owners: new Map() });
    return tenants.get(key)!;
  };
  const names = (t: Tenant) => ['w1', ...t.sources.filter((s) => s !== SAMPLE).map((s) => String(s.id))];
  return (r: StubRequest): StubReply | undefined => {
    if (r.path === '/api/authz/v1alpha1/whoami') {
      const header = r.headers['x-namespace'];
      return { status: 200, body: { user: r.user, namespace: options.queryWins === false ? header : r.namespace } };
    }
    if (r.path === DEMO_LIST && r.namespace === null) {
      return options.requireNamespace === false ? { status: 200, body: { items: [], size: 0 } } : error(400, 'bad_request', 'namespace is required in multi-tenant mode (use ?namespace=)');
    }
    if (r.namespace !== null && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(r.namespace)) return error(400, 'bad_request', 'invalid namespace');
    const t = tenant(r.namespace);
    if (r.method !== 'GET') t.events.push({ id: `e${t.events.length}`, requestId: r.headers['x-request-id'], namespace: r.namespace });
    if (r.path === DEMO_LIST) return { status: 200, body: { items: names(t).map((name) => ({ name })), size: names(t).length } };
    if (r.path.startsWith(`${DEMO_LIST}/`)) return names(t).includes(decodeURIComponent(r.path.slice(DEMO_LIST.length + 1))) ? { status: 200, body: {} } : error(404, 'not_found');
    if (r.path === `${DEMO_BASE}/management/sources`) return { status: 200, body: { sources: t.sources, count: t.sources.length } };
    if (r.path === `${DEMO_BASE}/management/apply-source`) {
      t.sources.push(r.body);
      return { status: 200, body: r.body };
    }
    if (r.path.startsWith(`${DEMO_BASE}/management/refresh/`)) {
      const job = { id: `job-${t.jobs.length}-${r.namespace}`, state: 'queued' };
      t.jobs.push(job);
      return { status: 202, body: { status: 'queued', jobId: job.id }, headers: { location: `/api/jobs/v1alpha1/refresh/${job.id}` } };
    }
    if (r.path === '/api/jobs/v1alpha1/refresh') return { status: 200, body: { jobs: t.jobs, nextPageToken: '' } };
    if (r.path.startsWith('/api/jobs/v1alpha1/refresh/')) return t.jobs.some((j) => r.path.endsWith(`/${j.id}`)) ? { status: 200, body: {} } : error(404, 'not_found');
    if (r.path === '/api/audit/v1alpha1/events') return { status: 200, body: { events: t.events, nextPageToken: '' } };
    if (r.path.startsWith('/api/governance/v1alpha1/assets/demo/Widget/')) {
      const name = decodeURIComponent(r.path.split('/').pop()!);
      if (!names(t).includes(name)) return error(404, 'not_found');
      if (r.method === 'PATCH') t.owners.set(name, r.body.owner);
      return { status: 200, body: { governance: { owner: t.owners.get(name) ?? null } } };
    }
    return undefined;
  };
}

const run = (options: Parameters<typeof tenancyServer>[0], mutate = true) =>
  runOnStub(tenancyServer(options), runTenancyChecks, { namespace: 'team-a', otherNamespace: 'team-b', mutate });

test('an isolating namespace-mode server passes every tenancy check; single-mode checks are skipped', async () => {
  const records = await run({});
  assert.deepEqual([...records.values()].filter((r) => r.status === 'failed'), []);
  for (const name of [...ISOLATION, 'tenancy.required', 'tenancy.invalid', 'tenancy.query_wins']) assert.equal(records.get(name)?.status, 'passed', name);
  assert.equal(records.get('tenancy.single.ignored')?.message, 'not applicable in namespace mode');
});

test('a server leaking team-a data into team-b fails every isolation check', async () => {
  const records = await run({ leaky: true });
  for (const name of ISOLATION) assert.equal(records.get(name)?.status, 'failed', name);
});

test('a list answering without a namespace fails tenancy.required; the header winning over the query fails query_wins', async () => {
  const records = await run({ requireNamespace: false, queryWins: false }, false);
  assert.equal(records.get('tenancy.required')?.status, 'failed');
  assert.equal(records.get('tenancy.query_wins')?.status, 'failed');
  for (const name of ISOLATION) assert.equal(records.get(name)?.message, 'requires --mutate', name);
});

test('single mode: namespace checks and isolation are not applicable', async () => {
  // The stub echoes the namespace header into the list: it does not ignore it.
  const echoing = (r: StubRequest) => (r.path === DEMO_LIST ? { status: 200, body: { items: [{ name: r.namespace ?? 'same' }] } } : undefined);
  const records = await runOnStub(echoing, runTenancyChecks, { mutate: true }, 'single');
  assert.equal(records.get('tenancy.single.ignored')?.status, 'failed');
  for (const name of ['tenancy.required', ...ISOLATION]) assert.equal(records.get(name)?.message, 'not applicable in single mode', name);
});
