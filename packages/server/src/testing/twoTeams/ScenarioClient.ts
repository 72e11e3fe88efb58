import { TEAMS, type Team } from './teamDataset.js';

/** Who sends a request, and in which namespace. */
export interface Caller {
  user: string;
  groups: readonly string[];
  namespace: Team['namespace'];
  /** The team whose own data the caller works on, or null for probes across teams and for mallory. */
  team: Team | null;
}

/** Latency classes the reports break down. */
export type Category = 'list' | 'get' | 'discovery' | 'write';

export interface Sent {
  status: number;
  body: any;
  text: string;
  requestId: string;
}

/** A state-changing request, checked against the audit trail after the run. */
export interface Mutation {
  requestId: string;
  namespace: Team['namespace'];
  method: string;
  path: string;
  status: number;
}

export type ViolationKind = 'isolation' | 'rbacPositive' | 'rbacNegative' | 'stability';

// A UUID's dashed tail; the eight hex digits before it are checked by hand. Searching from the dash is
// about nine times faster than the whole pattern, which the engine tries at every offset of a page, and
// the load generator shares the machine with the servers it measures.
const UUID_TAIL = /-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const UUID_HEAD = /^[0-9a-f]{8}$/;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_EXAMPLES = 20;

/**
 * Sends the scenario's requests round-robin over the replicas, and records what the checks of
 * spec 05 §11 item 55 need: latencies by category, statuses, every mutation and denied read (for the
 * audit check), and, for each team, the UUIDs its own responses carried (for the isolation check).
 */
export class ScenarioClient {
  readonly latencies: Record<Category, number[]> = { list: [], get: [], discovery: [], write: [] };
  readonly statuses = new Map<number, number>();
  readonly mutations: Mutation[] = [];
  readonly deniedReads: Mutation[] = [];
  readonly violations: Record<ViolationKind, string[]> = { isolation: [], rbacPositive: [], rbacNegative: [], stability: [] };
  readonly violationCounts: Record<ViolationKind, number> = { isolation: 0, rbacPositive: 0, rbacNegative: 0, stability: 0 };
  /** UUIDs each team's own responses carried. */
  readonly uuidsSeen = new Map<Team['namespace'], Set<string>>(TEAMS.map((team) => [team.namespace, new Set()]));
  private next = 0;
  private counter = 0;

  constructor(private readonly urls: readonly string[]) {}

  violation(kind: ViolationKind, message: string): void {
    this.violationCounts[kind]++;
    if (this.violations[kind].length < MAX_EXAMPLES) this.violations[kind].push(message);
  }

  /**
   * One request. `scan` (the default for a caller working on its own team's data) searches the
   * response for the other team's tokens and namespace and collects its UUIDs.
   */
  async send(caller: Caller, method: string, path: string, options: { body?: unknown; category: Category; scan?: boolean }): Promise<Sent> {
    const requestId = `${caller.team?.token ?? 'probe'}-${caller.user}-${++this.counter}`;
    const headers: Record<string, string> = { 'x-remote-user': caller.user, 'x-namespace': caller.namespace, 'x-request-id': requestId };
    if (caller.groups.length > 0) headers['x-remote-group'] = caller.groups.join(',');
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const url = this.urls[this.next++ % this.urls.length];
    const began = performance.now();
    let response: Response;
    try {
      response = await fetch(`${url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    } catch (error) {
      this.violation('stability', `${method} ${path} as ${caller.user}: ${(error as Error).message}`);
      return { status: 0, body: undefined, text: '', requestId };
    }
    const text = await response.text();
    this.latencies[options.category].push(performance.now() - began);
    this.statuses.set(response.status, (this.statuses.get(response.status) ?? 0) + 1);
    if (response.status >= 500) this.violation('stability', `${method} ${path} as ${caller.user} in ${caller.namespace}: ${response.status} ${text.slice(0, 300)}`);
    const record = { requestId, namespace: caller.namespace, method, path, status: response.status };
    if (WRITE_METHODS.has(method)) this.mutations.push(record);
    else if (response.status === 403) this.deniedReads.push(record);
    if (options.scan ?? caller.team !== null) this.scan(caller, method, path, text);
    let body: any;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, body, text, requestId };
  }

  /** `send`, then a violation unless the status is `expected`. */
  async expect(caller: Caller, method: string, path: string, expected: number, options: { body?: unknown; category: Category; scan?: boolean }): Promise<Sent | undefined> {
    const sent = await this.send(caller, method, path, options);
    if (sent.status === expected) return sent;
    if (sent.status > 0 && sent.status < 500) {
      const kind: ViolationKind = expected === 403 ? 'rbacNegative' : expected === 404 ? 'isolation' : 'rbacPositive';
      this.violation(kind, `${method} ${path} as ${caller.user} in ${caller.namespace}: expected ${expected}, got ${sent.status} ${sent.text.slice(0, 300)}`);
    }
    return undefined;
  }

  private scan(caller: Caller, method: string, path: string, response: string): void {
    // Page tokens are opaque base64url, which may spell anything.
    const text = response.replace(/"(nextPageToken|pageToken)":"[^"]*"/g, '');
    const own = caller.team!;
    const other = TEAMS.find((team) => team !== own)!;
    const token = new RegExp(`\\b${other.token}-[a-z0-9]`);
    if (token.test(text) || text.includes(`"namespace":"${other.namespace}"`)) {
      this.violation('isolation', `${method} ${path} as ${caller.user} in ${caller.namespace} shows ${other.namespace}'s data: ${text.slice(0, 300)}`);
    }
    const seen = this.uuidsSeen.get(own.namespace)!;
    for (const { index } of text.matchAll(UUID_TAIL)) {
      if (index >= 8 && UUID_HEAD.test(text.slice(index - 8, index))) seen.add(text.slice(index - 8, index + 28));
    }
  }

  /** Forgets latencies and statuses (not mutations), e.g. of the data load before the measured run. */
  resetFigures(): void {
    for (const list of Object.values(this.latencies)) list.length = 0;
    this.statuses.clear();
  }

  requestCount(): number {
    return Object.values(this.latencies).reduce((sum, list) => sum + list.length, 0);
  }
}

/** The value below which `q` of the sorted values fall. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
