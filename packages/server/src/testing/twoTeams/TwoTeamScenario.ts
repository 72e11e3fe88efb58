import { randomUUID } from 'node:crypto';
import { seededRandom } from '../seededRandom.js';
import { percentile, ScenarioClient, type Caller, type Category, type Mutation, type ViolationKind } from './ScenarioClient.js';
import {
  basePath, entityName, expectedNames, SCENARIO_PLUGINS, scratchContent, scratchName, scratchSourceId, sourceId, TEAMS, type ScenarioPlugin, type Team, type TeamSource,
} from './teamDataset.js';

/**
 * The two-team scenario of spec 05 §11 item 55: team-a (alice) and team-b (carol) work at once for
 * a fixed time against the SAR setup (fixture of 05 §9), with virtual users that browse, filter and
 * page lists, apply and refresh sources through async jobs, run governance actions, read audit and
 * jobs, probe the other team's ids, and act as identities that must be denied. Every response is
 * checked as it arrives; after the run, the audit trail of each namespace is checked against every
 * request that needed an event. The e2e test (reduced dataset) and `npm run bench:enterprise` (full
 * dataset) both run it.
 */

export interface ScenarioOptions {
  /** One URL per replica; requests go round-robin. */
  urls: readonly string[];
  /** Entities per plugin and team, as written by writeTeamDataset. */
  perPlugin: number;
  durationSeconds: number;
  /** Seconds of the same load before the measured `durationSeconds`, whose latencies and statuses are discarded (default 0). */
  warmupSeconds?: number;
  /** Virtual users, split evenly between the teams (default 20). */
  users?: number;
  /** Mean pause of a user between two operations (default 100 ms; each pause is 0.5–1.5 times it). */
  thinkTimeMs?: number;
  seed?: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface ScenarioReport {
  requests: number;
  statuses: Record<string, number>;
  fiveXx: number;
  latency: Record<Category | 'all', LatencySummary>;
  jobsCompleted: number;
  jobsFailed: number;
  /** Completed full page-throughs of an entity, audit or job list, each checked for duplicates and gaps. */
  pagedLists: number;
  mutationsAudited: number;
  deniedReadsAudited: number;
  violationCounts: Record<ViolationKind, number>;
  /** The first few violations of each kind. */
  violations: Record<ViolationKind, string[]>;
}

type Role = 'browser' | 'refresher' | 'applier' | 'governor' | 'auditor' | 'crossProber' | 'negative';
/** What one team's ten users do; with fewer users the list is cut, with more it repeats. */
const ROLES: readonly Role[] = ['browser', 'refresher', 'applier', 'governor', 'auditor', 'negative', 'crossProber', 'browser', 'governor', 'browser'];

const GOV = '/api/governance/v1alpha1';
const EVENTS = '/api/audit/v1alpha1/events';
const JOBS = '/api/jobs/v1alpha1/refresh';
const MCP = basePath('mcp');
const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);
const JOB_TIMEOUT_MS = 60_000;
const JOB_POLL_MS = 250;
const RISK_LEVELS = ['low', 'medium', 'high', 'critical'];
const NEXT_STATE: Record<string, string> = { draft: 'approved', approved: 'deprecated', deprecated: 'approved' };

const asset = (team: Team, index: number) => `${GOV}/assets/agents/Agent/${entityName(team, 'agents', index)}`;
const editor = (team: Team): Caller => ({ user: team.user, groups: team.groups, namespace: team.namespace, team });
const other = (team: Team) => TEAMS.find((t) => t !== team)!;

/** What a team's users learned while running, for the auditor's completeness checks and the other team's probes. */
interface TeamState {
  jobIds: string[];
  eventIds: string[];
  versionIds: string[];
}

/** A request that the denied identities send; `pair` is the (resource, verb) the 403 names. */
interface Probe {
  method: string;
  path: (target: Team) => string;
  body?: (target: Team) => unknown;
  pair: string;
}

