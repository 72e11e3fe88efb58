import { randomBytes } from 'node:crypto';
import { CATEGORY_NAMES } from '../options.js';
import type { CapabilitiesDoc } from './capabilities.js';
import { CategoryRecorder } from './CategoryRecorder.js';
import { loadFixture, type Fixture } from './fixtures.js';
import { HttpClient } from './HttpClient.js';
import type { CategoryId, HttpResult, MutationRecord, PluginSummary, RequestSpec, ResolvedOptions, RunContext } from './RunContext.js';

const POLL_MS = 250;

/** The state of one run: the RunContext of the check categories plus what only the core reads. */
export class ConformanceRun implements RunContext {
  readonly runId = randomBytes(4).toString('hex');
  mode: 'single' | 'namespace' = 'single';
  namespace: string | null = null;
  otherNamespace: string | null = null;
  plugins: PluginSummary[] = [];
  /** Every plugin of the server, also those --plugin filters out (targets of references). */
  serverPlugins: PluginSummary[] = [];
  readonly shared = new Map<string, unknown>();
  readonly client: HttpClient;
  readonly categories: CategoryRecorder[] = [];
  private readonly capabilities = new Map<string, Promise<HttpResult>>();
  private readonly fixtures = new Map<string, Promise<Fixture | null>>();

  constructor(readonly options: ResolvedOptions) {
    this.client = new HttpClient(options, this.runId, () => this.namespace);
  }

  get mutations(): MutationRecord[] {
    return this.client.mutations;
  }

  /** `conformance-<runId>`: the prefix of every object the run creates. */
  get prefix(): string {
    return `conformance-${this.runId}`;
  }

  category(id: CategoryId, name: string = CATEGORY_NAMES[id], plugin?: string): CategoryRecorder {
    let recorder = this.categories.find((c) => c.id === id && c.plugin === plugin);
    if (!recorder) {
      recorder = new CategoryRecorder(id, name, plugin);
      this.categories.push(recorder);
    }
    return recorder;
  }

  request(spec: RequestSpec): Promise<HttpResult> {
    return this.client.request(spec);
  }

  plugin(name: string): PluginSummary | undefined {
    return this.serverPlugins.find((p) => p.name === name);
  }

  /** GET /api/plugins/<P>/capabilities, fetched once per run. */
  capabilitiesResponse(plugin: string): Promise<HttpResult> {
    let pending = this.capabilities.get(plugin);
    if (!pending) {
      pending = this.request({ path: `/api/plugins/${encodeURIComponent(plugin)}/capabilities` });
      this.capabilities.set(plugin, pending);
    }
    return pending;
  }

  /** The capabilities document from the endpoint, else the one inlined in /api/plugins, else null. */
  async capabilitiesDoc(plugin: string): Promise<CapabilitiesDoc | null> {
    const response = await this.capabilitiesResponse(plugin).catch(() => undefined);
    if (response?.status === 200 && typeof response.body === 'object' && response.body !== null) return response.body as CapabilitiesDoc;
    return (this.plugin(plugin)?.capabilitiesV2 as CapabilitiesDoc | undefined) ?? null;
  }

  async fixture(plugin: string, idSuffix = ''): Promise<Fixture | null> {
    const key = `${plugin}\u0000${idSuffix}`;
    let pending = this.fixtures.get(key);
    if (!pending) {
      pending = loadFixture(this, plugin, `${this.prefix}${idSuffix}`);
      this.fixtures.set(key, pending);
    }
    return pending;
  }

  async waitFor(pred: () => Promise<boolean>, timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await pred().catch(() => false)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
