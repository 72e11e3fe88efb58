import type { KindDeclaration, PluginDeclaration } from '@catalog/framework';
import type { BaseLogger } from 'pino';
import { StartupError } from '../errors.js';
import { validateDeclaration } from './validateDeclaration.js';

const INIT_TIMEOUT_MS = 30_000;
const HEALTH_TIMEOUT_MS = 2_000;
const HEALTH_CACHE_MS = 1_000;
const RETRY_BASE_MS = 30_000;
const RETRY_MAX_MS = 5 * 60_000;

export type PluginState = 'initializing' | 'active' | 'failed';

export interface KindRuntime {
  readonly plugin: string;
  readonly decl: KindDeclaration;
  readonly yamlKey: string;
  readonly listPath: string;
}

type Logger = Pick<BaseLogger, 'info' | 'warn' | 'error'> & { child(bindings: object): BaseLogger };

/** One registered plugin and its runtime state. */
export class RegisteredPlugin {
  state: PluginState = 'initializing';
  lastError: string | undefined;
  readonly basePath: string;
  readonly configKey: string;
  readonly kinds: KindRuntime[];
  private healthCheckedAt = 0;
  private healthy = false;
  private healthError: string | undefined;
  retryAttempt = 0;
  retryTimer: NodeJS.Timeout | undefined;

  constructor(readonly decl: PluginDeclaration) {
    this.basePath = `/api/${decl.name}_catalog/${decl.version}`;
    this.configKey = decl.configKey ?? decl.name;
    this.kinds = decl.entities.map((kind) => ({
      plugin: decl.name,
      decl: kind,
      yamlKey: kind.yamlKey ?? kind.plural,
      listPath: `${this.basePath}/${kind.plural}`,
    }));
  }

  get name(): string {
    return this.decl.name;
  }

  kindByName(kind: string): KindRuntime | undefined {
    return this.kinds.find((k) => k.decl.kind === kind);
  }

  /**
   * Healthy = active and the optional health hook resolves true within 2 s; cached for 1 s (spec 01 §5.4)
   * unless `fresh` asks for a new evaluation.
   */
  async checkHealth(options: { fresh?: boolean } = {}): Promise<{ healthy: boolean; error?: string }> {
    if (this.state !== 'active') return { healthy: false, error: this.lastError };
    const now = Date.now();
    if (!options.fresh && now - this.healthCheckedAt < HEALTH_CACHE_MS) return { healthy: this.healthy, error: this.healthError };
    this.healthCheckedAt = now;
    if (!this.decl.health) {
      this.healthy = true;
      this.healthError = undefined;
    } else {
      try {
        this.healthy = (await withTimeout(this.decl.health(), HEALTH_TIMEOUT_MS, 'health check timed out after 2s')) === true;
        this.healthError = this.healthy ? undefined : 'health check reported unhealthy';
      } catch (error) {
        this.healthy = false;
        this.healthError = (error as Error).message;
      }
    }
    return { healthy: this.healthy, error: this.healthError };
  }
}

/**
 * The plugins of this process, in registration order (alphabetical). Initialization is isolated per
 * plugin (spec 01 §5.3): a failing declaration or init hook marks that plugin failed and schedules a
 * retry with exponential backoff; the process keeps serving the others.
 */
export class PluginRegistry {
  private readonly plugins: RegisteredPlugin[];
  private stopped = false;

  constructor(
    declarations: readonly PluginDeclaration[],
    private readonly log: Logger,
    private readonly onActivated: (plugin: RegisteredPlugin) => void = () => undefined,
  ) {
    this.plugins = [...declarations].sort((a, b) => a.name.localeCompare(b.name)).map((decl) => new RegisteredPlugin(decl));
    const seen = new Set<string>();
    for (const plugin of this.plugins) {
      for (const [what, value] of [['name', plugin.name], ['base path', plugin.basePath], ['config key', plugin.configKey]]) {
        if (seen.has(`${what}:${value}`)) throw new StartupError(`two plugins declare the same ${what} "${value}"`);
        seen.add(`${what}:${value}`);
      }
    }
  }

  list(): readonly RegisteredPlugin[] {
    return this.plugins;
  }

  get(name: string): RegisteredPlugin | undefined {
    return this.plugins.find((p) => p.name === name);
  }

  byConfigKey(configKey: string): RegisteredPlugin | undefined {
    return this.plugins.find((p) => p.configKey === configKey);
  }

  /** Every entity kind of the registered plugins (the targets `references=` may name). */
  kindNames(): string[] {
    return this.plugins.flatMap((p) => p.kinds.map((k) => k.decl.kind));
  }

  get initializing(): boolean {
    return this.plugins.some((p) => p.state === 'initializing');
  }

  async initializeAll(): Promise<void> {
    for (const plugin of this.plugins) await this.initialize(plugin);
  }

  private async initialize(plugin: RegisteredPlugin): Promise<void> {
    try {
      validateDeclaration(plugin.decl);
      if (plugin.decl.init) {
        const log = this.log.child({ plugin: plugin.name });
        await withTimeout(plugin.decl.init({ log }), INIT_TIMEOUT_MS, 'init timed out after 30s');
      }
      const wasRetry = plugin.retryAttempt > 0;
      plugin.state = 'active';
      plugin.lastError = undefined;
      plugin.retryAttempt = 0;
      this.log.info({ plugin: plugin.name, basePath: plugin.basePath }, 'plugin initialized');
      if (wasRetry) this.onActivated(plugin);
    } catch (error) {
      plugin.state = 'failed';
      plugin.lastError = (error as Error).message || String(error);
      this.log.error({ plugin: plugin.name, err: plugin.lastError }, 'plugin initialization failed');
      this.scheduleRetry(plugin);
    }
  }

  private scheduleRetry(plugin: RegisteredPlugin): void {
    if (this.stopped) return;
    const delay = Math.min(RETRY_BASE_MS * 2 ** plugin.retryAttempt, RETRY_MAX_MS);
    plugin.retryAttempt += 1;
    plugin.retryTimer = setTimeout(() => void this.initialize(plugin), delay);
    plugin.retryTimer.unref();
  }

  async stopAll(): Promise<void> {
    this.stopped = true;
    for (const plugin of this.plugins) {
      clearTimeout(plugin.retryTimer);
      if (plugin.state === 'active' && plugin.decl.stop) {
        try {
          await plugin.decl.stop();
        } catch (error) {
          this.log.warn({ plugin: plugin.name, err: (error as Error).message }, 'plugin stop hook failed');
        }
      }
    }
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