const PROBES: readonly Probe[] = [
  { method: 'GET', path: () => '/api/plugins', pair: 'plugins/list' },
  { method: 'GET', path: () => `${MCP}/mcpservers?pageSize=50`, pair: 'assets/list' },
  { method: 'GET', path: (t) => `${MCP}/mcpservers/${entityName(t, 'mcp', 1)}`, pair: 'assets/get' },
  { method: 'GET', path: () => `${MCP}/management/sources`, pair: 'catalogsources/list' },
  { method: 'GET', path: () => `${EVENTS}?pageSize=20`, pair: 'audit/list' },
  { method: 'GET', path: () => `${JOBS}?pageSize=20`, pair: 'jobs/list' },
  { method: 'GET', path: () => `${GOV}/approvals`, pair: 'approvals/list' },
  { method: 'GET', path: (t) => asset(t, 0), pair: 'assets/get' },
  { method: 'POST', path: () => `${MCP}/management/apply-source`, body: (t) => ({ id: scratchSourceId(t), name: 'x', type: 'yaml', properties: { content: 'mcpservers: []\n' } }), pair: 'catalogsources/create' },
  { method: 'POST', path: () => `${MCP}/management/apply-source`, pair: 'catalogsources/create' },
  { method: 'POST', path: (t) => `${MCP}/management/refresh/${sourceId(t, 'mcp')}`, body: () => ({}), pair: 'jobs/create' },
  { method: 'DELETE', path: (t) => `${MCP}/management/sources/${sourceId(t, 'mcp')}`, pair: 'catalogsources/delete' },
  { method: 'POST', path: (t) => `${MCP}/management/sources/${scratchSourceId(t)}/enable`, body: () => ({ enabled: false }), pair: 'catalogsources/update' },
  { method: 'POST', path: (t) => `${MCP}/management/entities/${entityName(t, 'mcp', 2)}:action`, body: () => ({ action: 'tag', params: { tags: ['hijacked'] } }), pair: 'actions/execute' },
  { method: 'PATCH', path: (t) => asset(t, 0), body: () => ({ risk: { level: 'low' } }), pair: 'assets/update' },
  { method: 'POST', path: (t) => `${asset(t, 0)}/versions`, body: () => ({ versionLabel: 'hijacked' }), pair: 'actions/execute' },
  { method: 'PUT', path: (t) => `${asset(t, 0)}/bindings/dev`, body: () => ({ versionId: 'v1:00000000' }), pair: 'actions/execute' },
  { method: 'POST', path: (t) => `${asset(t, 0)}/actions/lifecycle.setState`, body: () => ({ params: { state: 'archived' } }), pair: 'actions/execute' },
  { method: 'POST', path: () => `${JOBS}/${randomUUID()}:cancel`, pair: 'jobs/update' },
  { method: 'POST', path: () => `${GOV}/approvals/${randomUUID()}/decisions`, body: () => ({ verdict: 'approve' }), pair: 'approvals/approve' },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class TwoTeamScenario {
  private readonly client: ScenarioClient;
  private readonly state = new Map<Team['namespace'], TeamState>(TEAMS.map((team) => [team.namespace, { jobIds: [], eventIds: [], versionIds: [] }]));
  private jobsCompleted = 0;
  private jobsFailed = 0;
  private pagedLists = 0;
  private deadline = 0;

  constructor(private readonly options: ScenarioOptions) {
    this.client = new ScenarioClient(options.urls);
  }

  /**
   * Each team's editor applies its sources (synchronous refresh), then every replica is awaited
   * until it serves them all. The applies are audited like any mutation; their latencies are not
   * part of the figures.
   */
  async load(sources: ReadonlyMap<Team['namespace'], readonly TeamSource[]>, timeoutMs = 60_000): Promise<void> {
    for (const team of TEAMS) {
      for (const { plugin, body } of sources.get(team.namespace)!) {
        const applied = await this.client.send(editor(team), 'POST', `${basePath(plugin)}/management/apply-source`, { body, category: 'write' });
        if (applied.status !== 200 || applied.body.status?.state !== 'available') throw new Error(`apply ${team.namespace}/${body.id}: ${applied.status} ${applied.text.slice(0, 500)}`);
      }
    }
    const deadline = Date.now() + timeoutMs;
    for (const url of this.options.urls) {
      for (const team of TEAMS) {
        for (const plugin of SCENARIO_PLUGINS) {
          const path = `${url}${basePath(plugin.name)}/${plugin.plural}?pageSize=1`;
          const headers = { 'x-remote-user': team.user, 'x-remote-group': team.groups.join(','), 'x-namespace': team.namespace };
          const expected = expectedNames(team, plugin.name, this.options.perPlugin).length;
          while ((((await (await fetch(path, { headers })).json()) as { totalSize?: number }).totalSize ?? 0) !== expected) {
            if (Date.now() > deadline) throw new Error(`${url} does not serve ${team.namespace}'s ${plugin.name} entities`);
            await sleep(200);
          }
        }
      }
    }
    this.client.resetFigures();
  }

  async run(): Promise<ScenarioReport> {
    const users = this.options.users ?? 20;
    const warmupMs = (this.options.warmupSeconds ?? 0) * 1000;
    this.deadline = Date.now() + warmupMs + this.options.durationSeconds * 1000;
    const warmedUp = warmupMs > 0 ? setTimeout(() => this.client.resetFigures(), warmupMs) : undefined;
    const governors = new Map<Team, number>();
    await Promise.all(Array.from({ length: users }, (_, i) => {
      const team = TEAMS[i % 2];
      const role = ROLES[Math.floor(i / 2) % ROLES.length];
      const random = seededRandom((this.options.seed ?? 1) * 1000 + i);
      if (role !== 'governor') return this.loop(role, team, random, 0);
      const index = governors.get(team) ?? 0;
      governors.set(team, index + 1);
      return this.loop(role, team, random, index);
    }));
    clearTimeout(warmedUp);
    // Figures of the load itself, before the checks below add their own requests.
    const load = this.loadFigures();
    const audited = await this.checkAuditTrail();
    const uuidsA = this.client.uuidsSeen.get('team-a')!;
    const shared = [...this.client.uuidsSeen.get('team-b')!].filter((uuid) => uuidsA.has(uuid));
    if (shared.length > 0) this.client.violation('isolation', `ids in responses to both teams: ${shared.slice(0, 5).join(', ')}`);
    return {
      ...load,
      jobsCompleted: this.jobsCompleted,
      jobsFailed: this.jobsFailed,
      pagedLists: this.pagedLists,
      mutationsAudited: audited.mutations,
      deniedReadsAudited: audited.deniedReads,
      violationCounts: this.client.violationCounts,
      violations: this.client.violations,
    };
  }

  private async loop(role: Role, team: Team, random: () => number, index: number): Promise<void> {
    const step = {
      browser: () => this.browse(team, random),
      refresher: () => this.refresh(team, SCENARIO_PLUGINS[Math.floor(random() * SCENARIO_PLUGINS.length)], true),
      applier: () => this.applyScratch(team, random),
      governor: () => this.govern(team, index),
      auditor: () => this.readAuditAndJobs(team, random),
      crossProber: () => this.probeAcross(team, random),
      negative: () => this.probeDenied(team, random),
    }[role];
    const think = this.options.thinkTimeMs ?? 100;
    while (Date.now() < this.deadline) {
      await step();
      await sleep(think * (0.5 + random()));
    }
  }

  // --- team members working on their own data (RBAC positive, isolation, stability) ---

  private async browse(team: Team, random: () => number): Promise<void> {
    const caller = editor(team);
    const plugin = SCENARIO_PLUGINS[Math.floor(random() * SCENARIO_PLUGINS.length)];
    const base = basePath(plugin.name);
    const choice = random();
    if (choice < 0.35) {
      await this.pageThrough(team, plugin, random() < 0.5, random);
    } else if (choice < 0.7) {
      const name = entityName(team, plugin.name, Math.floor(random() * this.options.perPlugin));
      const got = await this.client.expect(caller, 'GET', `${base}/${plugin.plural}/${name}`, 200, { category: 'get' });
      if (got && got.body?.name !== name) this.client.violation('rbacPositive', `GET ${name} answered ${got.text.slice(0, 200)}`);
    } else if (choice < 0.85) {
      await this.client.expect(caller, 'GET', '/api/plugins', 200, { category: 'discovery' });
      await this.client.expect(caller, 'GET', `/api/plugins/${plugin.name}/capabilities`, 200, { category: 'discovery' });
      const namespaces = await this.client.expect(caller, 'GET', '/api/tenancy/v1alpha1/namespaces', 200, { category: 'discovery' });
      if (namespaces && JSON.stringify(namespaces.body?.namespaces) !== JSON.stringify([team.namespace])) {
        this.client.violation('isolation', `${team.user} may use namespaces ${namespaces.text}`);
      }
    } else {
      const name = entityName(team, plugin.name, Math.floor(random() * this.options.perPlugin));
      const found = await this.client.expect(caller, 'GET', `${base}/${plugin.plural}?q=${name}`, 200, { category: 'list' });
      if (found && !found.body?.items?.some((item: { name: string }) => item.name === name)) this.client.violation('rbacPositive', `search for ${name} missed it`);
    }
  }

  /** Pages through a whole entity list (optionally filtered) and compares it with the dataset: no duplicates, no gaps. */
  private async pageThrough(team: Team, plugin: ScenarioPlugin, filtered: boolean, random: () => number): Promise<void> {
    const caller = editor(team);
    const pageSize = [50, 100, 250][Math.floor(random() * 3)];
    const order = random() < 0.5 ? 'ASC' : 'DESC';
    const filter = filtered ? `&filterQuery=${encodeURIComponent(plugin.evenFilter)}` : '';
    const expected = new Set(expectedNames(team, plugin.name, this.options.perPlugin, filtered));
    const seen = new Set<string>();
    let token = '';
    do {
      const page = await this.client.expect(caller, 'GET', `${basePath(plugin.name)}/${plugin.plural}?pageSize=${pageSize}&sortOrder=${order}${filter}${token ? `&pageToken=${token}` : ''}`, 200, { category: 'list' });
      if (!page) return;
      for (const { name } of page.body.items as { name: string }[]) {
        if (seen.has(name)) this.client.violation('stability', `${team.namespace} ${plugin.name} list${filter}: ${name} on two pages`);
        seen.add(name);
      }
      token = encodeURIComponent(page.body.nextPageToken);
    } while (token !== '');
    const missing = [...expected].filter((name) => !seen.has(name));
    const extra = [...seen].filter((name) => !expected.has(name));
    if (missing.length > 0 || extra.length > 0) {
      this.client.violation('stability', `${team.namespace} ${plugin.name} list${filter}: ${missing.length} missing (${missing.slice(0, 3).join(', ')}), ${extra.length} unexpected (${extra.slice(0, 3).join(', ')})`);
    }
    this.pagedLists++;
  }

  /** One async refresh job of the team's source of `plugin`, followed to its end. */
  private async refresh(team: Team, plugin: ScenarioPlugin, force: boolean, source = sourceId(team, plugin.name)): Promise<void> {
    const caller = editor(team);
    const started = await this.client.expect(caller, 'POST', `${basePath(plugin.name)}/management/refresh/${source}${force ? '?force=true' : ''}`, 202, { body: {}, category: 'write' });
    if (!started) return;
    const jobId = started.body.jobId as string;
    this.state.get(team.namespace)!.jobIds.push(jobId);
    const until = Date.now() + JOB_TIMEOUT_MS;
    while (Date.now() < until) {
      const job = await this.client.expect(caller, 'GET', `${JOBS}/${jobId}`, 200, { category: 'get' });
      if (!job) return;
      if (TERMINAL.has(job.body.state)) {
        if (job.body.state === 'succeeded') this.jobsCompleted++;
        else {
          this.jobsFailed++;
          this.client.violation('stability', `job ${jobId} of ${team.namespace}/${source} ended ${job.body.state}: ${job.body.message}`);
        }
        return;
      }
      await sleep(JOB_POLL_MS);
    }
    this.client.violation('stability', `job ${jobId} of ${team.namespace}/${source} did not finish within ${JOB_TIMEOUT_MS} ms`);
  }

  private revision = new Map<Team, number>();

  /** Re-applies the scratch source with new descriptions (refresh deferred), refreshes it as a job, and checks the result. */
  private async applyScratch(team: Team, random: () => number): Promise<void> {
    const caller = editor(team);
    const revision = (this.revision.get(team) ?? 0) + 1;
    this.revision.set(team, revision);
    const source = { id: scratchSourceId(team), name: `${team.namespace} scratch`, type: 'yaml', properties: { content: scratchContent(team, revision) } };
    if (!(await this.client.expect(caller, 'POST', `${MCP}/management/validate-source`, 200, { body: source, category: 'write' }))) return;
    if (!(await this.client.expect(caller, 'POST', `${MCP}/management/apply-source`, 200, { body: { ...source, refreshAfterApply: false }, category: 'write' }))) return;
    await this.refresh(team, SCENARIO_PLUGINS[0], false, scratchSourceId(team));
    const name = scratchName(team, Math.floor(random() * 5));
    const entity = await this.client.expect(caller, 'GET', `${MCP}/mcpservers/${name}`, 200, { category: 'get' });
    if (entity && entity.body.description !== `scratch revision ${revision}`) {
      this.client.violation('rbacPositive', `${team.namespace}/${name} after the refresh of revision ${revision}: ${entity.body.description}`);
    }
    const tagged = entityName(team, 'mcp', Math.floor(random() * this.options.perPlugin));
    await this.client.expect(caller, 'POST', `${MCP}/management/entities/${tagged}:action`, 200, { body: { action: 'tag', params: { tags: [`${team.token}-tag-${revision}`] } }, category: 'write' });
    await this.client.expect(caller, 'GET', `${MCP}/management/sources?includeContent=false`, 200, { category: 'list' });
    await this.client.expect(caller, 'GET', `${MCP}/management/sources/${scratchSourceId(team)}/revisions`, 200, { category: 'get' });
  }

  private lifecycle = new Map<string, string>();
  private versionCount = new Map<string, number>();

  /** A governance round on the governor's own agent: version, binding, metadata, lifecycle step, reads. */
  private async govern(team: Team, index: number): Promise<void> {
    const caller = editor(team);
    const url = asset(team, index);
    const n = (this.versionCount.get(url) ?? 0) + 1;
    this.versionCount.set(url, n);
    const version = await this.client.expect(caller, 'POST', `${url}/versions`, 201, { body: { versionLabel: `v${n}` }, category: 'write' });
    if (version) {
      this.state.get(team.namespace)!.versionIds.push(version.body.versionId);
      await this.client.expect(caller, 'PUT', `${url}/bindings/dev`, 200, { body: { versionId: version.body.versionId }, category: 'write' });
    }
    await this.client.expect(caller, 'PATCH', url, 200, { body: { risk: { level: RISK_LEVELS[n % RISK_LEVELS.length] } }, category: 'write' });
    const next = NEXT_STATE[this.lifecycle.get(url) ?? 'draft'];
    if (await this.client.expect(caller, 'POST', `${url}/actions/lifecycle.setState`, 200, { body: { params: { state: next, reason: `round ${n}` } }, category: 'write' })) {
      this.lifecycle.set(url, next);
    }
    const record = await this.client.expect(caller, 'GET', url, 200, { category: 'get' });
    if (record && record.body.governance?.lifecycle?.state !== this.lifecycle.get(url)) {
      this.client.violation('rbacPositive', `${url} is ${record.body.governance?.lifecycle?.state}, expected ${this.lifecycle.get(url)}`);
    }
    await this.client.expect(caller, 'GET', `${url}/versions?pageSize=10`, 200, { category: 'list' });
    await this.client.expect(caller, 'GET', `${url}/bindings`, 200, { category: 'get' });
    await this.client.expect(caller, 'GET', `${url}/history?pageSize=10`, 200, { category: 'list' });
  }

  /** Pages through the team's whole audit trail and job list: no duplicates, nothing of another namespace, nothing known missing. */
  private async readAuditAndJobs(team: Team, random: () => number): Promise<void> {
    const caller = editor(team);
    const state = this.state.get(team.namespace)!;
    // Requests answered before the page-through starts are committed, so each must be found.
    const audited = new Set(this.client.mutations.filter((m) => m.namespace === team.namespace).map((m) => m.requestId));
    const jobsBefore = new Set(state.jobIds);
    const events = await this.pageAll(caller, `${EVENTS}?pageSize=100`, 'events');
    if (events) {
      state.eventIds = events.map((e) => e.id as string);
      for (const requestId of new Set(events.map((e) => e.requestId as string))) audited.delete(requestId);
      if (audited.size > 0) this.client.violation('stability', `${team.namespace} audit list misses ${audited.size} answered mutations, e.g. ${[...audited].slice(0, 3).join(', ')}`);
    }
    const jobs = await this.pageAll(caller, `${JOBS}?pageSize=100`, 'jobs');
    if (jobs) {
      for (const job of jobs) jobsBefore.delete(job.id as string);
      if (jobsBefore.size > 0) this.client.violation('stability', `${team.namespace} job list misses ${jobsBefore.size} jobs, e.g. ${[...jobsBefore].slice(0, 3).join(', ')}`);
    }
    if (state.eventIds.length > 0) await this.client.expect(caller, 'GET', `${EVENTS}/${state.eventIds[Math.floor(random() * state.eventIds.length)]}`, 200, { category: 'get' });
    if (state.jobIds.length > 0) await this.client.expect(caller, 'GET', `${JOBS}/${state.jobIds[Math.floor(random() * state.jobIds.length)]}`, 200, { category: 'get' });
  }

  /** Every row of a paged audit or job list, checked for duplicates and for rows of another namespace. */
  private async pageAll(caller: Caller, path: string, key: 'events' | 'jobs'): Promise<Record<string, unknown>[] | undefined> {
    const rows: Record<string, unknown>[] = [];
    const ids = new Set<string>();
    let token = '';
    do {
      const page = await this.client.expect(caller, 'GET', `${path}${token ? `&pageToken=${token}` : ''}`, 200, { category: 'list' });
      if (!page) return undefined;
      for (const row of page.body[key] as Record<string, unknown>[]) {
        if (ids.has(row.id as string)) this.client.violation('stability', `${caller.namespace} ${key} list: ${row.id as string} on two pages`);
        if (row.namespace !== caller.namespace) this.client.violation('isolation', `${caller.namespace} ${key} list holds a row of ${row.namespace as string}`);
        ids.add(row.id as string);
        rows.push(row);
      }
      token = encodeURIComponent(page.body.nextPageToken);
    } while (token !== '');
    this.pagedLists++;
    return rows;
  }

  /** The other team's names and ids, asked for in the prober's own namespace: 404, or absent from lists. */
  private async probeAcross(team: Team, random: () => number): Promise<void> {
    const caller = editor(team);
    const owner = other(team);
    const known = this.state.get(owner.namespace)!;
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
    const plugin = pick(SCENARIO_PLUGINS);
    const notFound = [
      `${basePath(plugin.name)}/${plugin.plural}/${entityName(owner, plugin.name, Math.floor(random() * this.options.perPlugin))}`,
      `${basePath(plugin.name)}/management/entities/${entityName(owner, plugin.name, 0)}`,
      `${MCP}/management/sources/${sourceId(owner, 'mcp')}/revisions`,
      asset(owner, 0),
      ...(known.jobIds.length > 0 ? [`${JOBS}/${pick(known.jobIds)}`] : []),
      ...(known.eventIds.length > 0 ? [`${EVENTS}/${pick(known.eventIds)}`] : []),
      ...(known.versionIds.length > 0 ? [`${asset(team, 0)}/versions/${encodeURIComponent(pick(known.versionIds))}`] : []),
    ];
    for (const path of notFound) await this.client.expect(caller, 'GET', path, 404, { category: 'get', scan: false });
    const empty = await this.client.expect(caller, 'GET', `${basePath(plugin.name)}/${plugin.plural}?sourceId=${sourceId(owner, plugin.name)}`, 200, { category: 'list', scan: false });
    if (empty && empty.body.items.length !== 0) this.client.violation('isolation', `${team.namespace} lists ${owner.namespace}'s source ${sourceId(owner, plugin.name)}: ${empty.text.slice(0, 200)}`);
  }

  // --- identities that must be denied (RBAC negative) ---

  /**
   * team-a's prober is alice in team-b and victor (viewer) writing in team-a; team-b's is carol in
   * team-a and mallory in both namespaces. Each request must be 403 naming the route's pair.
   */
  private async probeDenied(team: Team, random: () => number): Promise<void> {
    const probe = PROBES[Math.floor(random() * PROBES.length)];
    const owner = other(team);
    const callers: { caller: Caller; target: Team }[] = [{ caller: { ...editor(team), namespace: owner.namespace, team: null }, target: owner }];
    if (team.namespace === 'team-a' && probe.method !== 'GET') callers.push({ caller: { user: 'victor', groups: [], namespace: team.namespace, team }, target: team });
    if (team.namespace === 'team-a' && probe.method === 'GET') {
      // victor's reads are granted (catalog-view).
      await this.client.expect({ user: 'victor', groups: [], namespace: team.namespace, team }, 'GET', probe.path(team), 200, { category: probe.pair.endsWith('/list') ? 'list' : 'get' });
    }
    if (team.namespace === 'team-b') for (const target of TEAMS) callers.push({ caller: { user: 'mallory', groups: [], namespace: target.namespace, team: null }, target });
    for (const { caller, target } of callers) {
      const denied = await this.client.expect(caller, probe.method, probe.path(target), 403, { body: probe.body?.(target), category: probe.method === 'GET' ? 'get' : 'write' });
      const message = `insufficient permissions for ${probe.pair} in namespace ${target.namespace}`;
      if (denied && denied.body?.message !== message) this.client.violation('rbacNegative', `${caller.user} ${probe.method} ${probe.path(target)}: ${denied.text.slice(0, 200)}, expected "${message}"`);
    }
  }

  // --- after the run ---

  /**
   * Every mutation has exactly one audit event, in its own namespace, with outcome `denied` when it
   * was refused; every denied read has one `access` event; no event belongs to a request not sent.
   */
  private async checkAuditTrail(): Promise<{ mutations: number; deniedReads: number }> {
    const byNamespace = new Map<string, Map<string, Record<string, unknown>[]>>();
    for (const team of TEAMS) {
      const events = await this.pageAll(editor(team), `${EVENTS}?pageSize=100`, 'events');
      const byRequest = new Map<string, Record<string, unknown>[]>();
      for (const event of events ?? []) byRequest.set(event.requestId as string, [...(byRequest.get(event.requestId as string) ?? []), event]);
      byNamespace.set(team.namespace, byRequest);
    }
    const check = (request: Mutation, read: boolean) => {
      const own = byNamespace.get(request.namespace)!.get(request.requestId) ?? [];
      const elsewhere = TEAMS.filter((t) => t.namespace !== request.namespace).flatMap((t) => byNamespace.get(t.namespace)!.get(request.requestId) ?? []);
      const what = `${request.method} ${request.path} (${request.requestId}, ${request.status}) in ${request.namespace}`;
      if (own.length !== 1 || elsewhere.length > 0) {
        this.client.violation(request.status === 403 ? 'rbacNegative' : 'stability', `${what}: ${own.length} audit events in its namespace, ${elsewhere.length} elsewhere`);
      } else if (request.status === 403 && (own[0].outcome !== 'denied' || (read && own[0].eventType !== 'access'))) {
        this.client.violation('rbacNegative', `${what}: event ${JSON.stringify(own[0]).slice(0, 200)}`);
      }
      for (const map of byNamespace.values()) map.delete(request.requestId);
    };
    for (const mutation of this.client.mutations) check(mutation, false);
    for (const read of this.client.deniedReads) check(read, true);
    for (const [namespace, left] of byNamespace) {
      if (left.size > 0) this.client.violation('stability', `${namespace} holds ${left.size} audit events of requests that did not need one, e.g. ${[...left.keys()].slice(0, 3).join(', ')}`);
    }
    return { mutations: this.client.mutations.length, deniedReads: this.client.deniedReads.length };
  }

  private loadFigures(): Pick<ScenarioReport, 'requests' | 'statuses' | 'fiveXx' | 'latency'> {
    const summary = (values: number[]): LatencySummary => {
      const sorted = [...values].sort((a, b) => a - b);
      const round = (v: number) => Math.round(v * 10) / 10;
      return { count: sorted.length, p50: round(percentile(sorted, 0.5)), p95: round(percentile(sorted, 0.95)), p99: round(percentile(sorted, 0.99)) };
    };
    const { latencies, statuses } = this.client;
    return {
      requests: this.client.requestCount(),
      statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
      fiveXx: [...statuses].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0),
      latency: {
        all: summary(Object.values(latencies).flat()),
        list: summary(latencies.list), get: summary(latencies.get), discovery: summary(latencies.discovery), write: summary(latencies.write),
      },
    };
  }
}
